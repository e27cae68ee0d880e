import Foundation
import MQLGate
import Testing

@Suite("Standard Webhooks signatures")
struct WebhookSignatureTests {
    /// The published Standard Webhooks test vector.
    @Test func matchesTheReferenceVector() throws {
        let signer = try #require(WebhookSignature(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let body = Array(#"{"test": 2432232314}"#.utf8)
        #expect(signer.sign(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
            == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func verifiesAnyOfSeveralSignaturesWithinTolerance() throws {
        let signer = try #require(WebhookSignature(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        let rotated = "v1,bm9wZQ== \(good)"
        #expect(signer.verify(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, header: rotated, now: 1_614_265_330))
        #expect(signer.verify(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, header: good, now: 1_614_265_330 + 299))
        #expect(!signer.verify(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, header: good, now: 1_614_265_330 + 301))
        #expect(!signer.verify(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, header: good, now: 1_614_265_330 - 301))
        #expect(!signer.verify(id: "msg_other", timestamp: 1_614_265_330, body: body, header: good, now: 1_614_265_330))
        #expect(!signer.verify(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body + [0x20], header: good, now: 1_614_265_330))
        #expect(WebhookSignature(secret: "whsec_!!!") == nil)
    }

    /// An independent implementation: the openssl command line.
    @Test func agreesWithOpenSSL() throws {
        let secret = "whsec_" + Data((0..<24).map { UInt8($0 * 7 % 256) }).base64EncodedString()
        let signer = try #require(WebhookSignature(secret: secret))
        let body = Array(#"{"type":"handoff.created","data":{"id":"ho_1"}}"#.utf8)
        let ours = signer.sign(id: "msg_1", timestamp: 1_700_000_000, body: body)
        let mac = try WebhookDeliveryTests.opensslHMAC(secret: secret, message: Array("msg_1.1700000000.".utf8) + body)
        #expect(ours == "v1," + mac)
    }
}

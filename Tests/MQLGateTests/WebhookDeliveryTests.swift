import Foundation
import HTTP1
import HTTPTestSupport
import MQLGate
import Synchronization
import Testing

/// A webhook receiver on loopback, built on the project's own HTTP server:
/// it records every request and answers with the statuses it is told to.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var id: String
        var timestamp: String
        var signature: String
        var body: [UInt8]
        var type: String
        var at: Date
    }

    private final class Log: Sendable {
        let state = Mutex<(received: [Received], answers: [Int], retryAfter: String?)>(([], [], nil))
    }

    private let server: HTTPServer
    private let log = Log()
    var port: Int { server.port }
    var url: String { "http://127.0.0.1:\(server.port)/hook" }

    init(answers: [Int] = [], port: Int = 0) throws {
        let log = self.log
        log.state.withLock { $0.answers = answers }
        let router = Router()
        router.add("POST", "/hook") { request in
            let type = ((try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any])?["type"] as? String ?? ""
            let (status, retryAfter) = log.state.withLock { state -> (Int, String?) in
                state.received.append(Received(
                    id: request.headers["webhook-id"] ?? "", timestamp: request.headers["webhook-timestamp"] ?? "",
                    signature: request.headers["webhook-signature"] ?? "", body: request.body, type: type, at: Date()
                ))
                return (state.answers.isEmpty ? 200 : state.answers.removeFirst(), state.retryAfter)
            }
            var headers = HTTPHeaders()
            if let retryAfter { headers.add("Retry-After", retryAfter) }
            return HTTPResponse(status: HTTPStatus(status), headers: headers)
        }
        var configuration = HTTPServerConfiguration()
        configuration.port = port
        configuration.eventLoops = 1
        server = HTTPServer(configuration: configuration, responder: router)
        try server.start()
    }

    var received: [Received] { log.state.withLock { $0.received } }

    func answer(_ statuses: [Int], retryAfter: String? = nil) {
        log.state.withLock {
            $0.answers = statuses
            $0.retryAfter = retryAfter
        }
    }

    /// Waits until `count` requests of `type` (any when nil) arrived.
    func wait(for count: Int, type: String? = nil, seconds: Double = 10) async throws -> [Received] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let matching = received.filter { type == nil || $0.type == type }
            if matching.count >= count { return matching }
            try await Task.sleep(for: .milliseconds(20))
        }
        return received.filter { type == nil || $0.type == type }
    }

    func stop() async { await server.shutdown() }
}

@Suite("Outbound webhook delivery")
struct WebhookDeliveryTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    static func harness(_ receiver: WebhookReceiver, schedule: [Duration] = [.milliseconds(100), .milliseconds(100)],
                        events: [String] = ["handoff.created", "handoff.sla_breached", "handoff.feedback"]) throws -> ServiceHarness {
        try ServiceHarness(model: OperationsTests.quickModel) { configuration in
            configuration.webhooks = [.init(url: receiver.url, secret: secret, events: events, timeout: .seconds(5))]
            configuration.webhookRetrySchedule = schedule
        }
    }

    @Test func handoffIsDeliveredSignedWithTheFullRecord() async throws {
        let receiver = try WebhookReceiver()
        let harness = try Self.harness(receiver)
        _ = try await harness.post("/v1/events", #"{"email":"hook@acme.com","type":"demo_request"}"#)
        let message = try #require(try await receiver.wait(for: 1, type: "handoff.created").first)
        let signer = try #require(WebhookSignature(secret: Self.secret))
        let timestamp = try #require(Int64(message.timestamp))
        #expect(abs(timestamp - Int64(Date().timeIntervalSince1970)) < 30)
        #expect(message.id.hasPrefix("msg_"))
        #expect(signer.verify(id: message.id, timestamp: timestamp, body: message.body, header: message.signature, now: timestamp))
        // Independently: openssl computes the same HMAC over id.timestamp.body.
        #expect(message.signature == "v1," + (try Self.opensslHMAC(secret: Self.secret, message: Array("\(message.id).\(message.timestamp).".utf8) + message.body)))
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(message.body)) as? [String: Any])
        #expect(payload["type"] as? String == "handoff.created")
        #expect(payload["timestamp"] as? String != nil)
        let data = try #require(payload["data"] as? [String: Any])
        #expect(data["email"] as? String == "hook@acme.com")
        #expect((data["sla"] as? [String: Any])?["due_at"] as? String != nil)
        let handoffID = try #require(data["id"] as? String)
        let deliveries = try await harness.get("/v1/handoffs/\(handoffID)").json["deliveries"] as? [[String: Any]] ?? []
        #expect(deliveries.contains { $0["status"] as? String == "delivered" && $0["type"] as? String == "handoff.created" })
        await harness.stop()
        await receiver.stop()
    }

    @Test func retriesAfterFailuresKeepTheSameWebhookID() async throws {
        let receiver = try WebhookReceiver(answers: [500, 503])
        let harness = try Self.harness(receiver, events: ["handoff.created"])
        _ = try await harness.post("/v1/events", #"{"email":"retry@acme.com","type":"demo_request"}"#)
        let attempts = try await receiver.wait(for: 3, type: "handoff.created")
        #expect(attempts.count == 3)
        #expect(Set(attempts.map(\.id)).count == 1)
        #expect(Set(attempts.map { $0.body }).count == 1)
        let handoffID = try #require(try await harness.get("/v1/handoffs").items.first?["id"] as? String)
        try await Task.sleep(for: .milliseconds(200))
        let delivery = try #require((try await harness.get("/v1/handoffs/\(handoffID)").json["deliveries"] as? [[String: Any]])?.first)
        #expect(delivery["status"] as? String == "delivered")
        #expect(delivery["attempts"] as? Int == 3)
        await harness.stop()
        await receiver.stop()
    }

    @Test func breachEventArrives() async throws {
        let receiver = try WebhookReceiver()
        let harness = try Self.harness(receiver)
        _ = try await harness.post("/v1/events", #"{"email":"slow@acme.com","type":"demo_request"}"#)
        let breach = try #require(try await receiver.wait(for: 1, type: "handoff.sla_breached").first)
        let data = (try JSONSerialization.jsonObject(with: Data(breach.body)) as? [String: Any])?["data"] as? [String: Any]
        #expect(data?["breached"] as? Bool == true)
        await harness.stop()
        await receiver.stop()
    }

    @Test func aRestartMidRetryStillDelivers() async throws {
        let receiver = try WebhookReceiver(answers: [500])
        let harness = try Self.harness(receiver, schedule: [.seconds(2), .seconds(2)], events: ["handoff.created"])
        _ = try await harness.post("/v1/events", #"{"email":"restart@acme.com","type":"demo_request"}"#)
        let first = try #require(try await receiver.wait(for: 1, type: "handoff.created").first)
        await harness.service.stop()
        try await harness.restart()
        let all = try await receiver.wait(for: 2, type: "handoff.created", seconds: 15)
        #expect(all.count >= 2)
        #expect(all.allSatisfy { $0.id == first.id })
        await harness.stop()
        await receiver.stop()
    }

    @Test func goneDisablesTheEndpointAndRedriveResumes() async throws {
        let receiver = try WebhookReceiver(answers: [410])
        let harness = try Self.harness(receiver)
        _ = try await harness.post("/v1/events", #"{"email":"gone@acme.com","type":"demo_request"}"#)
        _ = try await receiver.wait(for: 1, type: "handoff.created")
        let handoffID = try #require(try await harness.get("/v1/handoffs").items.first?["id"] as? String)
        try await Task.sleep(for: .milliseconds(300))
        var deliveries = try await harness.get("/v1/handoffs/\(handoffID)").json["deliveries"] as? [[String: Any]] ?? []
        #expect(deliveries.first?["status"] as? String == "disabled")
        // A later message for the disabled endpoint is not sent.
        _ = try await harness.post("/v1/handoffs/\(handoffID)/feedback", #"{"outcome":"accepted"}"#)
        try await Task.sleep(for: .milliseconds(500))
        #expect(receiver.received.filter { $0.type == "handoff.feedback" }.isEmpty)
        let redriven = try await harness.post("/v1/handoffs/\(handoffID)/redeliver", "{}")
        #expect(redriven.status == 202)
        #expect((redriven.json["redriven"] as? Int ?? 0) >= 1)
        _ = try await receiver.wait(for: 2, type: "handoff.created")
        try await Task.sleep(for: .milliseconds(300))
        deliveries = try await harness.get("/v1/handoffs/\(handoffID)").json["deliveries"] as? [[String: Any]] ?? []
        #expect(deliveries.contains { $0["type"] as? String == "handoff.created" && $0["status"] as? String == "delivered" })
        await harness.stop()
        await receiver.stop()
    }

    @Test func exhaustedDeliveriesAreDeadLettersUntilRedriven() async throws {
        let receiver = try WebhookReceiver(answers: [500, 500, 500])
        let harness = try Self.harness(receiver, schedule: [.milliseconds(50), .milliseconds(50)], events: ["handoff.created"])
        _ = try await harness.post("/v1/events", #"{"email":"dead@acme.com","type":"demo_request"}"#)
        _ = try await receiver.wait(for: 3, type: "handoff.created")
        try await Task.sleep(for: .milliseconds(300))
        let dead = try await harness.get("/v1/deliveries?status=dead").items
        #expect(dead.count == 1)
        #expect(dead.first?["attempts"] as? Int == 3)
        #expect(dead.first?["last_status"] as? Int == 500)
        let handoffID = try #require(try await harness.get("/v1/handoffs").items.first?["id"] as? String)
        _ = try await harness.post("/v1/handoffs/\(handoffID)/redeliver", "{}")
        _ = try await receiver.wait(for: 4, type: "handoff.created")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await harness.get("/v1/deliveries?status=dead").items.isEmpty)
        await harness.stop()
        await receiver.stop()
    }

    @Test func retryAfterIsHonoured() async throws {
        let receiver = try WebhookReceiver(answers: [429])
        receiver.answer([429], retryAfter: "2")
        let harness = try Self.harness(receiver, schedule: [.milliseconds(50), .milliseconds(50)], events: ["handoff.created"])
        _ = try await harness.post("/v1/events", #"{"email":"later@acme.com","type":"demo_request"}"#)
        let both = try await receiver.wait(for: 2, type: "handoff.created", seconds: 8)
        #expect(both.count == 2)
        // The schedule says 50 ms; the receiver asked for 2 s.
        if both.count == 2 { #expect(both[1].at.timeIntervalSince(both[0].at) >= 1.8) }
        await harness.stop()
        await receiver.stop()
    }

    static func opensslHMAC(secret: String, message: [UInt8]) throws -> String {
        let keyHex = Data(base64Encoded: String(secret.dropFirst(6)))!.map { String(format: "%02x", $0) }.joined()
        let process = try ChildProcess(
            "/usr/bin/openssl", ["dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:\(keyHex)", "-binary"], stdin: .pipe, stdout: .pipe
        )
        process.standardInput!.write(Data(message))
        try process.standardInput!.close()
        let mac = process.standardOutput!.readDataToEndOfFile()
        process.wait()
        return mac.base64EncodedString()
    }
}

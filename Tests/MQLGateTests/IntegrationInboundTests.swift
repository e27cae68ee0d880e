import COpenSSL
import Foundation
import MQLGate
import Testing

@Suite("HTML forms")
struct FormTests {
    static func harness() throws -> ServiceHarness {
        try ServiceHarness { configuration in
            configuration.forms = [.init(
                id: "contact", redirect: "https://example.com/thanks", allowedOrigins: ["https://example.com"], honeypot: "_gotcha",
                fields: ["work_email": "email", "role": "job_title"]
            )]
        }
    }

    @Test func browserPostIsStoredAndRedirected() async throws {
        let harness = try Self.harness()
        let response = try await harness.request("POST", "/v1/forms/contact",
            body: "work_email=Fay%40Acme.com&role=Head+of+Marketing&company_size=120&message=Call+me",
            headers: ["Origin": "https://example.com", "Sec-Fetch-Mode": "navigate"])
        #expect(response.status == 303)
        #expect(response.header("location") == "https://example.com/thanks")
        let lead = try await harness.get("/v1/leads/fay@acme.com").json
        #expect(lead["job_title"] as? String == "Head of Marketing")
        #expect(lead["source"] as? String == "form:contact")
        #expect((lead["attributes"] as? [String: Any])?["message"] as? String == "Call me")
        let events = try await harness.get("/v1/leads/fay@acme.com/events").items
        #expect(events.first?["type"] as? String == "form_submit")
        await harness.stop()
    }

    @Test func fetchGetsJSONAndCORS() async throws {
        let harness = try Self.harness()
        let boundary = "b0undary"
        let multipart = "--\(boundary)\r\nContent-Disposition: form-data; name=\"work_email\"\r\n\r\njo@acme.com\r\n--\(boundary)--\r\n"
        let response = try await harness.request("POST", "/v1/forms/contact", body: multipart, contentType: "multipart/form-data; boundary=\(boundary)",
                                                 headers: ["Origin": "https://example.com", "Accept": "application/json"])
        #expect(response.status == 200)
        #expect(response.json["status"] as? String == "received")
        #expect(response.header("access-control-allow-origin") == "https://example.com")
        let preflight = try await harness.request("OPTIONS", "/v1/forms/contact",
            headers: ["Origin": "https://example.com", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"])
        #expect(preflight.status == 204)
        #expect(preflight.header("access-control-allow-origin") == "https://example.com")
        await harness.stop()
    }

    @Test func honeypotIsThankedAndForgotten() async throws {
        let harness = try Self.harness()
        let response = try await harness.request("POST", "/v1/forms/contact", body: "work_email=bot@spam.com&_gotcha=buy+now",
                                                 headers: ["Origin": "https://example.com", "Sec-Fetch-Mode": "navigate"])
        #expect(response.status == 303)
        #expect(try await harness.get("/v1/leads/bot@spam.com").status == 404)
        await harness.stop()
    }

    @Test func foreignOriginsAndUnknownFormsAreRefused() async throws {
        let harness = try Self.harness()
        let foreign = try await harness.request("POST", "/v1/forms/contact", body: "work_email=x@acme.com", headers: ["Origin": "https://evil.example"])
        #expect(foreign.status == 403)
        #expect(try await harness.get("/v1/leads/x@acme.com").status == 404)
        let preflight = try await harness.request("OPTIONS", "/v1/forms/contact", headers: ["Origin": "https://evil.example", "Access-Control-Request-Method": "POST"])
        #expect(preflight.status == 403)
        #expect(try await harness.request("POST", "/v1/forms/nope", body: "email=x@acme.com").status == 404)
        // Public: no API key needed even when keys are configured.
        await harness.stop()
    }
}

@Suite("Inbound webhooks")
struct InboundWebhookTests {
    static let signedSecret = "whsec_" + Data("inbound-test-key-0123456789".utf8).base64EncodedString()
    static let hubspotSecret = "hubspot-client-secret"

    static func harness() throws -> ServiceHarness {
        try ServiceHarness { configuration in
            configuration.apiKeys = ["api-key"]
            configuration.inboundSecret = signedSecret
            configuration.hubspotClientSecret = hubspotSecret
        }
    }

    static func signedHeaders(id: String, body: String, timestamp: Int64 = Int64(Date().timeIntervalSince1970), extra: String = "") -> [String: String] {
        let signature = WebhookSignature(secret: signedSecret)!.sign(id: id, timestamp: timestamp, body: Array(body.utf8))
        return ["webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": (extra.isEmpty ? "" : extra + " ") + signature]
    }

    @Test func signedMessagesApplyOnceAndForgeriesAreRefused() async throws {
        let harness = try Self.harness()
        let body = #"{"lead":{"email":"in@acme.com","job_title":"CRO"},"events":[{"email":"in@acme.com","type":"page_view","event_id":"in-1"}]}"#
        // Several signatures in the header (key rotation): one valid is enough.
        let first = try await harness.post("/v1/webhooks/inbound", body, headers: Self.signedHeaders(id: "msg_a", body: body, extra: "v1,c3RhbGU="))
        #expect(first.status == 200)
        #expect(first.json["leads"] as? Int == 1)
        #expect(first.json["events"] as? Int == 1)
        let again = try await harness.post("/v1/webhooks/inbound", body, headers: Self.signedHeaders(id: "msg_a", body: body))
        #expect(again.json["duplicate"] as? Bool == true)
        let lead = try await harness.get("/v1/leads/in@acme.com", headers: ["Authorization": "Bearer api-key"])
        #expect(lead.json["job_title"] as? String == "CRO")

        var tampered = Self.signedHeaders(id: "msg_b", body: body)
        tampered["webhook-id"] = "msg_c"
        #expect(try await harness.post("/v1/webhooks/inbound", body, headers: tampered).status == 401)
        let stale = Self.signedHeaders(id: "msg_d", body: body, timestamp: Int64(Date().timeIntervalSince1970) - 301)
        #expect(try await harness.post("/v1/webhooks/inbound", body, headers: stale).status == 401)
        // Far enough ahead that the seconds a loaded machine takes to send it cannot bring it within tolerance.
        let future = Self.signedHeaders(id: "msg_e", body: body, timestamp: Int64(Date().timeIntervalSince1970) + 400)
        #expect(try await harness.post("/v1/webhooks/inbound", body, headers: future).status == 401)
        #expect(try await harness.post("/v1/webhooks/inbound", body).status == 401)
        await harness.stop()
    }

    static func hubspotSignature(method: String, uri: String, body: String, timestamp: String, secret: String = hubspotSecret) -> String {
        let message = Array((method + uri + body + timestamp).utf8)
        var mac = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let key = Array(secret.utf8)
        _ = HMAC(EVP_sha256(), key, Int32(key.count), message, message.count, &mac, &length)
        return Data(mac.prefix(Int(length))).base64EncodedString()
    }

    @Test func hubspotV3SignedChangesUpdateTheLead() async throws {
        let harness = try Self.harness()
        let body = """
            [{"eventId":101,"subscriptionType":"contact.creation","objectId":555},
             {"eventId":102,"subscriptionType":"contact.propertyChange","objectId":555,"propertyName":"email","propertyValue":"Hub@Acme.com"},
             {"eventId":103,"subscriptionType":"contact.propertyChange","objectId":555,"propertyName":"jobtitle","propertyValue":"VP Marketing"},
             {"eventId":104,"subscriptionType":"contact.propertyChange","objectId":555,"propertyName":"numemployees","propertyValue":"400"},
             {"eventId":105,"subscriptionType":"deal.creation","objectId":9}]
            """
        let timestamp = String(Int64(Date().timeIntervalSince1970 * 1000))
        let uri = "http://test/v1/webhooks/hubspot"
        let headers = ["X-HubSpot-Signature-v3": Self.hubspotSignature(method: "POST", uri: uri, body: body, timestamp: timestamp),
                       "X-HubSpot-Request-Timestamp": timestamp]
        let response = try await harness.post("/v1/webhooks/hubspot", body, headers: headers)
        #expect(response.status == 200)
        #expect(response.json["applied"] as? Int == 3)
        #expect(response.json["ignored"] as? Int == 1)
        let lead = try await harness.get("/v1/leads/hub@acme.com", headers: ["Authorization": "Bearer api-key"]).json
        #expect(lead["job_title"] as? String == "VP Marketing")
        #expect(lead["company_size"] as? Int == 400)
        #expect(lead["external_id"] as? String == "hubspot:555")
        // Redelivered by HubSpot: every event is a duplicate.
        let replay = try await harness.post("/v1/webhooks/hubspot", body, headers: headers)
        #expect(replay.json["duplicates"] as? Int == 4)

        var tampered = headers
        tampered["X-HubSpot-Signature-v3"] = Self.hubspotSignature(method: "POST", uri: uri, body: body + " ", timestamp: timestamp)
        #expect(try await harness.post("/v1/webhooks/hubspot", body, headers: tampered).status == 401)
        let wrongSecret = ["X-HubSpot-Signature-v3": Self.hubspotSignature(method: "POST", uri: uri, body: body, timestamp: timestamp, secret: "other"),
                           "X-HubSpot-Request-Timestamp": timestamp]
        #expect(try await harness.post("/v1/webhooks/hubspot", body, headers: wrongSecret).status == 401)
        let old = String(Int64(Date().timeIntervalSince1970 * 1000) - 301_000)
        let stale = ["X-HubSpot-Signature-v3": Self.hubspotSignature(method: "POST", uri: uri, body: body, timestamp: old),
                     "X-HubSpot-Request-Timestamp": old]
        #expect(try await harness.post("/v1/webhooks/hubspot", body, headers: stale).status == 401)
        await harness.stop()
    }
}

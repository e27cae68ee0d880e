import Foundation
@testable import MQLGate
import Testing

@Suite("Auth, probes, metrics, SLA breaches, concurrency")
struct OperationsTests {
    static let quickModel = """
        version: "test-quick"
        fit:
          - {name: has_email, field: email, exists: true, points: 50}
        engagement:
          half_life_days: 30
          rules:
            - {name: demo, type: demo_request, points: 60}
            - {name: visit, type: page_view, points: 5}
        thresholds: {mql: 100, min_fit: 20, min_signals: 1, recycle: 10, recycle_cooldown_days: 30}
        grades:
          fit: {A: 60, B: 40, C: 20}
          engagement: {"1": 75, "2": 50, "3": 25}
        sla:
          timezone: UTC
          tiers:
            - {name: instant, within: 1s}
        """

    @Test func apiKeysAreRequiredExceptOnPublicRoutes() async throws {
        let harness = try ServiceHarness { $0.apiKeys = ["k-one", "k-two"] }
        let denied = try await harness.get("/v1/leads")
        #expect(denied.status == 401)
        #expect(denied.header("www-authenticate")?.hasPrefix("Bearer") == true)
        #expect(try await harness.get("/v1/leads", headers: ["Authorization": "Bearer wrong"]).status == 401)
        #expect(try await harness.get("/v1/leads", headers: ["Authorization": "Basic k-one"]).status == 401)
        #expect(try await harness.get("/v1/leads", headers: ["Authorization": "Bearer k-two"]).status == 200)
        #expect(try await harness.get("/healthz").status == 200)
        #expect(try await harness.get("/readyz").status == 200)
        #expect(try await harness.get("/metrics").status == 401)
        await harness.stop()
    }

    @Test func bindingBeyondLoopbackWithoutKeysRefusesToStart() throws {
        #expect(throws: MQLGateService.StartupError.self) {
            _ = try ServiceHarness { $0.http.host = "0.0.0.0" }
        }
    }

    @Test func probesAndMetrics() async throws {
        let harness = try ServiceHarness()
        #expect(try await harness.get("/healthz").json["status"] as? String == "ok")
        #expect(try await harness.get("/readyz").json["status"] as? String == "ready")
        _ = try await harness.post("/v1/events", #"{"email":"m@acme.com","type":"page_view"}"#)
        let metrics = try await harness.get("/metrics")
        #expect(metrics.header("content-type")?.hasPrefix("text/plain") == true)
        #expect(metrics.text.contains("mqlgate_events_ingested_total 1"))
        #expect(metrics.text.contains(#"mqlgate_http_requests_total{route="/v1/events",status="202"} 1"#))
        #expect(metrics.text.contains("mqlgate_commit_batch_size_jobs_bucket"))
        #expect(metrics.text.contains("mqlgate_http_request_duration_seconds_bucket"))
        let request = try await harness.get("/healthz", headers: ["X-Request-Id": "abc-123"])
        #expect(request.header("x-request-id") == "abc-123")
        #expect(try await harness.get("/healthz").header("x-request-id")?.hasPrefix("req_") == true)
        let model = try await harness.get("/v1/model").json
        #expect(model["version"] as? String != nil)
        #expect((model["source"] as? String)?.contains("thresholds") == true)
        await harness.stop()
    }

    @Test func leadsArriveAsFormsAndMultipart() async throws {
        let harness = try ServiceHarness()
        let form = try await harness.request("POST", "/v1/leads", body: "email=F.Orm%40Acme.com&job_title=Head+of+Sales&company_size=300&tech_stack=salesforce,slack&attributes.timeline=this_quarter")
        #expect(form.status == 201)
        #expect(form.json["email"] as? String == "f.orm@acme.com")
        #expect(form.json["company_size"] as? Int == 300)
        #expect(form.json["tech_stack"] as? [String] == ["salesforce", "slack"])
        #expect((form.json["attributes"] as? [String: Any])?["timeline"] as? String == "this_quarter")
        let boundary = "XyZ123"
        let multipart = "--\(boundary)\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nmp@acme.com\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"country\"\r\n\r\nUS\r\n--\(boundary)--\r\n"
        let response = try await harness.request("POST", "/v1/leads", body: multipart, contentType: "multipart/form-data; boundary=\(boundary)")
        #expect(response.status == 201)
        #expect(response.json["country"] as? String == "US")
        let update = try await harness.request("POST", "/v1/leads", body: "email=mp@acme.com&industry=software")
        #expect(update.status == 200)
        #expect(update.json["country"] as? String == "US")
        #expect(update.json["industry"] as? String == "software")
        await harness.stop()
    }

    @Test func overdueHandoffsAreMarkedBreachedAndCounted() async throws {
        let harness = try ServiceHarness(model: Self.quickModel)
        _ = try await harness.post("/v1/events", #"{"email":"late@acme.com","type":"demo_request"}"#)
        let handoff = try #require(try await harness.get("/v1/handoffs").items.first)
        let id = try #require(handoff["id"] as? String)
        var status = ""
        for _ in 0..<40 where status != "breached" {
            try await Task.sleep(for: .milliseconds(100))
            status = try await harness.get("/v1/handoffs/\(id)").json["status"] as? String ?? ""
        }
        #expect(status == "breached")
        #expect(try await harness.get("/v1/handoffs?status=breached").items.count == 1)
        #expect(try await harness.get("/metrics").text.contains("mqlgate_sla_breaches_total 1"))
        // A late answer is recorded; the breach stays visible beside it.
        let answered = try await harness.post("/v1/handoffs/\(id)/feedback", #"{"outcome":"accepted"}"#).json
        #expect(answered["status"] as? String == "accepted")
        #expect(answered["breached"] as? Bool == true)
        let funnel = try await harness.get("/v1/funnel").json
        #expect(funnel["sla_compliance"] as? Double == 0)
        await harness.stop()
    }

    @Test func breachesThatFellDueWhileDownAreFoundAtStart() async throws {
        let harness = try ServiceHarness(model: Self.quickModel) { $0.breachCheckInterval = .seconds(3600) }
        _ = try await harness.post("/v1/events", #"{"email":"down@acme.com","type":"demo_request"}"#)
        await harness.service.stop()
        try await Task.sleep(for: .milliseconds(1200))
        try await harness.restart()
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await harness.get("/v1/handoffs?status=breached").items.count == 1)
        await harness.stop()
    }

    @Test func concurrentEventsForOneLeadYieldExactlyOneHandoff() async throws {
        let harness = try ServiceHarness(model: Self.quickModel)
        let port = harness.port
        // Real threads, so requests for the one lead truly overlap.
        DispatchQueue.concurrentPerform(iterations: 16) { worker in
            let client = try? ServiceHarnessClient(port: port)
            for index in 0..<10 {
                _ = try? client?.post("/v1/events", #"{"email":"race@acme.com","type":"\#(index % 2 == 0 ? "demo_request" : "page_view")","event_id":"w\#(worker)-\#(index)"}"#)
            }
        }
        #expect(try await harness.get("/v1/handoffs").items.count == 1)
        let events = try await harness.get("/v1/leads/race@acme.com/events?limit=500").items.count
        #expect(events == 160)
        await harness.stop()
    }
}

/// A client for concurrent tests that do not own the harness.
struct ServiceHarnessClient: Sendable {
    let port: Int
    init(port: Int) throws { self.port = port }

    func post(_ path: String, _ json: String) throws -> Int {
        let client = try RawClientBox(port: port)
        return client.post(path, json)
    }
}

@Suite("Rate limiting")
struct RateLimitTests {
    @Test func eachKeyHasItsOwnBucketAnd429CarriesRetryAfter() async throws {
        let harness = try ServiceHarness {
            $0.apiKeys = ["alpha", "beta"]
            // One token per 100 s: the bucket stays empty however slowly the machine runs the requests.
            $0.rateLimitPerSecond = 0.01
            $0.rateLimitBurst = 3
        }
        let alpha = ["Authorization": "Bearer alpha"]
        for _ in 0..<3 { #expect(try await harness.get("/v1/leads", headers: alpha).status == 200) }
        let limited = try await harness.get("/v1/leads", headers: alpha)
        #expect(limited.status == 429)
        #expect((Int(limited.header("retry-after") ?? "") ?? 0) >= 5)
        #expect(limited.header("content-type") == "application/problem+json")
        // Another key is unaffected; probes are never limited.
        #expect(try await harness.get("/v1/leads", headers: ["Authorization": "Bearer beta"]).status == 200)
        #expect(try await harness.get("/healthz").status == 200)
        await harness.stop()
    }

    @Test func bucketsRefillAtTheirRate() {
        let limiter = RateLimiter(rate: 2, burst: 2)
        #expect(limiter.acquire("k", now: 100).allowed)
        #expect(limiter.acquire("k", now: 100).allowed)
        let empty = limiter.acquire("k", now: 100)
        #expect(!empty.allowed)
        #expect(empty.retryAfter == 1)
        #expect(limiter.acquire("k", now: 100.5).allowed)
        #expect(!limiter.acquire("k", now: 100.5).allowed)
        // Never more than the burst, however long the pause.
        #expect(limiter.acquire("k", now: 1000).allowed)
        #expect(limiter.acquire("k", now: 1000).allowed)
        #expect(!limiter.acquire("k", now: 1000).allowed)
    }
}

@Suite("Idempotency-Key")
struct IdempotencyTests {
    @Test func replayReturnsTheStoredResponse() async throws {
        let harness = try ServiceHarness()
        let body = #"{"email":"idem@acme.com","type":"page_view"}"#
        let first = try await harness.post("/v1/events", body, headers: ["Idempotency-Key": "k-1"])
        #expect(first.status == 202)
        #expect(first.json["accepted"] as? Int == 1)
        let replay = try await harness.post("/v1/events", body, headers: ["Idempotency-Key": "k-1"])
        #expect(replay.status == 202)
        #expect(replay.text == first.text)
        #expect(replay.header("idempotent-replayed") == "true")
        // The event was stored once: a generated event_id would otherwise have made a second one.
        #expect(try await harness.get("/v1/leads/idem@acme.com/events").items.count == 1)
        let created = try await harness.post("/v1/leads", #"{"email":"new@acme.com"}"#, headers: ["Idempotency-Key": "lead-1"])
        let again = try await harness.post("/v1/leads", #"{"email":"new@acme.com"}"#, headers: ["Idempotency-Key": "lead-1"])
        #expect(created.status == 201 && again.status == 201)
        #expect(again.header("location") == created.header("location"))
        await harness.stop()
    }

    @Test func sameKeyWithADifferentBodyIs422() async throws {
        let harness = try ServiceHarness()
        _ = try await harness.post("/v1/events", #"{"email":"a@acme.com","type":"page_view"}"#, headers: ["Idempotency-Key": "k-2"])
        let other = try await harness.post("/v1/events", #"{"email":"b@acme.com","type":"page_view"}"#, headers: ["Idempotency-Key": "k-2"])
        #expect(other.status == 422)
        await harness.stop()
    }

    @Test func retryWhileTheFirstIsInFlightIs409() async throws {
        let harness = try ServiceHarness()
        // A large batch keeps the first request busy long enough to overlap.
        let events = (0..<1000).map { #"{"email":"busy\#($0 % 50)@acme.com","type":"page_view","event_id":"busy-\#($0)"}"# }
        let body = "[" + events.joined(separator: ",") + "]"
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<6 {
                group.addTask { try await harness.post("/v1/events", body, headers: ["Idempotency-Key": "k-3"]).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.contains(202))
        #expect(statuses.contains(409), "no request overlapped the first: \(statuses)")
        #expect(statuses.allSatisfy { $0 == 409 || $0 == 202 })
        // However many got through, the batch was applied once.
        #expect(try await harness.get("/v1/leads/busy0@acme.com/events?limit=500").items.count == 20)
        await harness.stop()
    }

    @Test func keysAreScopedPerAPIKey() async throws {
        let harness = try ServiceHarness { $0.apiKeys = ["alpha", "beta"] }
        let body = #"{"email":"scoped@acme.com","type":"page_view"}"#
        #expect(try await harness.post("/v1/events", body, headers: ["Idempotency-Key": "same", "Authorization": "Bearer alpha"]).status == 202)
        let other = try await harness.post("/v1/events", body, headers: ["Idempotency-Key": "same", "Authorization": "Bearer beta"])
        #expect(other.status == 202)
        #expect(other.header("idempotent-replayed") == nil)
        await harness.stop()
    }
}

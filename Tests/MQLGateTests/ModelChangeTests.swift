import Foundation
import LeadScoring
import MQLGate
import Testing

@Suite("Model changes and lifecycle over time")
struct ModelChangeTests {
    static let strict = OperationsTests.quickModel.replacingOccurrences(of: "version: \"test-quick\"", with: "version: \"strict\"")
        .replacingOccurrences(of: "mql: 100", with: "mql: 1000")

    @Test func reloadRescoresOnlineAndHandsOffNewlyQualifiedLeadsOnce() async throws {
        let harness = try ServiceHarness(model: Self.strict)
        for index in 0..<30 {
            _ = try await harness.post("/v1/events", #"{"email":"r\#(index)@acme.com","type":"demo_request","event_id":"d\#(index)"}"#)
        }
        #expect(try await harness.get("/v1/handoffs").items.isEmpty)
        try harness.writeModel(OperationsTests.quickModel)
        let reload = try await harness.post("/v1/model/reload", "{}")
        #expect(reload.status == 202)
        #expect(reload.json["version"] as? String == "test-quick")
        // Ingestion goes on while leads are rescored.
        #expect(try await harness.post("/v1/events", #"{"email":"late@acme.com","type":"demo_request"}"#).status == 202)
        var count = 0
        for _ in 0..<100 where count < 31 {
            try await Task.sleep(for: .milliseconds(50))
            count = try await harness.get("/v1/handoffs?limit=500").items.count
        }
        #expect(count == 31)
        #expect(try await harness.get("/v1/model").json["version"] as? String == "test-quick")
        #expect(try await harness.get("/v1/leads/r7@acme.com").json["model_version"] as? String == "test-quick")
        // The same file again changes nothing; a rescore never hands off twice.
        #expect(try await harness.post("/v1/model/reload", "{}").json["changed"] as? Bool == false)
        _ = try harness.service.store.rescoreAll(with: LeadScorer(model: try ScoringModel.load(yaml: OperationsTests.quickModel, file: "m")))
        let handoffs = try await harness.get("/v1/handoffs?limit=500").items
        #expect(handoffs.count == 31)
        #expect(Set(handoffs.compactMap { $0["lead_id"] as? String }).count == 31)
        await harness.stop()
    }

    @Test func anInvalidModelFileLeavesTheActiveModel() async throws {
        let harness = try ServiceHarness(model: OperationsTests.quickModel)
        try harness.writeModel("version: broken\nfit: [{name: x, field: nope, exists: true, points: 1}]\n")
        let reload = try await harness.post("/v1/model/reload", "{}")
        #expect(reload.status == 422)
        #expect(try await harness.get("/v1/model").json["version"] as? String == "test-quick")
        await harness.stop()
    }

    @Test func timePassingWithoutAStageChangeLeavesTheLeadUntouched() async throws {
        let harness = try ServiceHarness(model: OperationsTests.quickModel)
        _ = try await harness.post("/v1/events", #"{"email":"steady@acme.com","type":"demo_request"}"#)
        let before = try await harness.get("/v1/leads/steady@acme.com").json
        #expect(before["stage"] as? String == "mql")
        // The lifecycle pass (the harness runs it every 100 ms, and once here a minute on) moves nothing...
        let later = Timestamp(milliseconds: Timestamp(Date()).milliseconds + 60_000)
        #expect(try harness.service.store.applyTimeBasedTransitions(at: later) == 0)
        try await Task.sleep(for: .milliseconds(300))
        // ...so nothing was written: `updated_since` keeps meaning "changed since".
        let after = try await harness.get("/v1/leads/steady@acme.com").json
        #expect(after["updated_at"] as? String == before["updated_at"] as? String)
        await harness.stop()
    }

    @Test func staleMQLsAreRecycledAndMayQualifyAgain() async throws {
        // Fit alone (50) stays; below 55 an unanswered MQL counts as stale.
        let harness = try ServiceHarness(model: OperationsTests.quickModel.replacingOccurrences(of: "recycle: 10", with: "recycle: 55"))
        _ = try await harness.post("/v1/events", #"{"email":"fade@acme.com","type":"demo_request"}"#)
        #expect(try await harness.get("/v1/leads/fade@acme.com").json["stage"] as? String == "mql")
        // A year later the demo request has decayed: the MQL nobody answered is recycled.
        let later = Timestamp(milliseconds: Timestamp(Date()).milliseconds + 365 * 86_400_000)
        #expect(try harness.service.store.applyTimeBasedTransitions(at: later) == 1)
        #expect(try await harness.get("/v1/leads/fade@acme.com").json["stage"] as? String == "recycled")
        // Engagement now qualifies it again: a second episode, a second handoff.
        _ = try await harness.post("/v1/events", #"{"email":"fade@acme.com","type":"demo_request","event_id":"again"}"#)
        let lead = try await harness.get("/v1/leads/fade@acme.com").json
        #expect(lead["stage"] as? String == "mql")
        #expect(lead["episode"] as? Int == 2)
        let episodes = try await harness.get("/v1/handoffs").items.compactMap { $0["episode"] as? Int }.sorted()
        #expect(episodes == [1, 2])
        await harness.stop()
    }
}

@Suite("Export")
struct ExportTests {
    @Test func exportWritesOneJSONLinePerRecord() async throws {
        let harness = try ServiceHarness(model: OperationsTests.quickModel)
        for index in 0..<3 { _ = try await harness.post("/v1/events", #"{"email":"x\#(index)@acme.com","type":"demo_request"}"#) }
        var lines: [[UInt8]] = []
        #expect(try harness.service.store.export(.leads) { lines.append($0) } == 3)
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0))) is [String: Any] })
        var handoffs = 0
        try harness.service.store.export(.handoffs) { _ in handoffs += 1 }
        #expect(handoffs == 3)
        await harness.stop()
    }
}

import Foundation
import Testing

/// The scenarios from the product brief, end to end over real sockets.
@Suite("Seed scenarios")
struct SeedScenarioTests {
    static let vp = #"{"email":"Vera.Sales@Acme-Software.com","first_name":"Vera","job_title":"VP of Sales","company":"Acme Software","company_size":250,"industry":"software","country":"US"}"#

    @Test func vpOfSalesWhoEngagesBecomesAnMQLWithOneHandoffAndADeadline() async throws {
        let harness = try ServiceHarness()
        let created = try await harness.post("/v1/leads", Self.vp)
        #expect(created.status == 201)
        #expect(created.json["email"] as? String == "vera.sales@acme-software.com")
        #expect(created.json["company_domain"] as? String == "acme-software.com")
        #expect(created.json["stage"] as? String == "lead")
        #expect(created.header("location") == "/v1/leads/\(created.json["id"] as? String ?? "")")

        let events = try await harness.post("/v1/events", """
            [{"email":"vera.sales@acme-software.com","type":"page_view","properties":{"path":"/pricing"},"event_id":"e1"},
             {"email":"vera.sales@acme-software.com","type":"webinar_attended","event_id":"e2"},
             {"email":"vera.sales@acme-software.com","type":"demo_request","event_id":"e3"}]
            """)
        #expect(events.status == 202)
        #expect(events.json["accepted"] as? Int == 3)

        let lead = try await harness.get("/v1/leads/vera.sales@acme-software.com")
        #expect(lead.json["stage"] as? String == "mql")
        // The stage filter reads the stored column, which ingestion sets only when the stage moves.
        #expect(try await harness.get("/v1/leads?stage=mql").items.compactMap { $0["id"] as? String } == [lead.json["id"] as? String])
        #expect(try await harness.get("/v1/leads?stage=lead").items.isEmpty)
        let reasons = lead.json["reasons"] as? [[String: Any]] ?? []
        let sum = reasons.compactMap { $0["points"] as? Double }.reduce(0, +)
        #expect(abs(sum - (lead.json["score"] as? Double ?? -1)) < 0.001)

        let handoffs = try await harness.get("/v1/handoffs")
        #expect(handoffs.items.count == 1)
        let handoff = try #require(handoffs.items.first)
        #expect(handoff["lead_id"] as? String == lead.json["id"] as? String)
        #expect(handoff["status"] as? String == "open")
        let sla = try #require(handoff["sla"] as? [String: Any])
        #expect(sla["tier"] as? String == "hot")
        let due = try #require(sla["due_at"] as? String)
        let qualified = try #require(handoff["qualified_at"] as? String)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let dueDate = try #require(formatter.date(from: due) ?? ISO8601DateFormatter().date(from: due))
        let qualifiedDate = try #require(formatter.date(from: qualified))
        #expect(abs(dueDate.timeIntervalSince(qualifiedDate) - 3600) < 1)

        // More engagement while MQL changes the score, not the handoff count.
        _ = try await harness.post("/v1/events", #"{"email":"vera.sales@acme-software.com","type":"content_download","event_id":"e4"}"#)
        #expect(try await harness.get("/v1/handoffs").items.count == 1)
        await harness.stop()
    }

    @Test func singlePricingVisitDoesNotQualify() async throws {
        let harness = try ServiceHarness()
        _ = try await harness.post("/v1/leads", Self.vp)
        let events = try await harness.post("/v1/events", #"{"email":"vera.sales@acme-software.com","type":"page_view","properties":{"path":"/pricing"}}"#)
        #expect(events.status == 202)
        #expect(try await harness.get("/v1/leads/vera.sales@acme-software.com").json["stage"] as? String == "lead")
        #expect(try await harness.get("/v1/handoffs").items.isEmpty)
        await harness.stop()
    }

    @Test func studentOnFreeMailNeverQualifies() async throws {
        let harness = try ServiceHarness()
        _ = try await harness.post("/v1/leads", #"{"email":"sam@gmail.com","job_title":"Student","company_size":250,"industry":"software","country":"US"}"#)
        let many = (0..<40).map { #"{"email":"sam@gmail.com","type":"\#(["page_view", "webinar_attended", "content_download", "demo_request"][$0 % 4])","properties":{"path":"/pricing"}}"# }
        #expect(try await harness.post("/v1/events", "[" + many.joined(separator: ",") + "]").status == 202)
        let lead = try await harness.get("/v1/leads/sam@gmail.com")
        #expect(lead.json["stage"] as? String != "mql")
        #expect(lead.json["company_domain"] is NSNull)
        #expect(try await harness.get("/v1/handoffs").items.isEmpty)
        await harness.stop()
    }

    @Test func duplicateEventIdsChangeNothing() async throws {
        let harness = try ServiceHarness()
        _ = try await harness.post("/v1/leads", Self.vp)
        let event = #"{"email":"vera.sales@acme-software.com","type":"content_download","event_id":"dl-1"}"#
        #expect(try await harness.post("/v1/events", event).json["accepted"] as? Int == 1)
        let before = try await harness.get("/v1/leads/vera.sales@acme-software.com").json["score"] as? Double
        let again = try await harness.post("/v1/events", "[\(event),\(event)]")
        #expect(again.json["accepted"] as? Int == 0)
        #expect(again.json["duplicates"] as? Int == 2)
        #expect(try await harness.get("/v1/leads/vera.sales@acme-software.com").json["score"] as? Double == before)
        let leadID = try await harness.get("/v1/leads/vera.sales@acme-software.com").json["id"] as? String ?? ""
        #expect(try await harness.get("/v1/leads/\(leadID)/events").items.count == 1)
        await harness.stop()
    }

    @Test func feedbackMovesTheStage() async throws {
        let harness = try ServiceHarness()
        let handoffID = try await harness.qualifiedVP()
        let accepted = try await harness.post("/v1/handoffs/\(handoffID)/feedback", #"{"outcome":"accepted","owner":"rep-7"}"#)
        #expect(accepted.status == 200)
        #expect(accepted.json["status"] as? String == "accepted")
        #expect(try await harness.get("/v1/leads/vera.sales@acme-software.com").json["stage"] as? String == "accepted")
        let sql = try await harness.post("/v1/handoffs/\(handoffID)/feedback", #"{"outcome":"sql","reason":"budget confirmed"}"#)
        #expect(sql.json["status"] as? String == "sql")
        #expect(try await harness.get("/v1/leads/vera.sales@acme-software.com").json["stage"] as? String == "sql")
        #expect(try await harness.get("/v1/leads?stage=sql").items.count == 1)
        #expect(try await harness.get("/v1/leads?stage=mql").items.isEmpty)
        // Sales owns the lead now: a late rejection of an SQL is refused, not silently applied.
        #expect(try await harness.post("/v1/handoffs/\(handoffID)/feedback", #"{"outcome":"accepted"}"#).status == 409)
        let funnel = try await harness.get("/v1/funnel").json
        #expect((funnel["handoffs"] as? [String: Any])?["sql"] as? Int == 1)
        #expect(funnel["mql_to_sql_rate"] as? Double == 1)
        await harness.stop()
    }

    @Test func stateSurvivesARestart() async throws {
        let harness = try ServiceHarness()
        _ = try await harness.post("/v1/leads", Self.vp)
        _ = try await harness.post("/v1/events", #"[{"email":"vera.sales@acme-software.com","type":"webinar_attended","event_id":"a"},{"email":"vera.sales@acme-software.com","type":"demo_request","event_id":"b"}]"#)
        let before = try await harness.get("/v1/leads/vera.sales@acme-software.com").json
        try await harness.restart()
        let after = try await harness.get("/v1/leads/vera.sales@acme-software.com").json
        #expect(after["id"] as? String == before["id"] as? String)
        #expect(after["stage"] as? String == "mql")
        #expect(try await harness.get("/v1/handoffs").items.count == 1)
        // Replaying after the restart is still recognised as a duplicate, and still no second handoff.
        let replay = try await harness.post("/v1/events", #"{"email":"vera.sales@acme-software.com","type":"demo_request","event_id":"b"}"#)
        #expect(replay.json["duplicates"] as? Int == 1)
        #expect(try await harness.get("/v1/handoffs").items.count == 1)
        await harness.stop()
    }
}

@Suite("Read-after-write")
struct ReadAfterWriteTests {
    /// Reads must see every acknowledged write, whichever pooled connection serves them.
    @Test func everyReadSeesTheLatestFeedback() async throws {
        let harness = try ServiceHarness()
        _ = try await harness.post("/v1/leads", SeedScenarioTests.vp)
        _ = try await harness.post("/v1/events", #"[{"email":"vera.sales@acme-software.com","type":"webinar_attended"},{"email":"vera.sales@acme-software.com","type":"demo_request"}]"#)
        // A single-row read, then other reads on the (pooled, reused) connection.
        _ = try await harness.get("/v1/leads/vera.sales@acme-software.com")
        let id = try #require(try await harness.get("/v1/handoffs").items.first?["id"] as? String)
        #expect(try await harness.post("/v1/handoffs/\(id)/feedback", #"{"outcome":"accepted"}"#).status == 200)
        for _ in 0..<3 {
            #expect((try await harness.get("/v1/funnel").json["handoffs"] as? [String: Any])?["accepted"] as? Int == 1)
            #expect(try await harness.get("/v1/handoffs/\(id)").json["status"] as? String == "accepted")
            #expect(try await harness.get("/v1/leads/vera.sales@acme-software.com").json["stage"] as? String == "accepted")
        }
        await harness.stop()
    }
}

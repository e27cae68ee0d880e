import Foundation
import Testing

/// Every way a client can get a request wrong gets a 4xx problem document,
/// never a 5xx, and never damages what was stored before.
@Suite("API errors and validation")
struct APIErrorTests {
    @Test func malformedAndInvalidLeadsAre422WithPointers() async throws {
        let harness = try ServiceHarness()
        let broken = try await harness.post("/v1/leads", #"{"email": "#)
        #expect(broken.status == 422)
        #expect(broken.header("content-type") == "application/problem+json")
        let invalid = try await harness.post("/v1/leads", #"{"email":"not-an-address","company_size":"huge","colour":"red"}"#)
        #expect(invalid.status == 422)
        let pointers = Set((invalid.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String })
        #expect(pointers.isSuperset(of: ["/email", "/company_size", "/colour"]))
        #expect(try await harness.post("/v1/leads", "[1,2]").status == 422)
        await harness.stop()
    }

    @Test func wrongMediaTypeIs415() async throws {
        let harness = try ServiceHarness()
        let response = try await harness.request("POST", "/v1/events", body: "type=page_view", contentType: "text/plain")
        #expect(response.status == 415)
        // NDJSON is for event streams only; a lead is one document.
        let lead = try await harness.request("POST", "/v1/leads", body: #"{"email":"a@acme.com"}"#, contentType: "application/x-ndjson")
        #expect(lead.status == 415)
        // Media types are case-insensitive and may carry parameters and whitespace.
        let mixed = try await harness.request("POST", "/v1/events", body: #"{"email":"a@acme.com","type":"page_view"}"#, contentType: " Application/JSON ; charset=utf-8")
        #expect(mixed.status == 202)
        await harness.stop()
    }

    @Test func eventsReportPerEventRejections() async throws {
        let harness = try ServiceHarness()
        let response = try await harness.post("/v1/events", """
            [{"email":"a@acme.com","type":"page_view"},
             {"type":"page_view"},
             {"email":"b@acme.com","type":"page view"},
             {"email":"c@acme.com","type":"page_view","occurred_at":"2999-01-01T00:00:00Z"},
             {"lead_id":"ld_nope","type":"page_view"}]
            """)
        #expect(response.status == 202)
        #expect(response.json["accepted"] as? Int == 1)
        let rejected = response.json["rejected"] as? [[String: Any]] ?? []
        #expect(rejected.compactMap { $0["index"] as? Int } == [1, 2, 3, 4])
        let allInvalid = try await harness.post("/v1/events", #"{"type":"page_view"}"#)
        #expect(allInvalid.status == 422)
        #expect((allInvalid.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/email")
        await harness.stop()
    }

    @Test func batchAndNDJSONShapesAreAccepted() async throws {
        let harness = try ServiceHarness()
        #expect(try await harness.post("/v1/events", #"{"batch":[{"email":"a@acme.com","type":"page_view"},{"email":"a@acme.com","type":"email_click"}]}"#).json["accepted"] as? Int == 2)
        let ndjson = "{\"email\":\"a@acme.com\",\"type\":\"page_view\"}\n\n{\"email\":\"a@acme.com\",\"type\":\"webinar_registered\"}\n"
        let response = try await harness.request("POST", "/v1/events", body: ndjson, contentType: "application/x-ndjson")
        #expect(response.json["accepted"] as? Int == 2)
        await harness.stop()
    }

    @Test func moreThanAThousandEventsIs413() async throws {
        let harness = try ServiceHarness()
        let events = Array(repeating: #"{"email":"a@acme.com","type":"page_view"}"#, count: 1001).joined(separator: ",")
        #expect(try await harness.post("/v1/events", "[\(events)]").status == 413)
        // Invalid elements in their hundreds of thousands are counted, not validated one by one.
        let empty = Array(repeating: "{}", count: 300_000).joined(separator: ",")
        for body in ["[\(empty)]", #"{"batch":[\#(empty)]}"#] {
            let response = try await harness.post("/v1/events", body)
            #expect(response.status == 413)
            #expect((response.json["detail"] as? String)?.hasSuffix("got 300000") == true)
        }
        await harness.stop()
    }

    @Test func unknownResourcesAre404() async throws {
        let harness = try ServiceHarness()
        #expect(try await harness.get("/v1/leads/ld_missing").status == 404)
        #expect(try await harness.get("/v1/leads/nobody@acme.com").status == 404)
        #expect(try await harness.get("/v1/handoffs/ho_missing").status == 404)
        #expect(try await harness.post("/v1/handoffs/ho_missing/feedback", #"{"outcome":"accepted"}"#).status == 404)
        #expect(try await harness.request("DELETE", "/v1/leads/ld_missing").status == 404)
        #expect(try await harness.get("/v1/nothing").status == 404)
        await harness.stop()
    }

    @Test func badQueryParametersAre422() async throws {
        let harness = try ServiceHarness()
        #expect(try await harness.get("/v1/leads?limit=0").status == 422)
        #expect(try await harness.get("/v1/leads?limit=abc").status == 422)
        #expect(try await harness.get("/v1/leads?stage=hot").status == 422)
        #expect(try await harness.get("/v1/leads?cursor=garbage!").status == 422)
        #expect(try await harness.get("/v1/leads?updated_since=yesterday").status == 422)
        #expect(try await harness.get("/v1/handoffs?status=maybe").status == 422)
        #expect(try await harness.get("/v1/funnel?from=2027-01-02T00:00:00Z&to=2027-01-01T00:00:00Z").status == 422)
        await harness.stop()
    }

    @Test func invalidFeedbackIs422OrConflict() async throws {
        let harness = try ServiceHarness()
        let id = try await harness.qualifiedVP()
        #expect(try await harness.post("/v1/handoffs/\(id)/feedback", #"{"outcome":"maybe"}"#).status == 422)
        #expect(try await harness.post("/v1/handoffs/\(id)/feedback", #"{"outcome":"accepted","mood":"good"}"#).status == 422)
        #expect(try await harness.post("/v1/handoffs/\(id)/feedback", #"{"outcome":"rejected","reason":"no budget"}"#).status == 200)
        #expect(try await harness.post("/v1/handoffs/\(id)/feedback", #"{"outcome":"rejected"}"#).status == 409)
        #expect(try await harness.get("/v1/leads/vera.sales@acme-software.com").json["stage"] as? String == "rejected")
        await harness.stop()
    }

    @Test func garbageNeverCausesA5xxOrLosesData() async throws {
        let harness = try ServiceHarness()
        _ = try await harness.post("/v1/leads", SeedScenarioTests.vp)
        let bodies = ["", "null", "{}", "[]", "\"x\"", "{\"email\":null}", "{\"email\":[]}", "[{}]", "[null]", "{\"batch\":5}", "\u{0}\u{1}",
                      String(repeating: "[", count: 5000), "{\"email\":\"a@b.co\",\"attributes\":{\"x\":{\"y\":1}}}"]
        for path in ["/v1/leads", "/v1/events", "/v1/score"] {
            for body in bodies {
                let status = try await harness.post(path, body).status
                #expect(status >= 400 && status < 500, "\(path) with \(body.prefix(20)) → \(status)")
            }
        }
        #expect(try await harness.get("/v1/leads/vera.sales@acme-software.com").status == 200)
        await harness.stop()
    }
}

@Suite("Pagination and deletion")
struct PaginationTests {
    @Test func leadsPageThroughWithCursors() async throws {
        let harness = try ServiceHarness()
        for index in 0..<7 { _ = try await harness.post("/v1/leads", #"{"email":"p\#(index)@acme.com"}"#) }
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await harness.get("/v1/leads?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""))
            seen += page.items.compactMap { $0["email"] as? String }
            cursor = page.json["next_cursor"] as? String
            pages += 1
        } while cursor != nil && pages < 10
        #expect(pages == 3)
        #expect(Set(seen).count == 7)
        #expect(try await harness.get("/v1/leads?stage=lead&min_score=-1000").items.count == 7)
        #expect(try await harness.get("/v1/leads?stage=mql").items.isEmpty)
        await harness.stop()
    }

    @Test func eventsComeNewestFirstAcrossPages() async throws {
        let harness = try ServiceHarness()
        let events = (1...5).map { #"{"email":"e@acme.com","type":"page_view","event_id":"ev\#($0)","occurred_at":"2026-11-0\#($0)T10:00:00Z"}"# }
        _ = try await harness.post("/v1/events", "[" + events.joined(separator: ",") + "]")
        let first = try await harness.get("/v1/leads/e@acme.com/events?limit=2")
        #expect(first.items.compactMap { $0["event_id"] as? String } == ["ev5", "ev4"])
        let cursor = try #require(first.json["next_cursor"] as? String)
        let second = try await harness.get("/v1/leads/e@acme.com/events?limit=2&cursor=\(cursor)")
        #expect(second.items.compactMap { $0["event_id"] as? String } == ["ev3", "ev2"])
        await harness.stop()
    }

    @Test func deletingALeadErasesItsEventsAndHandoffs() async throws {
        let harness = try ServiceHarness()
        _ = try await harness.post("/v1/leads", SeedScenarioTests.vp)
        _ = try await harness.post("/v1/events", #"[{"email":"vera.sales@acme-software.com","type":"webinar_attended","event_id":"x1"},{"email":"vera.sales@acme-software.com","type":"demo_request","event_id":"x2"}]"#)
        let id = try #require(try await harness.get("/v1/leads/vera.sales@acme-software.com").json["id"] as? String)
        #expect(try await harness.get("/v1/handoffs").items.count == 1)
        #expect(try await harness.request("DELETE", "/v1/leads/\(id)").status == 204)
        #expect(try await harness.get("/v1/leads/\(id)").status == 404)
        #expect(try await harness.get("/v1/leads/\(id)/events").status == 404)
        #expect(try await harness.get("/v1/handoffs").items.isEmpty)
        // The event ids are free again: the lead's history is really gone.
        let again = try await harness.post("/v1/events", #"{"email":"vera.sales@acme-software.com","type":"webinar_attended","event_id":"x1"}"#)
        #expect(again.json["accepted"] as? Int == 1)
        await harness.stop()
    }
}

import Foundation
import Testing
@testable import LeadScoring

@Suite("Lead and event JSON")
struct JSONInputTests {
    @Test func leadInTheSpecShape() throws {
        let lead = try Lead.decode(Data(#"""
        {"email": " Dana@Acme.IO ", "first_name": "Dana", "job_title": "VP of Sales", "company_size": "250",
         "industry": "software", "country": "us", "tech_stack": ["Salesforce", "salesforce", "Slack"],
         "utm": {"source": "google", "campaign": 42}, "attributes": {"timeline": "this_quarter", "budget": 50000, "gdpr": true, "note": null},
         "score": 99, "id": "ld_123"}
        """#.utf8))
        #expect(lead.email == "dana@acme.io")
        #expect(lead.companySize == 250)
        #expect(lead.country == "US")
        #expect(lead.techStack == ["Salesforce", "Slack"])
        #expect(lead.utm == ["source": "google", "campaign": "42"])
        #expect(lead.attributes == ["timeline": .string("this_quarter"), "budget": .number(50000), "gdpr": .bool(true)])
        #expect(lead.effectiveCompanyDomain(freeMailDomains: []) == "acme.io")
        let roundTrip = try JSONDecoder().decode(Lead.self, from: JSONEncoder().encode(lead))
        #expect(roundTrip == lead)
    }

    @Test func leadErrorsHavePointers() {
        do {
            _ = try Lead.decode(Data(#"""
            {"email": "not-an-address", "company_size": -3, "country": "USA", "tech_stack": ["ok", 7],
             "attributes": {"nested": {"a": 1}}, "jobtitle": "CEO", "company_domain": "http://"}
            """#.utf8))
            Issue.record("expected validation errors")
        } catch {
            let byPointer = Dictionary(error.issues.map { ($0.pointer, $0.detail) }, uniquingKeysWith: { a, _ in a })
            #expect(byPointer["/email"] == "not a valid e-mail address")
            #expect(byPointer["/company_size"]?.contains("whole number") == true)
            #expect(byPointer["/country"]?.contains("ISO 3166-1") == true)
            #expect(byPointer["/tech_stack/1"] == "expected a non-empty string")
            #expect(byPointer["/attributes/nested"]?.contains("scalars") == true)
            #expect(byPointer["/jobtitle"] == "unknown member \"jobtitle\"")
            #expect(byPointer["/company_domain"] == "not a domain name")
            #expect(error.issues.count == 7)
        }
        #expect(throws: ValidationError.self) { try Lead.decode(Data("{}".utf8)) }
        #expect(throws: ValidationError.self) { try Lead.decode(Data("[1]".utf8)) }
        #expect(throws: ValidationError.self) { try Lead.decode(Data("{\"email\":".utf8)) }
    }

    @Test func eventsInTheSpecShape() throws {
        let now = ts("2027-03-12T21:00:00Z")
        let e = try EngagementEvent.decode(Data(#"""
        {"event_id": "evt-1", "type": "Page_View", "occurred_at": "2027-03-12T15:59:59.5-05:00",
         "properties": {"url": "https://www.example.com/pricing/teams?ref=nav", "campaign": "q1"}, "email": "Dana@Acme.io"}
        """#.utf8), receivedAt: now, requireLead: true)
        #expect(e.type == "page_view")
        #expect(e.occurredAt == ts("2027-03-12T20:59:59.500Z"))
        #expect(e.path == "/pricing/teams")
        #expect(e.email == "dana@acme.io")
        let defaulted = try EngagementEvent.decode(Data(#"{"type": "demo_request"}"#.utf8), receivedAt: now)
        #expect(defaulted.occurredAt == now && defaulted.eventId == nil)
    }

    @Test func eventErrorsHavePointers() {
        let now = ts("2027-03-12T21:00:00Z")
        do {
            _ = try EngagementEvent.decode(Data(#"""
            {"event_id": "\#(String(repeating: "x", count: 101))", "type": "page view", "occurred_at": "2027-03-13T21:00:00Z", "properties": [1]}
            """#.utf8), receivedAt: now, requireLead: true)
            Issue.record("expected validation errors")
        } catch {
            #expect(error.issues.map(\.pointer).sorted() == ["/email", "/event_id", "/occurred_at", "/properties", "/type"])
            #expect(error.issues.first { $0.pointer == "/occurred_at" }?.detail.contains("future") == true)
        }
        #expect(throws: ValidationError.self) {
            try EngagementEvent.decode(Data(#"{"type": "x", "occurred_at": "yesterday"}"#.utf8), receivedAt: now)
        }
    }

    @Test func timestampsParseAndPrint() {
        #expect(ts("2027-03-15T12:00:00-04:00").rfc3339 == "2027-03-15T16:00:00Z")
        #expect(ts("2027-03-15T16:00:00.123456Z").milliseconds % 1000 == 123)
        #expect(ts("1969-12-31T23:59:59Z").milliseconds == -1000)
        #expect(ts("2027-03-15T16:00:00Z").rfc3339(offsetSeconds: 5 * 3600 + 1800) == "2027-03-15T21:30:00+05:30")
        for bad in ["2027-02-29T00:00:00Z", "2027-03-15 16:00", "2027-03-15T24:00:00Z", "2027-03-15T16:00:00", "2027-03-15T16:00:00+5:00", "x"] {
            #expect(Timestamp(rfc3339: bad) == nil, "\(bad)")
        }
        #expect(CalendarDate(year: 2027, month: 3, day: 12)!.weekday == .friday)
        #expect(CalendarDate(daysSinceEpoch: CalendarDate(year: 2400, month: 2, day: 29)!.daysSinceEpoch).description == "2400-02-29")
    }

    @Test func pathGlobs() {
        #expect(PathGlob("/pricing*").matches("/pricing"))
        #expect(PathGlob("/pricing*").matches("/PRICING/teams"))
        #expect(!PathGlob("/pricing*").matches("/blog/pricing"))
        #expect(PathGlob("*/pricing").matches("/de/pricing"))
        #expect(PathGlob("/docs/*/api/*").matches("/docs/v2/api/leads"))
        #expect(!PathGlob("/docs/*/api/*").matches("/docs/v2/guide"))
        #expect(PathGlob("/a?c").matches("/abc") && !PathGlob("/a?c").matches("/ac"))
        #expect(PathGlob("/careers").matches("/Careers") && !PathGlob("/careers").matches("/careers/"))
        #expect(EngagementEvent.pathOfURL("https://example.com") == "/")
        #expect(EngagementEvent.pathOfURL("//cdn.example.com/x?y") == "/x")
        #expect(EngagementEvent.pathOfURL("pricing") == "/pricing")
    }

    @Test func pointsPrintAndRound() {
        #expect(Points(12.345).cents == 1235)
        #expect(Points(-12.345).cents == -1235)
        #expect(Points(cents: 1250).description == "12.5")
        #expect(Points(cents: -5).description == "-0.05")
        #expect(Points(cents: 100).description == "1")
    }
}

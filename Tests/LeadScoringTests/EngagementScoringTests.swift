import Foundation
import Testing
@testable import LeadScoring

@Suite("Engagement scoring")
struct EngagementScoringTests {
    let t0 = ts("2027-03-01T12:00:00Z")

    func score(_ rules: String, _ events: [EngagementEvent], at now: Timestamp, halfLife: String = "30",
               thresholds: String = "{mql: 100}") throws -> ScoreResult {
        let model = try loadModel(miniModel(rules: rules, halfLife: halfLife, thresholds: thresholds))
        let result = LeadScorer(model: model).score(lead: Lead(email: "a@acme.com"), events: events, at: now)
        expectReasonsSum(result)
        return result
    }

    @Test func decayHalvesEveryHalfLife() throws {
        let rules = "[{name: webinar, type: webinar_attended, points: 25}]"
        let result = try score(rules, [event("webinar_attended", t0)], at: t0.adding(milliseconds: 60 * day))
        #expect(result.engagementScore == 6.25)
        #expect(try score(rules, [event("webinar_attended", t0)], at: t0).engagementScore == 25)
        #expect(try score(rules, [event("webinar_attended", t0)], at: t0.adding(milliseconds: 30 * day)).engagementScore == 12.5)
        // Not on a half-life boundary: 25 × 0.5^(45/30) = 8.8388…
        #expect(try score(rules, [event("webinar_attended", t0)], at: t0.adding(milliseconds: 45 * day)).engagementScore == 8.84)
    }

    @Test func futureEventsCountAsNew() throws {
        // Decay is read at max(now, latest event): no event is younger than zero.
        let rules = "[{name: webinar, type: webinar_attended, points: 25}]"
        let result = try score(rules, [event("webinar_attended", t0.adding(milliseconds: 60_000))], at: t0)
        #expect(result.engagementScore == 25)
    }

    @Test func capAppliesToTheDecayedSum() throws {
        let rules = "[{name: pricing, type: page_view, path: \"/pricing*\", points: 10, max: 30}]"
        let fresh = (0..<5).map { event("page_view", t0.adding(milliseconds: Int64($0) * 1000), path: "/pricing") }
        #expect(try score(rules, fresh, at: t0.adding(milliseconds: 10_000)).engagementScore == 30)
        // Five visits 30 days old are worth 25 after decay: under the cap, so all of it counts.
        #expect(try score(rules, fresh, at: t0.adding(milliseconds: 30 * day)).engagementScore == 25)
    }

    @Test func negativeCapLimitsTheMagnitude() throws {
        let rules = "[{name: careers, type: page_view, path: \"/careers*\", points: -15, max: 20}, {name: any, type: email_click, points: 1}]"
        let events = (0..<4).map { _ in event("page_view", t0, path: "/careers/engineering") }
        let result = try score(rules, events, at: t0)
        #expect(contribution(result, "careers") == -20)
    }

    @Test func onceCountsTheMostRecentMatch() throws {
        let rules = "[{name: demo, type: demo_request, points: 60, once: true}]"
        let old = event("demo_request", t0)
        let recent = event("demo_request", t0.adding(milliseconds: 30 * day))
        let now = t0.adding(milliseconds: 30 * day)
        #expect(try score(rules, [old], at: now).engagementScore == 30)
        #expect(try score(rules, [old, recent], at: now).engagementScore == 60)
        #expect(try score(rules, [recent, old], at: now).engagementScore == 60)
    }

    @Test func pathGlobsMatchPathOrURLAndPropertiesMatchByEquality() throws {
        let rules = """
        [{name: pricing, type: page_view, path: "/pricing*", points: 10},
         {name: guide, type: content_download, properties: {asset: [roi-guide, buyers-guide]}, points: 15},
         {name: integrations, type: page_view, path: "/integrations/*/setup", points: 5}]
        """
        let events = [
            EngagementEvent(type: "page_view", occurredAt: t0, properties: ["url": .string("https://example.com/Pricing/enterprise?utm_source=x#faq")]),
            EngagementEvent(type: "page_view", occurredAt: t0, properties: ["url": .string("https://example.com/about")]),
            EngagementEvent(type: "content_download", occurredAt: t0, properties: ["asset": .string("ROI-Guide")]),
            EngagementEvent(type: "content_download", occurredAt: t0, properties: ["asset": .string("cat-pictures")]),
            EngagementEvent(type: "page_view", occurredAt: t0, properties: ["path": .string("/integrations/salesforce/setup")]),
            EngagementEvent(type: "page_view", occurredAt: t0, properties: ["path": .string("/integrations/salesforce")]),
        ]
        let result = try score(rules, events, at: t0)
        #expect(contribution(result, "pricing") == 10)
        #expect(contribution(result, "guide") == 15)
        #expect(contribution(result, "integrations") == 5)
    }

    @Test func frequencyRuleNeedsDistinctDaysWithinTheWindow() throws {
        let rules = "[{name: returns, type: page_view, distinct_days: 2, within_days: 7, points: 15}]"
        let monday = ts("2027-03-01T10:00:00Z")
        // Two visits on one day: one distinct day, nothing.
        #expect(try score(rules, [event("page_view", monday), event("page_view", monday.adding(milliseconds: 3_600_000))], at: monday.adding(milliseconds: day)).engagementScore == 0)
        // Visits seven days apart fall outside a 7-day window (days d-6 … d).
        #expect(try score(rules, [event("page_view", monday), event("page_view", monday.adding(milliseconds: 7 * day))], at: monday.adding(milliseconds: 7 * day)).engagementScore == 0)
        // Six days apart: completed on the second day, worth 15 from that moment.
        let second = monday.adding(milliseconds: 6 * day)
        #expect(try score(rules, [event("page_view", monday), event("page_view", second)], at: second).engagementScore == 15)
        // A third day completes the pattern again: without once, each completing day awards.
        let third = second.adding(milliseconds: day)
        #expect(try score(rules, [event("page_view", monday), event("page_view", second), event("page_view", third)], at: third).engagementScore == 29.66)
    }

    @Test func frequencyRuleWithOnceKeepsTheLatestCompletion() throws {
        let rules = "[{name: returns, type: page_view, distinct_days: 2, within_days: 7, points: 15, once: true}]"
        let d1 = ts("2027-03-01T10:00:00Z")
        let events = [0, 1, 2, 40, 41].map { event("page_view", d1.adding(milliseconds: Int64($0) * day)) }
        let now = d1.adding(milliseconds: 41 * day)
        #expect(try score(rules, events, at: now).engagementScore == 15)
        #expect(try score(rules, Array(events.prefix(3)), at: now).engagementScore == 6.09)  // 15 × 0.5^(39/30)
    }

    @Test func minSignalsStopsSingleDriveByVisits() throws {
        let rules = """
        [{name: pricing, type: page_view, path: "/pricing*", points: 100},
         {name: webinar, type: webinar_attended, points: 25},
         {name: unsubscribe, type: unsubscribe, points: -30}]
        """
        let single = try score(rules, [event("page_view", t0, path: "/pricing")], at: t0, thresholds: "{mql: 100, min_signals: 2}")
        #expect(single.score == 100)
        #expect(single.signals == 1)
        #expect(!single.qualified)
        #expect(single.unmet == [.signals])
        let two = try score(rules, [event("page_view", t0, path: "/pricing"), event("webinar_attended", t0)], at: t0,
                            thresholds: "{mql: 100, min_signals: 2}")
        #expect(two.qualified && two.signals == 2)
        // Negative rules are not signals.
        let negative = try score(rules, [event("page_view", t0, path: "/pricing"), event("unsubscribe", t0)], at: t0,
                                 thresholds: "{mql: 50, min_signals: 2}")
        #expect(negative.signals == 1 && !negative.qualified)
    }

    @Test func reasonsSumExactlyToTheScoreWithManyRoundedParts() throws {
        let rules = (0..<12).map { "{name: r\($0), type: t\($0), points: \(Double($0) + 0.33)}" }.joined(separator: ", ")
        var events: [EngagementEvent] = []
        for i in 0..<12 {
            for j in 0..<5 { events.append(event("t\(i)", t0.adding(milliseconds: Int64(i * 7919 + j * 104_729) * 1000))) }
        }
        let result = try score("[\(rules)]", events, at: t0.adding(milliseconds: 17 * day))
        #expect(result.reasons.count == 12)
        #expect(result.reasons.map(\.points.cents.magnitude) == result.reasons.map(\.points.cents.magnitude).sorted(by: >))
    }

    @Test func gradesCombineFitLetterAndEngagementDigit() {
        let bands = exampleModel.grades
        #expect(bands.grade(fit: 60, engagement: 75).description == "A1")
        #expect(bands.grade(fit: 59.99, engagement: 74.99).description == "B2")
        #expect(bands.grade(fit: 20, engagement: 25).description == "C3")
        #expect(bands.grade(fit: -10, engagement: 0).description == "D4")
        #expect(Grade("a2") == Grade(letter: .a, digit: 2))
        #expect(Grade("E1") == nil)
    }

    @Test func exampleModelScenario() {
        let scorer = LeadScorer(model: exampleModel)
        let lead = Lead(email: "dana@acme.io", jobTitle: "VP of Sales", companySize: 250, industry: "software", country: "US")
        let events = [
            event("page_view", ts("2027-03-10T15:00:00Z"), path: "/pricing"),
            event("webinar_attended", ts("2027-03-11T17:00:00Z")),
            event("demo_request", ts("2027-03-12T20:30:00Z")),
        ]
        let now = ts("2027-03-12T21:00:00Z")
        let result = scorer.score(lead: lead, events: events, at: now)
        #expect(result.fitScore == 75)
        #expect(result.qualified)
        #expect(result.grade.letter == .a)
        #expect(result.modelVersion == "2026-11-a")
        expectReasonsSum(result)
        let state = scorer.recompute(lead: lead, events: events)
        let sla = scorer.sla(for: state, result: result, qualifiedAt: now)
        #expect(sla?.tier == "hot")
        #expect(sla?.dueAtText == "2027-03-12T17:00:00-05:00")
        #expect(sla?.businessHours == false)
    }
}

@Suite("Fixed-point internals")
struct FixedPointTests {
    @Test func wideSumIsExactAcrossShifts() {
        var sum = WideSum()
        sum.add(1, shift: 64)
        #expect(sum.doubleValue == 18_446_744_073_709_551_616.0)
        sum.add(-1, shift: 64)
        #expect(sum == WideSum())
        sum.add(-3, shift: 0)
        sum.add(5, shift: 1)
        #expect(sum.doubleValue == 7)
        sum.add(Int64.max, shift: 63)
        sum.add(-Int64.max, shift: 63)
        #expect(sum.doubleValue == 7)
    }

    @Test func programmaticEventTypesAreLowerCased() {
        let e = EngagementEvent(type: "Demo_Request", occurredAt: ts("2027-03-01T00:00:00Z"))
        #expect(e.type == "demo_request")
        let result = LeadScorer(model: exampleModel).score(lead: Lead(email: "a@acme.com"), events: [e], at: e.occurredAt)
        #expect(contribution(result, "demo_request") == 60)
    }

    @Test func corruptStatesAreRejected() throws {
        let scorer = LeadScorer(model: exampleModel)
        var state = scorer.makeState(for: Lead(email: "a@acme.com"))
        try scorer.apply(event("email_click", ts("2027-03-01T00:00:00Z")), to: &state)
        let json = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        let corrupt = json.replacingOccurrences(of: "\"k\":", with: "\"k\":1")
        #expect(corrupt != json)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LeadScoreState.self, from: Data(corrupt.utf8)) }
    }
}

import Foundation
import PropertyBased
import Testing
@testable import LeadScoring

/// A compact description of a random event, turned into a real event by `make`.
struct EventSpec: Sendable, CustomStringConvertible {
    let type: Int
    let page: Int
    let minute: Int

    static let types = ["page_view", "page_view", "page_view", "content_download", "webinar_attended", "email_click", "demo_request", "unsubscribe", "other"]
    static let pages = ["/pricing", "/compare/rival", "/careers/eng", "/blog/x", "/pricing/enterprise", "/"]
    static let origin = Timestamp(rfc3339: "2027-01-01T00:00:00Z")!

    func make() -> EngagementEvent {
        EngagementEvent(type: EventSpec.types[type], occurredAt: EventSpec.origin.adding(milliseconds: Int64(minute) * 60_000),
                        properties: ["path": .string(EventSpec.pages[page])])
    }

    var description: String { "\(EventSpec.types[type])@\(EventSpec.pages[page])+\(minute)m" }
}

/// Half-life of six hours over a 120-day span: hundreds of periods, so retention pruning is exercised too.
let fastDecayModel: ScoringModel = try! loadModel(miniModel(rules: """

    - {name: pricing_page, type: page_view, path: "/pricing*", points: 10, max: 30}
    - {name: comparison_page, type: page_view, path: "/compare*", points: 10}
    - {name: careers_page, type: page_view, path: "/careers*", points: -15, max: 40}
    - {name: content, type: [content_download, webinar_attended], points: 15, max: 45}
    - {name: email_click, type: email_click, points: 5}
    - {name: demo_request, type: demo_request, points: 60, once: true}
    - {name: unsubscribe, type: unsubscribe, points: -30, once: true}
    - {name: return_visits, type: page_view, distinct_days: 2, within_days: 7, points: 15}
    - {name: habit, type: page_view, path: "/pricing*", distinct_days: 3, within_days: 5, points: 20, once: true}
""", halfLife: "0.25", thresholds: "{mql: 50, min_signals: 2, recycle: 20}", extra: """
sla:
  tiers:
    - {name: hot, when: {any_event: [demo_request]}, within: 1h}
    - {name: standard, within: 24h}
"""))

@Suite("Incremental scoring equals full recompute")
struct IncrementalPropertyTests {
    static let eventGen = zip(Gen.int(in: 0...(EventSpec.types.count - 1)), Gen.int(in: 0...(EventSpec.pages.count - 1)),
                              Gen.int(in: 0...(120 * 24 * 60)))
        .map { EventSpec(type: $0, page: $1, minute: $2) }
    static let historyGen = eventGen.array(of: 0...80)
    static let lead = Lead(email: "dana@acme.io", jobTitle: "VP Sales", companySize: 250, industry: "software", country: "US")

    /// A deterministic shuffle, so a failing case reproduces from its seed.
    static func shuffled<T>(_ items: [T], seed: UInt64) -> [T] {
        var rng = SplitMix(state: seed)
        return items.shuffled(using: &rng)
    }

    static func check(_ model: ScoringModel, _ specs: [EventSpec], seed: UInt64) throws {
        let scorer = LeadScorer(model: model)
        let events = specs.map { $0.make() }
        let sorted = events.sorted { $0.occurredAt < $1.occurredAt }
        let reference = scorer.recompute(lead: lead, events: sorted)

        // Any order, one event at a time, through a JSON round trip (as a cache would), gives the same state.
        var incremental = scorer.makeState(for: lead)
        for (index, event) in shuffled(events, seed: seed).enumerated() {
            try scorer.apply(event, to: &incremental)
            if index % 7 == 3 {
                incremental = try JSONDecoder().decode(LeadScoreState.self, from: JSONEncoder().encode(incremental))
            }
        }
        #expect(incremental == reference)

        // A prefix recomputed, the rest applied later, also agrees.
        let split = events.isEmpty ? 0 : Int(seed % UInt64(events.count + 1))
        var partial = scorer.recompute(lead: lead, events: events[..<split].reversed())
        try scorer.apply(events[split...], to: &partial)
        #expect(partial == reference)

        let last = sorted.last?.occurredAt ?? EventSpec.origin
        for now in [last, last.adding(milliseconds: 3_600_000), last.adding(milliseconds: 9 * day)] {
            let expected = try scorer.result(of: reference, at: now)
            #expect(try scorer.result(of: incremental, at: now) == expected)
            #expect(try scorer.result(of: partial, at: now) == expected)
            #expect(scorer.score(lead: lead, events: shuffled(events, seed: seed &+ 1), at: now) == expected)
            let summary = try scorer.summary(of: incremental, at: now)
            #expect(summary.score == expected.score && summary.qualified == expected.qualified && summary.grade == expected.grade)
            expectReasonsSum(expected)
            #expect(scorer.sla(for: incremental, result: expected, qualifiedAt: now) == scorer.sla(for: reference, result: expected, qualifiedAt: now))
        }
    }

    @Test func fastDecayModelAnyOrder() async {
        await propertyCheck(count: 150, input: IncrementalPropertyTests.historyGen, Gen.uint64(in: 0...UInt64.max)) { specs, seed in
            try IncrementalPropertyTests.check(fastDecayModel, specs, seed: seed)
        }
    }

    @Test func exampleModelAnyOrder() async {
        await propertyCheck(count: 100, input: IncrementalPropertyTests.historyGen, Gen.uint64(in: 0...UInt64.max)) { specs, seed in
            try IncrementalPropertyTests.check(exampleModel, specs, seed: seed)
        }
    }

    @Test func denseHistoriesOnFewDays() async {
        // Many events packed into a few days stress same-day updates of frequency rules.
        let dense = zip(Gen.int(in: 0...(EventSpec.types.count - 1)), Gen.int(in: 0...(EventSpec.pages.count - 1)), Gen.int(in: 0...(10 * 24 * 60)))
            .map { EventSpec(type: $0, page: $1, minute: $2) }.array(of: 20...120)
        await propertyCheck(count: 60, input: dense, Gen.uint64(in: 0...UInt64.max)) { specs, seed in
            try IncrementalPropertyTests.check(fastDecayModel, specs, seed: seed)
        }
    }

    @Test func scoringIsDeterministic() async {
        await propertyCheck(count: 50, input: IncrementalPropertyTests.historyGen) { specs in
            let scorer = LeadScorer(model: exampleModel)
            let events = specs.map { $0.make() }
            let now = EventSpec.origin.adding(milliseconds: 130 * day)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let first = try encoder.encode(scorer.score(lead: IncrementalPropertyTests.lead, events: events, at: now))
            let reloaded = LeadScorer(model: try loadModel(exampleYAML))
            let second = try encoder.encode(reloaded.score(lead: IncrementalPropertyTests.lead, events: events, at: now))
            #expect(first == second)
        }
    }

    @Test func stateFromAnotherModelIsRefused() throws {
        let scorer = LeadScorer(model: exampleModel)
        var state = LeadScorer(model: fastDecayModel).makeState(for: IncrementalPropertyTests.lead)
        #expect(!scorer.isCurrent(state))
        #expect(throws: ScoringError.modelMismatch(stateVersion: "t1", modelVersion: "2026-11-a")) {
            try scorer.apply(event("page_view", EventSpec.origin), to: &state)
        }
        let edited = LeadScorer(model: try loadModel(exampleYAML + "\n"))
        #expect(!edited.isCurrent(scorer.makeState(for: IncrementalPropertyTests.lead)))
    }

    @Test func applyingCostsTheSameWhateverTheHistory() throws {
        // Bounded state: a year of daily pricing visits leaves a bounded number of buckets and days.
        let scorer = LeadScorer(model: fastDecayModel)
        var state = scorer.makeState(for: IncrementalPropertyTests.lead)
        for d in 0..<365 {
            for h in 0..<4 { try scorer.apply(event("page_view", EventSpec.origin.adding(milliseconds: Int64(d) * day + Int64(h) * 3_600_000), path: "/pricing"), to: &state) }
        }
        #expect(state.eventCount == 1460)
        for aggregate in state.rules {
            #expect(aggregate.buckets.count <= Int(DecayClock.retainedPeriods) + 1)
            #expect(aggregate.days.count <= 30)
        }
    }
}

/// SplitMix64: a tiny seeded generator for reproducible shuffles.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// scoring-bench: single-core throughput of the scoring library with the default model,
// and the cost of one event as a lead's history grows. Build and run in release:
//   swift run -c release scoring-bench [path/to/scoring.yaml] [--quick]
// (--codecs: only the score state encoding and JSON parsing figures)
import Foundation
import LeadScoring

let arguments = CommandLine.arguments.dropFirst()
let quick = arguments.contains("--quick")
let modelPath = arguments.first { !$0.hasPrefix("--") } ?? "config/scoring.yaml"

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func time(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    return seconds(ContinuousClock.now - start)
}

/// A fixed pseudo-random sequence, so every run scores the same events.
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

/// A realistic B2B event mix: mostly page views and e-mail, few hand-raisers.
let prototypes: [(weight: Int, type: String, properties: [String: JSONValue])] = [
    (14, "page_view", ["url": .string("https://example.com/pricing")]),
    (4, "page_view", ["path": .string("/compare/rivalsoft")]),
    (4, "page_view", ["path": .string("/integrations/salesforce")]),
    (3, "page_view", ["path": .string("/customers/acme")]),
    (2, "page_view", ["path": .string("/security")]),
    (16, "page_view", ["url": .string("https://example.com/blog/lead-scoring-guide?utm_source=news")]),
    (8, "page_view", ["path": .string("/")]),
    (2, "page_view", ["path": .string("/careers/engineering")]),
    (10, "email_open", ["campaign": .string("nurture-3")]),
    (9, "email_click", ["campaign": .string("nurture-3")]),
    (5, "content_download", ["asset": .string("roi-guide")]),
    (3, "webinar_registered", ["campaign": .string("q1-webinar")]),
    (2, "webinar_attended", ["campaign": .string("q1-webinar")]),
    (10, "product_usage", ["feature": .string("routing")]),
    (2, "form_submit", ["form": .string("contact_sales")]),
    (1, "demo_request", [:]),
    (1, "trial_signup", [:]),
    (1, "unsubscribe", [:]),
]
let weighted: [Int] = prototypes.indices.flatMap { Array(repeating: $0, count: prototypes[$0].weight) }

func randomEvent(at t: Timestamp, _ rng: inout SplitMix) -> EngagementEvent {
    let p = prototypes[weighted[Int(rng.next() % UInt64(weighted.count))]]
    return EngagementEvent(type: p.type, occurredAt: t, properties: p.properties)
}

let modelText: String
do {
    modelText = try String(contentsOfFile: modelPath, encoding: .utf8)
} catch {
    FileHandle.standardError.write(Data("scoring-bench: cannot read \(modelPath) (run from the package root or pass the model path)\n".utf8))
    exit(2)
}
var model: ScoringModel!
let loadSeconds = try time { model = try ModelLoader.load(yaml: modelText, file: modelPath) }
let scorer = LeadScorer(model: model)
let origin = Timestamp(rfc3339: "2027-01-04T00:00:00Z")!
let lead = Lead(email: "dana@acme-software.com", jobTitle: "VP of Sales", companySize: 250, industry: "software", country: "US",
                techStack: ["salesforce"], attributes: ["timeline": .string("this_quarter")])

print("scoring-bench: model \(model.version) (\(model.fitRules.count) fit rules, \(model.engagementRules.count) engagement rules), loaded in \(String(format: "%.1f", loadSeconds * 1000)) ms")
#if DEBUG
print("warning: debug build; run with -c release for meaningful figures")
#endif

if arguments.contains("--profile-apply") {
    // A tight loop for a profiler: one lead, 100,000 events, applied over and over.
    var rng = SplitMix(state: 7)
    let history = (0..<100_000).map { randomEvent(at: origin.adding(milliseconds: Int64($0) * 300_000), &rng) }
    var total = 0
    for _ in 0..<40 { total &+= scorer.recompute(lead: lead, events: history).eventCount }
    if arguments.contains("--results") {
        let state = scorer.recompute(lead: lead, events: history)
        for i in 0..<2_000_000 { total &+= Int(try scorer.result(of: state, at: origin.adding(milliseconds: Int64(i))).score.cents) }
    }
    print(total)
    exit(0)
}

// MARK: Codecs (score state persistence, JSON parsing)

/// Best-of-runs nanoseconds per call, `body` running the call `count` times.
func nanosecondsPerCall(_ count: Int, runs: Int, _ body: (Int) throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<runs { best = min(best, try time { try body(count) }) }
    return best / Double(count) * 1e9
}

func runCodecBenchmarks() throws {
    let runs = quick ? 1 : 3
    var sink = 0

    // A typical stored state: the default model, one lead with 50 events over 60 days.
    var stateRng = SplitMix(state: 9)
    let typicalEvents = (0..<50).map { i in
        randomEvent(at: origin.adding(milliseconds: Int64(i) * 60 * 86_400_000 / 50 + Int64(stateRng.next() % 3_600_000)), &stateRng)
    }
    let typical = scorer.recompute(lead: lead, events: typicalEvents)
    let binary = typical.serialized()
    let json = try JSONEncoder().encode(typical)
    guard try LeadScoreState(serialized: binary) == typical, try JSONDecoder().decode(LeadScoreState.self, from: json) == typical else {
        fatalError("score state round trip failed")
    }
    let n = quick ? 200_000 : 2_000_000
    let encodeNs = nanosecondsPerCall(n, runs: runs) { count in for _ in 0..<count { sink &+= typical.serialized().count } }
    let decodeNs = try nanosecondsPerCall(n, runs: runs) { count in
        for _ in 0..<count { sink &+= try LeadScoreState(serialized: binary).eventCount }
    }
    let jsonEncoder = JSONEncoder(), jsonDecoder = JSONDecoder()
    let jsonEncodeNs = try nanosecondsPerCall(n / 50, runs: runs) { count in for _ in 0..<count { sink &+= try jsonEncoder.encode(typical).count } }
    let jsonDecodeNs = try nanosecondsPerCall(n / 50, runs: runs) { count in
        for _ in 0..<count { sink &+= try jsonDecoder.decode(LeadScoreState.self, from: json).eventCount }
    }
    print("score state of a lead with 50 events over 60 days (default model):")
    print(String(format: "  binary            %4d bytes: encode %7.1f ns, decode %7.1f ns", binary.count, encodeNs, decodeNs))
    print(String(format: "  JSONEncoder/-Decoder %4d bytes: encode %7.1f ns, decode %7.1f ns", json.count, jsonEncodeNs, jsonDecodeNs))

    // An event document as the ingestion endpoint receives it, and a lead document with escapes.
    let document = Data(#"{"email":"lead1@acme.com","type":"page_view","event_id":"x-1","properties":{"path":"/pricing"}}"#.utf8)
    let leadDocument = Data(#"""
    {"email": "dana@acme-software.com", "first_name": "Dana", "last_name": "Smith", "job_title": "VP of Sales",
     "company": "Acme Software", "company_size": 250, "industry": "software", "country": "US",
     "tech_stack": ["salesforce", "slack", "marketo"], "utm": {"source": "google", "campaign": "q1-brand"},
     "attributes": {"timeline": "this_quarter", "budget": 50000.5, "note": "Asked about SSO \u2014 \"urgent\""}}
    """#.utf8)
    var parseNs: [Double] = []
    for (data, share) in [(document, 2), (leadDocument, 4)] {
        parseNs.append(try nanosecondsPerCall(n / share, runs: runs) { count in
            for _ in 0..<count { if case .object(let members) = try JSONValue.parse(data) { sink &+= members.count } }
        })
        parseNs.append(try nanosecondsPerCall(n / share / 10, runs: runs) { count in
            for _ in 0..<count { if case .object(let members) = try jsonDecoder.decode(JSONValue.self, from: data) { sink &+= members.count } }
        })
    }
    print("JSON documents parsed into JSONValue (JSONValue.parse; the same documents through JSONDecoder):")
    for (index, (label, data)) in [("event", document), ("lead", leadDocument)].enumerated() {
        let own = parseNs[2 * index], decoder = parseNs[2 * index + 1]
        print(String(format: "  %-5@ %3d bytes: parse %7.1f ns (%5.2f M/s); JSONDecoder %7.1f ns (%5.2f M/s)",
                     label, data.count, own, 1e3 / own, decoder, 1e3 / decoder))
    }
    print("codec checksum \(sink)")
}

if arguments.contains("--profile-decode") {
    // A tight loop for a profiler: decode one typical score state over and over.
    var stateRng = SplitMix(state: 9)
    let typical = scorer.recompute(lead: lead, events: (0..<50).map { i in
        randomEvent(at: origin.adding(milliseconds: Int64(i) * 60 * 86_400_000 / 50 + Int64(stateRng.next() % 3_600_000)), &stateRng)
    })
    let binary = typical.serialized()
    var total = 0
    for _ in 0..<3_000_000 { total &+= try LeadScoreState(serialized: binary).eventCount }
    print(total)
    exit(0)
}

if arguments.contains("--profile-parse") {
    // A tight loop for a profiler: parse one small event document over and over.
    let document = Data(#"{"email":"lead1@acme.com","type":"page_view","event_id":"x-1","properties":{"path":"/pricing"}}"#.utf8)
    var total = 0
    let count = arguments.first { $0.hasPrefix("--count=") }.flatMap { Int($0.dropFirst(8)) } ?? 5_000_000
    for _ in 0..<count { if case .object(let members) = try JSONValue.parse(document) { total &+= members.count } }
    print(total)
    exit(0)
}

if arguments.contains("--codecs") {
    try runCodecBenchmarks()
    exit(0)
}

// MARK: 1. Throughput

// Events over 90 days spread across N leads, as ingestion sees them: each event is applied to its
// lead's state and the lead is scored. With 1,000 leads the states (~2 MB) stay in the CPU caches;
// with 10,000 (~20 MB) most touches miss them, as on a busy service.
let eventCount = quick ? 200_000 : 2_000_000
let span: Int64 = 90 * 86_400_000
var rng = SplitMix(state: 42)
var events: [EngagementEvent] = []
var draws: [UInt64] = []
events.reserveCapacity(eventCount)
draws.reserveCapacity(eventCount)
for i in 0..<eventCount {
    // Time runs forward overall with some jitter.
    let t = origin.adding(milliseconds: span * Int64(i) / Int64(eventCount) + Int64(rng.next() % 600_000))
    events.append(randomEvent(at: t, &rng))
    draws.append(rng.next())
}

enum Mode: String, CaseIterable {
    case apply = "apply only"
    case summary = "apply + score (summary)"
    case result = "apply + full result with reasons"
}

var checksum: Int64 = 0
var throughput: [Int: [Mode: Double]] = [:]
for leadCount in [1_000, 10_000] {
    print("throughput on one core, \(leadCount) leads interleaved, \(eventCount) events:")
    let owners = draws.map { Int($0 % UInt64(leadCount)) }
    let freshStates = [LeadScoreState](repeating: scorer.makeState(for: lead), count: leadCount)
    for mode in Mode.allCases {
        var best = Double.infinity
        for _ in 0..<(quick ? 1 : 3) {
            var states = freshStates
            // Touch every state once so copy-on-write copies happen outside the timed loop.
            for i in states.indices { try scorer.update(&states[i], with: lead) }
            let elapsed = try time {
                try events.withUnsafeBufferPointer { events in
                    for i in 0..<events.count {
                        let owner = owners[i]
                        try scorer.apply(events[i], to: &states[owner])
                        switch mode {
                        case .apply: break
                        case .summary: checksum &+= try scorer.summary(of: states[owner], at: events[i].occurredAt).score.cents
                        case .result: checksum &+= try scorer.result(of: states[owner], at: events[i].occurredAt).score.cents
                        }
                    }
                }
            }
            best = min(best, elapsed)
        }
        throughput[leadCount, default: [:]][mode] = Double(events.count) / best
        let label = mode.rawValue.padding(toLength: 34, withPad: " ", startingAt: 0)
        print("  " + label + String(format: "%10.0f events/s  (%6.1f ns/event)", Double(events.count) / best, best / Double(events.count) * 1e9))
    }
}

// MARK: 2. Cost per event as a lead's history grows

// One lead at a time (so every size sees the same cache-resident working set): build a history of
// H events untimed, then time the next min(H, 10,000) events, each applied and scored. Repeat over
// fresh leads until 50,000 events have been timed per size.
print("per-event cost (apply + score) on one lead with a history of H events (events every 5 minutes):")
let spacing: Int64 = 300_000
let timedPerSize = quick ? 10_000 : 50_000
var growth: [(history: Int, nanoseconds: Double)] = []
for history in [10, 100, 1_000, 10_000, 100_000] {
    let batch = min(history, 10_000)
    let leadsNeeded = max(1, timedPerSize / batch)
    var rng = SplitMix(state: UInt64(history))
    var best = Double.infinity
    for _ in 0..<(quick ? 1 : 3) {
        var elapsed = 0.0
        for _ in 0..<leadsNeeded {
            var state = scorer.makeState(for: lead)
            try scorer.apply((0..<history).map { randomEvent(at: origin.adding(milliseconds: Int64($0) * spacing), &rng) }, to: &state)
            let next = (0..<batch).map { randomEvent(at: origin.adding(milliseconds: Int64(history + $0) * spacing), &rng) }
            elapsed += try time {
                for event in next {
                    try scorer.apply(event, to: &state)
                    checksum &+= try scorer.summary(of: state, at: event.occurredAt).score.cents
                }
            }
        }
        best = min(best, elapsed)
    }
    let ns = best / Double(leadsNeeded * batch) * 1e9
    growth.append((history, ns))
    print(String(format: "  H = %7d: %6.1f ns/event", history, ns))
}
let flatness = (growth.map(\.nanoseconds).max() ?? 0) / (growth.map(\.nanoseconds).min() ?? 1)
print(String(format: "  slowest / fastest: %.2fx", flatness))

// MARK: 3. Full recompute (a model change rescoring a lead from its stored events)

let history = Array(events.prefix(100_000))
var recomputeBest = Double.infinity
for _ in 0..<(quick ? 1 : 3) {
    recomputeBest = min(recomputeBest, time { checksum &+= Int64(scorer.recompute(lead: lead, events: history).eventCount) })
}
print(String(format: "full recompute of a 100,000-event history (one lead, apply only): %.1f ms, %.0f events/s", recomputeBest * 1000, 100_000 / recomputeBest))
print("checksum \(checksum)")

// MARK: 4. Codecs

try runCodecBenchmarks()

let target = 1_000_000.0
for leadCount in [1_000, 10_000] {
    let scored = throughput[leadCount]?[.summary] ?? 0
    print((scored >= target ? "PASS" : "BELOW TARGET") + ": \(Int(scored)) events/s applied and scored on one core with \(leadCount) leads (target \(Int(target)))")
}

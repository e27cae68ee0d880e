import Foundation
import PropertyBased
import Testing
@testable import LeadScoring

@Suite("Binary score state")
struct StateEncodingTests {
    static let lead = IncrementalPropertyTests.lead
    static let defaultModel: ScoringModel = try! loadDefaultModel()

    /// A decoded copy, failing the test when decoding throws.
    static func roundTrip(_ state: LeadScoreState, sourceLocation: SourceLocation = #_sourceLocation) throws -> LeadScoreState {
        let bytes = state.serialized()
        #expect(bytes.first == LeadScoreState.binaryFormatVersion, sourceLocation: sourceLocation)
        return try LeadScoreState(serialized: bytes)
    }

    /// States along a random history: after every event the state survives a round trip unchanged,
    /// and every result read from the decoded state equals the original's.
    static func check(_ model: ScoringModel, _ specs: [EventSpec], seed: UInt64) throws {
        let scorer = LeadScorer(model: model)
        let events = IncrementalPropertyTests.shuffled(specs.map { $0.make() }, seed: seed)
        var state = scorer.makeState(for: lead)
        var carried = state
        #expect(try roundTrip(state) == state)
        for event in events {
            try scorer.apply(event, to: &state)
            // The decoded state goes on being updated, as the service does with a stored one.
            carried = try roundTrip(carried)
            try scorer.apply(event, to: &carried)
            #expect(try roundTrip(state) == state)
        }
        #expect(carried == state)
        let reference = scorer.recompute(lead: lead, events: events.sorted { $0.occurredAt < $1.occurredAt })
        #expect(state == reference)

        let decoded = try roundTrip(state)
        #expect(decoded == state)
        // The JSON form and the binary form describe the same state.
        let viaJSON = try JSONDecoder().decode(LeadScoreState.self, from: JSONEncoder().encode(decoded))
        #expect(viaJSON == state)
        #expect(viaJSON.serialized() == state.serialized())

        let last = state.lastEventAt ?? EventSpec.origin
        for now in [last, last.adding(milliseconds: 3_600_000), last.adding(milliseconds: 9 * day), last.adding(milliseconds: 400 * day)] {
            let expected = try scorer.result(of: state, at: now)
            #expect(try scorer.result(of: decoded, at: now) == expected)
            #expect(try scorer.summary(of: decoded, at: now) == scorer.summary(of: state, at: now))
            #expect(scorer.sla(for: decoded, result: expected, qualifiedAt: now) == scorer.sla(for: state, result: expected, qualifiedAt: now))
        }
        #expect(scorer.isCurrent(decoded))
    }

    @Test func roundTripsRandomHistoriesFastDecay() async {
        await propertyCheck(count: 150, input: IncrementalPropertyTests.historyGen, Gen.uint64(in: 0...UInt64.max)) { specs, seed in
            try StateEncodingTests.check(fastDecayModel, specs, seed: seed)
        }
    }

    @Test func roundTripsRandomHistoriesExampleModel() async {
        await propertyCheck(count: 100, input: IncrementalPropertyTests.historyGen, Gen.uint64(in: 0...UInt64.max)) { specs, seed in
            try StateEncodingTests.check(exampleModel, specs, seed: seed)
        }
    }

    @Test func roundTripsDenseHistories() async {
        let dense = zip(Gen.int(in: 0...(EventSpec.types.count - 1)), Gen.int(in: 0...(EventSpec.pages.count - 1)), Gen.int(in: 0...(10 * 24 * 60)))
            .map { EventSpec(type: $0, page: $1, minute: $2) }.array(of: 20...120)
        await propertyCheck(count: 60, input: dense, Gen.uint64(in: 0...UInt64.max)) { specs, seed in
            try StateEncodingTests.check(fastDecayModel, specs, seed: seed)
        }
    }

    @Test func roundTripsTheDefaultModelsTypicalLead() throws {
        let scorer = LeadScorer(model: StateEncodingTests.defaultModel)
        let state = StateEncodingTests.typicalState()
        let bytes = state.serialized()
        #expect(bytes.count < 400, "\(bytes.count) bytes")
        let decoded = try LeadScoreState(serialized: bytes)
        #expect(decoded == state)
        let now = state.lastEventAt!.adding(milliseconds: day)
        #expect(try scorer.result(of: decoded, at: now) == scorer.result(of: state, at: now))
        // The JSON form is several times larger.
        #expect(try JSONEncoder().encode(state).count > 2 * bytes.count)
    }

    /// The state of a lead with 50 events over 60 days under the default model (the benchmark's typical state).
    static func typicalState() -> LeadScoreState {
        let scorer = LeadScorer(model: defaultModel)
        let origin = ts("2027-01-04T09:00:00Z")
        let kinds: [(String, [String: JSONValue])] = [
            ("page_view", ["path": .string("/pricing")]), ("page_view", ["path": .string("/blog/x")]),
            ("page_view", ["path": .string("/compare/rival")]), ("email_click", [:]), ("email_open", [:]),
            ("content_download", [:]), ("webinar_registered", [:]), ("product_usage", [:]),
            ("page_view", ["path": .string("/integrations/salesforce")]), ("demo_request", [:]),
        ]
        let events = (0..<50).map { i in
            let kind = kinds[(i * 7) % kinds.count]
            return EngagementEvent(type: kind.0, occurredAt: origin.adding(milliseconds: Int64(i) * 60 * day / 50 + Int64(i % 5) * 3_600_000),
                                   properties: kind.1)
        }
        return scorer.recompute(lead: Lead(email: "dana@acme-software.com", jobTitle: "VP of Sales", companySize: 250,
                                           industry: "software", country: "US"), events: events)
    }

    @Test func keepsEveryPartOfTheState() throws {
        // A fresh state: no events, no last event time, fit summary present.
        let scorer = LeadScorer(model: exampleModel)
        let fresh = scorer.makeState(for: StateEncodingTests.lead)
        #expect(fresh.lastEventAt == nil && fresh.fitSummary != nil && !fresh.fitMatches.isEmpty)
        #expect(try StateEncodingTests.roundTrip(fresh) == fresh)

        // No fit summary (a state decoded from JSON written before the summary existed), a disqualified lead,
        // events before 1970 and far in the future, an SLA slot set.
        var state = scorer.makeState(for: Lead(email: "x@rivalsoft.com", jobTitle: "VP Sales"))
        #expect(state.fitSummary?.disqualified == true)
        try scorer.apply([event("demo_request", ts("1969-12-31T23:00:00Z")), event("page_view", ts("1969-12-30T23:00:00Z"), path: "/pricing"),
                          event("page_view", ts("9999-12-31T23:59:59Z"), path: "/compare/x"), event("webinar_attended", ts("2027-01-01T00:00:00Z"))],
                         to: &state)
        #expect(state.typeLatest.contains { $0 != nil })
        #expect(try StateEncodingTests.roundTrip(state) == state)
        var withoutSummary = state
        withoutSummary.fitSummary = nil
        #expect(withoutSummary.fitSummary == nil)
        #expect(try StateEncodingTests.roundTrip(withoutSummary) == withoutSummary)
        let now = ts("2027-02-01T00:00:00Z")
        #expect(try scorer.result(of: StateEncodingTests.roundTrip(withoutSummary), at: now) == scorer.result(of: state, at: now))

        // A model with more than eight SLA-tracked types exercises a multi-byte presence bitmap.
        let types = (0..<11).map { "t\($0)" }
        let slaModel = try loadModel(miniModel(rules: "[{name: r, type: t0, points: 5}]", extra: """
        sla:
          tiers:
            - {name: hot, when: {any_event: [\(types.joined(separator: ", "))]}, within: 1h}
        """))
        let slaScorer = LeadScorer(model: slaModel)
        var slaState = slaScorer.makeState(for: StateEncodingTests.lead)
        for index in [0, 3, 7, 8, 10] { try slaScorer.apply(event(types[index], ts("2027-01-01T00:00:00Z").adding(milliseconds: Int64(index))), to: &slaState) }
        #expect(slaState.typeLatest.count == 11)
        #expect(try StateEncodingTests.roundTrip(slaState) == slaState)
    }

    /// The exact bytes of a small state: the layout cannot change without a new format version.
    @Test func formatIsStable() throws {
        let model = try loadModel(miniModel(fit: "[{name: vp, field: job_title, matches: VP, points: 30}]", rules: """

            - {name: pricing, type: page_view, path: "/pricing*", points: 10}
            - {name: demo, type: demo_request, points: 50, once: true}
            - {name: habit, type: page_view, distinct_days: 2, within_days: 7, points: 15}
            - {name: other, type: email_click, points: 3}
        """, extra: """
        sla:
          tiers:
            - {name: hot, when: {any_event: [demo_request]}, within: 1h}
        """))
        let scorer = LeadScorer(model: model)
        var state = scorer.makeState(for: Lead(email: "a@b.io", jobTitle: "VP Sales"))
        let t = ts("2027-01-04T09:00:00Z")
        try scorer.apply([event("page_view", t, path: "/pricing"), event("demo_request", t.adding(milliseconds: 60_000)),
                          event("page_view", t.adding(milliseconds: day + 1), path: "/blog")], to: &state)
        let hex = state.serialized().map { String(format: "%02x", $0) }.joined()
        #expect(hex == StateEncodingTests.golden, "\(hex)")
        #expect(try LeadScoreState(serialized: StateEncodingTests.golden.hexBytes) == state)
    }

    static let golden = "015800000002743177df92619f40685e0303829a9dd1dc68f02e01000405ec0a01008c97b4a00803ec0ac2c6ab5282e08fa229000dec0a0100869ad3d50c02018062ee01008162ee81000101c2c6ab5257ae098ccf3b2db2"

    // MARK: Hostile input

    @Test func everyPrefixIsRejected() throws {
        for state in [StateEncodingTests.typicalState(), LeadScorer(model: exampleModel).makeState(for: StateEncodingTests.lead)] {
            let bytes = state.serialized()
            for length in 0..<bytes.count {
                do {
                    _ = try LeadScoreState(serialized: Array(bytes[..<length]))
                    Issue.record("a \(length)-byte prefix of \(bytes.count) bytes was accepted")
                } catch {
                    #expect(error.reason == .truncated, "\(length): \(error)")
                }
            }
        }
    }

    @Test func everySingleByteCorruptionIsRejected() throws {
        let bytes = StateEncodingTests.typicalState().serialized()
        for position in bytes.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF, 0x5A] {
                var corrupt = bytes
                corrupt[position] ^= mask
                #expect(throws: StateDecodingError.self, "byte \(position) ^ \(mask)") { try LeadScoreState(serialized: corrupt) }
            }
        }
        var longer = bytes
        longer.append(0)
        #expect(throws: StateDecodingError.self) { try LeadScoreState(serialized: longer) }
    }

    @Test func otherVersionsAndJSONAreRefused() throws {
        let state = StateEncodingTests.typicalState()
        var bytes = state.serialized()
        bytes[0] = 2
        #expect(throws: StateDecodingError(.unsupportedVersion(2), at: 0, "unknown format version 2")) { try LeadScoreState(serialized: bytes) }
        let json = try [UInt8](JSONEncoder().encode(state))
        do {
            _ = try LeadScoreState(serialized: json)
            Issue.record("JSON accepted as binary")
        } catch {
            #expect(error.reason == .unsupportedVersion(UInt8(ascii: "{")))
            #expect(error.description.contains("JSON"))
        }
        #expect(throws: StateDecodingError.self) { try LeadScoreState(serialized: []) }
    }

    /// Corruption that keeps a valid checksum (as a bug or a deliberate edit would) reaches the structural
    /// checks: decoding throws or gives a state that can still be scored and updated without trapping.
    @Test func corruptionBehindAValidChecksumNeverTraps() async {
        let samples = [StateEncodingTests.typicalState().serialized(),
                       LeadScorer(model: exampleModel).recompute(lead: StateEncodingTests.lead, events: (0..<40).map {
                           EventSpec(type: $0 % EventSpec.types.count, page: $0 % EventSpec.pages.count, minute: $0 * 997).make()
                       }).serialized()]
        let outcome = Locked( (rejected: 0, accepted: 0))
        await propertyCheck(count: 3000, input: Gen.int(in: 0...1), Gen.uint64(in: 0...UInt64.max)) { sample, seed in
            var rng = SplitMix(state: seed)
            var bytes = samples[sample]
            let body = StateFormat.headerSize..<(bytes.count - 8)
            switch rng.next() % 4 {
            case 0:  // a few random bytes
                for _ in 0...(rng.next() % 3) { bytes[Int(rng.next() % UInt64(body.count)) + body.lowerBound] = UInt8(truncatingIfNeeded: rng.next()) }
            case 1:  // one bit
                bytes[Int(rng.next() % UInt64(body.count)) + body.lowerBound] ^= 1 << UInt8(rng.next() % 8)
            case 2:  // a run of extreme bytes
                let start = Int(rng.next() % UInt64(body.count)) + body.lowerBound
                for i in start..<min(body.upperBound, start + 1 + Int(rng.next() % 10)) { bytes[i] = rng.next() % 2 == 0 ? 0xFF : 0x7F }
            default:  // bytes removed or inserted inside the body, length fixed up
                let at = Int(rng.next() % UInt64(body.count)) + body.lowerBound
                if rng.next() % 2 == 0 { bytes.remove(at: at) } else { bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at) }
            }
            StateEncodingTests.reseal(&bytes)
            let accepted = StateEncodingTests.decodeAndExercise(bytes)
            outcome.withLock { accepted ? ($0.accepted += 1) : ($0.rejected += 1) }
        }
        let counts = outcome.withLock { $0 }
        // Most structural damage is caught even behind a valid checksum.
        #expect(counts.rejected > counts.accepted, "\(counts)")
    }

    @Test func randomBodiesNeverTrap() async {
        await propertyCheck(count: 3000, input: Gen.uint64(in: 0...UInt64.max), Gen.int(in: 0...300)) { seed, length in
            var rng = SplitMix(state: seed)
            var bytes: [UInt8] = [LeadScoreState.binaryFormatVersion, 0, 0, 0, 0]
            // A plausible start (the example model's version) half the time, so decoding gets further.
            if seed % 2 == 0 { bytes += [UInt8(exampleModel.version.utf8.count)] + Array(exampleModel.version.utf8) }
            for _ in 0..<length { bytes.append(UInt8(truncatingIfNeeded: rng.next() % 3 == 0 ? rng.next() % 4 : rng.next())) }
            bytes += [UInt8](repeating: 0, count: 8)
            StateEncodingTests.reseal(&bytes)
            _ = StateEncodingTests.decodeAndExercise(bytes)
        }
    }

    @Test func hugeCountsAreRejectedBeforeAllocating() throws {
        // A valid header and checksum, then a rule count of 2⁶⁰.
        var bytes: [UInt8] = [1, 0, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 8) + [0, 0, 0]
        bytes += [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10] + [UInt8](repeating: 0, count: 8)
        StateEncodingTests.reseal(&bytes)
        do {
            _ = try LeadScoreState(serialized: bytes)
            Issue.record("accepted")
        } catch {
            #expect(error.reason == .invalid && error.detail.contains("exceeds the bytes left"), "\(error)")
        }
        // An 11-byte varint.
        var wide: [UInt8] = [1, 0, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 10) + [0x01] + [UInt8](repeating: 0, count: 8)
        StateEncodingTests.reseal(&wide)
        #expect(throws: StateDecodingError.self) { try LeadScoreState(serialized: wide) }
    }

    @Test func decodesFromABufferInPlace() throws {
        let state = StateEncodingTests.typicalState()
        let bytes = state.serialized()
        let decoded = try bytes.withUnsafeBytes { raw throws(StateDecodingError) in try LeadScoreState(serialized: raw) }
        #expect(decoded == state)
    }

    /// Rewrites the length and checksum so the bytes pass the integrity checks.
    static func reseal(_ bytes: inout [UInt8]) {
        let count = UInt32(bytes.count)
        for i in 0..<4 { bytes[1 + i] = UInt8(truncatingIfNeeded: count >> (8 * UInt32(i))) }
        let sum = bytes.withUnsafeBytes { StateFormat.checksum(UnsafeRawBufferPointer(rebasing: $0[..<(bytes.count - 8)])) }
        for i in 0..<8 { bytes[bytes.count - 8 + i] = UInt8(truncatingIfNeeded: sum >> (8 * UInt64(i))) }
    }

    /// Decodes, and when that succeeds scores and updates the state under every test model. Returns whether it decoded.
    static func decodeAndExercise(_ bytes: [UInt8]) -> Bool {
        guard let state = try? LeadScoreState(serialized: bytes) else { return false }
        #expect(state.serialized() == bytes)
        for model in [exampleModel, fastDecayModel, defaultModel] {
            let scorer = LeadScorer(model: model)
            var copy = state
            for now in [ts("2027-03-01T00:00:00Z"), Timestamp(milliseconds: 0), ts("9999-01-01T00:00:00Z")] {
                if let result = try? scorer.result(of: copy, at: now) {
                    _ = scorer.sla(for: copy, result: result, qualifiedAt: now)
                }
                _ = try? scorer.summary(of: copy, at: now)
            }
            for spec in [EventSpec(type: 0, page: 0, minute: 5), EventSpec(type: 6, page: 0, minute: 90_000), EventSpec(type: 1, page: 1, minute: 1)] {
                _ = try? scorer.apply(spec.make(), to: &copy)
            }
            _ = try? scorer.summary(of: copy, at: ts("2027-03-01T00:00:00Z"))
            _ = try? scorer.update(&copy, with: StateEncodingTests.lead)
        }
        return true
    }
}

/// A lock around a value, for counting from concurrent property checks.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

extension String {
    /// Bytes from hexadecimal text (test input is trusted).
    var hexBytes: [UInt8] {
        var bytes: [UInt8] = []
        var index = startIndex
        while index < endIndex {
            let next = self.index(index, offsetBy: 2)
            bytes.append(UInt8(self[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}

/// Everything needed to score one lead at any moment, updated one event at a time (spec §5 "incremental").
///
/// It holds the lead's fit matches and a bounded aggregate per engagement
/// rule, never the events themselves, so applying an event costs
/// O(rules it touches) however long the history. The state depends only on
/// the lead and the *set* of events applied — not their order — so a full
/// recompute gives the identical state and result.
///
/// The state is `Codable`, and has a compact binary form for persisting it
/// after every event: `serialized()` and `init(serialized:)` (see
/// `StateEncoding.swift`), a fraction of the JSON's size and far faster to
/// write and read. Either way it is stamped with the model's version and fingerprint: a state made under
/// another model is refused (`ScoringError.modelMismatch`) and must be
/// rebuilt from the stored events with `LeadScorer.recompute(lead:events:)`.
/// Applying the same event twice counts it twice: de-duplication by
/// `event_id` belongs to the caller.
public struct LeadScoreState: Codable, Equatable, Sendable {
    /// The `version` of the model that built the state.
    public private(set) var modelVersion: String
    /// The fingerprint of the model that built the state.
    public private(set) var modelFingerprint: UInt64
    /// Events applied.
    public internal(set) var eventCount: Int
    /// The latest `occurred_at` among them. Decay is read at `max(now, lastEventAt)`, so no event is ever younger than zero.
    public internal(set) var lastEventAt: Timestamp?

    /// Indices of the fit rules that match the lead, ascending.
    var fitMatches: [Int] {
        didSet { fitSummary = nil }
    }
    /// Σ points of `fitMatches` and whether one of them disqualifies, kept inline so scoring
    /// reads no array for fit (set by the scorer, encoded with the state).
    var fitSummary: FitSummary?
    /// One aggregate per engagement rule, in model order.
    var rules: [RuleAggregate]
    /// `rules[i].reading` for each rule, kept up to date by the scorer (derived, not encoded).
    var readings: [RuleReading]
    /// Latest time of an event of each SLA-tracked type (`any_event`), by slot.
    var typeLatest: [Int64?]

    init(model: ScoringModel, fitMatches: [Int]) {
        fitSummary = nil
        modelVersion = model.version
        modelFingerprint = model.fingerprint
        eventCount = 0
        lastEventAt = nil
        self.fitMatches = fitMatches
        rules = Array(repeating: RuleAggregate(), count: model.engagementRules.count)
        readings = Array(repeating: RuleReading(), count: model.engagementRules.count)
        typeLatest = Array(repeating: nil, count: model.trackedTypes.count)
    }

    /// A state from already validated parts (the binary decoder).
    init(modelVersion: String, modelFingerprint: UInt64, eventCount: Int, lastEventAt: Timestamp?, fitMatches: [Int],
         fitSummary: FitSummary?, rules: [RuleAggregate], readings: [RuleReading], typeLatest: [Int64?]) {
        self.modelVersion = modelVersion
        self.modelFingerprint = modelFingerprint
        self.eventCount = eventCount
        self.lastEventAt = lastEventAt
        self.fitMatches = fitMatches
        self.fitSummary = fitSummary
        self.rules = rules
        self.readings = readings
        self.typeLatest = typeLatest
    }

    enum CodingKeys: String, CodingKey {
        case modelVersion = "model_version", modelFingerprint = "model_fingerprint", eventCount = "event_count"
        case lastEventAt = "last_event_at", fitMatches = "fit", fitPoints = "fit_points", disqualified, rules, typeLatest = "seen"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelVersion = try c.decode(String.self, forKey: .modelVersion)
        // Hex text: a 64-bit integer does not survive every JSON reader.
        let hex = try c.decode(String.self, forKey: .modelFingerprint)
        guard let fingerprint = UInt64(hex, radix: 16) else {
            throw DecodingError.dataCorruptedError(forKey: .modelFingerprint, in: c, debugDescription: "expected 16 hex digits")
        }
        modelFingerprint = fingerprint
        eventCount = try c.decode(Int.self, forKey: .eventCount)
        lastEventAt = try c.decodeIfPresent(Timestamp.self, forKey: .lastEventAt)
        fitMatches = try c.decode([Int].self, forKey: .fitMatches)
        if let cents = try c.decodeIfPresent(Int64.self, forKey: .fitPoints) {
            fitSummary = FitSummary(cents: cents, disqualified: try c.decodeIfPresent(Bool.self, forKey: .disqualified) ?? false)
        } else {
            fitSummary = nil
        }
        rules = try c.decode([RuleAggregate].self, forKey: .rules)
        readings = rules.map(\.reading)
        typeLatest = try c.decode([Int64?].self, forKey: .typeLatest)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(modelVersion, forKey: .modelVersion)
        let hex = String(modelFingerprint, radix: 16)
        try c.encode(String(repeating: "0", count: 16 - hex.count) + hex, forKey: .modelFingerprint)
        try c.encode(eventCount, forKey: .eventCount)
        try c.encodeIfPresent(lastEventAt, forKey: .lastEventAt)
        try c.encode(fitMatches, forKey: .fitMatches)
        if let fitSummary {
            try c.encode(fitSummary.cents, forKey: .fitPoints)
            try c.encode(fitSummary.disqualified, forKey: .disqualified)
        }
        try c.encode(rules, forKey: .rules)
        try c.encode(typeLatest, forKey: .typeLatest)
    }
}

/// The fit part of a score: total points in cents and whether a disqualifier matches.
struct FitSummary: Equatable, Sendable {
    var cents: Int64
    var disqualified: Bool
}

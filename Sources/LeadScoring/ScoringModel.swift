import Foundation

/// A loaded, validated scoring model (`config/scoring.yaml`, spec §5.1): data, not code.
///
/// Build one with `ModelLoader`. The model is immutable and `Sendable`: one
/// instance serves every thread. Its `version` is carried on every result,
/// and its `fingerprint` (a hash of the source text) is stamped on every
/// `LeadScoreState`, so a state built under another model is never mixed
/// with this one.
public struct ScoringModel: Sendable {
    /// The `version:` string.
    public let version: String
    /// FNV-1a 64 of the model source: changes whenever the file does.
    public let fingerprint: UInt64
    /// Named lists (`lists:`), lower-cased.
    public let lists: [String: [String]]
    public let fitRules: [FitRule]
    public let engagementRules: [EngagementRule]
    /// `engagement.half_life_days`.
    public let halfLifeDays: Double
    public let thresholds: Thresholds
    public let grades: GradeBands
    /// `nil` when the model has no `sla:` section.
    public let sla: SLAPolicy?
    /// Free-mail domains (the `free_email` list): never taken as a company's domain.
    public let freeMailDomains: Set<String>

    let clock: DecayClock
    /// Event type → where its engagement rules sit in `dispatchRules`, and its SLA-tracking slot.
    let dispatch: DispatchTable
    /// Engagement rule indices grouped by event type (see `dispatch`).
    let dispatchRules: [Int]
    /// The hot-path facts of each engagement rule, trivially copyable.
    let traits: [RuleTraits]
    /// Every rule's lower-cased path glob, back to back; `RuleTraits` hold offsets into it.
    let globBytes: [UInt8]
    /// Event types SLA tiers ask about (`any_event`), in slot order.
    let trackedTypes: [String]

    /// Assembles a model from parts; `ModelLoader` is the usual way in, and checks far more.
    public init(
        version: String,
        fingerprint: UInt64 = 0,
        lists: [String: [String]] = [:],
        fitRules: [FitRule],
        engagementRules: [EngagementRule],
        halfLifeDays: Double,
        thresholds: Thresholds,
        grades: GradeBands,
        sla: SLAPolicy? = nil
    ) {
        precondition(halfLifeDays > 0, "half-life must be positive")
        self.version = version
        self.fingerprint = fingerprint == 0 ? ScoringModel.fnv1a(version) : fingerprint
        self.lists = lists
        self.fitRules = fitRules
        self.engagementRules = engagementRules
        self.halfLifeDays = halfLifeDays
        self.thresholds = thresholds
        self.grades = grades
        self.sla = sla
        self.freeMailDomains = Set(lists["free_email"] ?? [])
        self.clock = DecayClock(halfLifeMilliseconds: max(1, Int64((halfLifeDays * 86_400_000).rounded())))

        var trackedTypes: [String] = []
        for tier in sla?.tiers ?? [] {
            for type in tier.condition.anyEvent where !trackedTypes.contains(type) { trackedTypes.append(type) }
        }
        var byType: [String: [Int]] = [:]
        for (index, rule) in engagementRules.enumerated() {
            for type in rule.types { byType[type, default: []].append(index) }
        }
        for type in trackedTypes where byType[type] == nil { byType[type] = [] }
        var entries: [(String, EventDispatch)] = []
        var dispatchRules: [Int] = []
        for type in byType.keys.sorted() {
            let rules = byType[type]!
            entries.append((type, EventDispatch(start: dispatchRules.count, count: rules.count, trackedSlot: trackedTypes.firstIndex(of: type) ?? -1)))
            dispatchRules += rules
        }
        self.dispatch = DispatchTable(entries)
        self.dispatchRules = dispatchRules
        var globBytes: [UInt8] = []
        var traits: [RuleTraits] = []
        for rule in engagementRules {
            var globStart = -1
            if let path = rule.path {
                globStart = globBytes.count
                globBytes += path.patternBytes
            }
            traits.append(RuleTraits(rule, globStart: globStart))
        }
        self.globBytes = globBytes
        self.traits = traits
        self.trackedTypes = trackedTypes
    }

    /// Loads a model from YAML; see `ModelLoader.load(yaml:file:)`.
    public static func load(yaml: String, file: String) throws(ModelLoadError) -> ScoringModel {
        try ModelLoader.load(yaml: yaml, file: file)
    }

    /// The fingerprint as 16 hex digits.
    public var fingerprintHex: String {
        let hex = String(fingerprint, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The event types any engagement rule or SLA tier refers to, sorted.
    public var eventTypes: [String] { dispatch.types.filter { !$0.isEmpty }.sorted() }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// What one event type can touch: a range of `dispatchRules`, and its SLA slot (or -1). Plain integers, so a lookup copies no references.
struct EventDispatch: Sendable {
    var start: Int
    var count: Int
    var trackedSlot: Int
}

/// Event type → `EventDispatch`, open-addressed on a 64-bit hash the event computed when it was made,
/// so dispatch hashes no strings; the type text is compared on a hit, so a colliding type never matches.
struct DispatchTable: Sendable {
    private let keys: [UInt64]
    let types: [String]
    private let entries: [EventDispatch]
    private let mask: Int

    static func key(for type: String) -> UInt64 {
        let hash = ScoringModel.fnv1a(type)
        return hash == 0 ? 1 : hash  // 0 marks an empty slot
    }

    init(_ pairs: [(String, EventDispatch)]) {
        var capacity = 8
        while capacity < pairs.count * 2 { capacity *= 2 }
        var keys = [UInt64](repeating: 0, count: capacity)
        var types = [String](repeating: "", count: capacity)
        var entries = [EventDispatch](repeating: EventDispatch(start: 0, count: 0, trackedSlot: -1), count: capacity)
        for (type, entry) in pairs {
            let key = DispatchTable.key(for: type)
            var slot = Int(truncatingIfNeeded: key) & (capacity - 1)
            while keys[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
            keys[slot] = key
            types[slot] = type
            entries[slot] = entry
        }
        self.keys = keys
        self.types = types
        self.entries = entries
        self.mask = capacity - 1
    }

    @inline(__always)
    func lookup(key: UInt64, type: String) -> EventDispatch? {
        var slot = Int(truncatingIfNeeded: key) & mask
        while keys[slot] != 0 {
            if keys[slot] == key, types[slot] == type { return entries[slot] }
            slot = (slot + 1) & mask
        }
        return nil
    }

    subscript(type: String) -> EventDispatch? { lookup(key: DispatchTable.key(for: type), type: type) }
}

/// What the hot path needs of an engagement rule, without the rule's strings and arrays
/// (copying it costs no reference counting).
struct RuleTraits: Sendable, Equatable {
    let cents: Int64
    /// Cap in cents; 0 for none.
    let capCents: Int64
    let once: Bool
    /// 0 for a rule without a recurrence requirement.
    let distinctDays: Int
    let withinDays: Int
    /// The rule's glob in `ScoringModel.globBytes`: start (-1 when the rule has no `path`) and length.
    let globStart: Int
    let globLength: Int
    let globIsLiteral: Bool
    /// Whether the rule tests event properties besides the path.
    let hasProperties: Bool

    init(_ rule: EngagementRule, globStart: Int) {
        cents = rule.points.cents
        capCents = rule.cap?.cents ?? 0
        once = rule.once
        distinctDays = rule.frequency?.distinctDays ?? 0
        withinDays = rule.frequency?.withinDays ?? 0
        self.globStart = globStart
        globLength = rule.path?.patternBytes.count ?? 0
        globIsLiteral = rule.path?.isLiteral ?? true
        hasProperties = !rule.properties.isEmpty
    }

    var isFrequency: Bool { distinctDays > 0 }
}

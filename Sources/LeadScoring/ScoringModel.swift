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
    /// Event type → the engagement rules it can match and its SLA-tracking slot.
    let dispatch: [String: EventDispatch]
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
        var dispatch: [String: EventDispatch] = [:]
        for (index, rule) in engagementRules.enumerated() {
            for type in rule.types {
                dispatch[type, default: EventDispatch(rules: [], trackedSlot: -1)].rules.append(index)
            }
        }
        for (slot, type) in trackedTypes.enumerated() {
            dispatch[type, default: EventDispatch(rules: [], trackedSlot: -1)].trackedSlot = slot
        }
        self.dispatch = dispatch
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
    public var eventTypes: [String] { dispatch.keys.sorted() }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// What one event type can touch: the indices of the engagement rules listing it, and its SLA slot (or -1).
struct EventDispatch: Sendable {
    var rules: [Int]
    var trackedSlot: Int
}

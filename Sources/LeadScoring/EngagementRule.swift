/// A rule about what the lead did: points per matching event, decayed with the model's half-life (spec §5).
///
/// - `max` caps the magnitude of the rule's decayed total.
/// - `once: true` counts only the most recent matching event (or, for a
///   frequency rule, the most recent day completing the pattern), so
///   re-requesting a demo refreshes the points instead of adding to them.
/// - With `frequency`, points come from the recurrence, not from single events.
public struct EngagementRule: Sendable {
    /// Unique across the model; shown in score reasons.
    public let name: String
    /// Event types it matches (lower case).
    public let types: [String]
    /// Optional glob on the event's page path.
    public let path: PathGlob?
    /// Optional equality tests on other event properties; all must hold.
    public let properties: [PropertyCondition]
    /// Points per matching event (or per completed recurrence); may be negative, never zero.
    public let points: Points
    /// Cap on the magnitude of the rule's decayed total (`max:`).
    public let cap: Points?
    /// Count only the most recent occurrence.
    public let once: Bool
    /// Recurrence requirement (`distinct_days` + `within_days`).
    public let frequency: FrequencyRule?
    /// Line of the rule in the model file.
    public let line: Int

    public init(
        name: String, types: [String], path: PathGlob? = nil, properties: [PropertyCondition] = [],
        points: Points, cap: Points? = nil, once: Bool = false, frequency: FrequencyRule? = nil, line: Int = 0
    ) {
        self.name = name
        self.types = types
        self.path = path
        self.properties = properties
        self.points = points
        self.cap = cap
        self.once = once
        self.frequency = frequency
        self.line = line
    }

    /// Whether an event (already known to have one of `types`) matches the rule's path and properties.
    @inline(__always)
    func matchesDetails(_ event: EngagementEvent) -> Bool {
        if let path {
            guard let eventPath = event.path, path.matches(eventPath) else { return false }
        }
        for condition in properties where !condition.holds(for: event) { return false }
        return true
    }

    /// Whether the rule matches an event.
    public func matches(_ event: EngagementEvent) -> Bool {
        types.contains(event.type) && matchesDetails(event)
    }
}

/// The recurrence an engagement rule can require instead of counting single events:
/// matching events on at least `distinctDays` distinct UTC days within any `withinDays`-day window.
///
/// Each day that completes the pattern (it has a matching event, and the
/// `withinDays` days ending with it hold at least `distinctDays` matching days)
/// awards the rule's points once, decaying from that day's first matching
/// event. With `once: true` only the most recent completing day counts.
/// The definition depends on the set of events only, never on their order.
public struct FrequencyRule: Hashable, Sendable {
    /// How many distinct UTC days must have a matching event.
    public let distinctDays: Int
    /// The length of the window, in days, that must hold them.
    public let withinDays: Int

    public init(distinctDays: Int, withinDays: Int) {
        self.distinctDays = distinctDays
        self.withinDays = withinDays
    }
}

/// What the lifecycle rules decided after a new score: the new state, the transitions taken, and whether to hand off.
public struct LifecycleDecision: Hashable, Sendable {
    /// The state after the decision (equal to the input when nothing changed).
    public let state: LifecycleState
    /// Transitions in the order taken (e.g. `rejected → recycled → mql`); empty when nothing changed.
    public let changes: [StageChange]
    /// Set exactly when the lead became an MQL now: emit one handoff for this episode.
    public let handoff: Handoff?

    /// The trigger for one MQL handoff.
    public struct Handoff: Hashable, Sendable {
        /// The qualification episode (1 for the first handoff, 2 after one recycle, …).
        public let episode: Int
        public let qualifiedAt: Timestamp
    }

    public var changed: Bool { !changes.isEmpty }
}

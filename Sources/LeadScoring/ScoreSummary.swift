/// The numbers of a score without its explanation: what the hot path needs, computed without allocating.
public struct ScoreSummary: Hashable, Sendable {
    /// `fitScore + engagementScore`.
    public let score: Points
    public let fitScore: Points
    public let engagementScore: Points
    public let grade: Grade
    /// Distinct engagement rules with a positive contribution.
    public let signals: Int
    /// Whether a disqualifying fit rule matches.
    public let disqualified: Bool
    /// score ≥ mql, fit ≥ min_fit, signals ≥ min_signals and not disqualified.
    public let qualified: Bool
}

/// What sales said about a handoff (`POST /v1/handoffs/{id}/feedback`).
public enum FeedbackOutcome: String, Hashable, Sendable, Codable, CaseIterable {
    case accepted, rejected, sql

    /// The stage the outcome leads to.
    public var stage: Stage {
        switch self {
        case .accepted: return .accepted
        case .rejected: return .rejected
        case .sql: return .sql
        }
    }
}

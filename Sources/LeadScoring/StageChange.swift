/// One stage transition and why it happened.
public struct StageChange: Hashable, Sendable {
    /// Why a lead changed stage.
    public enum Cause: Hashable, Sendable {
        /// The score met every qualification requirement.
        case qualified
        /// These disqualifying rules matched.
        case disqualified(rules: [String])
        /// No disqualifying rule matches any more.
        case disqualifierCleared
        /// An MQL without feedback decayed below `thresholds.recycle`.
        case staleMQL
        /// `recycle_cooldown_days` passed since the rejection.
        case cooldownElapsed
        /// Sales feedback.
        case feedback(FeedbackOutcome)
    }

    public let from: Stage
    public let to: Stage
    public let cause: Cause
    public let at: Timestamp

    public init(from: Stage, to: Stage, cause: Cause, at: Timestamp) {
        self.from = from
        self.to = to
        self.cause = cause
        self.at = at
    }

    /// A short machine-readable reason: `qualified`, `disqualified:competitor`, `stale_mql`, `feedback:rejected`, …
    public var reason: String {
        switch cause {
        case .qualified: return "qualified"
        case .disqualified(let rules): return "disqualified:" + rules.joined(separator: ",")
        case .disqualifierCleared: return "disqualifier_cleared"
        case .staleMQL: return "stale_mql"
        case .cooldownElapsed: return "cooldown_elapsed"
        case .feedback(let outcome): return "feedback:" + outcome.rawValue
        }
    }
}

/// A lifecycle transition that is not allowed.
public enum LifecycleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The feedback does not apply to a lead in this stage.
    case invalidFeedback(FeedbackOutcome, stage: Stage)
    /// The lead already has this outcome.
    case alreadyRecorded(FeedbackOutcome)

    public var description: String {
        switch self {
        case .invalidFeedback(let outcome, let stage):
            let allowed: String
            switch stage {
            case .mql: allowed = "accepted, rejected or sql"
            case .accepted: allowed = "rejected or sql"
            default: allowed = "no feedback: only an open handoff (stage mql or accepted) takes feedback"
            }
            return "feedback \(outcome.rawValue) is not valid for a lead in stage \(stage.rawValue) (allowed: \(allowed))"
        case .alreadyRecorded(let outcome):
            return "the lead is already \(outcome.rawValue)"
        }
    }
}

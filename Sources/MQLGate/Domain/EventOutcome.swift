import LeadScoring

/// What became of one submitted event.
public enum EventOutcome: Sendable {
    case accepted(eventID: String, leadID: String)
    /// An event with this `event_id` was stored before; nothing changed.
    case duplicate(eventID: String)
    case rejected(ValidationIssue)
}

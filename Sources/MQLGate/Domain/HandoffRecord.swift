import LeadScoring

/// One MQL handoff: the lead's score when it qualified, its SLA deadline,
/// and what sales said. `breachedAt` stays set alongside a later outcome.
public struct HandoffRecord: Sendable, Codable {
    /// Sales' answer to a handoff.
    public struct Feedback: Sendable, Codable {
        public var outcome: FeedbackOutcome
        public var reason: String?
        public var owner: String?
        public var at: Timestamp
    }

    public enum Status: String, Sendable, Codable, CaseIterable {
        case open, accepted, rejected, sql, breached
    }

    public var id: String
    public var leadID: String
    public var email: String
    public var episode: Int
    public var score: Points
    public var fitScore: Points
    public var engagementScore: Points
    public var grade: String
    public var reasons: [Contribution]
    public var modelVersion: String
    public var qualifiedAt: Timestamp
    public var sla: SLAAssignment?
    public var feedback: [Feedback]
    public var breachedAt: Timestamp?
    public var createdAt: Timestamp

    /// `open` until sales answers; then the latest outcome.
    public var outcome: Status {
        guard let last = feedback.last else { return .open }
        switch last.outcome {
        case .accepted: return .accepted
        case .rejected: return .rejected
        case .sql: return .sql
        }
    }

    /// The API shape; `status` is `breached` while a breached handoff awaits feedback.
    func json(deliveries: JSONValue? = nil) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id),
            "lead_id": .string(leadID),
            "email": .string(email),
            "episode": .number(Double(episode)),
            "score": .points(score),
            "fit_score": .points(fitScore),
            "engagement_score": .points(engagementScore),
            "grade": .string(grade),
            "reasons": .reasons(reasons),
            "model_version": .string(modelVersion),
            "qualified_at": .time(qualifiedAt),
            "created_at": .time(createdAt),
            "status": .string(outcome == .open && breachedAt != nil ? "breached" : outcome.rawValue),
            "outcome": outcome == .open ? .null : .string(outcome.rawValue),
            "breached": .bool(breachedAt != nil),
            "breached_at": .time(breachedAt),
        ]
        if let sla {
            members["sla"] = .object(["tier": .string(sla.tier), "due_at": .string(sla.dueAtText), "business_hours": .bool(sla.businessHours)])
        } else {
            members["sla"] = .null
        }
        members["feedback"] = feedback.last.map { last in
            .object([
                "outcome": .string(last.outcome.rawValue), "reason": .text(last.reason), "owner": .text(last.owner), "at": .time(last.at),
            ])
        } ?? .null
        members["feedback_history"] = .array(feedback.map { item in
            .object(["outcome": .string(item.outcome.rawValue), "reason": .text(item.reason), "owner": .text(item.owner), "at": .time(item.at)])
        })
        if let deliveries { members["deliveries"] = deliveries }
        return .object(members)
    }
}

import LeadScoring

/// A stored lead: its profile, where it is in the lifecycle and its latest score.
public struct LeadRecord: Sendable {
    public var id: String
    public var lead: Lead
    public var lifecycle: LifecycleState
    public var result: ScoreResult
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    /// The API shape (spec §4, §7): profile fields, then the computed ones.
    func json(freeMailDomains: Set<String>) -> JSONValue {
        guard case .object(var members) = lead.jsonValue else { return .null }
        members["id"] = .string(id)
        members["company_domain"] = .text(lead.effectiveCompanyDomain(freeMailDomains: freeMailDomains))
        members["score"] = .points(result.score)
        members["fit_score"] = .points(result.fitScore)
        members["engagement_score"] = .points(result.engagementScore)
        members["grade"] = .string(result.grade.description)
        members["stage"] = .string(lifecycle.stage.rawValue)
        members["qualified"] = .bool(result.qualified)
        members["reasons"] = .reasons(result.reasons)
        members["model_version"] = .string(result.modelVersion)
        members["scored_at"] = .time(result.scoredAt)
        members["created_at"] = .time(createdAt)
        members["updated_at"] = .time(updatedAt)
        members["episode"] = .number(Double(lifecycle.episode))
        if !result.disqualifiedBy.isEmpty { members["disqualified_by"] = .array(result.disqualifiedBy.map(JSONValue.string)) }
        return .object(members)
    }
}

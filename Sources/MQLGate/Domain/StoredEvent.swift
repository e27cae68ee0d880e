import LeadScoring

/// An engagement event as stored for a lead.
public struct StoredEvent: Sendable {
    public var sequence: Int64
    public var leadID: String
    public var event: EngagementEvent
    public var receivedAt: Timestamp

    func json() -> JSONValue {
        guard case .object(var members) = event.jsonValue else { return .null }
        members["lead_id"] = .string(leadID)
        members["received_at"] = .time(receivedAt)
        members.removeValue(forKey: "email")
        if members["properties"] == nil { members["properties"] = .object([:]) }
        return .object(members)
    }
}

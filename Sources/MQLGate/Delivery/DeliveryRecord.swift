import LeadScoring

/// One message's delivery to one webhook endpoint, with its attempts so far.
public struct DeliveryRecord: Sendable {
    public enum Status: String, Sendable, CaseIterable {
        /// Waiting for its next attempt.
        case pending
        case delivered
        /// Every scheduled attempt failed; visible until redriven.
        case dead
        /// The endpoint answered 410 Gone and is no longer called.
        case disabled
    }

    public var id: Int64
    public var messageID: String
    public var handoffID: String?
    public var type: String
    public var endpoint: String
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Timestamp?
    public var lastAttemptAt: Timestamp?
    public var lastStatus: Int?
    public var lastError: String?
    public var deliveredAt: Timestamp?

    func json() -> JSONValue {
        .object([
            "id": .number(Double(id)), "message_id": .string(messageID), "type": .string(type), "endpoint": .string(endpoint),
            "status": .string(status.rawValue), "attempts": .number(Double(attempts)), "next_attempt_at": .time(nextAttemptAt),
            "last_attempt_at": .time(lastAttemptAt), "last_status": lastStatus.map { .number(Double($0)) } ?? .null,
            "last_error": .text(lastError), "delivered_at": .time(deliveredAt),
        ])
    }
}

/// A delivery due now, with what to send.
struct DueDelivery: Sendable {
    var id: Int64
    var messageID: String
    var endpoint: String
    var attempts: Int
    var payload: [UInt8]
}

/// What one attempt came to.
enum DeliveryAttempt: Sendable {
    case delivered(status: Int)
    /// Retry later: the status (if any), the reason, and a `Retry-After` in seconds (if given).
    case failed(status: Int?, error: String, retryAfter: Double?)
    case gone
}

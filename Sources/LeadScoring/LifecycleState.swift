/// A lead's place in the lifecycle, with what the lifecycle rules need to remember.
public struct LifecycleState: Hashable, Sendable, Codable {
    public var stage: Stage
    /// Qualification episodes so far: the number of handoffs emitted for the lead.
    public var episode: Int
    /// When the current (or last) episode began.
    public var qualifiedAt: Timestamp?
    /// When sales last rejected the lead.
    public var rejectedAt: Timestamp?
    /// When the stage last changed.
    public var changedAt: Timestamp?

    public init(stage: Stage = .lead, episode: Int = 0, qualifiedAt: Timestamp? = nil, rejectedAt: Timestamp? = nil, changedAt: Timestamp? = nil) {
        self.stage = stage
        self.episode = episode
        self.qualifiedAt = qualifiedAt
        self.rejectedAt = rejectedAt
        self.changedAt = changedAt
    }

    /// A lead never scored.
    public static let initial = LifecycleState()

    enum CodingKeys: String, CodingKey {
        case stage, episode, qualifiedAt = "qualified_at", rejectedAt = "rejected_at", changedAt = "changed_at"
    }
}

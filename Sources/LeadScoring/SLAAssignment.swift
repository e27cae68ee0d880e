/// The SLA of one handoff: which tier applied and when sales must have responded.
///
/// JSON: `{"tier": "hot", "due_at": "2027-03-15T12:00:00-04:00", "business_hours": true}`,
/// `due_at` written in the SLA calendar's offset at that instant.
public struct SLAAssignment: Hashable, Sendable {
    /// The tier's name.
    public let tier: String
    /// When the lead qualified (the clock starts here).
    public let qualifiedAt: Timestamp
    /// The deadline.
    public let dueAt: Timestamp
    /// `dueAt` in RFC 3339 with the calendar's UTC offset.
    public let dueAtText: String
    /// Whether the deadline counts business time only.
    public let businessHours: Bool

    public init(tier: String, qualifiedAt: Timestamp, dueAt: Timestamp, dueAtText: String, businessHours: Bool) {
        self.tier = tier
        self.qualifiedAt = qualifiedAt
        self.dueAt = dueAt
        self.dueAtText = dueAtText
        self.businessHours = businessHours
    }
}

extension SLAAssignment: Codable {
    enum CodingKeys: String, CodingKey {
        case tier, dueAt = "due_at", businessHours = "business_hours", qualifiedAt = "qualified_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tier = try c.decode(String.self, forKey: .tier)
        dueAtText = try c.decode(String.self, forKey: .dueAt)
        guard let due = Timestamp(rfc3339: dueAtText) else {
            throw DecodingError.dataCorruptedError(forKey: .dueAt, in: c, debugDescription: "expected an RFC 3339 date-time")
        }
        dueAt = due
        businessHours = try c.decode(Bool.self, forKey: .businessHours)
        qualifiedAt = try c.decodeIfPresent(Timestamp.self, forKey: .qualifiedAt) ?? due
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tier, forKey: .tier)
        try c.encode(dueAtText, forKey: .dueAt)
        try c.encode(businessHours, forKey: .businessHours)
    }
}

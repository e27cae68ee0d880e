/// A lead's score at one moment, with its explanation (spec §4, §5).
///
/// `reasons` lists every rule with a non-zero contribution, largest
/// magnitude first (ties in model order). Each contribution is rounded to
/// two decimals, and `score`, `fit_score` and `engagement_score` are the
/// sums of the rounded contributions, so the reasons add up to the score
/// exactly. JSON members: `score`, `fit_score`, `engagement_score`, `grade`,
/// `qualified`, `disqualified`, `disqualified_by`, `signals`, `unmet`,
/// `reasons`, `model_version`, `scored_at`.
public struct ScoreResult: Hashable, Sendable {
    public let score: Points
    public let fitScore: Points
    public let engagementScore: Points
    public let grade: Grade
    /// Whether the lead meets every qualification requirement now.
    public let qualified: Bool
    /// Names of the matching disqualifying rules, in model order; empty when none.
    public let disqualifiedBy: [String]
    /// Distinct engagement rules with a positive contribution.
    public let signals: Int
    /// The requirements not met; empty exactly when `qualified`.
    public let unmet: [QualificationGap]
    /// Per-rule contributions; they sum to `score`.
    public let reasons: [Contribution]
    /// The model's `version`.
    public let modelVersion: String
    /// The moment the score was computed for.
    public let scoredAt: Timestamp

    public var disqualified: Bool { !disqualifiedBy.isEmpty }

    public init(score: Points, fitScore: Points, engagementScore: Points, grade: Grade, qualified: Bool, disqualifiedBy: [String],
                signals: Int, unmet: [QualificationGap], reasons: [Contribution], modelVersion: String, scoredAt: Timestamp) {
        self.score = score
        self.fitScore = fitScore
        self.engagementScore = engagementScore
        self.grade = grade
        self.qualified = qualified
        self.disqualifiedBy = disqualifiedBy
        self.signals = signals
        self.unmet = unmet
        self.reasons = reasons
        self.modelVersion = modelVersion
        self.scoredAt = scoredAt
    }
}

extension ScoreResult: Codable {
    enum CodingKeys: String, CodingKey {
        case score, fitScore = "fit_score", engagementScore = "engagement_score", grade, qualified, disqualified
        case disqualifiedBy = "disqualified_by", signals, unmet, reasons, modelVersion = "model_version", scoredAt = "scored_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            score: try c.decode(Points.self, forKey: .score),
            fitScore: try c.decode(Points.self, forKey: .fitScore),
            engagementScore: try c.decode(Points.self, forKey: .engagementScore),
            grade: try c.decode(Grade.self, forKey: .grade),
            qualified: try c.decode(Bool.self, forKey: .qualified),
            disqualifiedBy: try c.decodeIfPresent([String].self, forKey: .disqualifiedBy) ?? [],
            signals: try c.decodeIfPresent(Int.self, forKey: .signals) ?? 0,
            unmet: try c.decodeIfPresent([QualificationGap].self, forKey: .unmet) ?? [],
            reasons: try c.decode([Contribution].self, forKey: .reasons),
            modelVersion: try c.decode(String.self, forKey: .modelVersion),
            scoredAt: try c.decode(Timestamp.self, forKey: .scoredAt))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(score, forKey: .score)
        try c.encode(fitScore, forKey: .fitScore)
        try c.encode(engagementScore, forKey: .engagementScore)
        try c.encode(grade, forKey: .grade)
        try c.encode(qualified, forKey: .qualified)
        try c.encode(disqualified, forKey: .disqualified)
        try c.encode(disqualifiedBy, forKey: .disqualifiedBy)
        try c.encode(signals, forKey: .signals)
        try c.encode(unmet, forKey: .unmet)
        try c.encode(reasons, forKey: .reasons)
        try c.encode(modelVersion, forKey: .modelVersion)
        try c.encode(scoredAt, forKey: .scoredAt)
    }
}

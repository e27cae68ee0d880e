/// When an SLA tier applies (`when:`); all given tests must hold, and an empty condition always holds.
public struct SLACondition: Hashable, Sendable {
    /// The lead has at least one event of one of these types (`any_event`).
    public let anyEvent: [String]
    /// The grade is one of these (`grade_in`); a bare letter such as `A` stands for A1–A4.
    public let gradeIn: [String]
    /// Inclusive lower bound on the score (`min_score`).
    public let minScore: Points?
    /// Inclusive upper bound on the score (`max_score`).
    public let maxScore: Points?

    public init(anyEvent: [String] = [], gradeIn: [String] = [], minScore: Points? = nil, maxScore: Points? = nil) {
        self.anyEvent = anyEvent
        self.gradeIn = gradeIn
        self.minScore = minScore
        self.maxScore = maxScore
    }

    public var isEmpty: Bool { anyEvent.isEmpty && gradeIn.isEmpty && minScore == nil && maxScore == nil }

    /// Whether the condition holds for a qualified lead.
    public func holds(score: Points, grade: Grade, hasEventOfType: (String) -> Bool) -> Bool {
        if !anyEvent.isEmpty, !anyEvent.contains(where: hasEventOfType) { return false }
        if !gradeIn.isEmpty {
            let text = grade.description
            guard gradeIn.contains(where: { $0 == text || $0 == grade.letter.rawValue }) else { return false }
        }
        if let minScore, score < minScore { return false }
        if let maxScore, score > maxScore { return false }
        return true
    }
}

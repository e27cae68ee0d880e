/// A rule about who the lead is: fires at most once per lead, never decays (spec §5).
public struct FitRule: Sendable {
    /// Unique across the model; shown in score reasons.
    public let name: String
    /// The lead field it reads.
    public let field: LeadField
    /// What it checks.
    public let condition: FitCondition
    /// Points when it fires (may be negative; zero for a pure disqualifier).
    public let points: Points
    /// Whether a match disqualifies the lead (`disqualify: true`).
    public let disqualifies: Bool
    /// Line of the rule in the model file.
    public let line: Int

    public init(name: String, field: LeadField, condition: FitCondition, points: Points, disqualifies: Bool = false, line: Int = 0) {
        self.name = name
        self.field = field
        self.condition = condition
        self.points = points
        self.disqualifies = disqualifies
        self.line = line
    }

    /// Whether the rule fires for this lead.
    public func matches(_ lead: Lead, freeMailDomains: Set<String>) -> Bool {
        condition.holds(for: field.values(of: lead, freeMailDomains: freeMailDomains))
    }
}

/// One line of a score's explanation: how many points a rule added (or took away).
///
/// JSON: `{"rule": "pricing_page", "points": 17.5}`.
public struct Contribution: Hashable, Sendable, Codable {
    /// The rule's name in the model.
    public let rule: String
    /// Its contribution, rounded to two decimals; the contributions of a result sum to its score exactly.
    public let points: Points

    public init(rule: String, points: Points) {
        self.rule = rule
        self.points = points
    }
}

import LeadScoring

/// The funnel over a period: where leads are, and how sales treated the
/// handoffs created in the period (spec §7 `GET /v1/funnel`).
public struct FunnelReport: Sendable {
    public var from: Timestamp?
    public var to: Timestamp?
    /// Leads created in the period, by current stage.
    public var stages: [Stage: Int]
    public var handoffs: Int
    public var accepted: Int
    public var rejected: Int
    public var sql: Int
    public var open: Int
    /// Handoffs whose deadline has passed or that have feedback: the denominator of compliance.
    public var slaDue: Int
    /// Of those, answered by the deadline.
    public var slaMet: Int
    public var breached: Int
    /// Median seconds from handoff to first feedback, over handoffs with feedback.
    public var medianSecondsToFirstFeedback: Double?

    func json() -> JSONValue {
        func rate(_ part: Int, _ whole: Int) -> JSONValue { whole == 0 ? .null : .number((Double(part) / Double(whole) * 10_000).rounded() / 10_000) }
        var stageCounts: [String: JSONValue] = [:]
        for stage in Stage.allCases { stageCounts[stage.rawValue] = .number(Double(stages[stage] ?? 0)) }
        let decided = accepted + rejected + sql
        return .object([
            "from": .time(from),
            "to": .time(to),
            "leads": .number(Double(stages.values.reduce(0, +))),
            "stages": .object(stageCounts),
            "handoffs": .object([
                "total": .number(Double(handoffs)), "open": .number(Double(open)), "accepted": .number(Double(accepted)),
                "rejected": .number(Double(rejected)), "sql": .number(Double(sql)), "breached": .number(Double(breached)),
            ]),
            // Accepted includes leads sales went on to convert.
            "acceptance_rate": rate(accepted + sql, decided),
            "mql_to_sql_rate": rate(sql, handoffs),
            "sla_compliance": rate(slaMet, slaDue),
            "median_seconds_to_first_feedback": medianSecondsToFirstFeedback.map { .number(($0 * 10).rounded() / 10) } ?? .null,
        ])
    }
}

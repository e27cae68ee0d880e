import Foundation

/// How fast sales must follow up on an MQL (`sla:` in the model, spec §6).
///
/// Tiers are tried in order and the first whose condition holds for the lead
/// at qualification wins; when none holds the handoff has no SLA (end the
/// list with a tier without `when` to give every MQL one).
public struct SLAPolicy: Sendable {
    /// Zone in which deadlines are written (and business hours counted).
    public let timeZone: TimeZone
    /// Working days and hours; required when any tier counts business time.
    public let calendar: SLACalendar?
    public let tiers: [SLATier]

    public init(timeZone: TimeZone, calendar: SLACalendar?, tiers: [SLATier]) {
        self.timeZone = timeZone
        self.calendar = calendar
        self.tiers = tiers
    }

    /// The first tier whose condition holds, or `nil`.
    public func tier(score: Points, grade: Grade, hasEventOfType: (String) -> Bool) -> SLATier? {
        tiers.first { $0.condition.holds(score: score, grade: grade, hasEventOfType: hasEventOfType) }
    }

    /// The deadline of a tier for a lead qualified at `qualifiedAt`; `nil` only when a business
    /// calendar has no working time within ten years.
    public func deadline(for tier: SLATier, qualifiedAt: Timestamp) -> Timestamp? {
        switch tier.within {
        case .elapsed(let seconds):
            return qualifiedAt.adding(seconds: seconds)
        case .businessHours(let hours):
            return calendar?.adding(businessSeconds: Int64(hours) * 3600, to: qualifiedAt)
        case .businessDays(let days):
            guard let calendar else { return nil }
            return calendar.adding(businessSeconds: Int64(days) * calendar.workingDaySeconds, to: qualifiedAt)
        }
    }

    /// Picks the tier and computes the deadline for a lead qualifying at `qualifiedAt`.
    public func assign(score: Points, grade: Grade, hasEventOfType: (String) -> Bool, qualifiedAt: Timestamp) -> SLAAssignment? {
        guard let tier = tier(score: score, grade: grade, hasEventOfType: hasEventOfType),
              let due = deadline(for: tier, qualifiedAt: qualifiedAt) else { return nil }
        return SLAAssignment(tier: tier.name, qualifiedAt: qualifiedAt, dueAt: due, dueAtText: due.rfc3339(in: timeZone),
                             businessHours: tier.within.isBusinessTime)
    }
}

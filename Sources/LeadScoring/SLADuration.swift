/// How long sales has to follow up (`within:` of an SLA tier).
///
/// Elapsed time (`90s`, `30m`, `1h`, `2d` — a day is 24 hours) runs around
/// the clock; business time (`4 business_hours`, `2 business_days`) runs only
/// inside the calendar's working hours. A business day is the length of one
/// working day in business hours (09:00–17:00 makes `2 business_days` = 16
/// business hours), so a deadline keeps its time of day.
public enum SLADuration: Hashable, Sendable, CustomStringConvertible {
    case elapsed(seconds: Int64)
    case businessHours(Int)
    case businessDays(Int)

    /// Parses `90s`, `30m`, `1h`, `2d`, `4 business_hours`, `1 business_day`, …; `nil` otherwise.
    public init?(_ text: String) {
        let t = text.trimmingWhitespace.lowercased()
        let digits = t.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9, let n = Int(digits), n > 0 else { return nil }
        let unit = t.dropFirst(digits.count).trimmingWhitespace
        switch unit {
        case "s": self = .elapsed(seconds: Int64(n))
        case "m": self = .elapsed(seconds: Int64(n) * 60)
        case "h": self = .elapsed(seconds: Int64(n) * 3600)
        case "d": self = .elapsed(seconds: Int64(n) * 86_400)
        case "business_hour", "business_hours": self = .businessHours(n)
        case "business_day", "business_days": self = .businessDays(n)
        default: return nil
        }
    }

    /// Whether it counts business time.
    public var isBusinessTime: Bool {
        if case .elapsed = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .elapsed(let s):
            if s % 86_400 == 0 { return "\(s / 86_400)d" }
            if s % 3600 == 0 { return "\(s / 3600)h" }
            if s % 60 == 0 { return "\(s / 60)m" }
            return "\(s)s"
        case .businessHours(let n): return "\(n) business_hours"
        case .businessDays(let n): return "\(n) business_days"
        }
    }
}

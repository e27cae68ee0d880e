/// A score amount with exactly two decimals, stored as whole hundredths.
///
/// Every public score, contribution and threshold is `Points`, so that the
/// per-rule contributions of a result add up to its score exactly, with no
/// floating-point drift. In JSON it is a plain number (`12.5`, `-20`).
public struct Points: Hashable, Comparable, Sendable, AdditiveArithmetic, CustomStringConvertible {
    /// The amount in hundredths of a point.
    public var cents: Int64

    /// Creates an amount from hundredths of a point.
    public init(cents: Int64) {
        self.cents = cents
    }

    /// Creates an amount from a decimal value, rounded half away from zero to two decimals.
    public init(_ value: Double) {
        self.cents = Points.roundedCents(value)
    }

    /// The amount as a `Double` (two decimals).
    public var value: Double { Double(cents) / 100 }

    public static let zero = Points(cents: 0)

    public static func + (lhs: Points, rhs: Points) -> Points { Points(cents: lhs.cents + rhs.cents) }
    public static func - (lhs: Points, rhs: Points) -> Points { Points(cents: lhs.cents - rhs.cents) }
    public static func < (lhs: Points, rhs: Points) -> Bool { lhs.cents < rhs.cents }

    /// `12`, `12.5`, `-3.25`: the shortest exact decimal form.
    public var description: String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        let whole = magnitude / 100
        let fraction = magnitude % 100
        if fraction == 0 { return "\(sign)\(whole)" }
        if fraction % 10 == 0 { return "\(sign)\(whole).\(fraction / 10)" }
        return "\(sign)\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// Rounds an amount already in cents to whole cents, half away from zero.
    static func wholeCents(_ cents: Double) -> Int64 {
        clampedCents(cents.rounded(.toNearestOrAwayFromZero))
    }

    static func clampedCents(_ scaled: Double) -> Int64 {
        guard scaled.isFinite else { return 0 }
        if scaled >= 9.2e18 { return Int64.max }
        if scaled <= -9.2e18 { return Int64.min }
        return Int64(scaled)
    }

    /// Rounds a value in points to whole cents, half away from zero; non-finite values become zero.
    static func roundedCents(_ value: Double) -> Int64 {
        // Clamp rather than trap: a model or input can never crash the scorer.
        clampedCents((value * 100).rounded(.toNearestOrAwayFromZero))
    }
}

extension Points: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self.init(try container.decode(Double.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

extension Points: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    public init(integerLiteral value: Int64) { self.cents = value * 100 }
    public init(floatLiteral value: Double) { self.init(value) }
}

import Foundation

/// Exponential decay made exact and order-independent.
///
/// A contribution of `p` points at time `t`, seen at `now`, is worth
/// `p × 2^((t − now) / H)`. Writing `t = k·H + r` (k the half-life *period*,
/// 0 ≤ r < H) splits that into `p × 2^(r/H)` — a number that depends on the
/// event alone, stored as an integer in units of 2⁻²⁰ cents — times
/// `2^(k − now_k) × 2^(−now_r/H)`. Integer sums per period are associative,
/// and multiplying by powers of two is exact, so the decayed total is the
/// same bit for bit whatever order the events arrived in, and reading it
/// costs one `exp2` per evaluation rather than one per event.
struct DecayClock: Sendable, Hashable {
    let halfLifeMilliseconds: Int64

    /// Fixed-point fraction bits of stored units (2⁻²⁰ cent ≈ 10⁻⁸ point).
    static let fractionBits = 20

    /// Periods kept behind the latest one: anything older is worth < 2⁻⁶⁴ of its points.
    static let retainedPeriods: Int64 = 64

    @inline(__always)
    func period(_ t: Int64) -> Int64 { Timestamp.floorDiv(t, halfLifeMilliseconds) }

    /// `cents × 2^(r/H)` in units of 2⁻²⁰ cents, for an occurrence at `t`.
    @inline(__always)
    func units(cents: Int64, at t: Int64) -> Int64 {
        let r = t - period(t) * halfLifeMilliseconds
        let growth = exp2(Double(r) / Double(halfLifeMilliseconds))
        let scaled = (Double(cents) * growth * 1_048_576).rounded(.toNearestOrAwayFromZero)
        return Int64(max(-4.0e18, min(4.0e18, scaled)))
    }

    /// The reading point for `now`: its period and the factor `2^(−r/H)`.
    @inline(__always)
    func reading(at now: Int64) -> (period: Int64, factor: Double) {
        let k = period(now)
        let r = now - k * halfLifeMilliseconds
        return (k, exp2(-Double(r) / Double(halfLifeMilliseconds)))
    }

    /// Units of period `k` as cents at the reading period (before the reading factor).
    @inline(__always)
    static func cents(units: Int64, period: Int64, readingPeriod: Int64) -> Double {
        let shift = period - readingPeriod - Int64(fractionBits)
        guard shift > -1100 else { return 0 }
        return Double(units) * Double(sign: .plus, exponent: Int(shift), significand: 1)
    }
}

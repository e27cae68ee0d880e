/// A 128-bit two's-complement integer accumulator: the exact sum of a rule's buckets, each shifted
/// to a common base period, so a rule is read in O(1) however many periods its history spans.
/// Integer addition is associative, so the total is the same whatever order events arrived in.
struct WideSum: Equatable, Sendable {
    var high: Int64 = 0
    var low: UInt64 = 0

    /// Adds `units × 2^shift`, for 0 ≤ shift ≤ 64.
    @inline(__always)
    mutating func add(_ units: Int64, shift: Int) {
        var addHigh: Int64 = units < 0 ? -1 : 0
        var addLow = UInt64(bitPattern: units)
        if shift == 64 {
            addHigh = Int64(bitPattern: addLow)
            addLow = 0
        } else if shift > 0 {
            addHigh = (addHigh << shift) | Int64(bitPattern: addLow >> UInt64(64 - shift))
            addLow <<= UInt64(shift)
        }
        let (sum, carry) = low.addingReportingOverflow(addLow)
        low = sum
        high = high &+ addHigh &+ (carry ? 1 : 0)
    }

    /// The value as a `Double` (rounded; deterministic for a given value).
    @inline(__always)
    var doubleValue: Double {
        Double(high) * 18_446_744_073_709_551_616.0 + Double(low)
    }
}

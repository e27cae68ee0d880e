/// What a lead's events add up to for one engagement rule: enough to score it at any `now`
/// without looking at the events again, and the same whatever order they came in.
///
/// - Additive rules keep one fixed-point sum per half-life period (`buckets`).
/// - `once` rules keep the time of the most recent matching event (`latest`).
/// - Frequency rules keep their distinct UTC days with each day's first
///   matching event; each day completing the pattern adds an award to
///   `buckets` (or, with `once`, moves `latest`).
///
/// Contributions more than `DecayClock.retainedPeriods` half-lives older
/// than the rule's latest matching event are dropped, keeping the state and
/// the state bounded; they are worth less than 2⁻⁶⁴ of their points. An exact
/// 128-bit running total of the buckets makes reading a rule O(1).
struct RuleAggregate: Codable, Equatable, Sendable {
    static let none = Int64.min

    /// Half-life period of the latest matching event (`none` before the first).
    var maxPeriod: Int64 = none
    /// The counted occurrence of a `once` rule (`none` when there is none)…
    var latest: Int64 = none
    /// …its points in fixed-point units (see `DecayClock`), so reading needs no `exp2`…
    var latestUnits: Int64 = 0
    /// …and its half-life period.
    var latestPeriod: Int64 = 0
    /// Σ bucket units × 2^(period − base), base = `maxPeriod − retainedPeriods`; derived from `buckets`.
    var total = WideSum()
    /// Fixed-point sums per period, sorted by period, never zero.
    var buckets: [DecayBucket] = []
    /// Frequency rules: matching days, sorted.
    var days: [ActiveDay] = []

    var isEmpty: Bool { maxPeriod == RuleAggregate.none }

    enum CodingKeys: String, CodingKey {
        case maxPeriod = "p", buckets = "b", latest = "l", latestUnits = "lu", latestPeriod = "lk", days = "d"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxPeriod = try c.decodeIfPresent(Int64.self, forKey: .maxPeriod) ?? RuleAggregate.none
        buckets = try c.decodeIfPresent([DecayBucket].self, forKey: .buckets) ?? []
        latest = try c.decodeIfPresent(Int64.self, forKey: .latest) ?? RuleAggregate.none
        latestUnits = try c.decodeIfPresent(Int64.self, forKey: .latestUnits) ?? 0
        latestPeriod = try c.decodeIfPresent(Int64.self, forKey: .latestPeriod) ?? 0
        days = try c.decodeIfPresent([ActiveDay].self, forKey: .days) ?? []
        guard buckets.allSatisfy({ !isEmpty && $0.period >= base && $0.period <= maxPeriod }) else {
            throw DecodingError.dataCorruptedError(forKey: .buckets, in: c, debugDescription: "bucket outside the retained periods")
        }
        rebuildTotal()
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if !isEmpty { try c.encode(maxPeriod, forKey: .maxPeriod) }
        if !buckets.isEmpty { try c.encode(buckets, forKey: .buckets) }
        if latest != RuleAggregate.none {
            try c.encode(latest, forKey: .latest)
            try c.encode(latestUnits, forKey: .latestUnits)
            try c.encode(latestPeriod, forKey: .latestPeriod)
        }
        if !days.isEmpty { try c.encode(days, forKey: .days) }
    }

    /// The base period of `total`: the oldest period kept.
    private var base: Int64 { maxPeriod &- DecayClock.retainedPeriods }

    mutating func rebuildTotal() {
        total = WideSum()
        for bucket in buckets { total.add(bucket.units, shift: Int(bucket.period - base)) }
    }

    // MARK: Recording

    /// Adds one matching event at time `t` (milliseconds).
    mutating func record(_ t: Int64, rule: RuleTraits, clock: DecayClock) {
        let k = clock.period(t)
        if k > maxPeriod {
            maxPeriod = k
            prune(rule: rule, clock: clock)
        }
        let boundary = maxPeriod - DecayClock.retainedPeriods
        if rule.isFrequency {
            recordDay(t, rule: rule, clock: clock, boundary: boundary)
        } else if k >= boundary {
            if rule.once {
                if t > latest { setLatest(t, rule: rule, clock: clock) }
            } else {
                add(clock.units(cents: rule.cents, at: t), period: k)
            }
        }
    }

    private mutating func setLatest(_ t: Int64, rule: RuleTraits, clock: DecayClock) {
        latest = t
        latestUnits = t == RuleAggregate.none ? 0 : clock.units(cents: rule.cents, at: t)
        latestPeriod = t == RuleAggregate.none ? 0 : clock.period(t)
    }

    /// Adds (or, with negative units, removes) fixed-point units in a period's bucket.
    private mutating func add(_ units: Int64, period: Int64) {
        // Events mostly arrive in time order: try the last bucket first.
        var index = buckets.count
        if let last = buckets.last, last.period <= period {
            index = last.period == period ? buckets.count - 1 : buckets.count
        } else {
            var low = 0, high = buckets.count
            while low < high {
                let mid = (low + high) / 2
                if buckets[mid].period < period { low = mid + 1 } else { high = mid }
            }
            index = low
        }
        let shift = Int(period - base)
        if index < buckets.count, buckets[index].period == period {
            let old = buckets[index].units
            let (sum, overflow) = old.addingReportingOverflow(units)
            // Saturate rather than wrap (needs ~10⁷ events of 1000 points in one half-life).
            buckets[index].units = overflow ? (units > 0 ? Int64.max : Int64.min) : sum
            total.add(-old, shift: shift)
            total.add(buckets[index].units, shift: shift)
            if buckets[index].units == 0 { buckets.remove(at: index) }
        } else if units != 0 {
            buckets.insert(DecayBucket(period: period, units: units), at: index)
            total.add(units, shift: shift)
        }
    }

    /// Drops what fell behind the retention boundary after `maxPeriod` moved on.
    private mutating func prune(rule: RuleTraits, clock: DecayClock) {
        let boundary = maxPeriod - DecayClock.retainedPeriods
        if let first = buckets.first, first.period < boundary {
            buckets.removeFirst(buckets.firstIndex { $0.period >= boundary } ?? buckets.count)
        }
        // The base moved with maxPeriod: re-derive the total (amortised O(1): at most once per period).
        rebuildTotal()
        if latest != RuleAggregate.none, clock.period(latest) < boundary { setLatest(RuleAggregate.none, rule: rule, clock: clock) }
        guard rule.isFrequency, !days.isEmpty else { return }
        let boundaryDay = boundaryDay(boundary, clock)
        let keepFrom = boundaryDay - Int64(rule.withinDays) + 1
        if Int64(days[0].day) < keepFrom {
            days.removeFirst(days.firstIndex { Int64($0.day) >= keepFrom } ?? days.count)
        }
        // Days wholly before the boundary can award nothing; clearing their flags keeps the state canonical.
        for i in days.indices where Int64(days[i].day) < boundaryDay { days[i].qualifies = false }
    }

    /// The UTC day holding the retention boundary's first instant.
    private func boundaryDay(_ boundary: Int64, _ clock: DecayClock) -> Int64 {
        let (product, overflow) = boundary.multipliedReportingOverflow(by: clock.halfLifeMilliseconds)
        if overflow { return boundary < 0 ? Int64.min / 2 : Int64.max / 2 }
        return Timestamp.floorDiv(product, Timestamp.millisecondsPerDay)
    }

    private mutating func recordDay(_ t: Int64, rule: RuleTraits, clock: DecayClock, boundary: Int64) {
        let day = Timestamp.floorDiv(t, Timestamp.millisecondsPerDay)
        let boundaryDay = boundaryDay(boundary, clock)
        let window = Int64(rule.withinDays)
        guard day >= boundaryDay - window + 1 else { return }

        var low = 0, high = days.count
        if let last = days.last, Int64(last.day) < day {
            low = days.count
        } else {
            while low < high {
                let mid = (low + high) / 2
                if Int64(days[mid].day) < day { low = mid + 1 } else { high = mid }
            }
        }
        if low < days.count, Int64(days[low].day) == day {
            // A known day: only an earlier first event changes anything.
            let old = days[low].first
            guard t < old else { return }
            days[low].first = t
            if days[low].qualifies {
                withdraw(old, rule: rule, clock: clock, boundary: boundary)
                award(t, rule: rule, clock: clock, boundary: boundary)
            }
            return
        }
        days.insert(ActiveDay(day: Int32(truncatingIfNeeded: day), first: t, qualifies: false), at: low)

        // The new day can complete the pattern for itself and for the days after it within the window.
        var j = low
        while j < days.count, Int64(days[j].day) <= day + window - 1 {
            let candidate = Int64(days[j].day)
            if !days[j].qualifies, candidate >= boundaryDay {
                let from = candidate - window + 1
                var first = j
                while first > 0, Int64(days[first - 1].day) >= from { first -= 1 }
                if j - first + 1 >= rule.distinctDays {
                    days[j].qualifies = true
                    award(days[j].first, rule: rule, clock: clock, boundary: boundary)
                }
            }
            j += 1
        }
    }

    private mutating func award(_ t: Int64, rule: RuleTraits, clock: DecayClock, boundary: Int64) {
        let k = clock.period(t)
        guard k >= boundary else { return }
        if rule.once {
            if t > latest { setLatest(t, rule: rule, clock: clock) }
        } else {
            add(clock.units(cents: rule.cents, at: t), period: k)
        }
    }

    private mutating func withdraw(_ t: Int64, rule: RuleTraits, clock: DecayClock, boundary: Int64) {
        let k = clock.period(t)
        if rule.once {
            // Only the latest completing day is counted; an earlier first event of that same day replaces it.
            if latest == t { setLatest(RuleAggregate.none, rule: rule, clock: clock) }
        } else if k >= boundary {
            add(-clock.units(cents: rule.cents, at: t), period: k)
        }
    }

    // MARK: Reading

    /// What reading the rule needs, in 16 bytes: a `once` rule's counted occurrence, or the exact
    /// bucket total at its base period (converted to `Double` deterministically).
    var reading: RuleReading {
        if latest != RuleAggregate.none { return RuleReading(period: latestPeriod, weight: Double(latestUnits)) }
        if isEmpty || buckets.isEmpty { return RuleReading() }
        return RuleReading(period: base, weight: total.doubleValue)
    }
}

/// A rule's contribution in compact form: `weight × 2^(period − reading period) × 2⁻²⁰` cents before the
/// reading factor. Kept beside the aggregates so scoring a lead reads one small contiguous array.
struct RuleReading: Equatable, Sendable {
    var period: Int64 = RuleAggregate.none
    var weight: Double = 0

    var isEmpty: Bool { period == RuleAggregate.none }

    /// The decayed value in cents (before any cap), read at a period and factor from `DecayClock.reading(at:)`.
    @inline(__always)
    func cents(readingPeriod: Int64, factor: Double) -> Double {
        let shift = period - readingPeriod - Int64(DecayClock.fractionBits)
        guard shift > -1100 else { return 0 }
        return weight * Double(sign: .plus, exponent: Int(shift), significand: 1) * factor
    }
}

/// Fixed-point contributions (2⁻²⁰ cents, pre-scaled to their period's start) of one half-life period.
struct DecayBucket: Codable, Equatable, Sendable {
    var period: Int64
    var units: Int64

    enum CodingKeys: String, CodingKey { case period = "k", units = "u" }
}

/// A UTC day with a matching event, for frequency rules.
struct ActiveDay: Codable, Equatable, Sendable {
    // Field order packs the struct into 16 bytes.
    /// Time of the day's first matching event (milliseconds).
    var first: Int64
    /// Days since 1970-01-01 (UTC).
    var day: Int32
    /// Whether the day completes the pattern.
    var qualifies: Bool

    init(day: Int32, first: Int64, qualifies: Bool) {
        self.first = first
        self.day = day
        self.qualifies = qualifies
    }

    enum CodingKeys: String, CodingKey { case day = "d", first = "f", qualifies = "q" }
}

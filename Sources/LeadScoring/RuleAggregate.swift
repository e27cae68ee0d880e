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
/// the cost of reading it bounded; they are worth less than 2⁻⁶⁴ of their points.
struct RuleAggregate: Codable, Equatable, Sendable {
    /// Half-life period of the latest matching event.
    var maxPeriod: Int64?
    /// Fixed-point sums per period, sorted by period, never zero.
    var buckets: [DecayBucket] = []
    /// The counted occurrence of a `once` rule.
    var latest: Int64?
    /// Frequency rules: matching days, sorted.
    var days: [ActiveDay] = []

    enum CodingKeys: String, CodingKey {
        case maxPeriod = "p", buckets = "b", latest = "l", days = "d"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxPeriod = try c.decodeIfPresent(Int64.self, forKey: .maxPeriod)
        buckets = try c.decodeIfPresent([DecayBucket].self, forKey: .buckets) ?? []
        latest = try c.decodeIfPresent(Int64.self, forKey: .latest)
        days = try c.decodeIfPresent([ActiveDay].self, forKey: .days) ?? []
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(maxPeriod, forKey: .maxPeriod)
        if !buckets.isEmpty { try c.encode(buckets, forKey: .buckets) }
        try c.encodeIfPresent(latest, forKey: .latest)
        if !days.isEmpty { try c.encode(days, forKey: .days) }
    }

    // MARK: Recording

    /// Adds one matching event at time `t` (milliseconds).
    mutating func record(_ t: Int64, rule: EngagementRule, clock: DecayClock) {
        let k = clock.period(t)
        if maxPeriod == nil || k > maxPeriod! {
            maxPeriod = k
            prune(rule: rule, clock: clock)
        }
        let boundary = maxPeriod! - DecayClock.retainedPeriods
        if let frequency = rule.frequency {
            recordDay(t, frequency: frequency, rule: rule, clock: clock, boundary: boundary)
        } else if k >= boundary {
            if rule.once {
                if latest == nil || t > latest! { latest = t }
            } else {
                add(clock.units(cents: rule.points.cents, at: t), period: k)
            }
        }
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
        if index < buckets.count, buckets[index].period == period {
            let (sum, overflow) = buckets[index].units.addingReportingOverflow(units)
            buckets[index].units = overflow ? (units > 0 ? Int64.max : Int64.min) : sum
            if buckets[index].units == 0 { buckets.remove(at: index) }
        } else if units != 0 {
            buckets.insert(DecayBucket(period: period, units: units), at: index)
        }
    }

    /// Drops what fell behind the retention boundary after `maxPeriod` moved on.
    private mutating func prune(rule: EngagementRule, clock: DecayClock) {
        let boundary = maxPeriod! - DecayClock.retainedPeriods
        if let first = buckets.first, first.period < boundary {
            buckets.removeFirst(buckets.firstIndex { $0.period >= boundary } ?? buckets.count)
        }
        if let latest, clock.period(latest) < boundary { self.latest = nil }
        guard let frequency = rule.frequency, !days.isEmpty else { return }
        let boundaryDay = boundaryDay(boundary, clock)
        let keepFrom = boundaryDay - Int64(frequency.withinDays) + 1
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

    private mutating func recordDay(_ t: Int64, frequency: FrequencyRule, rule: EngagementRule, clock: DecayClock, boundary: Int64) {
        let day = Timestamp.floorDiv(t, Timestamp.millisecondsPerDay)
        let boundaryDay = boundaryDay(boundary, clock)
        let window = Int64(frequency.withinDays)
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
                if j - first + 1 >= frequency.distinctDays {
                    days[j].qualifies = true
                    award(days[j].first, rule: rule, clock: clock, boundary: boundary)
                }
            }
            j += 1
        }
    }

    private mutating func award(_ t: Int64, rule: EngagementRule, clock: DecayClock, boundary: Int64) {
        let k = clock.period(t)
        guard k >= boundary else { return }
        if rule.once {
            if latest == nil || t > latest! { latest = t }
        } else {
            add(clock.units(cents: rule.points.cents, at: t), period: k)
        }
    }

    private mutating func withdraw(_ t: Int64, rule: EngagementRule, clock: DecayClock, boundary: Int64) {
        let k = clock.period(t)
        if rule.once {
            // Only the latest completing day is counted; an earlier first event of that same day replaces it.
            if latest == t { latest = nil }
        } else if k >= boundary {
            add(-clock.units(cents: rule.points.cents, at: t), period: k)
        }
    }

    // MARK: Reading

    /// The rule's decayed total in cents (before its cap), read at a period and factor from `DecayClock.reading(at:)`.
    @inline(__always)
    func decayedCents(rule: EngagementRule, clock: DecayClock, readingPeriod: Int64, factor: Double) -> Double {
        if rule.once {
            guard let latest else { return 0 }
            let units = clock.units(cents: rule.points.cents, at: latest)
            return DecayClock.cents(units: units, period: clock.period(latest), readingPeriod: readingPeriod) * factor
        }
        var sum = 0.0
        for bucket in buckets {
            sum += DecayClock.cents(units: bucket.units, period: bucket.period, readingPeriod: readingPeriod)
        }
        return sum * factor
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
    /// Days since 1970-01-01 (UTC).
    var day: Int32
    /// Time of the day's first matching event (milliseconds).
    var first: Int64
    /// Whether the day completes the pattern.
    var qualifies: Bool

    enum CodingKeys: String, CodingKey { case day = "d", first = "f", qualifies = "q" }
}

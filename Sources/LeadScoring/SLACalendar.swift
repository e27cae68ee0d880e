import Foundation

/// A business calendar: IANA time zone, working weekdays, daily working hours and holidays.
///
/// Business time is real elapsed time inside working windows: each working
/// day that is not a holiday contributes the instants from its local start
/// time to its local end time. Local times are turned into instants with the
/// zone's rules for that very day, so deadlines stay exact across weekends,
/// holidays and DST changes. A local time that a DST jump skips is read
/// with the offset in force before the jump (02:30 becomes 03:30); a
/// repeated one is its first occurrence.
public struct SLACalendar: Sendable {
    public let timeZone: TimeZone
    public let workingDays: Set<Weekday>
    /// Start of the working day, minutes after local midnight.
    public let startMinute: Int
    /// End of the working day, minutes after local midnight (`24:00` is 1440).
    public let endMinute: Int
    /// Local dates with no working hours.
    public let holidays: Set<CalendarDate>

    private let holidayDays: Set<Int64>

    /// The longest business-time span the calendar will walk, as a guard against calendars with (almost) no working time.
    static let maxDaysWalked: Int64 = 3660

    public init(timeZone: TimeZone, workingDays: Set<Weekday>, startMinute: Int, endMinute: Int, holidays: Set<CalendarDate> = []) {
        precondition(startMinute >= 0 && startMinute < endMinute && endMinute <= 1440, "working hours must satisfy 0 ≤ start < end ≤ 24:00")
        self.timeZone = timeZone
        self.workingDays = workingDays
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.holidays = holidays
        self.holidayDays = Set(holidays.map(\.daysSinceEpoch))
    }

    /// Length of one working day.
    public var workingDaySeconds: Int64 { Int64(endMinute - startMinute) * 60 }

    /// Whether a local date is a working day (a working weekday and not a holiday).
    public func isWorkingDay(_ date: CalendarDate) -> Bool {
        isWorkingDay(daysSinceEpoch: date.daysSinceEpoch)
    }

    func isWorkingDay(daysSinceEpoch day: Int64) -> Bool {
        workingDays.contains(Weekday(daysSinceEpoch: day)) && !holidayDays.contains(day)
    }

    /// The UTC offset, in seconds, in force at an instant.
    public func offsetSeconds(at instant: Timestamp) -> Int {
        timeZone.secondsFromGMT(for: instant.date)
    }

    /// The local date of an instant.
    public func localDate(of instant: Timestamp) -> CalendarDate {
        CalendarDate(daysSinceEpoch: localDay(of: instant))
    }

    func localDay(of instant: Timestamp) -> Int64 {
        Timestamp.floorDiv(instant.milliseconds + Int64(offsetSeconds(at: instant)) * 1000, Timestamp.millisecondsPerDay)
    }

    /// The instant at which the local clock shows `minute` minutes after midnight on a local date.
    public func instant(on date: CalendarDate, minute: Int) -> Timestamp {
        instant(day: date.daysSinceEpoch, minute: minute)
    }

    func instant(day: Int64, minute: Int) -> Timestamp {
        let local = day * Timestamp.millisecondsPerDay + Int64(minute) * 60_000
        // Zones change offset at most once within a day either side, so the offsets a
        // day before and a day after are the only candidates.
        let earlier = Int64(offsetSeconds(at: Timestamp(milliseconds: local - Timestamp.millisecondsPerDay))) * 1000
        let later = Int64(offsetSeconds(at: Timestamp(milliseconds: local + Timestamp.millisecondsPerDay))) * 1000
        let first = local - earlier, second = local - later
        let firstValid = Int64(offsetSeconds(at: Timestamp(milliseconds: first))) * 1000 == earlier
        let secondValid = Int64(offsetSeconds(at: Timestamp(milliseconds: second))) * 1000 == later
        switch (firstValid, secondValid) {
        case (true, true): return Timestamp(milliseconds: min(first, second))  // repeated hour: first occurrence
        case (true, false): return Timestamp(milliseconds: first)
        case (false, true): return Timestamp(milliseconds: second)
        case (false, false): return Timestamp(milliseconds: first)  // skipped hour: offset before the jump
        }
    }

    /// The instant `seconds` of business time after `start`; `nil` when the calendar has no working time within ten years.
    public func adding(businessSeconds seconds: Int64, to start: Timestamp) -> Timestamp? {
        var remaining = seconds * 1000
        var cursor = start
        let firstDay = localDay(of: start)
        for day in firstDay..<(firstDay + SLACalendar.maxDaysWalked) {
            guard isWorkingDay(daysSinceEpoch: day) else { continue }
            let open = instant(day: day, minute: startMinute)
            let close = instant(day: day, minute: endMinute)
            let from = max(open, cursor)
            guard from < close else { continue }
            let available = close.milliseconds - from.milliseconds
            if remaining <= available { return from.adding(milliseconds: remaining) }
            remaining -= available
            cursor = close
        }
        return nil
    }

    /// Whether an instant lies inside working hours.
    public func isWorkingTime(_ instant: Timestamp) -> Bool {
        let day = localDay(of: instant)
        guard isWorkingDay(daysSinceEpoch: day) else { return false }
        return instant >= self.instant(day: day, minute: startMinute) && instant < self.instant(day: day, minute: endMinute)
    }
}

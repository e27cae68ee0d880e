import Foundation

/// An instant on the UTC time line, in whole milliseconds since 1970-01-01T00:00:00Z.
///
/// The scorer works on integers so that results are exact and reproducible;
/// RFC 3339 parsing and printing are done by hand, without `DateFormatter`.
/// In JSON a timestamp is an RFC 3339 string.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch.
    public var milliseconds: Int64

    public static let millisecondsPerDay: Int64 = 86_400_000

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// Creates a timestamp from seconds since the epoch, truncated to the millisecond.
    public init(secondsSince1970 seconds: Double) {
        self.milliseconds = Int64((seconds * 1000).rounded(.down))
    }

    /// Creates a timestamp from a Foundation `Date`, truncated to the millisecond.
    public init(_ date: Date) {
        self.init(secondsSince1970: date.timeIntervalSince1970)
    }

    /// The same instant as a Foundation `Date`.
    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// This instant moved by a number of milliseconds.
    public func adding(milliseconds delta: Int64) -> Timestamp {
        Timestamp(milliseconds: milliseconds &+ delta)
    }

    /// This instant moved by a number of seconds.
    public func adding(seconds: Int64) -> Timestamp { adding(milliseconds: seconds &* 1000) }

    /// The UTC calendar day this instant falls on, as days since 1970-01-01.
    public var utcDay: Int64 { Timestamp.floorDiv(milliseconds, Timestamp.millisecondsPerDay) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public var description: String { rfc3339 }

    // MARK: RFC 3339

    /// Parses an RFC 3339 date-time such as `2027-03-12T16:00:00-05:00` or
    /// `2027-03-12T21:00:00.250Z`. Fractions beyond milliseconds are truncated;
    /// `t`, `z` and a space separator are accepted as RFC 3339 allows.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = Digits.parse(b, 0, 4), let month = Digits.parse(b, 5, 2), let day = Digits.parse(b, 8, 2),
              let hour = Digits.parse(b, 11, 2), let minute = Digits.parse(b, 14, 2), let second = Digits.parse(b, 17, 2),
              let date = CalendarDate(year: year, month: month, day: day),
              hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var i = 19
        var millis = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if i - start < 3 { millis = millis * 10 + Int(b[i] - 48) }
                i += 1
            }
            guard i > start else { return nil }
            for _ in 0..<max(0, 3 - (i - start)) { millis *= 10 }
        }
        guard i < b.count else { return nil }
        var offsetMinutes = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard i + 6 == b.count, b[i + 3] == UInt8(ascii: ":"),
                  let oh = Digits.parse(b, i + 1, 2), let om = Digits.parse(b, i + 4, 2), oh <= 23, om <= 59
            else { return nil }
            offsetMinutes = (oh * 60 + om) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let seconds = date.daysSinceEpoch * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        self.milliseconds = seconds * 1000 + Int64(millis)
    }

    /// RFC 3339 in UTC (`2027-03-15T16:00:00Z`), with milliseconds only when non-zero.
    public var rfc3339: String { rfc3339(offsetSeconds: 0) }

    /// RFC 3339 in the given UTC offset (`2027-03-15T12:00:00-04:00`); offset 0 prints `Z`.
    public func rfc3339(offsetSeconds: Int) -> String {
        let local = milliseconds + Int64(offsetSeconds) * 1000
        let day = Timestamp.floorDiv(local, Timestamp.millisecondsPerDay)
        let msOfDay = Int(local - day * Timestamp.millisecondsPerDay)
        let date = CalendarDate(daysSinceEpoch: day)
        let hour = msOfDay / 3_600_000, minute = (msOfDay / 60_000) % 60, second = (msOfDay / 1000) % 60, ms = msOfDay % 1000
        let magnitude = abs(offsetSeconds) / 60
        guard (0...9999).contains(date.year), magnitude < 100 * 60 else {
            var text = date.description + "T" + Digits.pad(hour, 2) + ":" + Digits.pad(minute, 2) + ":" + Digits.pad(second, 2)
            if ms != 0 { text += "." + Digits.pad(ms, 3) }
            if offsetSeconds == 0 { return text + "Z" }
            return text + (offsetSeconds < 0 ? "-" : "+") + Digits.pad(magnitude / 60, 2) + ":" + Digits.pad(magnitude % 60, 2)
        }
        // Every event and response carries timestamps: write the digits in place.
        return String(unsafeUninitializedCapacity: 29) { out in
            var n = 0
            func put(_ value: Int, _ width: Int) {
                var divisor = 1
                for _ in 1..<width { divisor *= 10 }
                for _ in 0..<width {
                    out[n] = UInt8(ascii: "0") + UInt8(value / divisor % 10)
                    n += 1
                    divisor /= 10
                }
            }
            func put(_ byte: Unicode.Scalar) {
                out[n] = UInt8(ascii: byte)
                n += 1
            }
            put(date.year, 4); put("-"); put(date.month, 2); put("-"); put(date.day, 2)
            put("T"); put(hour, 2); put(":"); put(minute, 2); put(":"); put(second, 2)
            if ms != 0 { put("."); put(ms, 3) }
            if offsetSeconds == 0 {
                put("Z")
            } else {
                put(offsetSeconds < 0 ? "-" : "+"); put(magnitude / 60, 2); put(":"); put(magnitude % 60, 2)
            }
            return n
        }
    }

    /// RFC 3339 in the offset a time zone has at this instant.
    public func rfc3339(in timeZone: TimeZone) -> String {
        rfc3339(offsetSeconds: timeZone.secondsFromGMT(for: date))
    }

    /// Floor division (rounds toward negative infinity), for instants before 1970.
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

extension Timestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an RFC 3339 date-time, got \"\(text)\"")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rfc3339)
    }
}

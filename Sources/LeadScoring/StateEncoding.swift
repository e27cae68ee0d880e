/// The compact binary form of `LeadScoreState`, for persisting it after every event.
///
/// It carries everything the `Codable` form does, so `LeadScoreState(serialized: s.serialized()) == s`
/// and scores computed from the decoded state are identical. The derived parts (per-rule readings and
/// 128-bit running totals) are rebuilt from the stored ones, exactly as the JSON decoder rebuilds them.
///
/// Format version 1. Integers are little-endian; `varint` is unsigned LEB128 in its shortest form,
/// `zigzag` a signed integer zigzag-mapped and written as a varint. Times are milliseconds since the
/// epoch; most are written relative to the state's last event time (`ref`, 0 when there is none) and
/// periods relative to the rule's latest period (`refP`, 0 for a rule without events), so they take
/// one to three bytes.
///
/// ```
/// u8      format version: 1 (a JSON-encoded state starts with `{`, 0x7B)
/// u32     length of the whole encoding, these five bytes and the checksum included
/// varint  model version length, then its UTF-8 bytes
/// u64     model fingerprint
/// varint  event count
/// u8      flags: 1 last event time, 2 fit summary, 4 disqualified (other bits zero)
/// zigzag  last event time                                      (flag 1)
/// zigzag  fit points in cents                                  (flag 2)
/// varint  n, then n fit rule indices as zigzag(index − previous), previous starting at 0
/// varint  n engagement rules, then per rule:
///   u8      flags: 1 has events, 2 latest occurrence, 4 buckets, 8 days (other bits zero)
///   zigzag  latest period (`maxPeriod`)                        (flag 1)
///   zigzag  ref − latest, zigzag latest units, zigzag refP − latest's period   (flag 2)
///   varint  n ≥ 1, then n × (zigzag refP − period, zigzag units)            (flag 4)
///   varint  n ≥ 1, then n days, each: zigzag(day − ref's UTC day) for the first,
///           varint (day − previous day − 1) for the others; then u32 milliseconds
///           of the day's first event into the day, | 1 << 31 when the day qualifies  (flag 8)
/// varint  n SLA-tracked types, ⌈n/8⌉ presence bytes (bit i%8 of byte i/8), zigzag ref − time per present one
/// u64     checksum of every byte before it
/// ```
///
/// Decoding checks every length against the bytes left, the checksum (any change within one aligned
/// 8-byte word, hence any single corrupted byte, is always detected), and the invariants the scorer
/// relies on: fit rule indices ascending, buckets ascending inside the retained periods and non-zero,
/// days ascending with their first event on the day, times and periods within ±2⁶², so that a decoded
/// state can always be scored and updated without arithmetic overflow.
extension LeadScoreState {
    /// The first byte of `serialized()`; a future layout gets a new one.
    public static let binaryFormatVersion: UInt8 = 1

    /// The state in the compact binary format (see `StateEncoding.swift`); read it back with `init(serialized:)`.
    public func serialized() -> [UInt8] {
        let bound = serializedSizeBound
        return [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
            let base = buffer.baseAddress!
            var writer = StateWriter(base + StateFormat.headerSize)
            writeBody(to: &writer)
            let total = (writer.position - base) + 8
            precondition(total <= bound, "score state encoding exceeded its size bound")
            base[0] = LeadScoreState.binaryFormatVersion
            UnsafeMutableRawPointer(base + 1).storeBytes(of: UInt32(total).littleEndian, as: UInt32.self)
            let sum = StateFormat.checksum(UnsafeRawBufferPointer(start: base, count: total - 8))
            UnsafeMutableRawPointer(base + total - 8).storeBytes(of: sum.littleEndian, as: UInt64.self)
            count = total
        }
    }

    /// Decodes `serialized()` output; rejects truncated, corrupt and unknown-version input with the offset at fault.
    public init(serialized bytes: [UInt8]) throws(StateDecodingError) {
        let decoded: Result<LeadScoreState, StateDecodingError> = bytes.withUnsafeBytes { raw in
            do throws(StateDecodingError) {
                return .success(try LeadScoreState(serialized: raw))
            } catch {
                return .failure(error)
            }
        }
        self = try decoded.get()
    }

    /// Decodes `serialized()` output in place (e.g. a database blob), without copying it first.
    public init(serialized bytes: UnsafeRawBufferPointer) throws(StateDecodingError) {
        guard let start = bytes.baseAddress, bytes.count > 0 else {
            throw StateDecodingError(.truncated, at: 0, "no bytes")
        }
        let base = start.assumingMemoryBound(to: UInt8.self)
        let version = base[0]
        guard version == LeadScoreState.binaryFormatVersion else {
            throw StateDecodingError(.unsupportedVersion(version), at: 0,
                                     version == UInt8(ascii: "{") ? "this is a JSON-encoded state (decode it with JSONDecoder)"
                                                                  : "unknown format version \(version)")
        }
        guard bytes.count >= StateFormat.headerSize else {
            throw StateDecodingError(.truncated, at: bytes.count, "the header needs \(StateFormat.headerSize) bytes, got \(bytes.count)")
        }
        let declared = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 1, as: UInt32.self)))
        guard bytes.count >= declared else {
            throw StateDecodingError(.truncated, at: bytes.count, "expected \(declared) bytes, got \(bytes.count)")
        }
        guard declared == bytes.count, declared >= StateFormat.headerSize + 8 else {
            throw StateDecodingError(.corrupt, at: 1, "declared length \(declared) does not match the \(bytes.count) bytes given")
        }
        let stored = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: declared - 8, as: UInt64.self))
        guard StateFormat.checksum(UnsafeRawBufferPointer(rebasing: bytes[..<(declared - 8)])) == stored else {
            throw StateDecodingError(.corrupt, at: declared - 8, "checksum mismatch")
        }
        var reader = StateReader(base: base, offset: StateFormat.headerSize, end: declared - 8)
        self = try LeadScoreState.readBody(&reader)
        guard reader.offset == reader.end else {
            throw StateDecodingError(.invalid, at: reader.offset, "\(reader.end - reader.offset) unread bytes before the checksum")
        }
    }

    /// At least the size of the encoding: every varint counted at its maximum of 10 bytes.
    private var serializedSizeBound: Int {
        var size = StateFormat.headerSize + 10 + modelVersion.utf8.count + 8 + 10 + 1 + 10 + 10
        size += 10 + 10 * fitMatches.count + 10
        rules.withUnsafeBufferPointer { rules in
            for i in rules.indices {
                size += 1 + 10 + 30 + 10 + 20 * rules[i].buckets.count + 10 + 20 * rules[i].days.count
            }
        }
        size += 10 + (typeLatest.count + 7) / 8 + 10 * typeLatest.count + 8
        return size
    }

    private func writeBody(to w: inout StateWriter) {
        let utf8 = modelVersion.utf8
        w.varint(UInt64(utf8.count))
        if utf8.withContiguousStorageIfAvailable({ w.bytes($0) }) == nil {
            for byte in utf8 { w.byte(byte) }
        }
        w.fixed64(modelFingerprint)
        w.varint(UInt64(UInt(bitPattern: eventCount)))
        var flags: UInt8 = 0
        if lastEventAt != nil { flags |= 1 }
        if let fitSummary {
            flags |= 2
            if fitSummary.disqualified { flags |= 4 }
        }
        w.byte(flags)
        let ref = lastEventAt?.milliseconds ?? 0
        if let lastEventAt { w.zigzag(lastEventAt.milliseconds) }
        if let fitSummary { w.zigzag(fitSummary.cents) }

        w.varint(UInt64(fitMatches.count))
        var previous: Int64 = 0
        for index in fitMatches {
            w.zigzag(Int64(index) &- previous)
            previous = Int64(index)
        }

        let refDay = Timestamp.floorDiv(ref, Timestamp.millisecondsPerDay)
        w.varint(UInt64(rules.count))
        rules.withUnsafeBufferPointer { rules in
            for i in rules.indices {
                let rule = rules[i]
                var flags: UInt8 = 0
                if !rule.isEmpty { flags |= 1 }
                if rule.latest != RuleAggregate.none { flags |= 2 }
                if !rule.buckets.isEmpty { flags |= 4 }
                if !rule.days.isEmpty { flags |= 8 }
                w.byte(flags)
                let refPeriod = rule.isEmpty ? 0 : rule.maxPeriod
                if !rule.isEmpty { w.zigzag(rule.maxPeriod) }
                if rule.latest != RuleAggregate.none {
                    w.zigzag(ref &- rule.latest)
                    w.zigzag(rule.latestUnits)
                    w.zigzag(refPeriod &- rule.latestPeriod)
                }
                if !rule.buckets.isEmpty {
                    w.varint(UInt64(rule.buckets.count))
                    rule.buckets.withUnsafeBufferPointer { buckets in
                        for bucket in buckets {
                            w.zigzag(refPeriod &- bucket.period)
                            w.zigzag(bucket.units)
                        }
                    }
                }
                if !rule.days.isEmpty {
                    w.varint(UInt64(rule.days.count))
                    rule.days.withUnsafeBufferPointer { days in
                        w.zigzag(Int64(days[0].day) - refDay)
                        for i in days.indices {
                            // Unsorted days (only from a hand-edited state) wrap around and are refused when decoded.
                            if i > 0 { w.varint(UInt64(bitPattern: Int64(days[i].day) &- Int64(days[i - 1].day) &- 1)) }
                            let into = days[i].first &- Int64(days[i].day) * Timestamp.millisecondsPerDay
                            // A first event off its day (likewise) is written as an invalid time, refused when decoded.
                            let field = (0..<Timestamp.millisecondsPerDay).contains(into) ? UInt32(into) : StateFormat.invalidTimeOfDay
                            w.fixed32(field | (days[i].qualifies ? StateFormat.qualifiesBit : 0))
                        }
                    }
                }
            }
        }

        w.varint(UInt64(typeLatest.count))
        var bits: UInt8 = 0
        for (slot, seen) in typeLatest.enumerated() {
            if seen != nil { bits |= 1 << UInt8(slot & 7) }
            if slot & 7 == 7 || slot == typeLatest.count - 1 {
                w.byte(bits)
                bits = 0
            }
        }
        for case let seen? in typeLatest { w.zigzag(ref &- seen) }
    }

    private static func readBody(_ r: inout StateReader) throws(StateDecodingError) -> LeadScoreState {
        let versionStart = r.offset
        let versionLength = try r.count(minimumBytesEach: 1, "model version length")
        let versionBytes = UnsafeBufferPointer(start: r.base + r.offset, count: versionLength)
        r.offset += versionLength
        // ASCII (every real version) needs no validation beyond the check.
        let modelVersion: String
        if versionBytes.allSatisfy({ $0 < 0x80 }) {
            modelVersion = String(decoding: versionBytes, as: UTF8.self)
        } else if let text = String(validating: versionBytes, as: UTF8.self) {
            modelVersion = text
        } else {
            throw StateDecodingError(.invalid, at: versionStart, "model version is not valid UTF-8")
        }
        let fingerprint = try r.fixed64()
        let countStart = r.offset
        let eventCount = try r.varint()
        guard eventCount <= StateFormat.maxMagnitude else { throw StateDecodingError(.invalid, at: countStart, "event count out of range") }
        let flagsStart = r.offset
        let flags = try r.byte()
        guard flags & ~7 == 0, flags & 6 != 4 else { throw StateDecodingError(.invalid, at: flagsStart, "unknown state flags \(flags)") }
        var lastEventAt: Timestamp?
        if flags & 1 != 0 { lastEventAt = Timestamp(milliseconds: try r.bounded("last event time")) }
        var fitSummary: FitSummary?
        if flags & 2 != 0 { fitSummary = FitSummary(cents: try r.bounded("fit points"), disqualified: flags & 4 != 0) }
        let ref = lastEventAt?.milliseconds ?? 0

        let fitCount = try r.count(minimumBytesEach: 1, "fit match count")
        var fitMatches: [Int] = []
        fitMatches.reserveCapacity(fitCount)
        var previous: Int64 = 0
        for i in 0..<fitCount {
            let start = r.offset
            let index = previous &+ (try r.zigzag())
            guard index >= 0, index <= Int64(Int32.max), i == 0 || index > previous else {
                throw StateDecodingError(.invalid, at: start, "fit rule indices must be ascending and non-negative")
            }
            fitMatches.append(Int(index))
            previous = index
        }

        let refDay = Timestamp.floorDiv(ref, Timestamp.millisecondsPerDay)
        let ruleCount = try r.count(minimumBytesEach: 1, "rule count")
        // Decoded in place: an aggregate is never copied, and empty ones allocate nothing.
        // (reserve and append: `Array(repeating:count:)` looks its storage type up at run time.)
        var rules: [RuleAggregate] = []
        var readings: [RuleReading] = []
        rules.reserveCapacity(ruleCount)
        readings.reserveCapacity(ruleCount)
        for i in 0..<ruleCount {
            rules.append(RuleAggregate())
            try rules[i].read(from: &r, ref: ref, refDay: refDay)
            readings.append(rules[i].reading)
        }

        let slotStart = r.offset
        let slotCount = try r.varint()
        guard slotCount <= UInt64(r.end - r.offset) * 8 else { throw StateDecodingError(.invalid, at: slotStart, "SLA slot count exceeds the bytes left") }
        let bitmapStart = r.offset
        let bitmapLength = (Int(slotCount) + 7) / 8
        guard bitmapLength <= r.end - r.offset else { throw StateDecodingError(.invalid, at: bitmapStart, "SLA slot bitmap runs past the end") }
        r.offset += bitmapLength
        var typeLatest: [Int64?] = []
        typeLatest.reserveCapacity(Int(slotCount))
        for slot in 0..<Int(slotCount) {
            let present = r.base[bitmapStart + slot / 8] & (1 << UInt8(slot & 7)) != 0
            typeLatest.append(present ? ref &- (try r.zigzag()) : nil)
            if let value = typeLatest[slot], value.magnitude > StateFormat.maxMagnitude {
                throw StateDecodingError(.invalid, at: r.offset - 1, "SLA event time out of range")
            }
        }
        if slotCount & 7 != 0, r.base[bitmapStart + bitmapLength - 1] >> UInt8(slotCount & 7) != 0 {
            throw StateDecodingError(.invalid, at: bitmapStart + bitmapLength - 1, "bits set beyond the last SLA slot")
        }

        return LeadScoreState(modelVersion: modelVersion, modelFingerprint: fingerprint, eventCount: Int(eventCount),
                              lastEventAt: lastEventAt, fitMatches: fitMatches, fitSummary: fitSummary, rules: rules,
                              readings: readings, typeLatest: typeLatest)
    }

}

extension RuleAggregate {
    /// Reads one aggregate of the binary format into this empty one.
    fileprivate mutating func read(from r: inout StateReader, ref: Int64, refDay: Int64) throws(StateDecodingError) {
        let flagsStart = r.offset
        let flags = try r.byte()
        guard flags & ~15 == 0, flags == 0 || flags & 1 != 0 else {
            throw StateDecodingError(.invalid, at: flagsStart, "unknown rule flags \(flags)")
        }
        guard flags != 0 else { return }
        let maxPeriod = try r.bounded("latest period")
        self.maxPeriod = maxPeriod
        if flags & 2 != 0 {
            let start = r.offset
            latest = ref &- (try r.zigzag())
            latestUnits = try r.zigzag()
            latestPeriod = maxPeriod &- (try r.zigzag())
            guard latest.magnitude <= StateFormat.maxMagnitude, latestPeriod.magnitude <= StateFormat.maxMagnitude else {
                throw StateDecodingError(.invalid, at: start, "latest occurrence out of range")
            }
        }
        if flags & 4 != 0 {
            let countStart = r.offset
            let count = try r.count(minimumBytesEach: 2, "bucket count")
            guard count >= 1, count <= Int(DecayClock.retainedPeriods) + 1 else {
                throw StateDecodingError(.invalid, at: countStart, "\(count) buckets: a rule keeps 1 to \(DecayClock.retainedPeriods + 1)")
            }
            let oldest = maxPeriod - DecayClock.retainedPeriods
            buckets.reserveCapacity(count)
            var previous = oldest - 1
            for _ in 0..<count {
                let start = r.offset
                let period = maxPeriod &- (try r.zigzag())
                let units = try r.zigzag()
                guard period > previous, period <= maxPeriod, units != 0 else {
                    throw StateDecodingError(.invalid, at: start, "buckets must be ascending, non-zero and within the retained periods")
                }
                buckets.append(DecayBucket(period: period, units: units))
                previous = period
            }
        }
        if flags & 8 != 0 {
            let countStart = r.offset
            let count = try r.count(minimumBytesEach: 5, "day count")
            guard count >= 1 else { throw StateDecodingError(.invalid, at: countStart, "an empty day list is written as absent") }
            days.reserveCapacity(count)
            var day = refDay
            for i in 0..<count {
                let start = r.offset
                let previous = day
                day = i == 0 ? refDay &+ (try r.zigzag()) : previous &+ 1 &+ Int64(bitPattern: try r.varint())
                let field = try r.fixed32()
                let into = field & ~StateFormat.qualifiesBit
                guard day >= Int64(Int32.min), day <= Int64(Int32.max), i == 0 || day > previous,
                      into < UInt32(Timestamp.millisecondsPerDay) else {
                    throw StateDecodingError(.invalid, at: start, "days must be ascending with their first event on the day")
                }
                days.append(ActiveDay(day: Int32(day), first: day * Timestamp.millisecondsPerDay + Int64(into),
                                      qualifies: field & StateFormat.qualifiesBit != 0))
            }
        }
        rebuildTotal()
    }
}

/// Why `LeadScoreState(serialized:)` refused its bytes. The remedy is always the same: recompute
/// the state from the lead's stored events.
public struct StateDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        /// The bytes end before the encoding does.
        case truncated
        /// The first byte is not a format version this library reads.
        case unsupportedVersion(UInt8)
        /// The length or checksum does not match: the bytes were altered.
        case corrupt
        /// The checksum matches but a value breaks the format's rules.
        case invalid
    }

    public let reason: Reason
    /// Byte offset of the problem.
    public let offset: Int
    /// What is wrong, in plain words.
    public let detail: String

    public init(_ reason: Reason, at offset: Int, _ detail: String) {
        self.reason = reason
        self.offset = offset
        self.detail = detail
    }

    public var description: String {
        "score state bytes rejected at offset \(offset): \(detail); recompute the state from the lead's events"
    }
}

enum StateFormat {
    /// Format version byte and u32 length.
    static let headerSize = 5
    /// Flags a qualifying day in its u32 time-of-day field.
    static let qualifiesBit: UInt32 = 1 << 31
    /// A time of day no day has (≥ 86,400,000 ms).
    static let invalidTimeOfDay: UInt32 = 0x7FFF_FFFF

    /// Bound on every decoded time, period and count, far beyond any real one, so arithmetic on them cannot overflow.
    static let maxMagnitude: UInt64 = 1 << 62

    @inline(__always)
    static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    @inline(__always)
    static func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    /// A 64-bit checksum. Each step is a bijection of the running value for a given word, so two inputs
    /// of the same length that differ in one aligned 8-byte word always get different checksums.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var i = 0
        while i + 8 <= bytes.count {
            h = mix(h ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        h = mix(h ^ tail)
        // Final avalanche (MurmurHash3's fmix64).
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 33)
    }

    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        let y = x &* 0x9FB2_1C65_1E98_DF25
        return y ^ (y >> 29)
    }
}

/// Writes into a buffer sized by `serializedSizeBound`, so no write checks capacity.
struct StateWriter {
    var position: UnsafeMutablePointer<UInt8>

    init(_ start: UnsafeMutablePointer<UInt8>) {
        position = start
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        position.pointee = value
        position += 1
    }

    @inline(__always)
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            position.pointee = UInt8(truncatingIfNeeded: v) | 0x80
            position += 1
            v >>= 7
        }
        position.pointee = UInt8(truncatingIfNeeded: v)
        position += 1
    }

    @inline(__always)
    mutating func zigzag(_ value: Int64) { varint(StateFormat.zigzag(value)) }

    @inline(__always)
    mutating func fixed32(_ value: UInt32) {
        UnsafeMutableRawPointer(position).storeBytes(of: value.littleEndian, as: UInt32.self)
        position += 4
    }

    @inline(__always)
    mutating func fixed64(_ value: UInt64) {
        UnsafeMutableRawPointer(position).storeBytes(of: value.littleEndian, as: UInt64.self)
        position += 8
    }

    mutating func bytes(_ source: UnsafeBufferPointer<UInt8>) {
        guard let start = source.baseAddress, !source.isEmpty else { return }
        position.update(from: start, count: source.count)
        position += source.count
    }
}

/// Reads the body, checking every read against `end`.
struct StateReader {
    let base: UnsafePointer<UInt8>
    var offset: Int
    let end: Int

    private func endsEarly() -> StateDecodingError {
        StateDecodingError(.invalid, at: offset, "the body ends inside a value")
    }

    @inline(__always)
    mutating func byte() throws(StateDecodingError) -> UInt8 {
        guard offset < end else { throw endsEarly() }
        offset += 1
        return base[offset - 1]
    }

    @inline(__always)
    mutating func varint() throws(StateDecodingError) -> UInt64 {
        guard offset < end else { throw endsEarly() }
        let first = base[offset]
        if first < 0x80 {
            offset += 1
            return UInt64(first)
        }
        return try varintSlow()
    }

    private mutating func varintSlow() throws(StateDecodingError) -> UInt64 {
        let start = offset
        // At most 10 bytes: the 10th may only hold bit 63.
        let limit = min(end, start + 10)
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = start
        while i < limit {
            let b = base[i]
            i += 1
            result |= UInt64(b & 0x7F) &<< shift
            if b < 0x80 {
                guard b != 0 else { throw StateDecodingError(.invalid, at: start, "integer not in its shortest form") }
                guard i - start < 10 || b == 1 else { throw StateDecodingError(.invalid, at: start, "integer wider than 64 bits") }
                offset = i
                return result
            }
            shift &+= 7
        }
        if i == end { throw endsEarly() }
        throw StateDecodingError(.invalid, at: start, "integer wider than 64 bits")
    }

    @inline(__always)
    mutating func zigzag() throws(StateDecodingError) -> Int64 { StateFormat.unzigzag(try varint()) }

    /// A signed value within ±2⁶².
    @inline(__always)
    mutating func bounded(_ what: String) throws(StateDecodingError) -> Int64 {
        let start = offset
        let value = try zigzag()
        guard value.magnitude <= StateFormat.maxMagnitude else { throw StateDecodingError(.invalid, at: start, "\(what) out of range") }
        return value
    }

    @inline(__always)
    mutating func fixed32() throws(StateDecodingError) -> UInt32 {
        guard end - offset >= 4 else { throw endsEarly() }
        let value = UInt32(littleEndian: UnsafeRawPointer(base + offset).loadUnaligned(as: UInt32.self))
        offset += 4
        return value
    }

    mutating func fixed64() throws(StateDecodingError) -> UInt64 {
        guard end - offset >= 8 else { throw endsEarly() }
        let value = UInt64(littleEndian: UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self))
        offset += 8
        return value
    }

    /// A count of items taking at least `minimumBytesEach` bytes each, bounded by the bytes left.
    @inline(__always)
    mutating func count(minimumBytesEach: Int, _ what: String) throws(StateDecodingError) -> Int {
        let start = offset
        let value = try varint()
        guard value <= UInt64((end - offset) / minimumBytesEach) else {
            throw StateDecodingError(.invalid, at: start, "\(what) \(value) exceeds the bytes left")
        }
        return Int(value)
    }
}

import Testing
@testable import LeadScoring

@Suite("RFC 3339 timestamps")
struct TimestampTests {
    @Test func formatsInUTCAndWithOffsets() {
        let t = Timestamp(milliseconds: 1_804_262_400_000)  // 2027-03-05T16:00:00Z
        #expect(t.rfc3339 == "2027-03-05T16:00:00Z")
        #expect(Timestamp(milliseconds: t.milliseconds + 7).rfc3339 == "2027-03-05T16:00:00.007Z")
        #expect(t.rfc3339(offsetSeconds: -5 * 3600) == "2027-03-05T11:00:00-05:00")
        #expect(t.rfc3339(offsetSeconds: 5 * 3600 + 45 * 60) == "2027-03-05T21:45:00+05:45")
        #expect(Timestamp(milliseconds: 0).rfc3339 == "1970-01-01T00:00:00Z")
        #expect(Timestamp(milliseconds: -1).rfc3339 == "1969-12-31T23:59:59.999Z")
    }

    @Test func roundTripsThroughTheParser() {
        var generator = SplitMix(state: 11)
        for _ in 0..<5_000 {
            let milliseconds = Int64(generator.next() % 253_402_300_799_000)  // up to 9999-12-31
            let offset = (Int(generator.next() % 57) - 28) * 30 * 60
            let text = Timestamp(milliseconds: milliseconds).rfc3339(offsetSeconds: offset)
            #expect(Timestamp(rfc3339: text)?.milliseconds == milliseconds, "\(text)")
        }
    }
}

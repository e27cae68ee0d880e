import Foundation
import Testing
@testable import LeadScoring

@Suite("SLA deadlines")
struct SLATests {
    let newYork = TimeZone(identifier: "America/New_York")!

    var calendar: SLACalendar {
        SLACalendar(timeZone: newYork, workingDays: [.monday, .tuesday, .wednesday, .thursday, .friday], startMinute: 9 * 60,
                    endMinute: 17 * 60, holidays: [CalendarDate(year: 2026, month: 12, day: 25)!, CalendarDate(year: 2027, month: 1, day: 1)!])
    }

    func due(_ start: String, hours: Int64) -> String? {
        calendar.adding(businessSeconds: hours * 3600, to: ts(start)).map { $0.rfc3339(in: newYork) }
    }

    @Test func fourBusinessHoursFromFridayAfternoonAcrossTheSpringDSTWeekend() {
        // Friday 16:00 EST: one hour on Friday, three on Monday (now EDT, after the 14 March change).
        #expect(due("2027-03-12T16:00:00-05:00", hours: 4) == "2027-03-15T12:00:00-04:00")
    }

    @Test func withinTheSameDayAndAtTheEdges() {
        #expect(due("2027-03-10T10:00:00-05:00", hours: 4) == "2027-03-10T14:00:00-05:00")
        #expect(due("2027-03-10T13:00:00-05:00", hours: 4) == "2027-03-10T17:00:00-05:00")  // ends exactly at close
        #expect(due("2027-03-10T17:00:00-05:00", hours: 1) == "2027-03-11T10:00:00-05:00")  // starts exactly at close
        #expect(due("2027-03-10T06:30:00-05:00", hours: 2) == "2027-03-10T11:00:00-05:00")  // before opening
        #expect(due("2027-03-13T11:00:00-05:00", hours: 2) == "2027-03-15T11:00:00-04:00")  // Saturday
    }

    @Test func holidaysAreSkipped() {
        // Thursday 24 December 2026 15:00, 4 business hours: 2 on Thursday; Friday 25th is a holiday,
        // then the weekend, so the other 2 fall on Monday 28th.
        #expect(due("2026-12-24T15:00:00-05:00", hours: 4) == "2026-12-28T11:00:00-05:00")
        // New Year's Day is a Friday in 2027.
        #expect(due("2026-12-31T16:00:00-05:00", hours: 2) == "2027-01-04T10:00:00-05:00")
    }

    @Test func autumnDSTChange() {
        // Friday 5 November 2027 16:00 EDT; clocks go back on Sunday 7 November.
        #expect(due("2027-11-05T16:00:00-04:00", hours: 4) == "2027-11-08T12:00:00-05:00")
        // Elapsed time runs in real hours across the change: 24h after Saturday 12:00 EDT is Sunday 11:00 EST.
        let policy = SLAPolicy(timeZone: newYork, calendar: calendar, tiers: [SLATier(name: "day", within: .elapsed(seconds: 86_400))])
        let sla = policy.assign(score: 0, grade: Grade("D4")!, hasEventOfType: { _ in false }, qualifiedAt: ts("2027-11-06T12:00:00-04:00"))
        #expect(sla?.dueAtText == "2027-11-07T11:00:00-05:00")
    }

    @Test func businessHoursAroundTheClockHandleTheShortAndLongDays() {
        let allDay = SLACalendar(timeZone: newYork, workingDays: Set(Weekday.allCases), startMinute: 0, endMinute: 1440)
        // Sunday 14 March 2027 has 23 hours; 24 business hours from its start end at Monday 01:00.
        let start = ts("2027-03-14T00:00:00-05:00")
        #expect(allDay.adding(businessSeconds: 24 * 3600, to: start)?.rfc3339(in: newYork) == "2027-03-15T01:00:00-04:00")
        // Sunday 7 November 2027 has 25 hours.
        let autumn = ts("2027-11-07T00:00:00-04:00")
        #expect(allDay.adding(businessSeconds: 24 * 3600, to: autumn)?.rfc3339(in: newYork) == "2027-11-07T23:00:00-05:00")
    }

    @Test func businessDaysAreWorkingDayLengths() throws {
        let model = try loadModel(miniModel(rules: "[]", extra: """
        sla:
          timezone: America/New_York
          business_hours: {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
          tiers:
            - {name: slow, within: 2 business_days}
        """))
        let policy = try #require(model.sla)
        let sla = policy.assign(score: 0, grade: Grade("D4")!, hasEventOfType: { _ in false }, qualifiedAt: ts("2027-03-11T15:00:00-05:00"))
        // Thursday 15:00 + 16 business hours: 2 Thu, 8 Fri, 6 Mon → Monday 15:00 (EDT by then).
        #expect(sla?.dueAtText == "2027-03-15T15:00:00-04:00")
        #expect(sla?.businessHours == true)
    }

    @Test func skippedLocalTimesReadWithTheOffsetBeforeTheJump() {
        let date = CalendarDate(year: 2027, month: 3, day: 14)!
        #expect(calendar.instant(on: date, minute: 150).rfc3339(in: newYork) == "2027-03-14T03:30:00-04:00")
        let repeated = CalendarDate(year: 2027, month: 11, day: 7)!
        #expect(calendar.instant(on: repeated, minute: 90).rfc3339 == "2027-11-07T05:30:00Z")  // first 01:30, EDT
    }

    @Test func tiersAreTriedInOrder() {
        let policy = exampleModel.sla!
        let demo: (String) -> Bool = { $0 == "demo_request" }
        let none: (String) -> Bool = { _ in false }
        let friday = ts("2027-03-12T16:00:00-05:00")
        #expect(policy.assign(score: 150, grade: Grade("C3")!, hasEventOfType: demo, qualifiedAt: friday)?.tier == "hot")
        #expect(policy.assign(score: 150, grade: Grade("C3")!, hasEventOfType: demo, qualifiedAt: friday)?.dueAtText == "2027-03-12T17:00:00-05:00")
        let priority = policy.assign(score: 150, grade: Grade("A2")!, hasEventOfType: none, qualifiedAt: friday)
        #expect(priority?.tier == "priority")
        #expect(priority?.dueAtText == "2027-03-15T12:00:00-04:00")
        #expect(priority?.businessHours == true)
        #expect(policy.assign(score: 150, grade: Grade("B2")!, hasEventOfType: none, qualifiedAt: friday)?.tier == "standard")
        #expect(policy.assign(score: 150, grade: Grade("B2")!, hasEventOfType: none, qualifiedAt: friday)?.dueAtText == "2027-03-13T16:00:00-05:00")
    }

    @Test func scoreBoundsAndLetterGrades() {
        let condition = SLACondition(gradeIn: ["A"], minScore: 120, maxScore: 200)
        #expect(condition.holds(score: 120, grade: Grade("A4")!, hasEventOfType: { _ in false }))
        #expect(!condition.holds(score: 119.99, grade: Grade("A1")!, hasEventOfType: { _ in false }))
        #expect(!condition.holds(score: 200.01, grade: Grade("A1")!, hasEventOfType: { _ in false }))
        #expect(!condition.holds(score: 150, grade: Grade("B1")!, hasEventOfType: { _ in false }))
        #expect(SLACondition().holds(score: -5, grade: Grade("D4")!, hasEventOfType: { _ in false }))
    }

    @Test func durationsParse() {
        #expect(SLADuration("90s") == .elapsed(seconds: 90))
        #expect(SLADuration("30m") == .elapsed(seconds: 1800))
        #expect(SLADuration("1h") == .elapsed(seconds: 3600))
        #expect(SLADuration("2d") == .elapsed(seconds: 172_800))
        #expect(SLADuration("4 business_hours") == .businessHours(4))
        #expect(SLADuration("1 business_day") == .businessDays(1))
        for bad in ["", "h", "0h", "-1h", "1.5h", "1 week", "1hour", "business_hours"] { #expect(SLADuration(bad) == nil, "\(bad)") }
    }

    @Test func slaJSONShape() throws {
        let sla = SLAAssignment(tier: "hot", qualifiedAt: ts("2027-03-12T21:00:00Z"), dueAt: ts("2027-03-12T22:00:00Z"),
                                dueAtText: "2027-03-12T17:00:00-05:00", businessHours: false)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(sla), as: UTF8.self) == #"{"business_hours":false,"due_at":"2027-03-12T17:00:00-05:00","tier":"hot"}"#)
    }
}

import Testing
@testable import LeadScoring

@Suite("Model loading")
struct ModelLoaderTests {
    @Test func loadsTheSpecExample() throws {
        let model = exampleModel
        #expect(model.version == "2026-11-a")
        #expect(model.fitRules.count == 9)
        #expect(model.engagementRules.count == 9)
        #expect(model.halfLifeDays == 30)
        #expect(model.thresholds.mql == 100)
        #expect(model.thresholds.minSignals == 2)
        #expect(model.thresholds.recycle == 60)
        #expect(model.grades.a == 60)
        #expect(model.sla?.tiers.map(\.name) == ["hot", "priority", "standard"])
        #expect(model.sla?.tiers[1].within == .businessHours(4))
        #expect(model.freeMailDomains.contains("gmail.com"))
        let competitor = try #require(model.fitRules.first { $0.name == "competitor" })
        #expect(competitor.disqualifies && competitor.points == .zero)
        let returns = try #require(model.engagementRules.first { $0.name == "return_visits" })
        #expect(returns.frequency == FrequencyRule(distinctDays: 2, withinDays: 7) && returns.once)
        #expect(model.fitRules[0].line == 6)
    }

    @Test func fingerprintFollowsTheText() throws {
        let other = try loadModel(exampleYAML + "\n# edited\n")
        #expect(other.version == exampleModel.version)
        #expect(other.fingerprint != exampleModel.fingerprint)
        #expect(try loadModel(exampleYAML).fingerprint == exampleModel.fingerprint)
    }

    @Test func unknownKeysNameFileLineAndRule() {
        let yaml = miniModel(rules: """

            - {name: pricing, type: page_view, pth: "/pricing*", points: 10}
        """)
        do {
            _ = try ModelLoader.load(yaml: yaml, file: "config/scoring.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.count == 1)
            #expect(error.description == #"config/scoring.yaml:7: pricing: unknown key "pth"; did you mean "path"?"#)
        }
    }

    @Test func collectsEveryError() {
        let yaml = """
        version: t
        colour: blue
        fit:
          - {name: a, field: job_title, matches: '(unclosed', points: 10}
          - {name: b, field: shoe_size, equals: 42, points: 5}
          - {name: a, field: industry, in: [software], points: 5}
          - {name: c, field: email_domain, in_list: nope, points: -5}
          - {name: d, field: job_title, between: [1, 2], points: 5}
          - {name: e, field: country, equals: US, in: [US], points: 5}
        engagement:
          half_life_days: -3
          rules:
            - {name: f, type: page_view, path: "pricing", points: 10}
            - {name: g, type: page_view, points: 10, max: -5}
            - {name: h, type: page_view, points: 10, distinct_days: 2}
        thresholds: {mql: 100, min_signals: 9}
        grades: {fit: {A: 60, B: 70, C: 20}, engagement: {"1": 75, "2": 50, "3": 25}}
        sla:
          timezone: Mars/Olympus
          tiers:
            - {name: x, within: 3 fortnights}
            - {name: y, within: 4 business_hours}
        """
        let errors = modelErrors(yaml)
        let expected = [
            "2: model: unknown key \"colour\"",
            "4: a: invalid regular expression",
            "5: b: unknown field \"shoe_size\"",
            "6: a: duplicate rule name (first defined on line 4)",
            "7: c: unknown list \"nope\"",
            "8: d: between needs a numeric field",
            "9: e: a fit rule has exactly one condition",
            "11: engagement.half_life_days: half_life_days must be positive",
            "13: f: path globs match page paths",
            "14: g: max caps the rule's total and must be positive",
            "15: h: a frequency rule needs both distinct_days and within_days",
            "16: thresholds.min_signals: min_signals 9 can never be met",
            "17: grades.fit: bands are at-least thresholds",
            "19: sla.timezone: unknown time zone \"Mars/Olympus\"",
            "21: x: bad duration \"3 fortnights\"",
            "22: y: 4 business_hours counts business time, which needs sla.business_hours",
        ]
        #expect(errors.count == expected.count, "\(errors.joined(separator: "\n"))")
        for prefix in expected {
            #expect(errors.contains { $0.hasPrefix(prefix) }, "missing \(prefix) in\n\(errors.joined(separator: "\n"))")
        }
    }

    @Test func zeroHalfLifeIsAnError() {
        #expect(modelErrors(miniModel(rules: "[]", halfLife: "0")).first?.contains("half_life_days must be positive") == true)
    }

    @Test func yamlSyntaxErrorsHaveALine() {
        let errors = modelErrors("version: x\nfit: [\n  {name: a\nengagement: {}\n")
        #expect(errors.count == 1)
        #expect(errors.first?.contains("yaml") == true)
        #expect(errors.first.map { !$0.hasPrefix("0:") } == true)
    }

    @Test func duplicateKeysAreErrors() {
        let errors = modelErrors(miniModel(rules: "[]") + "\nversion: again\n")
        #expect(errors.first?.contains("duplicate key \"version\"") == true)
    }

    @Test func missingSectionsAreReported() {
        let errors = modelErrors("version: x\n")
        for key in ["fit", "engagement", "thresholds", "grades"] {
            #expect(errors.contains { $0.contains("missing required key \"\(key)\"") })
        }
    }

    @Test func pointsNeedAtMostTwoDecimalsAndABound() {
        #expect(modelErrors(miniModel(rules: "[{name: a, type: x, points: 1.005}]")).first?.contains("two decimals") == true)
        #expect(modelErrors(miniModel(rules: "[{name: a, type: x, points: 5000}]")).first?.contains("between -1000 and 1000") == true)
        #expect(modelErrors(miniModel(rules: "[{name: a, type: x, points: 0}]")).first?.contains("must not be zero") == true)
    }

    @Test func recycleMustBeBelowMQL() {
        let errors = modelErrors(miniModel(rules: "[{name: a, type: x, points: 5}]", thresholds: "{mql: 50, recycle: 50}"))
        #expect(errors.first?.contains("must be below mql") == true)
    }

    @Test func typeMayBeAList() throws {
        let model = try loadModel(miniModel(rules: "[{name: a, type: [webinar_registered, Webinar_Attended], points: 5}]"))
        #expect(model.engagementRules[0].types == ["webinar_registered", "webinar_attended"])
        #expect(model.eventTypes == ["webinar_attended", "webinar_registered"])
    }

    @Test func slaDetailsAreValidated() {
        let base = miniModel(rules: "[]", extra: """
        sla:
          timezone: Europe/Berlin
          business_hours: {days: [mon, funday], start: "9:00", end: "08:00"}
          holidays: ["2027-02-30"]
          tiers:
            - {name: a, when: {grade_in: [A5], any_event: [demo_request], colour: red}, within: 1h}
        """)
        let errors = modelErrors(base)
        #expect(errors.contains { $0.contains("unknown weekday \"funday\"") })
        #expect(errors.contains { $0.contains("\"2027-02-30\" is not a date") })
        #expect(errors.contains { $0.contains("\"A5\" is not a grade") })
        #expect(errors.contains { $0.contains("unknown key \"colour\"") })
    }
}

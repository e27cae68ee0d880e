import Testing
@testable import LeadScoring

@Suite("Default model (config/scoring.yaml)")
struct DefaultModelTests {
    let vp = Lead(email: "dana@acme-software.com", firstName: "Dana", jobTitle: "VP of Sales", company: "Acme Software",
                  companySize: 250, industry: "Software", country: "US")
    let monday = ts("2027-03-08T14:00:00Z")

    @Test func loads() throws {
        let model = try loadDefaultModel()
        #expect(model.thresholds.minSignals == 2)
        #expect(model.fitRules.count >= 15 && model.engagementRules.count >= 15)
        #expect(model.sla?.tiers.first?.name == "hot")
    }

    @Test func seedVPOfSalesQualifiesAsHot() throws {
        let scorer = LeadScorer(model: try loadDefaultModel())
        let events = [
            event("page_view", monday, path: "/pricing"),
            event("webinar_attended", monday.adding(milliseconds: day)),
            event("demo_request", monday.adding(milliseconds: 2 * day)),
        ]
        let now = monday.adding(milliseconds: 2 * day + 600_000)
        let result = scorer.score(lead: vp, events: events, at: now)
        #expect(result.fitScore == 75)
        #expect(result.qualified, "\(result)")
        #expect(result.grade.letter == .a)
        expectReasonsSum(result)
        #expect(Set(result.reasons.map(\.rule)) == ["revenue_leader", "mid_market", "target_industry", "core_market",
                                                    "pricing_page", "webinar_attended", "demo_request"])
        let decision = scorer.lifecycle.evaluate(.initial, result: result, at: now)
        #expect(decision.state.stage == .mql && decision.handoff?.episode == 1)
        let sla = scorer.sla(for: scorer.recompute(lead: vp, events: events), result: result, qualifiedAt: now)
        #expect(sla?.tier == "hot")
        #expect(sla?.dueAtText == "2027-03-10T10:10:00-05:00")
    }

    @Test func aSinglePricingVisitDoesNotQualify() throws {
        let scorer = LeadScorer(model: try loadDefaultModel())
        let perfect = Lead(email: "dana@acme-software.com", jobTitle: "Chief Revenue Officer and Co-Founder", companySize: 400,
                           industry: "saas", country: "US", techStack: ["Salesforce", "Marketo"],
                           attributes: ["timeline": .string("this_quarter"), "budget": .string("approved"), "use_case": .string("lead_scoring")])
        for lead in [vp, perfect] {
            let result = scorer.score(lead: lead, events: [event("page_view", monday, path: "/pricing")], at: monday)
            #expect(!result.qualified)
            #expect(result.unmet.contains(.signals))
            #expect(scorer.lifecycle.evaluate(.initial, result: result, at: monday).handoff == nil)
        }
    }

    @Test func aStudentOnGmailNeverQualifies() throws {
        let scorer = LeadScorer(model: try loadDefaultModel())
        let student = Lead(email: "sam.student@gmail.com", jobTitle: "Student", companySize: 250, industry: "software", country: "US")
        var events: [EngagementEvent] = []
        for d in 0..<10 {
            let at = monday.adding(milliseconds: Int64(d) * day)
            events += [event("page_view", at, path: "/pricing"), event("webinar_attended", at), event("demo_request", at),
                       event("trial_signup", at), event("content_download", at), event("product_usage", at)]
        }
        let result = scorer.score(lead: student, events: events, at: monday.adding(milliseconds: 10 * day))
        #expect(result.engagementScore > 100)
        #expect(!result.qualified)
        #expect(result.unmet.contains(.fit))
        #expect(contribution(result, "non_buyer") == -40 && contribution(result, "free_email") == -20)
        expectReasonsSum(result)
    }

    @Test func competitorsAndDisposableAddressesAreDisqualified() throws {
        let scorer = LeadScorer(model: try loadDefaultModel())
        let spy = Lead(email: "eve@rivalsoft.com", jobTitle: "VP Marketing", companySize: 300, industry: "software", country: "US")
        #expect(scorer.score(lead: spy, events: [], at: monday).disqualifiedBy == ["competitor"])
        let disguised = Lead(email: "eve@gmail.com", companyDomain: "https://www.rivalsoft.com/")
        #expect(scorer.score(lead: disguised, events: [], at: monday).disqualifiedBy == ["competitor"])
        #expect(scorer.score(lead: Lead(email: "x@mailinator.com"), events: [], at: monday).disqualifiedBy == ["disposable_email"])
    }

    @Test func vicePresidentIsNotAnExecutiveFounder() throws {
        let model = try loadDefaultModel()
        let names = model.fitRules.filter { $0.matches(Lead(email: "a@b.com", jobTitle: "Vice President, Sales"), freeMailDomains: []) }.map(\.name)
        #expect(names == ["revenue_leader"])
        let ceo = model.fitRules.filter { $0.matches(Lead(email: "a@b.com", jobTitle: "President & CEO"), freeMailDomains: []) }.map(\.name)
        #expect(ceo == ["executive"])
    }
}

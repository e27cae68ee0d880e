import Testing
@testable import LeadScoring

@Suite("Fit rules")
struct FitRuleTests {
    let model = exampleModel

    func fit(_ lead: Lead) -> [String] {
        model.fitRules.filter { $0.matches(lead, freeMailDomains: model.freeMailDomains) }.map(\.name)
    }

    @Test func matchesIsARegexAnywhereInTheValue() {
        #expect(fit(Lead(email: "a@acme.com", jobTitle: "VP of Sales")) == ["revenue_leader"])
        #expect(fit(Lead(email: "a@acme.com", jobTitle: "Senior Director, Revenue Operations")) == ["revenue_leader"])
        #expect(fit(Lead(email: "a@acme.com", jobTitle: "Sales Engineer")) == [])
        #expect(fit(Lead(email: "a@acme.com", jobTitle: "Marketing Intern")) == ["non_buyer"])
    }

    @Test func betweenIsInclusiveAndNumeric() {
        #expect(fit(Lead(email: "a@acme.com", companySize: 50)) == ["target_size"])
        #expect(fit(Lead(email: "a@acme.com", companySize: 5000)) == ["target_size"])
        #expect(fit(Lead(email: "a@acme.com", companySize: 49)) == [])
        #expect(fit(Lead(email: "a@acme.com", companySize: 5001)) == [])
        let open = FitRule(name: "big", field: .attribute("budget"), condition: .between(10_000, nil), points: 5)
        #expect(open.matches(Lead(email: "a@acme.com", attributes: ["budget": .string("25000")]), freeMailDomains: []))
        #expect(open.matches(Lead(email: "a@acme.com", attributes: ["budget": .number(25000)]), freeMailDomains: []))
        #expect(!open.matches(Lead(email: "a@acme.com", attributes: ["budget": .string("lots")]), freeMailDomains: []))
    }

    @Test func inIgnoresCase() {
        #expect(fit(Lead(email: "a@acme.com", industry: "SaaS")) == ["target_industry"])
        #expect(fit(Lead(email: "a@acme.com", country: "de")) == ["target_geo"])
        #expect(fit(Lead(email: "a@acme.com", industry: "retail")) == [])
    }

    @Test func inListUsesNamedListsOnTheDerivedEmailDomain() {
        #expect(fit(Lead(email: "someone@Gmail.com")) == ["free_email"])
        #expect(fit(Lead(email: "spy@rivalsoft.com")) == ["competitor"])
    }

    @Test func containsAnyOnLists() {
        #expect(fit(Lead(email: "a@acme.com", techStack: ["Snowflake", "HubSpot"])) == ["crm_stack"])
        #expect(fit(Lead(email: "a@acme.com", techStack: ["Snowflake"])) == [])
    }

    @Test func attributesAreFields() {
        #expect(fit(Lead(email: "a@acme.com", attributes: ["timeline": .string("This_Quarter")])) == ["near_term"])
        #expect(fit(Lead(email: "a@acme.com", attributes: ["timeline": .string("next_year")])) == [])
    }

    @Test func equalsIsExactButNumeric() {
        let rule = FitRule(name: "r", field: .attribute("seats"), condition: .equals("250"), points: 1)
        #expect(rule.matches(Lead(email: "a@acme.com", attributes: ["seats": .number(250)]), freeMailDomains: []))
        #expect(rule.matches(Lead(email: "a@acme.com", attributes: ["seats": .string("250.0")]), freeMailDomains: []))
        let text = FitRule(name: "t", field: .source, condition: .equals("Webinar"), points: 1)
        #expect(text.matches(Lead(email: "a@acme.com", source: "Webinar"), freeMailDomains: []))
        #expect(!text.matches(Lead(email: "a@acme.com", source: "webinar"), freeMailDomains: []))
    }

    @Test func existsBothWays() {
        let has = FitRule(name: "h", field: .companyDomain, condition: .exists(true), points: 1)
        let lacks = FitRule(name: "l", field: .companyDomain, condition: .exists(false), points: -1)
        let corporate = Lead(email: "a@acme.com")
        let personal = Lead(email: "a@gmail.com")
        let free: Set<String> = ["gmail.com"]
        #expect(has.matches(corporate, freeMailDomains: free) && !lacks.matches(corporate, freeMailDomains: free))
        #expect(!has.matches(personal, freeMailDomains: free) && lacks.matches(personal, freeMailDomains: free))
        #expect(corporate.effectiveCompanyDomain(freeMailDomains: free) == "acme.com")
    }

    @Test func fitRulesFireOnceAndDoNotDecay() {
        let scorer = LeadScorer(model: model)
        let lead = Lead(email: "a@acme.com", jobTitle: "VP Sales", companySize: 250, industry: "software", country: "US")
        let now = scorer.score(lead: lead, events: [], at: ts("2027-01-01T00:00:00Z"))
        let later = scorer.score(lead: lead, events: [], at: ts("2030-01-01T00:00:00Z"))
        #expect(now.fitScore == 75)
        #expect(later.fitScore == 75)
        #expect(now.reasons.map(\.rule) == ["revenue_leader", "target_size", "target_industry", "target_geo"])
        expectReasonsSum(now)
    }

    @Test func disqualifierSetsTheLeadAsideWithItsRule() {
        let scorer = LeadScorer(model: model)
        let spy = Lead(email: "spy@rivalsoft.com", jobTitle: "VP Sales", companySize: 250, industry: "software", country: "US")
        let start = ts("2027-03-01T00:00:00Z")
        let events = (0..<5).map { event("demo_request", start.adding(milliseconds: Int64($0) * day)) }
            + [event("webinar_attended", start), event("page_view", start, path: "/pricing")]
        let result = scorer.score(lead: spy, events: events, at: start.adding(milliseconds: 5 * day))
        #expect(result.score >= 100)
        #expect(!result.qualified)
        #expect(result.disqualifiedBy == ["competitor"])
        #expect(result.unmet == [.disqualified])
        let decision = scorer.lifecycle.evaluate(.initial, result: result, at: result.scoredAt)
        #expect(decision.state.stage == .disqualified)
        #expect(decision.changes.first?.reason == "disqualified:competitor")
        #expect(decision.handoff == nil)
    }
}

import Testing
@testable import LeadScoring

@Suite("Lifecycle")
struct LifecycleTests {
    let lifecycle = LeadLifecycle(thresholds: exampleModel.thresholds)
    let t0 = ts("2027-03-01T12:00:00Z")

    func result(score: Points, qualified: Bool, disqualifiedBy: [String] = []) -> ScoreResult {
        ScoreResult(score: score, fitScore: 50, engagementScore: score - 50, grade: Grade("B2")!, qualified: qualified,
                    disqualifiedBy: disqualifiedBy, signals: 2, unmet: [], reasons: [], modelVersion: "v", scoredAt: t0)
    }

    @Test func qualifyingEmitsExactlyOneHandoffPerEpisode() {
        let first = lifecycle.evaluate(.initial, result: result(score: 120, qualified: true), at: t0)
        #expect(first.state.stage == .mql)
        #expect(first.handoff == LifecycleDecision.Handoff(episode: 1, qualifiedAt: t0))
        #expect(first.changes.map(\.reason) == ["qualified"])
        // Further events while MQL update the score, never the handoff count.
        let again = lifecycle.evaluate(first.state, result: result(score: 160, qualified: true), at: t0.adding(milliseconds: day))
        #expect(again.handoff == nil && !again.changed && again.state == first.state)
        let notYet = lifecycle.evaluate(.initial, result: result(score: 90, qualified: false), at: t0)
        #expect(notYet.state.stage == .lead && notYet.handoff == nil)
    }

    /// A summary decides as its result does, in every stage, except that
    /// with a disqualifier it defers to the result, which names the rules.
    @Test func aSummaryDecidesAsItsResultDoes() {
        let mql = lifecycle.evaluate(.initial, result: result(score: 120, qualified: true), at: t0).state
        let stale = lifecycle.evaluate(mql, result: result(score: 10, qualified: false), at: t0.adding(milliseconds: 40 * day)).state
        let disqualified = lifecycle.evaluate(.initial, result: result(score: 10, qualified: false, disqualifiedBy: ["rival"]), at: t0).state
        for state in [LifecycleState.initial, mql, stale, disqualified] {
            for (score, qualified) in [(Points(30), false), (Points(59.99), false), (Points(120), true)] {
                let full = result(score: score, qualified: qualified)
                let summary = ScoreSummary(score: full.score, fitScore: full.fitScore, engagementScore: full.engagementScore, grade: full.grade,
                                           signals: full.signals, disqualified: false, qualified: qualified)
                let later = t0.adding(milliseconds: 50 * day)
                #expect(lifecycle.evaluate(state, summary: summary, at: later) == lifecycle.evaluate(state, result: full, at: later))
            }
        }
        let rival = ScoreSummary(score: 10, fitScore: 10, engagementScore: 0, grade: Grade("D4")!, signals: 0, disqualified: true, qualified: false)
        #expect(lifecycle.evaluate(.initial, summary: rival, at: t0) == nil)
    }

    @Test func staleMQLRecyclesAndMayQualifyAgain() {
        let mql = lifecycle.evaluate(.initial, result: result(score: 120, qualified: true), at: t0).state
        let holding = lifecycle.evaluate(mql, result: result(score: 60, qualified: false), at: t0.adding(milliseconds: 20 * day))
        #expect(holding.state.stage == .mql)  // 60 is not below recycle: 60
        let stale = lifecycle.evaluate(mql, result: result(score: 59.99, qualified: false), at: t0.adding(milliseconds: 40 * day))
        #expect(stale.state.stage == .recycled)
        #expect(stale.changes.map(\.reason) == ["stale_mql"])
        let back = lifecycle.evaluate(stale.state, result: result(score: 130, qualified: true), at: t0.adding(milliseconds: 50 * day))
        #expect(back.state.stage == .mql)
        #expect(back.handoff?.episode == 2)
    }

    @Test func feedbackTransitions() throws {
        let mql = lifecycle.evaluate(.initial, result: result(score: 120, qualified: true), at: t0).state
        let accepted = try lifecycle.applyFeedback(.accepted, to: mql, at: t0)
        #expect(accepted.state.stage == .accepted)
        #expect(try lifecycle.applyFeedback(.sql, to: accepted.state, at: t0).state.stage == .sql)
        #expect(try lifecycle.applyFeedback(.sql, to: mql, at: t0).state.stage == .sql)
        let rejected = try lifecycle.applyFeedback(.rejected, to: accepted.state, at: t0)
        #expect(rejected.state.stage == .rejected && rejected.state.rejectedAt == t0)
        #expect(rejected.changes.first?.reason == "feedback:rejected")

        #expect(throws: LifecycleError.alreadyRecorded(.accepted)) { try lifecycle.applyFeedback(.accepted, to: accepted.state, at: t0) }
        #expect(throws: LifecycleError.invalidFeedback(.accepted, stage: .lead)) { try lifecycle.applyFeedback(.accepted, to: .initial, at: t0) }
        #expect(throws: LifecycleError.invalidFeedback(.accepted, stage: .sql)) {
            try lifecycle.applyFeedback(.accepted, to: LifecycleState(stage: .sql, episode: 1), at: t0)
        }
        #expect(throws: LifecycleError.invalidFeedback(.accepted, stage: .rejected)) {
            try lifecycle.applyFeedback(.accepted, to: rejected.state, at: t0)
        }
    }

    @Test func salesOwnedStagesIgnoreScores() throws {
        let mql = lifecycle.evaluate(.initial, result: result(score: 120, qualified: true), at: t0).state
        let accepted = try lifecycle.applyFeedback(.accepted, to: mql, at: t0).state
        #expect(!lifecycle.evaluate(accepted, result: result(score: 10, qualified: false), at: t0.adding(milliseconds: 90 * day)).changed)
        #expect(!lifecycle.evaluate(accepted, result: result(score: 10, qualified: false, disqualifiedBy: ["competitor"]), at: t0).changed)
    }

    @Test func rejectedLeadsRecycleAfterTheCooldown() throws {
        let mql = lifecycle.evaluate(.initial, result: result(score: 120, qualified: true), at: t0).state
        let rejected = try lifecycle.applyFeedback(.rejected, to: mql, at: t0).state
        let early = lifecycle.evaluate(rejected, result: result(score: 150, qualified: true), at: t0.adding(milliseconds: 29 * day))
        #expect(early.state.stage == .rejected && early.handoff == nil)
        let cooled = lifecycle.evaluate(rejected, result: result(score: 40, qualified: false), at: t0.adding(milliseconds: 30 * day))
        #expect(cooled.state.stage == .recycled)
        #expect(cooled.changes.map(\.reason) == ["cooldown_elapsed"])
        // Cooldown over and qualified at once: recycled, then a new episode in the same decision.
        let both = lifecycle.evaluate(rejected, result: result(score: 150, qualified: true), at: t0.adding(milliseconds: 31 * day))
        #expect(both.changes.map(\.to) == [.recycled, .mql])
        #expect(both.handoff?.episode == 2)
        // Without a cooldown in the model, rejected stays rejected.
        let strict = LeadLifecycle(thresholds: Thresholds(mql: 100))
        #expect(!strict.evaluate(rejected, result: result(score: 150, qualified: true), at: t0.adding(milliseconds: 400 * day)).changed)
    }

    @Test func disqualifiersHoldUntilTheyStopMatching() {
        let dq = lifecycle.evaluate(.initial, result: result(score: 150, qualified: false, disqualifiedBy: ["competitor"]), at: t0)
        #expect(dq.state.stage == .disqualified)
        let still = lifecycle.evaluate(dq.state, result: result(score: 150, qualified: false, disqualifiedBy: ["competitor"]), at: t0)
        #expect(!still.changed)
        let cleared = lifecycle.evaluate(dq.state, result: result(score: 150, qualified: true), at: t0)
        #expect(cleared.changes.map(\.to) == [.lead, .mql])
        #expect(cleared.changes.first?.reason == "disqualifier_cleared")
        #expect(cleared.handoff?.episode == 1)
        // An MQL found to be a competitor leaves MQL.
        let mql = lifecycle.evaluate(.initial, result: result(score: 120, qualified: true), at: t0).state
        #expect(lifecycle.evaluate(mql, result: result(score: 120, qualified: false, disqualifiedBy: ["competitor"]), at: t0).state.stage == .disqualified)
    }
}

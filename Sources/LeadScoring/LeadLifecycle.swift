/// The lifecycle rules (spec §4, §5) as pure functions: given the current state, a fresh
/// score and the time, what happens — become an MQL, recycle, disqualify, or nothing.
///
/// - `lead`/`recycled` → `mql` when the score qualifies: exactly one handoff per episode;
///   further events while `mql` change the score, never the handoff count.
/// - `mql` → `recycled` when, with no sales feedback yet, the score has decayed below
///   `thresholds.recycle` (a stale MQL).
/// - `rejected` → `recycled` once `recycle_cooldown_days` have passed since the rejection
///   (never, when the model sets no cooldown).
/// - a matching disqualifier moves `lead`, `recycled`, `mql` and `rejected` to
///   `disqualified`; when it stops matching the lead returns to `lead` (or `recycled`
///   if it was handed off before). `accepted` and `sql` belong to sales and are not
///   moved by scores.
/// - A recycled lead may qualify again in the same evaluation, starting a new episode.
public struct LeadLifecycle: Sendable {
    public let thresholds: Thresholds

    public init(thresholds: Thresholds) {
        self.thresholds = thresholds
    }

    /// Applies the rules to a new score.
    public func evaluate(_ state: LifecycleState, result: ScoreResult, at now: Timestamp) -> LifecycleDecision {
        evaluate(state, score: result.score, qualified: result.qualified, disqualifiedBy: result.disqualifiedBy, at: now)
    }

    /// Applies the rules to a score summary, which is cheaper to compute than
    /// a result with its reasons; nil when a disqualifier matches, as the
    /// decision then names its rules, which only the full result has.
    public func evaluate(_ state: LifecycleState, summary: ScoreSummary, at now: Timestamp) -> LifecycleDecision? {
        guard !summary.disqualified else { return nil }
        return evaluate(state, score: summary.score, qualified: summary.qualified, disqualifiedBy: [], at: now)
    }

    private func evaluate(_ state: LifecycleState, score: Points, qualified: Bool, disqualifiedBy: [String], at now: Timestamp) -> LifecycleDecision {
        var state = state
        var changes: [StageChange] = []
        var handoff: LifecycleDecision.Handoff?

        func move(to stage: Stage, _ cause: StageChange.Cause) {
            changes.append(StageChange(from: state.stage, to: stage, cause: cause, at: now))
            state.stage = stage
            state.changedAt = now
        }

        if !disqualifiedBy.isEmpty {
            if !state.stage.isSalesOwned, state.stage != .disqualified { move(to: .disqualified, .disqualified(rules: disqualifiedBy)) }
            return LifecycleDecision(state: state, changes: changes, handoff: nil)
        }
        if state.stage == .disqualified { move(to: state.episode > 0 ? .recycled : .lead, .disqualifierCleared) }

        switch state.stage {
        case .mql:
            if let recycle = thresholds.recycle, score < recycle { move(to: .recycled, .staleMQL) }
        case .rejected:
            if let days = thresholds.recycleCooldownDays, let rejectedAt = state.rejectedAt,
               now.milliseconds >= rejectedAt.milliseconds + Int64((days * 86_400_000).rounded()) {
                move(to: .recycled, .cooldownElapsed)
            }
        default:
            break
        }

        if (state.stage == .lead || state.stage == .recycled), qualified {
            move(to: .mql, .qualified)
            state.episode += 1
            state.qualifiedAt = now
            handoff = LifecycleDecision.Handoff(episode: state.episode, qualifiedAt: now)
        }
        return LifecycleDecision(state: state, changes: changes, handoff: handoff)
    }

    /// Applies sales feedback: `mql` → accepted/rejected/sql, `accepted` → rejected/sql; anything else is refused.
    public func applyFeedback(_ outcome: FeedbackOutcome, to state: LifecycleState, at now: Timestamp) throws(LifecycleError) -> LifecycleDecision {
        switch (state.stage, outcome) {
        case (.mql, _), (.accepted, .rejected), (.accepted, .sql):
            var next = state
            next.stage = outcome.stage
            next.changedAt = now
            if outcome == .rejected { next.rejectedAt = now }
            let change = StageChange(from: state.stage, to: outcome.stage, cause: .feedback(outcome), at: now)
            return LifecycleDecision(state: next, changes: [change], handoff: nil)
        case (.accepted, .accepted), (.sql, .sql), (.rejected, .rejected):
            throw .alreadyRecorded(outcome)
        default:
            throw .invalidFeedback(outcome, stage: state.stage)
        }
    }
}

/// Scores leads with one model: fit once per lead update, engagement one event at a time.
///
/// All functions are pure: the result depends only on (model, lead, events,
/// now). A typical service loop:
///
/// ```swift
/// var state = scorer.makeState(for: lead)        // or decode the cached one
/// try scorer.apply(event, to: &state)            // O(rules the event touches)
/// let result = try scorer.result(of: state, at: now)
/// ```
public struct LeadScorer: Sendable {
    public let model: ScoringModel

    public init(model: ScoringModel) {
        self.model = model
    }

    // MARK: State

    /// A state for a lead with no events yet.
    public func makeState(for lead: Lead) -> LeadScoreState {
        var state = LeadScoreState(model: model, fitMatches: fitMatches(for: lead))
        state.fitSummary = fitSummary(of: state.fitMatches)
        return state
    }

    /// Whether a (cached) state was built by this very model and can be used as it is.
    public func isCurrent(_ state: LeadScoreState) -> Bool {
        state.modelFingerprint == model.fingerprint && state.modelVersion == model.version
            && state.rules.count == model.engagementRules.count && state.readings.count == model.engagementRules.count
            && state.typeLatest.count == model.trackedTypes.count
            && state.fitMatches.allSatisfy { $0 >= 0 && $0 < model.fitRules.count }
    }

    /// Re-evaluates fit after the lead's fields changed; the engagement part is kept.
    public func update(_ state: inout LeadScoreState, with lead: Lead) throws(ScoringError) {
        try check(state)
        state.fitMatches = fitMatches(for: lead)
        state.fitSummary = fitSummary(of: state.fitMatches)
    }

    /// Applies one event. Returns whether any engagement rule or SLA condition took note of it.
    @discardableResult
    public func apply(_ event: EngagementEvent, to state: inout LeadScoreState) throws(ScoringError) -> Bool {
        try checkForApply(state)
        return record(event, in: &state)
    }

    /// Applies events in any order.
    public func apply(_ events: some Sequence<EngagementEvent>, to state: inout LeadScoreState) throws(ScoringError) {
        try check(state)
        record(events, in: &state)
    }

    /// The state for a lead and all its events, built from scratch (after a model change, or to verify a cached one).
    public func recompute(lead: Lead, events: some Sequence<EngagementEvent>) -> LeadScoreState {
        var state = makeState(for: lead)
        record(events, in: &state)
        return state
    }

    /// Scores a lead and its events from scratch at `now`.
    public func score(lead: Lead, events: some Sequence<EngagementEvent>, at now: Timestamp) -> ScoreResult {
        let state = recompute(lead: lead, events: events)
        var reasons: [RawContribution] = []
        return result(state, now: now, reasons: &reasons)
    }

    // MARK: Reading

    /// The numbers of the score at `now`, without the explanation (no allocation).
    public func summary(of state: LeadScoreState, at now: Timestamp) throws(ScoringError) -> ScoreSummary {
        try check(state)
        var unused: [RawContribution] = []
        return evaluate(state, now: now, reasons: &unused, explain: false)
    }

    /// The full score at `now`, with per-rule reasons.
    public func result(of state: LeadScoreState, at now: Timestamp) throws(ScoringError) -> ScoreResult {
        try checkForExplanation(state)
        var reasons: [RawContribution] = []
        return result(state, now: now, reasons: &reasons)
    }

    /// The SLA of a lead qualifying at `qualifiedAt` with this result, or `nil` when the model has no SLA or no tier applies.
    public func sla(for state: LeadScoreState, result: ScoreResult, qualifiedAt: Timestamp) -> SLAAssignment? {
        guard let policy = model.sla else { return nil }
        return policy.assign(score: result.score, grade: result.grade, hasEventOfType: { hasEvent(ofType: $0, in: state) },
                             qualifiedAt: qualifiedAt)
    }

    /// Whether the state has seen an event of a type named by an SLA tier's `any_event`.
    public func hasEvent(ofType type: String, in state: LeadScoreState) -> Bool {
        guard let slot = model.dispatch[type.lowercased()]?.trackedSlot, slot >= 0, slot < state.typeLatest.count else { return false }
        return state.typeLatest[slot] != nil
    }

    /// The lifecycle rules of this model's thresholds.
    public var lifecycle: LeadLifecycle { LeadLifecycle(thresholds: model.thresholds) }

    // MARK: Internals

    /// What applying needs: inline fields and the one array header the event path reads anyway.
    @inline(__always)
    private func checkForApply(_ state: LeadScoreState) throws(ScoringError) {
        guard state.modelFingerprint == model.fingerprint, state.modelVersion == model.version else {
            throw .modelMismatch(stateVersion: state.modelVersion, modelVersion: model.version)
        }
        guard state.rules.count == model.traits.count, state.readings.count == model.traits.count else { throw .malformedState }
    }

    /// What reading needs: the apply check plus the fit matches, which scoring reads anyway.
    @inline(__always)
    private func check(_ state: LeadScoreState) throws(ScoringError) {
        try checkForApply(state)
        // fitMatches is kept sorted, so its ends bound every index; when the inline summary is
        // present the hot path never indexes with it, so the array need not be touched.
        guard state.fitSummary != nil
            || ((state.fitMatches.first ?? 0) >= 0 && state.fitMatches.last.map({ $0 < model.fitRules.count }) ?? true)
        else { throw .malformedState }
    }

    /// The check before an explanation, which does index fit rules by `fitMatches`.
    private func checkForExplanation(_ state: LeadScoreState) throws(ScoringError) {
        try checkForApply(state)
        guard (state.fitMatches.first ?? 0) >= 0, state.fitMatches.last.map({ $0 < model.fitRules.count }) ?? true else {
            throw .malformedState
        }
    }

    private func fitSummary(of matches: [Int]) -> FitSummary {
        FitSummary(cents: matches.reduce(0) { $0 + model.fitRules[$1].points.cents },
                   disqualified: matches.contains { model.fitRules[$0].disqualifies })
    }

    private func fitMatches(for lead: Lead) -> [Int] {
        model.fitRules.indices.filter { model.fitRules[$0].matches(lead, freeMailDomains: model.freeMailDomains) }
    }

    private func record(_ events: some Sequence<EngagementEvent>, in state: inout LeadScoreState) {
        // Arrays are walked in place; other sequences copy each event out.
        let walked: Void? = events.withContiguousStorageIfAvailable { buffer in
            for i in buffer.indices { record(buffer[i], in: &state) }
        }
        if walked == nil {
            for event in events { record(event, in: &state) }
        }
    }

    @discardableResult
    private func record(_ event: EngagementEvent, in state: inout LeadScoreState) -> Bool {
        let t = event.occurredAt.milliseconds
        state.eventCount += 1
        if state.lastEventAt == nil || t > state.lastEventAt!.milliseconds { state.lastEventAt = event.occurredAt }
        guard let dispatch = model.dispatch.lookup(key: event.typeKey, type: event.type) else { return false }
        var touched = false
        if dispatch.trackedSlot >= 0, dispatch.trackedSlot < state.typeLatest.count {
            if state.typeLatest[dispatch.trackedSlot].map({ t > $0 }) ?? true { state.typeLatest[dispatch.trackedSlot] = t }
            touched = true
        }
        let clock = model.clock
        // Everything below is read in place through buffer pointers: copying a rule or an event
        // would retain its strings and arrays on every event.
        model.globBytes.withUnsafeBufferPointer { globs in
            for position in dispatch.start..<(dispatch.start + dispatch.count) {
                let index = model.dispatchRules[position]
                let traits = model.traits[index]
                if traits.globStart >= 0 {
                    let pattern = UnsafeBufferPointer(rebasing: globs[traits.globStart..<(traits.globStart + traits.globLength)])
                    guard PathGlob.matches(pattern: pattern, literal: traits.globIsLiteral, path: event.path) else { continue }
                }
                if traits.hasProperties, !model.engagementRules[index].properties.allSatisfy({ $0.holds(for: event) }) { continue }
                state.rules[index].record(t, rule: traits, clock: clock)
                state.readings[index] = state.rules[index].reading
                touched = true
            }
        }
        return touched
    }

    private func result(_ state: LeadScoreState, now: Timestamp, reasons: inout [RawContribution]) -> ScoreResult {
        reasons.reserveCapacity(state.fitMatches.count + model.traits.count)
        let summary = evaluate(state, now: now, reasons: &reasons, explain: true)
        // Largest magnitude first, model order among equals: a stable insertion sort of plain values
        // (sorting named contributions would retain and release every name it moves).
        reasons.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices.dropFirst() {
                let item = buffer[i]
                var j = i
                while j > 0, buffer[j - 1].cents.magnitude < item.cents.magnitude {
                    buffer[j] = buffer[j - 1]
                    j -= 1
                }
                buffer[j] = item
            }
        }
        let named = reasons.map { raw in
            Contribution(rule: raw.rule < 0 ? model.fitRules[-raw.rule - 1].name : model.engagementRules[raw.rule].name,
                         points: Points(cents: raw.cents))
        }
        let thresholds = model.thresholds
        var unmet: [QualificationGap] = []
        if summary.score < thresholds.mql { unmet.append(.score) }
        if let minFit = thresholds.minFit, summary.fitScore < minFit { unmet.append(.fit) }
        if summary.signals < thresholds.minSignals { unmet.append(.signals) }
        if summary.disqualified { unmet.append(.disqualified) }
        let disqualifiedBy = state.fitMatches.filter { model.fitRules[$0].disqualifies }.map { model.fitRules[$0].name }
        return ScoreResult(score: summary.score, fitScore: summary.fitScore, engagementScore: summary.engagementScore,
                           grade: summary.grade, qualified: summary.qualified, disqualifiedBy: disqualifiedBy,
                           signals: summary.signals, unmet: unmet, reasons: named, modelVersion: model.version, scoredAt: now)
    }

    /// The one place scores are computed, so the summary and the full result can never disagree.
    private func evaluate(_ state: LeadScoreState, now: Timestamp, reasons: inout [RawContribution], explain: Bool) -> ScoreSummary {
        // The inline fit summary spares the hot path a read of the fit-match array.
        let fitTotals = state.fitSummary ?? fitSummary(of: state.fitMatches)
        let fit = fitTotals.cents
        let disqualified = fitTotals.disqualified
        if explain {
            for index in state.fitMatches where model.fitRules[index].points != .zero {
                reasons.append(RawContribution(rule: -index - 1, cents: model.fitRules[index].points.cents))
            }
        }

        var engagement: Int64 = 0
        var signals = 0
        let readAt = max(now.milliseconds, state.lastEventAt?.milliseconds ?? now.milliseconds)
        let (readingPeriod, factor) = model.clock.reading(at: readAt)
        state.readings.withUnsafeBufferPointer { readings in
        for index in model.traits.indices where !readings[index].isEmpty {
            let traits = model.traits[index]
            var cents = readings[index].cents(readingPeriod: readingPeriod, factor: factor)
            if traits.capCents > 0 {
                let limit = Double(traits.capCents)
                cents = min(limit, max(-limit, cents))
            }
            let rounded = Points.wholeCents(cents)
            guard rounded != 0 else { continue }
            engagement = LeadScorer.saturatingSum(engagement, rounded)
            if rounded > 0 { signals += 1 }
            if explain { reasons.append(RawContribution(rule: index, cents: rounded)) }
        }
        }

        let fitPoints = Points(cents: fit), engagementPoints = Points(cents: engagement)
        let score = Points(cents: LeadScorer.saturatingSum(fit, engagement))
        let thresholds = model.thresholds
        let qualified = !disqualified && score >= thresholds.mql && (thresholds.minFit.map { fitPoints >= $0 } ?? true)
            && signals >= thresholds.minSignals
        return ScoreSummary(score: score, fitScore: fitPoints, engagementScore: engagementPoints,
                            grade: model.grades.grade(fit: fitPoints, engagement: engagementPoints),
                            signals: signals, disqualified: disqualified, qualified: qualified)
    }
}

extension LeadScorer {
    /// `a + b`, clamped to the Int64 range: real scores are far inside it, and a corrupt state must not trap.
    @inline(__always)
    static func saturatingSum(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? Int64.max : Int64.min) : sum
    }
}

/// A contribution before it gets its rule's name: fit rule `i` is `-(i + 1)`, engagement rule `i` is `i`.
struct RawContribution {
    let rule: Int
    let cents: Int64
}

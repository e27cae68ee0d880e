import Foundation
import LeadScoring

/// The write side of the store. It lives on the writer thread only: every
/// method runs inside a `GroupCommitWriter` job, so reads of the cache and
/// the database here never race with another write.
///
/// Per-lead scoring state is cached in memory (the hot path of ingestion);
/// the database stays the truth: the cache only ever holds what the current
/// transaction or an earlier committed one wrote, and a failed commit
/// empties it.
final class LeadLedger {
    /// What a job knows about one lead while it works on it.
    struct WorkingLead {
        var id: String
        /// The lead's integer key, which its events carry.
        var key: Int64
        var lead: Lead
        var state: LeadScoreState
        var lifecycle: LifecycleState
        var createdAt: Timestamp
        var updatedAt: Timestamp
        var isNew: Bool
        /// The profile changed since it was last written (events never change it).
        var profileChanged = false
    }

    struct Effects: Sendable {
        var handoffs = 0
        var breaches = 0
        var outboxMessages = 0
    }

    let db: SQLiteConnection
    private(set) var scorer: LeadScorer {
        didSet { fingerprint = scorer.model.fingerprintHex }
    }
    /// The model's fingerprint as stored with every lead row, made once per model.
    private var fingerprint: String
    /// Event type → the webhook endpoints subscribed to it.
    var subscriptions: [String: [String]] = [:]
    private var cache: [String: WorkingLead] = [:]
    private var idByEmail: [String: String] = [:]
    private let cacheLimit: Int
    /// The last lead key handed out; only this writer assigns keys.
    private var lastKey: Int64?
    private(set) var effects = Effects()

    init(db: SQLiteConnection, scorer: LeadScorer, cacheLimit: Int = 200_000) {
        self.db = db
        self.scorer = scorer
        fingerprint = scorer.model.fingerprintHex
        self.cacheLimit = cacheLimit
    }

    /// Called when a commit failed: the cache may hold writes that never landed.
    func forgetCache() {
        cache.removeAll()
        idByEmail.removeAll()
    }

    /// Runs one writer job: its value and what it produced. A job that
    /// fails is rolled back to its savepoint, so whatever it put in the cache
    /// may describe writes that never happened: the cache is dropped.
    func job<T>(_ work: () throws -> T) throws -> (T, Effects) {
        effects = Effects()
        do {
            let value = try work()
            defer { effects = Effects() }
            return (value, effects)
        } catch {
            forgetCache()
            effects = Effects()
            throw error
        }
    }

    // MARK: Leads

    /// Creates or updates a lead by e-mail; fields present in `update` replace stored ones.
    func upsert(_ update: Lead, now: Timestamp) throws -> (LeadRecord, created: Bool) {
        var working: WorkingLead
        if let existing = try load(email: update.email) {
            working = existing
            working.lead = Self.merge(existing.lead, with: update)
            working.profileChanged = working.lead != existing.lead
        } else {
            working = try makeLead(update, now: now)
        }
        try scorer.update(&working.state, with: working.lead)
        let created = working.isNew
        let record = try settle(&working, now: now)
        remember(working)
        return (record, created)
    }

    /// Stores events and rescores the leads they touch; one outcome per event, in order.
    func ingest(_ events: [PreparedEvent], now: Timestamp) throws -> [EventOutcome] {
        var outcomes: [EventOutcome] = []
        outcomes.reserveCapacity(events.count)
        // The leads this job works on, taken out of the cache and mutated in
        // place, so no state is shared and copied on write; they go back at the end.
        var leads: [WorkingLead] = []
        var slots: [String: Int] = [:]
        var settles: [Bool] = []
        func add(_ working: WorkingLead) -> Int {
            if let slot = slots[working.id] { return slot }
            leads.append(working)
            settles.append(false)
            slots[working.id] = leads.count - 1
            return leads.count - 1
        }
        let insert = try db.statement(
            "INSERT INTO events (event_id, lead_key, type, occurred_at, received_at, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING"
        )
        for index in events.indices {
            let slot: Int
            if let leadID = events[index].event.leadId {
                if let known = slots[leadID] {
                    slot = known
                } else if let stored = try take(id: leadID) {
                    slot = add(stored)
                } else {
                    outcomes.append(.rejected(ValidationIssue(pointer: "/\(index)/lead_id", detail: "no lead with id \(leadID)")))
                    continue
                }
            } else if let email = events[index].event.email {
                if let id = idByEmail[email], let known = slots[id] {
                    slot = known
                } else if let stored = try take(email: email) {
                    slot = add(stored)
                    idByEmail[email] = stored.id
                } else {
                    // An event for an unknown e-mail creates a bare lead (spec §4).
                    var working = try makeLead(Lead(email: email), now: now)
                    try scorer.update(&working.state, with: working.lead)
                    slot = add(working)
                    idByEmail[email] = working.id
                }
            } else {
                outcomes.append(.rejected(ValidationIssue(pointer: "/\(index)/email", detail: "either email or lead_id is required")))
                continue
            }
            if leads[slot].isNew {
                // The lead row must exist before its events reference it; a new lead is settled even if all its events were duplicates.
                try insertLeadRow(leads[slot], now: now)
                leads[slot].isNew = false
                settles[slot] = true
            }
            let eventID = events[index].event.eventId!
            try insert.bind(
                .text(eventID), .integer(leads[slot].key), .text(events[index].event.type), .integer(events[index].event.occurredAt.milliseconds),
                .integer(now.milliseconds), .blob(events[index].document)
            ).run()
            if db.changes == 0 {
                outcomes.append(.duplicate(eventID: eventID))
                continue
            }
            _ = try scorer.apply(events[index].event, to: &leads[slot].state)
            settles[slot] = true
            outcomes.append(.accepted(eventID: eventID, leadID: leads[slot].id))
        }
        for slot in leads.indices {
            if settles[slot] { _ = try settle(&leads[slot], now: now) }
            remember(leads[slot])
        }
        return outcomes
    }

    /// Erases a lead with its events, handoffs and undelivered messages.
    func delete(id: String) throws -> Bool {
        guard let working = try load(id: id) else { return false }
        try db.statement("DELETE FROM outbox WHERE handoff_id IN (SELECT id FROM handoffs WHERE lead_id = ?)").bind(.text(id)).run()
        try db.statement("DELETE FROM leads WHERE id = ?").bind(.text(id)).run()
        cache.removeValue(forKey: id)
        idByEmail.removeValue(forKey: working.lead.email)
        return true
    }

    // MARK: Handoffs

    /// Records sales feedback on a handoff and moves the lead's stage.
    func feedback(handoffID: String, outcome: FeedbackOutcome, reason: String?, owner: String?, now: Timestamp) throws -> HandoffRecord {
        guard var handoff = try HandoffRows.load(db, id: handoffID) else { throw StoreError.notFound("handoff \(handoffID)") }
        guard var working = try load(id: handoff.leadID) else { throw StoreError.notFound("lead \(handoff.leadID)") }
        guard handoff.episode == working.lifecycle.episode else {
            throw StoreError.conflict("handoff \(handoffID) belongs to an earlier qualification episode; the lead has since been recycled")
        }
        let decision: LifecycleDecision
        do {
            decision = try scorer.lifecycle.applyFeedback(outcome, to: working.lifecycle, at: now)
        } catch {
            throw StoreError.conflict(error.description)
        }
        handoff.feedback.append(HandoffRecord.Feedback(outcome: outcome, reason: reason, owner: owner, at: now))
        try HandoffRows.update(db, handoff)
        try recordChanges(decision.changes, leadID: working.id)
        let stageChanged = decision.state.stage != working.lifecycle.stage
        working.lifecycle = decision.state
        try updateLeadRow(working, score: try scorer.summary(of: working.state, at: now).score, stageChanged: stageChanged, now: now)
        remember(working)
        try enqueue(type: "handoff.feedback", handoff: handoff, now: now)
        return handoff
    }

    /// Marks open handoffs whose deadline passed without feedback as breached.
    func markBreaches(now: Timestamp, limit: Int = 500) throws -> [HandoffRecord] {
        let due = try db.statement(
            "SELECT id FROM handoffs WHERE outcome = 'open' AND breached_at IS NULL AND due_at IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT ?"
        ).bind(.integer(now.milliseconds), .int(limit))
        var ids: [String] = []
        while try due.step() { ids.append(due.string(0) ?? "") }
        var breached: [HandoffRecord] = []
        for id in ids {
            guard var handoff = try HandoffRows.load(db, id: id), let due = handoff.sla?.dueAt else { continue }
            // The breach happened at the deadline, even if it is noticed later (after a restart).
            handoff.breachedAt = due
            try HandoffRows.update(db, handoff)
            try enqueue(type: "handoff.sla_breached", handoff: handoff, now: now)
            effects.breaches += 1
            breached.append(handoff)
        }
        return breached
    }

    // MARK: Model changes and time

    /// Switches to another model; cached states belong to the old one.
    func replaceScorer(_ scorer: LeadScorer) {
        self.scorer = scorer
        forgetCache()
    }

    /// Re-applies the lifecycle rules to these leads at `now`: after a model
    /// change (their states are rebuilt from their events, since `load`
    /// refuses states of another model) or as time passes (decay makes MQLs
    /// stale; rejected leads finish their cooldown). Leads that newly
    /// qualify get handoffs, through the same path as ingestion.
    /// With `stages`, only leads still in one of them are touched.
    func reevaluate(ids: [String], inStages stages: Set<Stage>?, now: Timestamp) throws -> Int {
        var changed = 0
        for id in ids {
            guard var working = try load(id: id) else { continue }
            if let stages, !stages.contains(working.lifecycle.stage) { continue }
            let before = working.lifecycle
            _ = try settle(&working, now: now)
            remember(working)
            if working.lifecycle != before { changed += 1 }
        }
        return changed
    }

    // MARK: Internals

    private func makeLead(_ lead: Lead, now: Timestamp) throws -> WorkingLead {
        WorkingLead(
            id: Identifier.make("ld_", at: now.milliseconds), key: try nextKey(), lead: lead, state: scorer.makeState(for: lead),
            lifecycle: .initial, createdAt: now, updatedAt: now, isNew: true
        )
    }

    /// A key no lead row has had. Keys of rolled-back leads are not reused,
    /// which is harmless: they only need to be unique.
    private func nextKey() throws -> Int64 {
        if lastKey == nil {
            let query = try db.statement("SELECT COALESCE(MAX(key), 0) FROM leads")
            lastKey = try query.step() ? query.int(0) : 0
        }
        lastKey! += 1
        return lastKey!
    }

    /// Scores the lead now, applies the lifecycle rules, writes the handoff
    /// and outbox rows when it qualifies, and persists the lead.
    private func settle(_ working: inout WorkingLead, now: Timestamp) throws -> LeadRecord {
        let result = try scorer.result(of: working.state, at: now)
        let stageBefore = working.lifecycle.stage
        let decision = scorer.lifecycle.evaluate(working.lifecycle, result: result, at: now)
        if decision.changed {
            try recordChanges(decision.changes, leadID: working.id)
            working.lifecycle = decision.state
        }
        if let trigger = decision.handoff {
            let handoff = HandoffRecord(
                id: Identifier.make("ho_", at: now.milliseconds), leadID: working.id, email: working.lead.email,
                episode: trigger.episode, score: result.score, fitScore: result.fitScore, engagementScore: result.engagementScore,
                grade: result.grade.description, reasons: result.reasons, modelVersion: result.modelVersion,
                qualifiedAt: trigger.qualifiedAt,
                sla: scorer.sla(for: working.state, result: result, qualifiedAt: trigger.qualifiedAt),
                feedback: [], breachedAt: nil, createdAt: now
            )
            // UNIQUE(lead_id, episode) makes a second handoff for one episode impossible.
            try HandoffRows.insert(db, handoff)
            try enqueue(type: "handoff.created", handoff: handoff, now: now)
            effects.handoffs += 1
        }
        working.updatedAt = now
        if working.isNew {
            try insertLeadRow(working, now: now)
        }
        try updateLeadRow(working, score: result.score, stageChanged: working.lifecycle.stage != stageBefore, now: now)
        working.isNew = false
        working.profileChanged = false
        return LeadRecord(
            id: working.id, lead: working.lead, lifecycle: working.lifecycle, result: result,
            createdAt: working.createdAt, updatedAt: working.updatedAt
        )
    }

    private func enqueue(type: String, handoff: HandoffRecord, now: Timestamp) throws {
        let id = Identifier.make("msg_", at: now.milliseconds)
        let payload: JSONValue = .object(["type": .string(type), "timestamp": .time(now), "data": handoff.json()])
        try db.statement("INSERT INTO outbox (id, type, handoff_id, payload, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(.text(id), .text(type), .text(handoff.id), .blob(JSONWriter.bytes(payload)), .integer(now.milliseconds)).run()
        // One delivery per subscribed endpoint, due at once, in the same transaction as the cause.
        for endpoint in subscriptions[type] ?? [] {
            try db.statement("INSERT INTO deliveries (message_id, handoff_id, endpoint, next_attempt_at) VALUES (?, ?, ?, ?)")
                .bind(.text(id), .text(handoff.id), .text(endpoint), .integer(now.milliseconds)).run()
        }
        effects.outboxMessages += 1
    }

    private func recordChanges(_ changes: [StageChange], leadID: String) throws {
        let insert = try db.statement("INSERT INTO stage_changes (lead_id, from_stage, to_stage, reason, at) VALUES (?, ?, ?, ?, ?)")
        for change in changes {
            try insert.bind(.text(leadID), .text(change.from.rawValue), .text(change.to.rawValue), .text(change.reason), .integer(change.at.milliseconds)).run()
        }
    }

    private func insertLeadRow(_ working: WorkingLead, now: Timestamp) throws {
        try db.statement("""
            INSERT INTO leads (id, key, email, profile, stage, lifecycle, score, score_state, model_fingerprint, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, '{}', 0, NULL, '', ?, ?) ON CONFLICT(id) DO NOTHING
            """).bind(
                .text(working.id), .integer(working.key), .text(working.lead.email), .blob(JSONWriter.bytes(working.lead.jsonValue)),
                .text(working.lifecycle.stage.rawValue), .integer(working.createdAt.milliseconds), .integer(now.milliseconds)
            ).run()
    }

    /// Writes the lead's row. The stage is set only when it changed: SQLite
    /// rewrites the entry of every index whose column is assigned, even to
    /// the same value, and `leads_stage` would cost two B-tree updates per event.
    private func updateLeadRow(_ working: WorkingLead, score: Points, stageChanged: Bool, now: Timestamp) throws {
        var values: [SQLiteValue] = [
            .blob(StoredJSON.encodeLifecycle(working.lifecycle)), .real(score.value),
            .blob(try StoredJSON.encodeState(working.state)), .text(fingerprint), .integer(now.milliseconds),
        ]
        let profile = working.profileChanged ? ", profile = ?" : ""
        if working.profileChanged { values.append(.blob(JSONWriter.bytes(working.lead.jsonValue))) }
        let stage = stageChanged ? ", stage = ?" : ""
        if stageChanged { values.append(.text(working.lifecycle.stage.rawValue)) }
        values.append(.text(working.id))
        try db.statement("""
            UPDATE leads SET lifecycle = ?, score = ?, score_state = ?, model_fingerprint = ?, updated_at = ?\(profile)\(stage)
            WHERE id = ?
            """).bind(values).run()
    }

    private func remember(_ working: WorkingLead) {
        if cache.count >= cacheLimit {
            // Crude but bounded: drop everything; the store rebuilds entries on demand.
            forgetCache()
        }
        var entry = working
        entry.isNew = false
        cache[working.id] = entry
        idByEmail[working.lead.email] = working.id
    }

    /// `load`, but a cached lead leaves the cache, so the caller holds its state alone.
    private func take(email: String) throws -> WorkingLead? {
        if let id = idByEmail[email], let cached = cache.removeValue(forKey: id) { return cached }
        return try loadRow(where: "email = ?", .text(email))
    }

    private func take(id: String) throws -> WorkingLead? {
        if let cached = cache.removeValue(forKey: id) { return cached }
        return try loadRow(where: "id = ?", .text(id))
    }

    private func load(email: String) throws -> WorkingLead? {
        if let id = idByEmail[email], let cached = cache[id] { return cached }
        return try loadRow(where: "email = ?", .text(email))
    }

    private func load(id: String) throws -> WorkingLead? {
        if let cached = cache[id] { return cached }
        return try loadRow(where: "id = ?", .text(id))
    }

    /// Reads a lead; its scoring state is rebuilt from its events when it was made by another model.
    private func loadRow(where condition: String, _ value: SQLiteValue) throws -> WorkingLead? {
        let query = try db.statement(
            "SELECT id, profile, lifecycle, score_state, model_fingerprint, created_at, updated_at, key FROM leads WHERE \(condition)"
        ).bind(value)
        guard try query.step() else { return nil }
        let id = query.string(0) ?? ""
        let lead = try StoredJSON.decodeLead(query.blob(1))
        let lifecycle = StoredJSON.decodeLifecycle(query.blob(2))
        var state = StoredJSON.decodeState(query.blob(3))
        let createdAt = Timestamp(milliseconds: query.int(5))
        let updatedAt = Timestamp(milliseconds: query.int(6))
        let key = query.int(7)
        if state == nil || !scorer.isCurrent(state!) {
            state = scorer.recompute(lead: lead, events: try Self.storedEvents(db, leadKey: key))
        }
        let working = WorkingLead(id: id, key: key, lead: lead, state: state!, lifecycle: lifecycle, createdAt: createdAt, updatedAt: updatedAt, isNew: false)
        return working
    }

    static func storedEvents(_ db: SQLiteConnection, leadKey: Int64) throws -> [EngagementEvent] {
        let query = try db.statement("SELECT body FROM events WHERE lead_key = ?").bind(.integer(leadKey))
        var events: [EngagementEvent] = []
        while try query.step() { events.append(try StoredJSON.decodeEvent(query.blob(0))) }
        return events
    }

    static func merge(_ old: Lead, with new: Lead) -> Lead {
        var merged = old
        merged.externalId = new.externalId ?? old.externalId
        merged.firstName = new.firstName ?? old.firstName
        merged.lastName = new.lastName ?? old.lastName
        merged.jobTitle = new.jobTitle ?? old.jobTitle
        merged.company = new.company ?? old.company
        merged.companyDomain = new.companyDomain ?? old.companyDomain
        merged.companySize = new.companySize ?? old.companySize
        merged.industry = new.industry ?? old.industry
        merged.country = new.country ?? old.country
        if !new.techStack.isEmpty { merged.techStack = new.techStack }
        merged.source = new.source ?? old.source
        merged.utm.merge(new.utm) { $1 }
        merged.attributes.merge(new.attributes) { $1 }
        return merged
    }
}

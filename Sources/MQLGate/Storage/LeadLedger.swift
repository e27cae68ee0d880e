import Foundation
import LeadScoring
import Synchronization

/// The write side of the store. It lives on the writer thread only: every
/// method runs inside a `GroupCommitWriter` job, so reads of the cache and
/// the database here never race with another write.
///
/// Per-lead scoring state is cached in memory (the hot path of ingestion);
/// the database stays the truth: the cache only ever holds what the current
/// transaction or an earlier committed one wrote, and a failed commit
/// empties it.
///
/// A lead's row is rewritten behind, not with every event: when an event
/// changes only the score (no stage, no handoff, no profile), the event
/// row is written at once and the lead's row within a second, in bulk
/// (`flushLaggingRows`), so a lead that gets many events in a fraction of
/// a second costs one row update instead of one each. The events table
/// stays the complete truth: every row records the last event its state
/// includes (`state_seq`), `ledger_watermark` the event up to which every
/// row is current, and a start replays the events after it
/// (`recoverLaggingRows`). Readers apply a lagging row's newer events to
/// its state themselves (`LaggingRows` names them). Anything but a
/// score-only change writes the row in the same transaction as its cause,
/// as before.
///
/// The per-lead index of events (`lead_events`) goes with the row: writing
/// a row adds the entries of the events its state took in since it was
/// last written, so `lead_events` holds a lead's events up to its row's
/// `state_seq`, and the events after it are the lead's `PendingEvents`
/// (replayed at start like its state).
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
        /// The last event the state includes.
        var stateSeq: Int64 = 0
        /// The first event the lead's row does not include yet.
        var rowLagsFrom: Int64?
        /// The lag since `rowLagsFrom` is registered in `lagging` (until the row is written).
        var lagRegistered = false
        /// The events after the row's `state_seq`, not in `lead_events` yet.
        var pending: PendingEvents?
        /// The score as of the last settle, for a row written behind.
        var settledScore = Points(cents: 0)
        /// The row holds only what an event needed to reference it (no state, no score) until it is first written.
        var rowIsPlaceholder = false
    }

    /// A cached lead. Jobs change it in place: there is one copy of its
    /// state, so an event never copies the state's arrays on write, and
    /// the cache keeps its entry instead of giving it up and taking it back.
    final class CachedLead {
        var working: WorkingLead
        init(_ working: WorkingLead) { self.working = working }
    }

    /// A lead whose row lags its state, since which event and when.
    private struct Lag {
        let id: String
        let firstSeq: Int64
        let since: ContinuousClock.Instant
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
    private var cache: [String: CachedLead] = [:]
    private var idByEmail: [String: String] = [:]
    private let cacheLimit: Int
    /// The last lead key handed out; only this writer assigns keys.
    private var lastKey: Int64?
    /// The last event sequence number handed out. The ledger numbers events
    /// itself, so numbers are never reused, not even after the newest
    /// events were deleted with their lead: the watermark relies on that.
    private var lastSeq: Int64 = 0
    private(set) var effects = Effects()
    /// Set by anything a job does that a rollback could leave half done.
    private var disturbed = false

    /// What readers see of rows written behind.
    let laggingRows: LaggingRows
    /// How long a row may lag before it is written.
    let rowFlushDelay: Duration
    /// Beyond this many lagging rows, rows are written with their events
    /// again, which bounds memory and the replay at start.
    let maxLaggingRows: Int
    /// Rows written behind per commit while none is overdue. Few: leads
    /// that began to lag together (a burst of events, the first second
    /// under load) come due together, and a commit that wrote them all
    /// at once stalled every request behind it; spread over the next
    /// commits, they stay spread, as each starts to lag again when written.
    let maxRowsPerFlush: Int
    /// Rows lagging twice `rowFlushDelay` are overdue: they are written up to
    /// this many per commit, so a store with few commits still catches up.
    let maxOverdueRowsPerFlush: Int
    /// Index entries written behind per commit (`lead_events`, with their
    /// rows), or eight times as many once a row is overdue; a commit writes
    /// at least one row. A row brings the entries of every event it took
    /// in since it was last written, and a lead that got a thousand events
    /// a second brings a thousand: by rows alone, one commit could take
    /// all of them at once.
    let maxEntriesPerFlush: Int
    private var lagging: [String: Lag] = [:]
    /// `lagging` in the order rows began to lag (stale entries are skipped).
    private var lagQueue: [Lag] = []
    private var lagQueueHead = 0
    /// The watermark as this transaction last wrote it.
    private var flushedSeq: Int64 = 0
    /// The watermark is written at most this often, and at a clean stop: a
    /// stale one only makes a start replay a few more events (those its rows
    /// include already are skipped), while writing it with every commit put
    /// one more page into every commit's WAL frames.
    let watermarkInterval: Duration
    private var watermarkWrittenAt: ContinuousClock.Instant?
    /// The lagging states were dropped (a failed commit): the next job first
    /// rebuilds them from the events, and no watermark is written meanwhile.
    private var needsRecovery = false
    /// Changes to `laggingRows` made by the open transaction, in order (a
    /// lead's later change overrides its earlier), applied once it commits.
    private var stagedLags: [(id: String, entry: LaggingRows.Entry?)] = []
    private var replaceLags = false
    /// For other threads: how many rows lag (the store's idle flush reads it).
    let laggingCount = Atomic<Int>(0)

    init(
        db: SQLiteConnection, scorer: LeadScorer, cacheLimit: Int = 200_000, laggingRows: LaggingRows = LaggingRows(),
        rowFlushDelay: Duration = .seconds(1), maxLaggingRows: Int = 20_000, maxRowsPerFlush: Int = 32, maxOverdueRowsPerFlush: Int = 256,
        maxEntriesPerFlush: Int = 2048,
        watermarkInterval: Duration = .milliseconds(250)
    ) {
        self.db = db
        self.scorer = scorer
        fingerprint = scorer.model.fingerprintHex
        self.cacheLimit = cacheLimit
        self.laggingRows = laggingRows
        self.rowFlushDelay = rowFlushDelay
        self.maxLaggingRows = maxLaggingRows
        self.maxRowsPerFlush = maxRowsPerFlush
        self.maxOverdueRowsPerFlush = maxOverdueRowsPerFlush
        self.maxEntriesPerFlush = maxEntriesPerFlush
        self.watermarkInterval = watermarkInterval
    }

    /// Called when a commit failed: the cache may hold writes that never
    /// landed. The lagging states go too; the next job rebuilds them from
    /// the committed events.
    func forgetCache() {
        cache.removeAll()
        idByEmail.removeAll()
        lagging.removeAll()
        lagQueue.removeAll()
        lagQueueHead = 0
        stagedLags.removeAll()
        needsRecovery = true
    }

    /// Runs one writer job: its value and what it produced. A job that
    /// fails is rolled back to its savepoint, so whatever it put in the cache
    /// may describe writes that never happened: unless it failed before
    /// touching anything, the cache is dropped.
    func job<T>(_ work: () throws -> T) throws -> (T, Effects) {
        if needsRecovery { try recoverLaggingRows() }
        effects = Effects()
        disturbed = false
        let changesBefore = db.totalChanges
        do {
            let value = try work()
            defer { effects = Effects() }
            return (value, effects)
        } catch {
            if disturbed || db.totalChanges != changesBefore { forgetCache() }
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
        let record = try settle(&working, now: now, rowMayLag: false)
        remember(working)
        return (record, created)
    }

    /// Stores events and rescores the leads they touch; one outcome per event, in order.
    func ingest(_ events: [PreparedEvent], now: Timestamp) throws -> [EventOutcome] {
        // A local copy: each use of the stored property copies the whole
        // scorer (a dozen references retained and released) to call it.
        let scorer = self.scorer
        var outcomes: [EventOutcome] = []
        outcomes.reserveCapacity(events.count)
        // The leads this job works on, changed in place (a new or loaded one
        // joins the cache at the end).
        var touched = TouchedLeads()
        let insert = try db.statement(
            "INSERT INTO events (seq, event_id, lead_key, type, occurred_at, received_at, body) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING"
        )
        for index in events.indices {
            let slot: Int
            if let leadID = events[index].event.leadId {
                if let known = touched.slot(id: leadID) {
                    slot = known
                } else if let stored = try claim(id: leadID) {
                    slot = touched.add(stored)
                } else {
                    outcomes.append(.rejected(ValidationIssue(pointer: "/\(index)/lead_id", detail: "no lead with id \(leadID)")))
                    continue
                }
            } else if let email = events[index].event.email {
                if let known = touched.slot(email: email) {
                    slot = known
                } else if let stored = try claim(email: email) {
                    slot = touched.add(stored)
                } else {
                    // An event for an unknown e-mail creates a bare lead (spec §4).
                    var working = try makeLead(Lead(email: email), now: now)
                    try scorer.update(&working.state, with: working.lead)
                    slot = touched.add(CachedLead(working))
                }
            } else {
                outcomes.append(.rejected(ValidationIssue(pointer: "/\(index)/email", detail: "either email or lead_id is required")))
                continue
            }
            let lead = touched.leads[slot].lead
            if lead.working.isNew {
                // The lead row must exist before its events reference it; a new lead is settled even if all its events were duplicates.
                try insertLeadRow(lead.working, now: now)
                lead.working.isNew = false
                lead.working.rowIsPlaceholder = true
                touched.leads[slot].settle = true
            }
            let eventID = events[index].event.eventId!
            let seq = lastSeq + 1
            let occurredAt = events[index].event.occurredAt.milliseconds
            try insert.run(binding: [
                .integer(seq), .text(eventID), .integer(lead.working.key), .text(events[index].event.type),
                .integer(occurredAt), .integer(now.milliseconds), .blob(events[index].document),
            ])
            if db.changes == 0 {
                outcomes.append(.duplicate(eventID: eventID))
                continue
            }
            lastSeq = seq
            _ = try scorer.apply(events[index].event, to: &lead.working.state)
            lead.working.stateSeq = seq
            touched.leads[slot].stored.append(EventPosition(occurredAt: occurredAt, seq: seq))
            if lead.working.rowLagsFrom == nil { lead.working.rowLagsFrom = seq }
            touched.leads[slot].settle = true
            outcomes.append(.accepted(eventID: eventID, leadID: lead.working.id))
        }
        // In the order of their first new event: rows begin to lag in event
        // order, which the watermark relies on.
        if touched.leads.count > 1 {
            touched.leads.sort { ($0.lead.working.rowLagsFrom ?? .max) < ($1.lead.working.rowLagsFrom ?? .max) }
        }
        for entry in touched.leads {
            let lead = entry.lead
            if !entry.stored.isEmpty { lead.working.pending = .appending(entry.stored, to: lead.working.pending) }
            if entry.settle { try settleEvents(&lead.working, now: now) }
            remember(lead)
        }
        return outcomes
    }

    /// The leads one ingestion job works on, found again by id or e-mail
    /// for its later events. Most jobs touch one lead (a single event): a
    /// scan of a few costs less than hashing the key, so the indexes by id
    /// and e-mail are built only for jobs that touch many.
    private struct TouchedLeads {
        struct Entry {
            let lead: CachedLead
            /// The lead took in an event or is new: settle it at the job's end.
            var settle = false
            /// The positions of the events it took in.
            var stored: [EventPosition] = []
        }

        var leads: [Entry] = []
        private var byID: [String: Int] = [:]
        private var byEmail: [String: Int] = [:]
        private static let scanned = 8

        func slot(id: String) -> Int? {
            leads.count <= Self.scanned ? leads.firstIndex { $0.lead.working.id == id } : byID[id]
        }

        func slot(email: String) -> Int? {
            leads.count <= Self.scanned ? leads.firstIndex { $0.lead.working.lead.email == email } : byEmail[email]
        }

        /// Adds a lead not touched yet; returns its slot.
        mutating func add(_ lead: CachedLead) -> Int {
            leads.append(Entry(lead: lead))
            if leads.count == Self.scanned + 1 {
                for (slot, entry) in leads.enumerated() { index(entry.lead, at: slot) }
            } else if leads.count > Self.scanned {
                index(lead, at: leads.count - 1)
            }
            return leads.count - 1
        }

        private mutating func index(_ lead: CachedLead, at slot: Int) {
            byID[lead.working.id] = slot
            byEmail[lead.working.lead.email] = slot
        }
    }

    /// Erases a lead with its events, handoffs and undelivered messages.
    func delete(id: String) throws -> Bool {
        guard let working = try load(id: id) else { return false }
        try db.statement("DELETE FROM outbox WHERE handoff_id IN (SELECT id FROM handoffs WHERE lead_id = ?)").bind(.text(id)).run()
        // Its events: those in the index, and those the index does not hold yet.
        try db.statement("DELETE FROM events WHERE seq IN (SELECT seq FROM lead_events WHERE lead_key = ?)").bind(.integer(working.key)).run()
        try db.statement("DELETE FROM lead_events WHERE lead_key = ?").bind(.integer(working.key)).run()
        let deleteEvent = try db.statement("DELETE FROM events WHERE seq = ?")
        for position in working.pending?.all ?? [] { try deleteEvent.bind(.integer(position.seq)).run() }
        try db.statement("DELETE FROM leads WHERE id = ?").bind(.text(id)).run()
        cache.removeValue(forKey: id)
        idByEmail.removeValue(forKey: working.lead.email)
        rowCaughtUp(id)
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
        try writeRow(&working, score: try scorer.summary(of: working.state, at: now).score, stageChanged: stageChanged, now: now)
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
    /// Lagging rows are written first, so every row is current under the old model.
    func replaceScorer(_ scorer: LeadScorer) throws {
        try flushLaggingRows(all: true)
        self.scorer = scorer
        cache.removeAll()
        idByEmail.removeAll()
    }

    /// Re-applies the lifecycle rules to these leads at `now`: after a model
    /// change (their states are rebuilt from their events, since `load`
    /// refuses states of another model) or as time passes (decay makes MQLs
    /// stale; rejected leads finish their cooldown). Leads that newly
    /// qualify get handoffs, through the same path as ingestion.
    /// With `stages`, only leads still in one of them are touched.
    /// Without `rewriteUnchanged`, a lead the rules do not move is not
    /// written at all, so its `updated_at` says when it last changed.
    func reevaluate(ids: [String], inStages stages: Set<Stage>?, rewriteUnchanged: Bool, now: Timestamp) throws -> Int {
        var changed = 0
        for id in ids {
            guard var working = try load(id: id) else { continue }
            if let stages, !stages.contains(working.lifecycle.stage) { continue }
            if !rewriteUnchanged {
                let scorer = self.scorer
                let decision = scorer.lifecycle.evaluate(working.lifecycle, result: try scorer.result(of: working.state, at: now), at: now)
                guard decision.changed || decision.handoff != nil else { continue }
            }
            let before = working.lifecycle
            _ = try settle(&working, now: now, rowMayLag: false)
            remember(working)
            if working.lifecycle != before { changed += 1 }
        }
        return changed
    }

    // MARK: Rows written behind

    /// The row lags: remember since when, and tell readers which events it lacks.
    private func markLagging(_ working: inout WorkingLead) {
        if !working.lagRegistered, let first = working.rowLagsFrom {
            let lag = Lag(id: working.id, firstSeq: first, since: .now)
            lagging[working.id] = lag
            lagQueue.append(lag)
            working.lagRegistered = true
        }
        stagedLags.append((working.id, LaggingRows.Entry(
            id: working.id, email: working.lead.email, updatedAt: working.updatedAt, stateSeq: working.stateSeq, pending: working.pending
        )))
    }

    /// The row was written (or deleted): it no longer lags. Only a lagging
    /// row can have an entry, published or staged.
    private func rowCaughtUp(_ id: String) {
        if lagging.removeValue(forKey: id) != nil { stagedLags.append((id, nil)) }
    }

    /// Writes the rows that have lagged for `rowFlushDelay` (all of them
    /// with `all`), oldest first and at most `maxRowsPerFlush` rows and
    /// about `maxEntriesPerFlush` index entries (more once overdue) unless
    /// too many lag, then the watermark. Runs inside the writer's transaction.
    func flushLaggingRows(all: Bool = false) throws {
        guard !needsRecovery else { return }
        let now = ContinuousClock.now
        let due = now - rowFlushDelay, overdue = due - rowFlushDelay
        var written = 0, entries = 0
        while let lag = oldestLag() {
            let isOverdue = lag.since <= overdue
            let allowed = isOverdue ? maxOverdueRowsPerFlush : maxRowsPerFlush
            let allowedEntries = isOverdue ? maxEntriesPerFlush * 8 : maxEntriesPerFlush
            let withinBudget = written == 0 || (written < allowed && entries < allowedEntries)
            guard all || lagging.count > maxLaggingRows || (lag.since <= due && withinBudget) else { break }
            lagQueueHead += 1
            guard let lead = cache[lag.id] else {
                // Cannot happen (lagging leads stay cached); should it, the recovery after this commit repairs the row.
                needsRecovery = true
                return
            }
            entries += lead.working.pending?.count ?? 0
            try writeRow(&lead.working, score: lead.working.settledScore, stageChanged: false, now: lead.working.updatedAt)
            written += 1
        }
        if lagQueueHead > 4096 && lagQueueHead * 2 > lagQueue.count {
            lagQueue.removeFirst(lagQueueHead)
            lagQueueHead = 0
        }
        try writeWatermark(now: now, force: all)
    }

    /// The lead that has lagged longest, after dropping the queue entries
    /// before it that no longer lag (written or deleted since).
    private func oldestLag() -> Lag? {
        while lagQueueHead < lagQueue.count {
            let lag = lagQueue[lagQueueHead]
            if lagging[lag.id]?.firstSeq == lag.firstSeq { return lag }
            lagQueueHead += 1
        }
        return nil
    }

    /// Every event up to the returned one is in its lead's row.
    private func watermark() -> Int64 {
        oldestLag().map { $0.firstSeq - 1 } ?? lastSeq
    }

    private func writeWatermark(now: ContinuousClock.Instant, force: Bool) throws {
        guard !needsRecovery else { return }
        let seq = watermark()
        guard seq != flushedSeq else { return }
        if !force, let last = watermarkWrittenAt, now - last < watermarkInterval { return }
        try db.statement("UPDATE ledger_watermark SET flushed_seq = ? WHERE id = 1").bind(.integer(seq)).run()
        flushedSeq = seq
        watermarkWrittenAt = now
    }

    /// Rebuilds the lagging states from the events after the watermark: at
    /// start, and after a failed commit dropped them. Reads only.
    func recoverLaggingRows() throws {
        forgetCache()
        let mark = try db.statement("SELECT flushed_seq FROM ledger_watermark WHERE id = 1")
        flushedSeq = try mark.step() ? mark.int(0) : 0
        let newest = try db.statement("SELECT COALESCE(MAX(seq), 0) FROM events")
        lastSeq = max(try newest.step() ? newest.int(0) : 0, flushedSeq, lastSeq)
        let events = try db.statement("SELECT seq, lead_key, body, occurred_at, event_id, type FROM events WHERE seq > ? ORDER BY seq")
            .bind(.integer(flushedSeq))
        var leads: [Int64: WorkingLead] = [:]
        var pending: [Int64: [EventPosition]] = [:]
        var order: [Int64] = []
        while try events.step() {
            let seq = events.int(0), key = events.int(1)
            if leads[key] == nil {
                guard let row = try loadRow(where: "key = ?", .integer(key)) else { continue }
                leads[key] = row
                order.append(key)
            }
            // A row may include events past the watermark (it was written later than others).
            guard seq > max(leads[key]!.stateSeq, flushedSeq) else { continue }
            let event = try StoredJSON.decodeEvent(body: events.blob(2), eventID: events.string(4) ?? "", type: events.string(5) ?? "", occurredAt: events.int(3))
            _ = try scorer.apply(event, to: &leads[key]!.state)
            leads[key]!.stateSeq = seq
            pending[key, default: []].append(EventPosition(occurredAt: events.int(3), seq: seq))
            if leads[key]!.rowLagsFrom == nil { leads[key]!.rowLagsFrom = seq }
        }
        events.reset()
        let now = Timestamp(Date())
        // In the order they began to lag, so the watermark moves as they are written.
        for key in order.sorted(by: { leads[$0]!.rowLagsFrom ?? .max < leads[$1]!.rowLagsFrom ?? .max }) {
            var working = leads[key]!
            guard working.rowLagsFrom != nil else { continue }
            working.pending = .appending(pending[key] ?? [], to: nil)
            working.settledScore = try scorer.result(of: working.state, at: now).score
            markLagging(&working)
            cache[working.id] = CachedLead(working)
            idByEmail[working.lead.email] = working.id
        }
        replaceLags = true
        needsRecovery = false
    }

    /// After a commit: what it made true, for readers. A job that failed
    /// late in the transaction may have dropped the lagging states (and what
    /// was staged for readers) of jobs that did commit: they are rebuilt from
    /// the committed events first. Should that fail (a read error), readers
    /// keep the last states published, and the store's idle timer, told
    /// rows lag, makes a commit that tries again within a quarter second.
    ///
    /// Returns the publication rather than making it: the writer hands it to
    /// the syncer, which makes it once the commit is durable and before the
    /// commit's requests are answered, so a client reads what it was told is
    /// stored while the writer, the one serial stage, goes on.
    func commitSucceeded() -> (@Sendable () -> Void)? {
        if needsRecovery {
            do {
                try recoverLaggingRows()
            } catch {
                laggingCount.store(max(1, lagging.count), ordering: .relaxed)
                return nil
            }
        }
        laggingCount.store(lagging.count, ordering: .relaxed)
        guard !stagedLags.isEmpty || replaceLags else { return nil }
        let laggingRows = self.laggingRows, changes = stagedLags, replacingAll = replaceLags
        replaceLags = false
        stagedLags = []
        return { laggingRows.apply(changes, replacingAll: replacingAll) }
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

    /// `settle` for a lead that took in events. Most events move only the
    /// score: the summary, without the per-rule reasons, tells so at about
    /// half the cost of the full result, and the row then lags; anything
    /// else goes through `settle`.
    private func settleEvents(_ working: inout WorkingLead, now: Timestamp) throws {
        if rowCanLag(working) {
            let scorer = self.scorer
            let summary = try scorer.summary(of: working.state, at: now)
            if let decision = scorer.lifecycle.evaluate(working.lifecycle, summary: summary, at: now), !decision.changed, decision.handoff == nil {
                working.updatedAt = now
                working.settledScore = summary.score
                markLagging(&working)
                return
            }
        }
        _ = try settle(&working, now: now, rowMayLag: true)
    }

    /// The lead's row may be written behind if nothing but its score changes.
    private func rowCanLag(_ working: WorkingLead) -> Bool {
        !working.isNew && !working.rowIsPlaceholder && !working.profileChanged && working.rowLagsFrom != nil
            && !needsRecovery && lagging.count < maxLaggingRows
    }

    /// Scores the lead now, applies the lifecycle rules, writes the handoff
    /// and outbox rows when it qualifies, and persists the lead: at once,
    /// unless `rowMayLag` and nothing but its score changed.
    private func settle(_ working: inout WorkingLead, now: Timestamp, rowMayLag: Bool) throws -> LeadRecord {
        let scorer = self.scorer
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
        working.settledScore = result.score
        if rowMayLag && !decision.changed && decision.handoff == nil && rowCanLag(working) {
            markLagging(&working)
        } else {
            if working.isNew {
                try insertLeadRow(working, now: now)
            }
            try writeRow(&working, score: result.score, stageChanged: working.lifecycle.stage != stageBefore, now: now)
        }
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

    /// Writes the lead's row, which then includes every event its state
    /// does. The stage is set only when it changed: SQLite rewrites the
    /// entry of every index whose column is assigned, even to the same
    /// value, and `leads_stage` would cost two B-tree updates per event.
    private func writeRow(_ working: inout WorkingLead, score: Points, stageChanged: Bool, now: Timestamp) throws {
        disturbed = true
        var values: [SQLiteValue] = [
            .blob(StoredJSON.encodeLifecycle(working.lifecycle)), .real(score.value),
            .blob(try StoredJSON.encodeState(working.state)), .text(fingerprint), .integer(now.milliseconds), .integer(working.stateSeq),
        ]
        let profile = working.profileChanged ? ", profile = ?" : ""
        if working.profileChanged { values.append(.blob(JSONWriter.bytes(working.lead.jsonValue))) }
        let stage = stageChanged ? ", stage = ?" : ""
        if stageChanged { values.append(.text(working.lifecycle.stage.rawValue)) }
        values.append(.text(working.id))
        try db.statement("""
            UPDATE leads SET lifecycle = ?, score = ?, score_state = ?, model_fingerprint = ?, updated_at = ?, state_seq = ?\(profile)\(stage)
            WHERE id = ?
            """).run(binding: values)
        if let pending = working.pending {
            try insertIndexEntries(pending.all, leadKey: working.key)
            working.pending = nil
        }
        working.rowLagsFrom = nil
        working.lagRegistered = false
        working.rowIsPlaceholder = false
        rowCaughtUp(working.id)
    }

    /// Entries per `lead_events` INSERT: one statement per row cost a
    /// fifth of the writer's time on batches, most of it the statement's
    /// own overhead rather than the B-tree's.
    private static let indexEntriesPerInsert = 32
    private static let fullIndexInsert = indexInsert(rows: indexEntriesPerInsert)

    /// An entry already there (which only a damaged file could hold) must
    /// not fail every commit that writes its row.
    private static func indexInsert(rows: Int) -> String {
        "INSERT INTO lead_events (lead_key, occurred_at, seq) VALUES "
            + repeatElement("(?, ?, ?)", count: rows).joined(separator: ", ") + " ON CONFLICT DO NOTHING"
    }

    /// Adds a lead's events to `lead_events`, in the index's order, so
    /// consecutive entries land on the same leaf.
    private func insertIndexEntries(_ positions: [EventPosition], leadKey: Int64) throws {
        var remaining = positions.sorted(by: EventPosition.newerFirst)[...]
        while !remaining.isEmpty {
            let chunk = remaining.prefix(Self.indexEntriesPerInsert)
            remaining = remaining.dropFirst(chunk.count)
            let insert = try db.statement(chunk.count == Self.indexEntriesPerInsert ? Self.fullIndexInsert : Self.indexInsert(rows: chunk.count))
            var parameter: Int32 = 1
            for position in chunk {
                insert.bind(.integer(leadKey), at: parameter)
                insert.bind(.integer(position.occurredAt), at: parameter + 1)
                insert.bind(.integer(position.seq), at: parameter + 2)
                parameter += 3
            }
            try insert.run()
        }
    }

    /// Caches what a job wrote of a lead it loaded as a value.
    private func remember(_ working: WorkingLead) {
        if let cached = cache[working.id] {
            cached.working = working
            cached.working.isNew = false
        } else {
            remember(CachedLead(working))
        }
    }

    /// Caches a lead a job changed in place; one cached already stays as it is.
    private func remember(_ lead: CachedLead) {
        lead.working.isNew = false
        let id = lead.working.id
        if cache[id] !== lead {
            if cache.count >= cacheLimit {
                // Crude but bounded: drop every lead whose row is current (the
                // store rebuilds them on demand). Lagging leads stay: only the
                // cache holds their states, and there are at most `maxLaggingRows`.
                cache = cache.filter { lagging[$0.key] != nil }
                idByEmail = idByEmail.filter { cache[$0.value] != nil }
            }
            cache[id] = lead
            // A lead's address never changes while it is cached: mapped once, as it joins.
            idByEmail[lead.working.lead.email] = id
        }
    }

    /// The lead to change in place: the cached one, or one read from its
    /// row that joins the cache when the job remembers it. Either way the
    /// cache may hold changes of a job that later fails, which drops it.
    private func claim(email: String) throws -> CachedLead? {
        disturbed = true
        if let id = idByEmail[email], let cached = cache[id] { return cached }
        return try loadRow(where: "email = ?", .text(email)).map(CachedLead.init)
    }

    private func claim(id: String) throws -> CachedLead? {
        disturbed = true
        if let cached = cache[id] { return cached }
        return try loadRow(where: "id = ?", .text(id)).map(CachedLead.init)
    }

    private func load(email: String) throws -> WorkingLead? {
        if let id = idByEmail[email], let cached = cache[id] { return cached.working }
        return try loadRow(where: "email = ?", .text(email))
    }

    private func load(id: String) throws -> WorkingLead? {
        if let cached = cache[id] { return cached.working }
        return try loadRow(where: "id = ?", .text(id))
    }

    /// Reads a lead; its scoring state is rebuilt from its events when it was made by another model.
    private func loadRow(where condition: String, _ value: SQLiteValue) throws -> WorkingLead? {
        let query = try db.statement(
            "SELECT id, profile, lifecycle, score_state, model_fingerprint, created_at, updated_at, key, state_seq FROM leads WHERE \(condition)"
        ).bind(value)
        guard try query.step() else { return nil }
        let id = query.string(0) ?? ""
        let lead = try StoredJSON.decodeLead(query.blob(1))
        let lifecycle = StoredJSON.decodeLifecycle(query.blob(2))
        var state = StoredJSON.decodeState(query.blob(3))
        let createdAt = Timestamp(milliseconds: query.int(5))
        let updatedAt = Timestamp(milliseconds: query.int(6))
        let key = query.int(7)
        let stateSeq = query.int(8)
        if state == nil || !scorer.isCurrent(state!) {
            // The events up to the row's `state_seq`: a lead out of the cache
            // has no others, except in a start's replay, which adds them.
            state = scorer.recompute(lead: lead, events: try Self.storedEvents(db, leadKey: key))
        }
        var working = WorkingLead(id: id, key: key, lead: lead, state: state!, lifecycle: lifecycle, createdAt: createdAt, updatedAt: updatedAt, isNew: false)
        working.stateSeq = stateSeq
        return working
    }

    /// The lead's events in `lead_events` (those up to its row's
    /// `state_seq`), then those of `pending` after `rowSeq`.
    static func storedEvents(_ db: SQLiteConnection, leadKey: Int64, pending: PendingEvents? = nil, rowSeq: Int64 = 0) throws -> [EngagementEvent] {
        let query = try db.statement("SELECT \(eventColumns) FROM lead_events JOIN events ON events.seq = lead_events.seq WHERE lead_events.lead_key = ?")
            .bind(.integer(leadKey))
        var events: [EngagementEvent] = []
        while try query.step() { events.append(try event(query)) }
        return events + (try pendingEvents(db, pending: pending, rowSeq: rowSeq))
    }

    /// The events of `pending` after `rowSeq`: those a lead's row does not include.
    static func pendingEvents(_ db: SQLiteConnection, pending: PendingEvents?, rowSeq: Int64) throws -> [EngagementEvent] {
        guard let positions = pending?.after(rowSeq: rowSeq), !positions.isEmpty else { return [] }
        let one = try db.statement("SELECT \(eventColumns) FROM events WHERE seq = ?")
        defer { one.reset() }
        var events: [EngagementEvent] = []
        events.reserveCapacity(positions.count)
        for position in positions {
            if try one.bind(.integer(position.seq)).step() { events.append(try event(one)) }
            one.reset()
        }
        return events
    }

    private static let eventColumns = "events.body, events.event_id, events.type, events.occurred_at"

    private static func event(_ row: SQLiteStatement) throws -> EngagementEvent {
        try StoredJSON.decodeEvent(body: row.blob(0), eventID: row.string(1) ?? "", type: row.string(2) ?? "", occurredAt: row.int(3))
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

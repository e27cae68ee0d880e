import Foundation
import LeadScoring
import Synchronization

/// The embedded store: one SQLite database in WAL mode under the data
/// directory, written by one group-committing writer thread and read
/// through a pool of connections.
public final class SQLiteLeadStore: LeadStore, @unchecked Sendable {
    public let path: String
    let writer: GroupCommitWriter
    private let syncer: WALSyncer
    private let checkpointer: WALCheckpointer
    let ledger: LeadLedger
    let readers: ReadConnectionPool
    private let currentScorer: Mutex<LeadScorer>
    private let metrics: ServiceMetrics?
    private let lock: DataDirectoryLock?
    /// Commits an empty job now and then while rows lag, so they are written
    /// even when no writes come to carry them.
    private let idleFlush: DispatchSourceTimer

    /// Opens (creating if needed) `directory/mqlgate.sqlite3` and migrates it.
    /// - Parameter subscriptions: event type → webhook endpoints that get a delivery for each such message.
    /// - Parameter exclusive: take the directory for this process alone (a
    ///   serving store must; a reader beside it, such as an export, must not).
    /// - Parameter rowFlushDelay: how long a lead's row may lag its events
    ///   after a score-only change (`LeadLedger`).
    public init(
        directory: String, scorer: LeadScorer, metrics: ServiceMetrics? = nil, subscriptions: [String: [String]] = [:],
        exclusive: Bool = true, rowFlushDelay: Duration = .seconds(1)
    ) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        lock = exclusive ? try DataDirectoryLock(directory: directory) : nil
        path = (directory as NSString).appendingPathComponent("mqlgate.sqlite3")
        let connection = try SQLiteConnection(path: path)
        // Migrations commit with SQLite's own sync (FULL); from then on the
        // WALSyncer syncs after each commit (NORMAL), and the WALCheckpointer,
        // not the writer's commits, copies the WAL back.
        try connection.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")
        try SchemaMigrations.migrate(connection, now: Timestamp(Date()).milliseconds, upgrade: exclusive)
        try connection.execute("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864; PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY")
        syncer = try WALSyncer(walPath: path + "-wal")
        checkpointer = try WALCheckpointer(path: path)
        ledger = LeadLedger(db: connection, scorer: scorer, rowFlushDelay: rowFlushDelay)
        ledger.subscriptions = subscriptions
        // Rows that lagged when the last process stopped catch up from the events.
        try ledger.recoverLaggingRows()
        ledger.commitSucceeded()?()
        writer = GroupCommitWriter(connection: connection, syncer: syncer)
        readers = ReadConnectionPool(path: path)
        currentScorer = Mutex(scorer)
        self.metrics = metrics
        let ledger = self.ledger
        writer.onCommitFailure = { ledger.forgetCache() }
        writer.beforeCommit = { _ in try ledger.flushLaggingRows() }
        writer.afterCommit = { ledger.commitSucceeded() }
        writer.onCommit = { jobs, duration in
            metrics?.commitBatchSize.record(Double(jobs))
            metrics?.commitDuration.record(duration)
        }
        syncer.onSync = { duration, _ in metrics?.walSyncDuration.record(duration) }
        checkpointer.onCheckpoint = { frames, duration in
            metrics?.walFrames.set(Int64(frames))
            metrics?.checkpointDuration.record(duration)
        }
        checkpointer.onRestart = { duration in
            metrics?.walFrames.set(Int64(0))
            metrics?.walRestartDuration.record(duration)
        }
        let checkpointer = self.checkpointer
        checkpointer.watch(connection)
        writer.betweenCommits = { connection in checkpointer.restartIfDue(on: connection) }
        syncer.start()
        checkpointer.start()
        writer.start()
        idleFlush = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "mqlgate.row-flush"))
        let writer = self.writer, delay = ledger.rowFlushDelay
        // A quarter of the delay, so an idle store's rows lag at most a quarter longer than a busy one's.
        let tick = max(10, delay.milliseconds / 4)
        idleFlush.schedule(deadline: .now() + .milliseconds(tick), repeating: .milliseconds(tick))
        idleFlush.setEventHandler { [exclusive] in
            // A reader beside the serving process never writes; its lagging states only serve its reads.
            guard exclusive, ledger.laggingCount.load(ordering: .relaxed) > 0 else { return }
            writer.submit({ _ in }, completion: { _ in })
        }
        idleFlush.resume()
    }

    public var scorer: LeadScorer { currentScorer.withLock { $0 } }

    /// The scorer reads use; writes switch through the ledger.
    func replaceScorer(_ scorer: LeadScorer) { currentScorer.withLock { $0 = scorer } }

    /// Called after a commit that wrote outbox messages (to wake delivery). Set before use.
    nonisolated(unsafe) var onOutboxMessages: (@Sendable () -> Void)?

    /// Finishes queued writes and their syncs, then stops checkpointing.
    public func close() {
        idleFlush.cancel()
        // Every lagging row is written before the last commit, so a clean stop leaves nothing to replay.
        if lock != nil { _ = try? write { ledger in try ledger.flushLaggingRows(all: true) } }
        writer.stop()
        checkpointer.unwatch(ledger.db)
        syncer.stop()
        checkpointer.stop()
        lock?.release()
    }

    // MARK: Writes

    public func upsertLead(_ lead: Lead, at now: Timestamp) throws -> (LeadRecord, created: Bool) {
        try write { ledger in try ledger.upsert(lead, now: now) }
    }

    public func ingest(_ events: [EngagementEvent], at now: Timestamp, held: Bool, completion: @escaping @Sendable (Result<[EventOutcome], Error>) -> Void) {
        let ledger = self.ledger, metrics = self.metrics, notify = onOutboxMessages
        // Ids and documents are made here, on the caller's thread, not on the writer's.
        let prepared = events.map { PreparedEvent($0, now: now) }
        writer.submit(held: held, { _ in
            try ledger.job { try ledger.ingest(prepared, now: now) }
        }) { result in
            if case .success(let (outcomes, effects)) = result {
                Self.count(effects, metrics: metrics, notify: notify)
                if let metrics {
                    var accepted = 0, duplicates = 0, rejected = 0
                    for outcome in outcomes {
                        switch outcome {
                        case .accepted: accepted += 1
                        case .duplicate: duplicates += 1
                        case .rejected: rejected += 1
                        }
                    }
                    metrics.eventsIngested.increment(by: Int64(accepted))
                    metrics.eventDuplicates.increment(by: Int64(duplicates))
                    metrics.eventsRejected.increment(by: Int64(rejected))
                    metrics.scoresComputed.increment(by: Int64(accepted))
                }
            }
            completion(result.map(\.0))
        }
    }

    public func releaseHeldWrites() { writer.releaseHeld() }

    /// Counts what a durable write produced and wakes delivery when it wrote messages.
    private static func count(_ effects: LeadLedger.Effects, metrics: ServiceMetrics?, notify: (@Sendable () -> Void)?) {
        metrics?.mqls.increment(by: Int64(effects.handoffs))
        metrics?.slaBreaches.increment(by: Int64(effects.breaches))
        if effects.outboxMessages > 0 { notify?() }
    }

    public func deleteLead(id: String) throws -> Bool {
        try write { ledger in try ledger.delete(id: id) }
    }

    public func recordFeedback(handoffID: String, outcome: FeedbackOutcome, reason: String?, owner: String?, at now: Timestamp) throws -> HandoffRecord {
        try write { ledger in try ledger.feedback(handoffID: handoffID, outcome: outcome, reason: reason, owner: owner, now: now) }
    }

    public func markBreaches(at now: Timestamp) throws -> [HandoffRecord] {
        try write { ledger in try ledger.markBreaches(now: now) }
    }

    public func checkWritable() throws {
        try writer.write { db in try db.execute("CREATE TABLE IF NOT EXISTS readiness (id INTEGER PRIMARY KEY); DELETE FROM readiness") }
    }

    /// Runs `work` on the writer with the ledger; counts what it produced once durable.
    func write<T>(_ work: @escaping (LeadLedger) throws -> T) throws -> T {
        let ledger = self.ledger
        let (value, effects) = try writer.write { _ in try ledger.job { try work(ledger) } }
        Self.count(effects, metrics: metrics, notify: onOutboxMessages)
        return value
    }

    // MARK: Reads

    public func lead(idOrEmail: String, at now: Timestamp) throws -> LeadRecord? {
        let key = idOrEmail.contains("@") ? (Lead.normalizedEmail(idOrEmail) ?? idOrEmail) : idOrEmail
        // Before the row is read (`LaggingRows` says why).
        let lag = ledger.laggingRows.entry(idOrEmail: key)
        return try readers.withConnection { db in
            let query = try db.statement("SELECT \(LeadRows.columns) FROM leads WHERE id = ? OR email = ?").bind(.text(key), .text(key))
            guard try query.step() else { return nil }
            return try LeadRows.record(query, lag: lag, scorer: scorer, now: now, db: db)
        }
    }

    public func leads(_ filter: LeadQuery) throws -> Page<LeadRecord> {
        var conditions: [(String, SQLiteValue?)] = []
        if let stage = filter.stage { conditions.append(("stage = ?", .text(stage.rawValue))) }
        if let minScore = filter.minScore { conditions.append(("score >= ?", .real(minScore))) }
        if let since = filter.updatedSince { conditions.append(("updated_at >= ?", .integer(since.milliseconds))) }
        let now = Timestamp(Date()), scorer = self.scorer
        let lag = ledger.laggingRows.snapshot()
        return try pageByID(table: "leads", columns: LeadRows.columns, conditions, cursor: filter.cursor, limit: filter.limit) { row, db in
            try LeadRows.record(row, lag: lag[row.string(0) ?? ""], scorer: scorer, now: now, db: db)
        }
    }

    public func events(leadID: String, limit: Int, cursor: String?) throws -> Page<StoredEvent> {
        var older: EventPosition?
        if let cursor {
            let parts = try Cursor.integers(cursor, count: 2)
            older = EventPosition(occurredAt: parts[0], seq: parts[1])
        }
        // Before the row is read (`LaggingRows` says why).
        let lag = ledger.laggingRows.entry(idOrEmail: leadID)
        // One read transaction: the row's `state_seq`, its index entries and
        // the bodies must come from one snapshot, or a row written in between
        // would list its newly indexed events twice (index and pending list).
        return try readers.withConnection { db in try db.transaction(immediate: false) {
            let row = try db.statement("SELECT key, state_seq FROM leads WHERE id = ?").bind(.text(leadID))
            guard try row.step() else { return Page(items: [], nextCursor: nil) }
            let key = row.int(0), rowSeq = row.int(1)
            row.reset()
            var positions: [EventPosition] = []
            var sql = "SELECT occurred_at, seq FROM lead_events WHERE lead_key = ?"
            var values: [SQLiteValue] = [.integer(key)]
            if let older {
                sql += " AND (occurred_at < ? OR (occurred_at = ? AND seq < ?))"
                values += [.integer(older.occurredAt), .integer(older.occurredAt), .integer(older.seq)]
            }
            sql += " ORDER BY occurred_at DESC, seq DESC LIMIT ?"
            values.append(.int(limit + 1))
            let indexed = try db.statement(sql).bind(values)
            while try indexed.step() { positions.append(EventPosition(occurredAt: indexed.int(0), seq: indexed.int(1))) }
            // The events after the row's `state_seq` are not in the index yet: the writer's list has them.
            if let pending = lag?.id == leadID ? lag?.pending : nil {
                positions += pending.after(rowSeq: rowSeq).filter { position in older.map { EventPosition.newerFirst($0, position) } ?? true }
                positions.sort(by: EventPosition.newerFirst)
            }
            let body = try db.statement("SELECT received_at, body, event_id, type, occurred_at FROM events WHERE seq = ?")
            var items: [StoredEvent] = []
            for position in positions.prefix(limit + 1) {
                guard try body.bind(.integer(position.seq)).step() else { continue }
                let event = try StoredJSON.decodeEvent(body: body.blob(1), eventID: body.string(2) ?? "", type: body.string(3) ?? "", occurredAt: body.int(4))
                items.append(StoredEvent(sequence: position.seq, leadID: leadID, event: event, receivedAt: Timestamp(milliseconds: body.int(0))))
            }
            body.reset()
            return Self.page(items, limit: limit) { [String($0.event.occurredAt.milliseconds), String($0.sequence)] }
        } }
    }

    public func handoff(id: String) throws -> HandoffRecord? {
        try readers.withConnection { db in try HandoffRows.load(db, id: id) }
    }

    public func handoffs(_ filter: HandoffQuery) throws -> Page<HandoffRecord> {
        var conditions: [(String, SQLiteValue?)] = []
        switch filter.status {
        case .none: break
        case .breached?: conditions.append(("breached_at IS NOT NULL", nil))
        case .open?: conditions.append(("outcome = 'open' AND breached_at IS NULL", nil))
        case let status?: conditions.append(("outcome = ?", .text(status.rawValue)))
        }
        if let since = filter.since { conditions.append(("created_at >= ?", .integer(since.milliseconds))) }
        return try pageByID(table: "handoffs", columns: "id, body", conditions, cursor: filter.cursor, limit: filter.limit) { row, _ in
            try StoredJSON.decode(HandoffRecord.self, row.blob(1))
        }
    }

    /// One page of `table` in id order after the cursor's id, filtered by
    /// `conditions` (SQL with at most one parameter each); `id` must be the first column.
    private func pageByID<T>(table: String, columns: String, _ conditions: [(String, SQLiteValue?)], cursor: String?, limit: Int,
                             row: (SQLiteStatement, SQLiteConnection) throws -> T) throws -> Page<T> {
        var clauses = conditions.map(\.0)
        var values = conditions.compactMap(\.1)
        if let cursor {
            clauses.append("id > ?")
            values.append(.text(try Cursor.parts(cursor, count: 1)[0]))
        }
        values.append(.int(limit + 1))
        let sql = "SELECT \(columns) FROM \(table)" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " ORDER BY id LIMIT ?"
        return try readers.withConnection { db in
            let query = try db.statement(sql).bind(values)
            var items: [(id: String, item: T)] = []
            while try query.step() { items.append((query.string(0) ?? "", try row(query, db))) }
            return Self.page(items, limit: limit) { [$0.id] }.map(\.item)
        }
    }

    public func funnel(from: Timestamp?, to: Timestamp?, at now: Timestamp) throws -> FunnelReport {
        let lower = from?.milliseconds ?? Int64.min, upper = to?.milliseconds ?? Int64.max
        return try readers.withConnection { db in
            var report = FunnelReport(from: from, to: to, stages: [:], handoffs: 0, accepted: 0, rejected: 0, sql: 0, open: 0,
                                      slaDue: 0, slaMet: 0, breached: 0, medianSecondsToFirstFeedback: nil)
            let stages = try db.statement("SELECT stage, COUNT(*) FROM leads WHERE created_at >= ? AND created_at < ? GROUP BY stage")
                .bind(.integer(lower), .integer(upper))
            while try stages.step() {
                if let stage = Stage(rawValue: stages.string(0) ?? "") { report.stages[stage] = Int(stages.int(1)) }
            }
            let handoffs = try db.statement("""
                SELECT outcome, due_at, breached_at, first_feedback_at, created_at FROM handoffs
                WHERE created_at >= ? AND created_at < ?
                """).bind(.integer(lower), .integer(upper))
            var delays: [Double] = []
            while try handoffs.step() {
                report.handoffs += 1
                switch handoffs.string(0) {
                case "accepted": report.accepted += 1
                case "rejected": report.rejected += 1
                case "sql": report.sql += 1
                default: report.open += 1
                }
                if !handoffs.isNull(2) { report.breached += 1 }
                let firstFeedback: Int64? = handoffs.isNull(3) ? nil : handoffs.int(3)
                if let firstFeedback { delays.append(Double(firstFeedback - handoffs.int(4)) / 1000) }
                if !handoffs.isNull(1) {
                    let due = handoffs.int(1)
                    if let firstFeedback {
                        report.slaDue += 1
                        if firstFeedback <= due { report.slaMet += 1 }
                    } else if due <= now.milliseconds {
                        report.slaDue += 1
                    }
                }
            }
            delays.sort()
            if !delays.isEmpty {
                let mid = delays.count / 2
                report.medianSecondsToFirstFeedback = delays.count % 2 == 1 ? delays[mid] : (delays[mid - 1] + delays[mid]) / 2
            }
            return report
        }
    }

    private static func page<T>(_ items: [T], limit: Int, key: (T) -> [String]) -> Page<T> {
        guard items.count > limit else { return Page(items: items, nextCursor: nil) }
        let kept = Array(items.prefix(limit))
        return Page(items: kept, nextCursor: Cursor.encode(key(kept[kept.count - 1])))
    }
}

/// Reading lead rows into records, scored at the moment of reading.
enum LeadRows {
    static let columns = "id, profile, lifecycle, score_state, created_at, updated_at, key, state_seq"

    /// `lag` is the lead's entry in `LaggingRows`, taken before the row was read.
    static func record(_ row: SQLiteStatement, lag: LaggingRows.Entry?, scorer: LeadScorer, now: Timestamp, db: SQLiteConnection) throws -> LeadRecord {
        let id = row.string(0) ?? ""
        let lead = try StoredJSON.decodeLead(row.blob(1))
        // The entry must be this lead's: its address may have passed to a new lead since.
        let newer = lag.flatMap { $0.id == id && $0.stateSeq > row.int(7) ? $0 : nil }
        let state: LeadScoreState
        if var stored = StoredJSON.decodeState(row.blob(3)), scorer.isCurrent(stored) {
            if let newer {
                // The row lags: its state plus the events after it, as the writer applied them.
                try scorer.apply(try LeadLedger.pendingEvents(db, pending: newer.pending, rowSeq: row.int(7)), to: &stored)
            }
            state = stored
        } else {
            // Made under another model (a reload is rescoring leads): replay the lead's events.
            state = scorer.recompute(lead: lead, events: try LeadLedger.storedEvents(db, leadKey: row.int(6), pending: newer?.pending, rowSeq: row.int(7)))
        }
        return LeadRecord(
            id: id, lead: lead, lifecycle: StoredJSON.decodeLifecycle(row.blob(2)), result: try scorer.result(of: state, at: now),
            createdAt: Timestamp(milliseconds: row.int(4)), updatedAt: newer?.updatedAt ?? Timestamp(milliseconds: row.int(5))
        )
    }
}

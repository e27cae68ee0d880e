import Foundation
import LeadScoring
import Testing
@testable import MQLGate

/// Lead rows are rewritten behind their events after score-only changes;
/// reads, restarts and readers beside the server must not notice.
@Suite("Lead rows written behind")
struct LaggingRowTests {
    static let scorer = LeadScorer(model: try! ScoringModel.load(yaml: OperationsTests.quickModel, file: "m"))

    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("mqlgate-lag-\(UUID().uuidString)").path
    }

    static func ingest(_ store: SQLiteLeadStore, _ email: String, _ types: [String], prefix: String) throws -> [EventOutcome] {
        let now = Timestamp(Date())
        let events = types.enumerated().map { index, type in
            EngagementEvent(eventId: "\(prefix)-\(index)", type: type, occurredAt: now, email: email)
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<[EventOutcome], Error>?
        store.ingest(events, at: now) { result in
            outcome = result
            done.signal()
        }
        done.wait()
        return try outcome!.get()
    }

    /// The row as stored: the last event its state includes, and its score column.
    static func row(_ store: SQLiteLeadStore, _ email: String) throws -> (stateSeq: Int64, score: Double, stage: String)? {
        try store.readers.withConnection { db in
            let query = try db.statement("SELECT state_seq, score, stage FROM leads WHERE email = ?").bind(.text(email))
            guard try query.step() else { return nil }
            return (query.int(0), query.double(1), query.string(2) ?? "")
        }
    }

    /// The lead's events as `GET /v1/leads/{id}/events` lists them, `limit` a page.
    static func listed(_ store: SQLiteLeadStore, _ email: String, limit: Int = 100) throws -> [String] {
        guard let id = try store.lead(idOrEmail: email, at: Timestamp(Date()))?.id else { return [] }
        var ids: [String] = []
        var cursor: String?
        repeat {
            let page = try store.events(leadID: id, limit: limit, cursor: cursor)
            ids += page.items.map { $0.event.eventId ?? "" }
            cursor = page.nextCursor
        } while cursor != nil
        return ids
    }

    /// Rows of `table` (the events, or their per-lead index).
    static func count(_ store: SQLiteLeadStore, _ table: String) throws -> Int64 {
        try store.readers.withConnection { db in
            let query = try db.statement("SELECT COUNT(*) FROM \(table)")
            return try query.step() ? query.int(0) : 0
        }
    }

    static func newestSeq(_ store: SQLiteLeadStore) throws -> Int64 {
        try store.readers.withConnection { db in
            let query = try db.statement("SELECT MAX(seq) FROM events")
            return try query.step() ? query.int(0) : 0
        }
    }

    @Test func readsSeeEventsWhoseRowsLag() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteLeadStore(directory: path, scorer: Self.scorer, rowFlushDelay: .seconds(3600))
        // The lead's row is written with its fit (50)...
        _ = try store.upsertLead(Lead(email: "lag@acme.com"), at: Timestamp(Date()))
        _ = try Self.ingest(store, "lag@acme.com", ["page_view", "page_view", "page_view"], prefix: "a")
        // ...and three visits of 5 moved no stage, so it has not been rewritten since.
        let stored = try #require(try Self.row(store, "lag@acme.com"))
        #expect(stored.stateSeq == 0)
        #expect(stored.score == 50)
        let now = Timestamp(Date())
        #expect(try store.lead(idOrEmail: "lag@acme.com", at: now)?.result.score == Points(cents: 6500))
        let listed = try store.leads(LeadQuery()).items.first { $0.lead.email == "lag@acme.com" }
        #expect(listed?.result.score == Points(cents: 6500))

        // A reader beside the server (an export) rebuilds the states from the events.
        let reader = try SQLiteLeadStore(directory: path, scorer: Self.scorer, exclusive: false)
        #expect(try reader.lead(idOrEmail: "lag@acme.com", at: now)?.result.score == Points(cents: 6500))
        reader.close()
        #expect(try Self.row(store, "lag@acme.com")?.stateSeq == 0, "a reader beside the server must not write")

        // A clean stop writes every lagging row.
        store.close()
        let reopened = try SQLiteLeadStore(directory: path, scorer: Self.scorer, rowFlushDelay: .seconds(3600))
        let caughtUp = try #require(try Self.row(reopened, "lag@acme.com"))
        #expect(caughtUp.stateSeq == (try Self.newestSeq(reopened)))
        #expect(caughtUp.score == 65)
        #expect(try reopened.lead(idOrEmail: "lag@acme.com", at: now)?.result.score == Points(cents: 6500))
        reopened.close()
    }

    @Test func aStartReplaysTheEventsOfRowsThatLagged() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteLeadStore(directory: path, scorer: Self.scorer, rowFlushDelay: .seconds(3600))
        _ = try store.upsertLead(Lead(email: "one@acme.com"), at: Timestamp(Date()))
        let before = try store.readers.withConnection { db in
            let query = try db.statement("SELECT score_state FROM leads WHERE email = 'one@acme.com'")
            return try query.step() ? query.blob(0) : []
        }
        let watermark = try Self.newestSeq(store)
        _ = try Self.ingest(store, "one@acme.com", ["page_view"], prefix: "one")
        store.close()
        // Rows lag as a crash would leave them: the store is closed, but the
        // row, its index entries and the watermark are put back to before the event.
        let raw = try SQLiteConnection(path: path + "/mqlgate.sqlite3")
        try raw.statement("UPDATE leads SET state_seq = 0, score = 50, score_state = ?").bind(.blob(before)).run()
        try raw.execute("DELETE FROM lead_events")
        try raw.statement("UPDATE ledger_watermark SET flushed_seq = ?").bind(.integer(watermark)).run()
        let restarted = try SQLiteLeadStore(directory: path, scorer: Self.scorer, rowFlushDelay: .seconds(3600))
        let now = Timestamp(Date())
        #expect(try restarted.lead(idOrEmail: "one@acme.com", at: now)?.result.score == Points(cents: 5500))
        // The replayed event is listed, though its index entry is not written yet.
        #expect(try Self.listed(restarted, "one@acme.com") == ["one-0"])
        #expect(try Self.count(restarted, "lead_events") == 0)
        // Events after the restart add to the replayed state, not to the stale row.
        _ = try Self.ingest(restarted, "one@acme.com", ["page_view", "page_view"], prefix: "two")
        #expect(try restarted.lead(idOrEmail: "one@acme.com", at: now)?.result.score == Points(cents: 6500))
        restarted.close()
        let again = try SQLiteLeadStore(directory: path, scorer: Self.scorer)
        #expect(try again.lead(idOrEmail: "one@acme.com", at: now)?.result.score == Points(cents: 6500))
        #expect(try Self.row(again, "one@acme.com")?.score == 65)
        #expect(try Self.count(again, "lead_events") == 3)
        #expect(try Self.listed(again, "one@acme.com") == ["two-1", "two-0", "one-0"])
        again.close()
    }

    /// The per-lead index of events is written with the row: the events of
    /// a lagging row are listed from the writer's list meanwhile, in the
    /// same order and pages, and stay listed once the row is written.
    @Test func eventsOfALaggingRowAreListedAndIndexedWithTheRow() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteLeadStore(directory: path, scorer: Self.scorer, rowFlushDelay: .seconds(3600))
        _ = try store.upsertLead(Lead(email: "list@acme.com"), at: Timestamp(Date()))
        _ = try Self.ingest(store, "list@acme.com", ["page_view", "page_view"], prefix: "a")
        _ = try Self.ingest(store, "list@acme.com", ["page_view"], prefix: "b")
        // Another lead's events, written with its row at once, are not this lead's.
        _ = try Self.ingest(store, "other@acme.com", ["page_view"], prefix: "o")
        #expect(try Self.count(store, "lead_events") == 1)
        #expect(try Self.listed(store, "list@acme.com") == ["b-0", "a-1", "a-0"])
        #expect(try Self.listed(store, "list@acme.com", limit: 2) == ["b-0", "a-1", "a-0"])
        #expect(try Self.listed(store, "list@acme.com", limit: 1) == ["b-0", "a-1", "a-0"])
        // A stage change writes the row, and with it the index entries of every event it includes.
        _ = try Self.ingest(store, "list@acme.com", ["demo_request"], prefix: "c")
        #expect(try Self.row(store, "list@acme.com")?.stage == "mql")
        #expect(try Self.count(store, "lead_events") == 5)
        #expect(try Self.listed(store, "list@acme.com") == ["c-0", "b-0", "a-1", "a-0"])
        #expect(try Self.listed(store, "list@acme.com", limit: 3) == ["c-0", "b-0", "a-1", "a-0"])
        // Half indexed, half pending: one listing, in order.
        _ = try Self.ingest(store, "list@acme.com", ["page_view"], prefix: "d")
        #expect(try Self.count(store, "lead_events") == 5)
        #expect(try Self.listed(store, "list@acme.com", limit: 2) == ["d-0", "c-0", "b-0", "a-1", "a-0"])
        store.close()
    }

    /// The writer's list of unindexed events keeps their order, shares what
    /// a reader holds, and stays a few nodes deep however it grows.
    @Test func pendingEventsKeepTheirOrderInFewNodes() {
        var list: PendingEvents?
        var versions: [PendingEvents] = []
        for seq in 1...1000 {
            list = .appending([EventPosition(occurredAt: 0, seq: Int64(seq))], to: list)
            versions.append(list!)
        }
        #expect(list!.all.map(\.seq) == Array(1...1000))
        #expect(versions[9].all.map(\.seq) == Array(1...10), "an earlier version is unchanged")
        var depth = 0
        var node = list
        while let current = node { depth += 1; node = current.earlier }
        #expect(depth <= 10, "\(depth) nodes")
    }

    /// A row written with more index entries than one INSERT takes writes
    /// them all, in order.
    @Test func aRowWithManyEventsIndexesThemAll() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteLeadStore(directory: path, scorer: Self.scorer, rowFlushDelay: .seconds(3600))
        _ = try store.upsertLead(Lead(email: "many@acme.com"), at: Timestamp(Date()))
        _ = try Self.ingest(store, "many@acme.com", Array(repeating: "email_open", count: 70), prefix: "m")
        #expect(try Self.count(store, "lead_events") == 0)
        store.close()
        let reopened = try SQLiteLeadStore(directory: path, scorer: Self.scorer, rowFlushDelay: .seconds(3600))
        #expect(try Self.count(reopened, "lead_events") == 70)
        #expect(try Self.listed(reopened, "many@acme.com", limit: 25) == (0..<70).reversed().map { "m-\($0)" })
        reopened.close()
    }

    @Test func stageChangesWriteTheRowWithTheirEvent() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteLeadStore(directory: path, scorer: Self.scorer, rowFlushDelay: .seconds(3600))
        _ = try Self.ingest(store, "hot@acme.com", ["page_view", "demo_request"], prefix: "h")
        let stored = try #require(try Self.row(store, "hot@acme.com"))
        #expect(stored.stage == "mql")
        #expect(stored.stateSeq == (try Self.newestSeq(store)))
        #expect(stored.score == 115)
        store.close()
    }

    @Test func rowsCatchUpAfterTheDelayWithoutFurtherWrites() async throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteLeadStore(directory: path, scorer: Self.scorer, rowFlushDelay: .milliseconds(100))
        _ = try store.upsertLead(Lead(email: "later@acme.com"), at: Timestamp(Date()))
        _ = try Self.ingest(store, "later@acme.com", ["page_view", "page_view"], prefix: "l")
        var query = LeadQuery()
        query.minScore = 60
        let deadline = Date().addingTimeInterval(10)
        while try store.leads(query).items.isEmpty, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try store.leads(query).items.map(\.lead.email) == ["later@acme.com"])
        #expect(try Self.row(store, "later@acme.com")?.stateSeq == (try Self.newestSeq(store)))
        store.close()
    }

    @Test func deletingALaggingLeadLeavesNothingBehind() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteLeadStore(directory: path, scorer: Self.scorer, rowFlushDelay: .seconds(3600))
        _ = try store.upsertLead(Lead(email: "gone@acme.com"), at: Timestamp(Date()))
        _ = try Self.ingest(store, "gone@acme.com", ["page_view", "page_view"], prefix: "g")
        #expect(store.ledger.laggingRows.count == 1)
        let id = try #require(try store.lead(idOrEmail: "gone@acme.com", at: Timestamp(Date()))?.id)
        #expect(try store.deleteLead(id: id))
        #expect(try store.lead(idOrEmail: "gone@acme.com", at: Timestamp(Date())) == nil)
        #expect(store.ledger.laggingRows.count == 0)
        // Its events go too, those its index held and those it did not yet.
        #expect(try Self.count(store, "events") == 0)
        #expect(try Self.count(store, "lead_events") == 0)
        // The same address comes back as a new lead with only its new events.
        _ = try Self.ingest(store, "gone@acme.com", ["page_view"], prefix: "g2")
        #expect(try store.lead(idOrEmail: "gone@acme.com", at: Timestamp(Date()))?.result.score == Points(cents: 5500))
        store.close()
        let reopened = try SQLiteLeadStore(directory: path, scorer: Self.scorer)
        #expect(try reopened.lead(idOrEmail: "gone@acme.com", at: Timestamp(Date()))?.result.score == Points(cents: 5500))
        reopened.close()
    }

    @Test func aReaderIgnoresAnEntryOfTheLeadThatHadTheAddressBefore() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteLeadStore(directory: path, scorer: Self.scorer, rowFlushDelay: .seconds(3600))
        let first = try store.upsertLead(Lead(email: "moved@acme.com"), at: Timestamp(Date())).0.id
        _ = try Self.ingest(store, "moved@acme.com", ["page_view", "page_view"], prefix: "m")
        // A reader took this entry, then the lead was deleted and the address taken by a new one.
        let stale = try #require(store.ledger.laggingRows.entry(idOrEmail: "moved@acme.com"))
        #expect(try store.deleteLead(id: first))
        _ = try store.upsertLead(Lead(email: "moved@acme.com"), at: Timestamp(Date()))
        let record = try store.readers.withConnection { db in
            let query = try db.statement("SELECT \(LeadRows.columns) FROM leads WHERE email = 'moved@acme.com'")
            _ = try query.step()
            return try LeadRows.record(query, lag: stale, scorer: Self.scorer, now: Timestamp(Date()), db: db)
        }
        #expect(record.id != first)
        #expect(record.result.score == Points(cents: 5000))
        store.close()
    }

    // MARK: The ledger alone, one transaction at a time, as the writer runs it

    final class Bench {
        let db: SQLiteConnection
        let ledger: LeadLedger
        let now = Timestamp(Date())

        init(
            _ path: String, cacheLimit: Int = 200_000, rowFlushDelay: Duration = .seconds(3600),
            maxRowsPerFlush: Int = 32, maxOverdueRowsPerFlush: Int = 256, maxEntriesPerFlush: Int = 2048,
            watermarkInterval: Duration = .milliseconds(250)
        ) throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            db = try SQLiteConnection(path: path + "/ledger.sqlite3")
            try db.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON")
            try SchemaMigrations.migrate(db, now: 0)
            ledger = LeadLedger(
                db: db, scorer: LaggingRowTests.scorer, cacheLimit: cacheLimit, rowFlushDelay: rowFlushDelay,
                maxRowsPerFlush: maxRowsPerFlush, maxOverdueRowsPerFlush: maxOverdueRowsPerFlush,
                maxEntriesPerFlush: maxEntriesPerFlush, watermarkInterval: watermarkInterval
            )
            try ledger.recoverLaggingRows()
        }

        /// One commit, with the writer's hooks around it.
        func commit(_ body: (LeadLedger) throws -> Void) throws {
            try db.execute("BEGIN IMMEDIATE")
            try body(ledger)
            try ledger.flushLaggingRows()
            try db.execute("COMMIT")
            // The writer hands this to the syncer; here nothing syncs in between.
            ledger.commitSucceeded()?()
        }

        func upsert(_ email: String) throws {
            try commit { ledger in _ = try ledger.job { try ledger.upsert(Lead(email: email), now: now) } }
        }

        func visit(_ email: String, id: String, in ledger: LeadLedger) throws {
            let event = EngagementEvent(eventId: id, type: "page_view", occurredAt: now, email: email)
            _ = try ledger.job { try ledger.ingest([PreparedEvent(event, now: now)], now: now) }
        }

        func score(_ email: String) throws -> Double? {
            let query = try db.statement("SELECT score FROM leads WHERE email = ?").bind(.text(email))
            defer { query.reset() }
            return try query.step() ? query.double(0) : nil
        }
    }

    /// Leads that begin to lag in one commit come due together; they are
    /// written a few per commit, and only once overdue many per commit.
    @Test func rowsThatCameDueTogetherAreWrittenOverSeveralCommits() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let delay = Duration.milliseconds(800)
        let bench = try Bench(path, rowFlushDelay: delay, maxRowsPerFlush: 5, maxOverdueRowsPerFlush: 20)
        let emails = (0..<40).map { "due\($0)@acme.com" }
        for email in emails { try bench.upsert(email) }
        let started = ContinuousClock.now
        try bench.commit { ledger in
            for (index, email) in emails.enumerated() { try bench.visit(email, id: "d\(index)", in: ledger) }
        }
        func written() throws -> Int { try emails.filter { try bench.score($0) == 55 }.count }
        func sleep(until instant: ContinuousClock.Instant) {
            let left = (instant - .now).components
            if left.seconds >= 0 { Thread.sleep(forTimeInterval: Double(left.seconds) + Double(left.attoseconds) / 1e18) }
        }
        #expect(try written() == 0)
        sleep(until: started + delay + .milliseconds(50))
        try bench.commit { _ in }
        try bench.commit { _ in }
        // Two commits past the delay wrote two handfuls, unless this machine
        // stalled past twice the delay: then the rows were overdue.
        let afterTwo = try written()
        #expect(ContinuousClock.now - started >= delay * 2 || afterTwo == 10, "\(afterTwo) rows written")
        sleep(until: started + delay * 2 + .milliseconds(50))
        try bench.commit { _ in }
        #expect(try written() == min(40, afterTwo + 20))
        try bench.commit { _ in }
        #expect(try written() == 40)
        #expect(bench.ledger.laggingCount.load(ordering: .relaxed) == 0)
    }

    /// Rows bring the index entries of all their events: a commit stops
    /// writing rows once it wrote about `maxEntriesPerFlush` of them.
    @Test func rowsWithManyEventsAreSpreadByTheirIndexEntries() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let delay = Duration.milliseconds(200)
        let bench = try Bench(path, rowFlushDelay: delay, maxEntriesPerFlush: 4)
        let emails = (0..<4).map { "busy\($0)@acme.com" }
        for email in emails { try bench.upsert(email) }
        let started = ContinuousClock.now
        try bench.commit { ledger in
            for (lead, email) in emails.enumerated() {
                for visit in 0..<3 { try bench.visit(email, id: "v\(lead)-\(visit)", in: ledger) }
            }
        }
        func indexed() throws -> Int64 {
            let query = try bench.db.statement("SELECT COUNT(*) FROM lead_events")
            defer { query.reset() }
            return try query.step() ? query.int(0) : 0
        }
        #expect(try indexed() == 0)
        Thread.sleep(forTimeInterval: 0.25)
        // Two rows of three entries each: the first three stay under four, the next six do not.
        try bench.commit { _ in }
        let afterOne = try indexed()
        #expect(ContinuousClock.now - started >= delay * 2 || afterOne == 6, "\(afterOne) entries written")
        try bench.commit { _ in }
        #expect(try indexed() == 12)
        #expect(bench.ledger.laggingCount.load(ordering: .relaxed) == 0)
    }

    /// The watermark is written now and then, not with every commit; a
    /// clean stop (writing every row) writes it at once.
    @Test func theWatermarkIsWrittenAtMostOncePerInterval() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bench = try Bench(path, rowFlushDelay: .zero, watermarkInterval: .seconds(3600))
        func stored() throws -> Int64 {
            let query = try bench.db.statement("SELECT flushed_seq FROM ledger_watermark WHERE id = 1")
            defer { query.reset() }
            return try query.step() ? query.int(0) : -1
        }
        try bench.upsert("w@acme.com")
        try bench.commit { try bench.visit("w@acme.com", id: "w0", in: $0) }
        // The first write after a start goes through; the row (due at once) is written too.
        let first = try stored()
        #expect(first > 0)
        for index in 1...3 { try bench.commit { try bench.visit("w@acme.com", id: "w\(index)", in: $0) } }
        #expect(try stored() == first, "within the interval the watermark stays where it was")
        #expect(try bench.score("w@acme.com") == 70, "the rows themselves are written as they come due")
        try bench.commit { try $0.flushLaggingRows(all: true) }
        let newest = try bench.db.statement("SELECT MAX(seq) FROM events")
        #expect(try newest.step())
        #expect(try stored() == newest.int(0))
        newest.reset()
    }

    @Test func evictingTheCacheKeepsTheStatesOfLaggingLeads() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bench = try Bench(path, cacheLimit: 2)
        let emails = (0..<5).map { "e\($0)@acme.com" }
        for email in emails { try bench.upsert(email) }
        // Each visit runs with the cache full, and every lead before it lags.
        for (index, email) in emails.enumerated() { try bench.commit { try bench.visit(email, id: "v\(index)", in: $0) } }
        #expect(bench.ledger.laggingRows.count == 5)
        try bench.commit { try $0.flushLaggingRows(all: true) }
        #expect(try emails.map { try bench.score($0) } == Array(repeating: 55, count: 5))
    }

    @Test func aJobFailingLateInACommitCostsReadersNothing() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bench = try Bench(path)
        try bench.upsert("l@acme.com")
        try bench.commit { ledger in
            try bench.visit("l@acme.com", id: "ok", in: ledger)
            // What a later job that failed after touching the cache does: the
            // lagging states, and what was staged for readers, are gone.
            ledger.forgetCache()
        }
        let entry = try #require(bench.ledger.laggingRows.entry(idOrEmail: "l@acme.com"))
        let newest = try bench.db.statement("SELECT MAX(seq) FROM events")
        #expect(try newest.step() && entry.stateSeq == newest.int(0))
        newest.reset()
    }

    @Test func anAddressDeletedAndTakenAgainInOneCommitNamesTheNewLead() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bench = try Bench(path)
        try bench.upsert("same@acme.com")
        try bench.commit { try bench.visit("same@acme.com", id: "first", in: $0) }
        let old = try #require(bench.ledger.laggingRows.entry(idOrEmail: "same@acme.com")).id
        try bench.commit { ledger in
            _ = try ledger.job { try ledger.delete(id: old) }
            _ = try ledger.job { try ledger.upsert(Lead(email: "same@acme.com"), now: bench.now) }
            try bench.visit("same@acme.com", id: "second", in: ledger)
        }
        let entry = try #require(bench.ledger.laggingRows.entry(idOrEmail: "same@acme.com"))
        #expect(entry.id != old)
        #expect(bench.ledger.laggingRows.count == 1)
    }

    @Test func aLeadMadeByAnEventGetsItsWholeRowAtOnce() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bench = try Bench(path)
        try bench.commit { try bench.visit("new@acme.com", id: "n", in: $0) }
        #expect(try bench.score("new@acme.com") == 55)
        #expect(bench.ledger.laggingRows.count == 0)
    }
    /// A lagging lead is read as its row's state plus the events after it.
    /// With the default model's caps, decay, negative and distinct-day
    /// rules, over events of many types and ages in shuffled order, every
    /// read gives exactly what the writer's state gives once it is written.
    @Test func readsReplayLaggingEventsToTheWritersState() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try ScoringModel.load(yaml: String(contentsOfFile: ServiceHarness.defaultModelPath, encoding: .utf8), file: "scoring.yaml")
        let scorer = LeadScorer(model: model)
        let store = try SQLiteLeadStore(directory: path, scorer: scorer, rowFlushDelay: .seconds(3600))
        let now = Timestamp(Date())
        let emails = (0..<12).map { "replay\($0)@acme.com" }
        for email in emails { _ = try store.upsertLead(Lead(email: email, jobTitle: "Engineer", company: "Acme"), at: now) }
        let kinds: [(type: String, properties: [String: JSONValue])] = [
            ("page_view", ["path": .string("/pricing")]), ("page_view", ["path": .string("/compare/x")]), ("page_view", ["path": .string("/careers")]),
            ("page_view", ["path": .string("/blog/a")]), ("email_click", [:]), ("content_download", [:]), ("product_usage", [:]),
            ("webinar_registered", [:]),
        ]
        var random = SystemRandomNumberGenerator()
        var sequence = 0
        for round in 0..<6 {
            for email in emails {
                let events = (0..<Int.random(in: 1...4, using: &random)).map { _ -> EngagementEvent in
                    sequence += 1
                    let kind = kinds.randomElement(using: &random)!
                    let age = Int64.random(in: 0...(20 * 86_400_000), using: &random)
                    return EngagementEvent(eventId: "r\(round)-\(sequence)", type: kind.type, occurredAt: Timestamp(milliseconds: now.milliseconds - age),
                                           properties: kind.properties, email: email)
                }
                let done = DispatchSemaphore(value: 0)
                store.ingest(events, at: now) { _ in done.signal() }
                done.wait()
            }
        }
        let lagging = store.ledger.laggingRows.count
        let read = try emails.map { try #require(try store.lead(idOrEmail: $0, at: now)).result }
        store.close()
        // A clean stop writes every row from the writer's own states.
        let restarted = try SQLiteLeadStore(directory: path, scorer: scorer, rowFlushDelay: .seconds(3600))
        defer { restarted.close() }
        let written = try emails.map { try #require(try restarted.lead(idOrEmail: $0, at: now)).result }
        #expect(lagging > 0)
        #expect(restarted.ledger.laggingRows.count == 0)
        #expect(read == written)
    }
}

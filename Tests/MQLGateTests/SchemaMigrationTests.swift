import Foundation
import LeadScoring
import Testing
@testable import MQLGate

@Suite("Schema migrations")
struct SchemaMigrationTests {
    /// An empty directory of its own for one test's database.
    static func scratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mqlgate-migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// An event's body as versions 1 to 7 stored it: the whole event but its lead.
    static func versionSevenBody(_ event: EngagementEvent) -> [UInt8] {
        var event = event
        event.email = nil
        event.leadId = nil
        return JSONWriter.bytes(event.jsonValue)
    }

    /// A database as schema version 4 left it (events keyed by the lead's
    /// text id) is carried to the integer lead key with nothing lost.
    @Test func eventsMoveToTheIntegerLeadKey() async throws {
        let directory = try Self.scratchDirectory()
        let path = directory.appendingPathComponent("mqlgate.sqlite3").path
        let now = Timestamp(milliseconds: 1_796_000_000_000)
        do {
            let db = try SQLiteConnection(path: path)
            try db.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON")
            #expect(try SchemaMigrations.migrate(db, now: now.milliseconds, through: 4) == [1, 2, 3, 4])
            // Two leads, as version 4 wrote them; no cached scoring state, so
            // reading them replays their events.
            for (id, email) in [("ld_old_vp", "vp@acme.com"), ("ld_old_other", "other@acme.com")] {
                var lead = Lead(email: email)
                lead.jobTitle = "VP of Sales"
                try db.statement("""
                    INSERT INTO leads (id, email, profile, stage, lifecycle, score, score_state, model_fingerprint, created_at, updated_at)
                    VALUES (?, ?, ?, 'lead', ?, 0, NULL, '', ?, ?)
                    """).bind(
                        .text(id), .text(email), .blob(JSONWriter.bytes(lead.jsonValue)), .blob(StoredJSON.encodeLifecycle(.initial)),
                        .integer(now.milliseconds), .integer(now.milliseconds)
                    ).run()
            }
            let events: [(String, String, String, Int64)] = [
                ("ld_old_vp", "old-1", "page_view", 1), ("ld_old_other", "old-2", "page_view", 2),
                ("ld_old_vp", "old-3", "webinar_attended", 3), ("ld_old_vp", "old-4", "email_click", 4),
            ]
            for (leadID, eventID, type, minute) in events {
                let event = EngagementEvent(
                    eventId: eventID, type: type, occurredAt: Timestamp(milliseconds: now.milliseconds + minute * 60_000),
                    properties: type == "page_view" ? ["path": .string("/pricing")] : [:]
                )
                try db.statement("INSERT INTO events (event_id, lead_id, type, occurred_at, received_at, body) VALUES (?, ?, ?, ?, ?, ?)")
                    .bind(.text(eventID), .text(leadID), .text(type), .integer(event.occurredAt.milliseconds), .integer(now.milliseconds),
                          .blob(Self.versionSevenBody(event))).run()
            }
        }

        let harness = try ServiceHarness(directory: directory)
        // The lead's events, newest first, and its score replayed from them.
        let listed = try await harness.get("/v1/leads/ld_old_vp/events")
        #expect(listed.status == 200)
        let ids = (listed.json["items"] as? [[String: Any]] ?? []).compactMap { $0["event_id"] as? String }
        #expect(ids == ["old-4", "old-3", "old-1"])
        let lead = try await harness.get("/v1/leads/vp@acme.com")
        #expect((lead.json["score"] as? Double ?? 0) > 0)
        // Migrated event ids still deduplicate.
        let again = try await harness.post("/v1/events", #"{"email":"vp@acme.com","type":"page_view","event_id":"old-1"}"#)
        #expect(again.json["duplicates"] as? Int == 1)
        // A new lead gets a key of its own: its events are not another lead's.
        #expect(try await harness.post("/v1/events", #"{"email":"new@acme.com","type":"page_view","event_id":"new-1"}"#).status == 202)
        let newLead = try await harness.get("/v1/leads/new@acme.com")
        let newID = newLead.json["id"] as? String ?? ""
        let newEvents = try await harness.get("/v1/leads/\(newID)/events")
        #expect((newEvents.json["items"] as? [[String: Any]] ?? []).compactMap { $0["event_id"] as? String } == ["new-1"])
        // Erasing a migrated lead takes its events with it, and only its own.
        #expect(try await harness.request("DELETE", "/v1/leads/ld_old_vp").status == 204)
        #expect(try await harness.get("/v1/leads/ld_old_other/events").json["items"].map { ($0 as? [Any])?.count } == 1)
        try await harness.restart()
        await harness.service.stop()
        do {
        let db = try SQLiteConnection(path: path)
        let count = try db.statement("SELECT COUNT(*), COUNT(DISTINCT lead_key) FROM events")
        #expect(try count.step())
        #expect(count.int(0) == 2 && count.int(1) == 2)
        let version = try db.statement("SELECT MAX(version) FROM schema_migrations")
        #expect(try version.step() && version.int(0) == SchemaMigrations.all.last!.version)
        let orphans = try db.statement("SELECT COUNT(*) FROM events WHERE lead_key NOT IN (SELECT key FROM leads)")
        #expect(try orphans.step() && orphans.int(0) == 0)
        }
        try? FileManager.default.removeItem(at: directory)
    }
    /// A database as schema version 6 left it after a crash (rows written
    /// before version 6 saying `state_seq = 0`, and rows lagging behind
    /// events after the watermark) gets its per-lead index: the events its
    /// rows include are indexed at once, the rest at the rows' next write,
    /// and every event is listed meanwhile.
    @Test func theLeadIndexIsBuiltForWhatRowsInclude() async throws {
        let directory = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("mqlgate.sqlite3").path
        let now = Timestamp(milliseconds: 1_796_000_000_000)
        do {
            let db = try SQLiteConnection(path: path)
            try db.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON")
            #expect(try SchemaMigrations.migrate(db, now: now.milliseconds, through: 6) == [1, 2, 3, 4, 5, 6])
            for (key, email) in [(1, "early@acme.com"), (2, "late@acme.com")] {
                try db.statement("""
                    INSERT INTO leads (id, key, email, profile, stage, lifecycle, score, score_state, model_fingerprint, created_at, updated_at)
                    VALUES (?, ?, ?, ?, 'lead', ?, 0, NULL, '', ?, ?)
                    """).bind(
                        .text("ld_\(key)"), .int(key), .text(email), .blob(JSONWriter.bytes(Lead(email: email).jsonValue)),
                        .blob(StoredJSON.encodeLifecycle(.initial)), .integer(now.milliseconds), .integer(now.milliseconds)
                    ).run()
            }
            // Events 1 and 2 are in their row (up to the watermark); 3 and 4 came after it.
            for (seq, key) in [(1, 1), (2, 1), (3, 2), (4, 1)] as [(Int64, Int64)] {
                let event = EngagementEvent(
                    eventId: "e\(seq)", type: "page_view", occurredAt: Timestamp(milliseconds: now.milliseconds + seq * 60_000),
                    properties: ["path": .string("/pricing")]
                )
                try db.statement("INSERT INTO events (seq, event_id, lead_key, type, occurred_at, received_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)")
                    .bind(.integer(seq), .text("e\(seq)"), .integer(key), .text(event.type), .integer(event.occurredAt.milliseconds),
                          .integer(now.milliseconds), .blob(Self.versionSevenBody(event))).run()
            }
            try db.execute("UPDATE ledger_watermark SET flushed_seq = 2")
            // A reader beside a server (an export) does not upgrade it under that server.
            #expect(throws: SQLiteError.self) {
                try SQLiteLeadStore(directory: directory.path, scorer: LeadScorer(model: try ScoringModel.load(yaml: OperationsTests.quickModel, file: "m")), exclusive: false)
            }
            let version = try db.statement("SELECT MAX(version) FROM schema_migrations")
            #expect(try version.step() && version.int(0) == 6)
            version.reset()
            #expect(try SchemaMigrations.migrate(db, now: now.milliseconds) == [7, 8])
            let indexed = try db.statement("SELECT lead_key, seq FROM lead_events ORDER BY seq")
            var entries: [[Int64]] = []
            while try indexed.step() { entries.append([indexed.int(0), indexed.int(1)]) }
            #expect(entries == [[1, 1], [1, 2]])
            let rows = try db.statement("SELECT key, state_seq FROM leads ORDER BY key")
            var seqs: [[Int64]] = []
            while try rows.step() { seqs.append([rows.int(0), rows.int(1)]) }
            #expect(seqs == [[1, 2], [2, 0]])
        }

        let harness = try ServiceHarness(directory: directory)
        func listed(_ id: String) async throws -> [String] {
            try await harness.get("/v1/leads/\(id)/events").json["items"].map { ($0 as? [[String: Any]] ?? []).compactMap { $0["event_id"] as? String } } ?? []
        }
        #expect(try await listed("ld_1") == ["e4", "e2", "e1"])
        #expect(try await listed("ld_2") == ["e3"])
        // Scores from the row's state and the replayed event: three pricing visits against one.
        let early = try await harness.get("/v1/leads/early@acme.com").json["engagement_score"] as? Double ?? 0
        let late = try await harness.get("/v1/leads/late@acme.com").json["engagement_score"] as? Double ?? 0
        #expect(late > 0 && early > 2.9 * late, "\(early) against \(late)")
        // A clean stop writes the lagging rows, and their index entries with them.
        try await harness.restart()
        #expect(try await listed("ld_1") == ["e4", "e2", "e1"])
        #expect(try await listed("ld_2") == ["e3"])
        #expect(try await harness.request("DELETE", "/v1/leads/ld_1").status == 204)
        await harness.service.stop()
        let db = try SQLiteConnection(path: path)
        let left = try db.statement("SELECT (SELECT group_concat(seq) FROM events), (SELECT group_concat(seq) FROM lead_events)")
        #expect(try left.step())
        #expect(left.string(0) == "3" && left.string(1) == "3")
    }

    /// Version 8 keeps only the properties in an event's body; the rest is
    /// in the row's columns. Bodies of every shape version 7 wrote survive.
    @Test func eventBodiesKeepOnlyTheirProperties() async throws {
        let directory = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("mqlgate.sqlite3").path
        let now = Timestamp(milliseconds: 1_796_000_000_000)
        let events = [
            EngagementEvent(eventId: "p1", type: "page_view", occurredAt: Timestamp(milliseconds: now.milliseconds + 60_000),
                            properties: ["path": .string("/pricing"), "q": .string("say \"hi\"\n\u{e9}"), "n": .number(2.5),
                                         "nested": .object(["z": .null, "a": .array([.bool(true), .number(-1e-7)])])]),
            EngagementEvent(eventId: "p2", type: "demo_request", occurredAt: Timestamp(milliseconds: now.milliseconds + 120_250)),
        ]
        do {
            let db = try SQLiteConnection(path: path)
            try db.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON")
            #expect(try SchemaMigrations.migrate(db, now: now.milliseconds, through: 7) == [1, 2, 3, 4, 5, 6, 7])
            try db.statement("""
                INSERT INTO leads (id, key, email, profile, stage, lifecycle, score, score_state, model_fingerprint, created_at, updated_at, state_seq)
                VALUES ('ld_1', 1, 'a@acme.com', ?, 'lead', ?, 0, NULL, '', ?, ?, 0)
                """).bind(
                    .blob(JSONWriter.bytes(Lead(email: "a@acme.com").jsonValue)), .blob(StoredJSON.encodeLifecycle(.initial)),
                    .integer(now.milliseconds), .integer(now.milliseconds)
                ).run()
            for (offset, event) in events.enumerated() {
                try db.statement("INSERT INTO events (seq, event_id, lead_key, type, occurred_at, received_at, body) VALUES (?, ?, 1, ?, ?, ?, ?)")
                    .bind(.int(offset + 1), .text(event.eventId!), .text(event.type), .integer(event.occurredAt.milliseconds),
                          .integer(now.milliseconds), .blob(Self.versionSevenBody(event))).run()
            }
            #expect(try SchemaMigrations.migrate(db, now: now.milliseconds) == [8])
            let bodies = try db.statement("SELECT body, event_id, type, occurred_at FROM events ORDER BY seq")
            for event in events {
                #expect(try bodies.step())
                #expect(try StoredJSON.decodeEvent(body: bodies.blob(0), eventID: bodies.string(1) ?? "", type: bodies.string(2) ?? "",
                                                   occurredAt: bodies.int(3)) == event)
                #expect(bodies.blob(0) == (event.properties.isEmpty ? Array("{}".utf8) : JSONWriter.bytes(.object(event.properties))))
            }
        }
        let harness = try ServiceHarness(directory: directory)
        let items = try await harness.get("/v1/leads/ld_1/events").json["items"] as? [[String: Any]] ?? []
        #expect(items.compactMap { $0["event_id"] as? String } == ["p2", "p1"])
        #expect((items.last?["properties"] as? [String: Any])?["path"] as? String == "/pricing")
        #expect(items.first?["occurred_at"] as? String == "2026-11-30T00:55:20.250Z")
        await harness.service.stop()
    }
}

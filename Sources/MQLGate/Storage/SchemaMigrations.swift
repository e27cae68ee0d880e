/// Versioned, forward-only schema migrations, applied in order at start.
/// A migration is never edited once shipped; changes come as new versions.
enum SchemaMigrations {
    static let all: [(version: Int, sql: String)] = [
        (1, """
        CREATE TABLE leads (
            id TEXT PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            profile TEXT NOT NULL,
            stage TEXT NOT NULL,
            lifecycle TEXT NOT NULL,
            score REAL NOT NULL,
            score_state BLOB,
            model_fingerprint TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX leads_stage ON leads(stage, id);
        CREATE INDEX leads_updated ON leads(updated_at, id);

        CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
            type TEXT NOT NULL,
            occurred_at INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            body TEXT NOT NULL
        );
        CREATE INDEX events_lead ON events(lead_id, occurred_at DESC, seq DESC);

        CREATE TABLE handoffs (
            id TEXT PRIMARY KEY,
            lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
            episode INTEGER NOT NULL,
            outcome TEXT NOT NULL DEFAULT 'open',
            due_at INTEGER,
            breached_at INTEGER,
            first_feedback_at INTEGER,
            created_at INTEGER NOT NULL,
            body TEXT NOT NULL,
            UNIQUE (lead_id, episode)
        );
        CREATE INDEX handoffs_due ON handoffs(due_at) WHERE outcome = 'open' AND breached_at IS NULL;
        CREATE INDEX handoffs_created ON handoffs(created_at, id);

        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            handoff_id TEXT,
            payload TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );

        CREATE TABLE stage_changes (
            seq INTEGER PRIMARY KEY,
            lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
            from_stage TEXT NOT NULL,
            to_stage TEXT NOT NULL,
            reason TEXT NOT NULL,
            at INTEGER NOT NULL
        );
        CREATE INDEX stage_changes_at ON stage_changes(at);
        """),
        (2, """
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
            handoff_id TEXT,
            endpoint TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER,
            last_attempt_at INTEGER,
            last_status INTEGER,
            last_error TEXT,
            delivered_at INTEGER,
            UNIQUE (message_id, endpoint)
        );
        CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';
        CREATE INDEX deliveries_handoff ON deliveries(handoff_id);

        CREATE TABLE disabled_endpoints (
            endpoint TEXT PRIMARY KEY,
            disabled_at INTEGER NOT NULL,
            reason TEXT NOT NULL
        );
        """),
        (3, """
        CREATE TABLE idempotency (
            scope TEXT NOT NULL,
            key TEXT NOT NULL,
            fingerprint BLOB NOT NULL,
            status INTEGER NOT NULL,
            content_type TEXT,
            location TEXT,
            body BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (scope, key)
        );
        CREATE INDEX idempotency_created ON idempotency(created_at);
        """),
        (4, """
        CREATE TABLE inbound_messages (
            source TEXT NOT NULL,
            id TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            PRIMARY KEY (source, id)
        );
        CREATE TABLE hubspot_contacts (
            object_id TEXT PRIMARY KEY,
            email TEXT NOT NULL
        );
        """),
        // Events point at their lead by an integer key, not the 30-byte text
        // id: the per-lead index gets one entry per event, and its size is
        // most of what ingestion writes (docs/benchmarks.md). The events
        // table is rebuilt; it has no dependents, so dropping it cascades nothing.
        (5, """
        ALTER TABLE leads ADD COLUMN key INTEGER;
        UPDATE leads SET key = rowid;
        CREATE UNIQUE INDEX leads_key ON leads(key);

        CREATE TABLE events_by_key (
            seq INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            lead_key INTEGER NOT NULL REFERENCES leads(key) ON DELETE CASCADE,
            type TEXT NOT NULL,
            occurred_at INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            body TEXT NOT NULL
        );
        INSERT INTO events_by_key (seq, event_id, lead_key, type, occurred_at, received_at, body)
            SELECT events.seq, events.event_id, leads.key, events.type, events.occurred_at, events.received_at, events.body
            FROM events JOIN leads ON leads.id = events.lead_id ORDER BY events.seq;
        DROP TABLE events;
        ALTER TABLE events_by_key RENAME TO events;
        CREATE INDEX events_lead ON events(lead_key, occurred_at DESC, seq DESC);
        """),
        // Lead rows may lag their events (score-only changes are written
        // behind, LeadLedger): `state_seq` is the last event a row's scoring
        // state includes, and every event up to `flushed_seq` is in its
        // lead's row, so a start replays only the events after it. Rows
        // written so far include all their events.
        (6, """
        ALTER TABLE leads ADD COLUMN state_seq INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE ledger_watermark (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            flushed_seq INTEGER NOT NULL
        );
        INSERT INTO ledger_watermark (id, flushed_seq) SELECT 1, COALESCE(MAX(seq), 0) FROM events;
        """),
        // The per-lead index leaves the events table for a table of its own,
        // written behind with the lead's row (LeadLedger): it holds a lead's
        // events up to its row's `state_seq`, and a start replays the rest.
        // Written per event, its leaves were most of what a commit wrote
        // (docs/benchmarks.md). The events table loses its foreign key too,
        // whose cascade needed that index: a lead's events are deleted
        // through `lead_events`. Rows written before version 6 include every
        // event up to the watermark but say `state_seq = 0`; they are set
        // first, while the old index can still find their events.
        (7, """
        UPDATE leads SET state_seq = MAX(state_seq, COALESCE((
            SELECT MAX(seq) FROM events
            WHERE lead_key = leads.key AND seq <= (SELECT flushed_seq FROM ledger_watermark WHERE id = 1)
        ), 0));
        CREATE TABLE lead_events (
            lead_key INTEGER NOT NULL,
            occurred_at INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            PRIMARY KEY (lead_key, occurred_at DESC, seq DESC)
        ) WITHOUT ROWID;
        INSERT INTO lead_events (lead_key, occurred_at, seq)
            SELECT events.lead_key, events.occurred_at, events.seq FROM events JOIN leads ON leads.key = events.lead_key
            WHERE events.seq <= leads.state_seq;
        CREATE TABLE events_unreferenced (
            seq INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            lead_key INTEGER NOT NULL,
            type TEXT NOT NULL,
            occurred_at INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            body TEXT NOT NULL
        );
        INSERT INTO events_unreferenced (seq, event_id, lead_key, type, occurred_at, received_at, body)
            SELECT seq, event_id, lead_key, type, occurred_at, received_at, body FROM events ORDER BY seq;
        DROP TABLE events;
        ALTER TABLE events_unreferenced RENAME TO events;
        """),
        // An event's body keeps only its properties: its id, type and time
        // were stored twice, as columns and in the body, and every byte of a
        // row is paid for in the record, the WAL and the checkpoint
        // (docs/benchmarks.md). Bodies were written as BLOBs, which JSON
        // functions refuse, hence the casts.
        (8, """
        UPDATE events SET body = CAST(COALESCE(json_extract(CAST(body AS TEXT), '$.properties'), '{}') AS BLOB);
        """),
    ]

    /// Brings the database to the latest version (or `target`, for tests of
    /// a migration); returns the versions applied. Without `upgrade` (a
    /// process reading beside the server) an older, non-empty database is refused: a
    /// migration under a running older server would leave its later writes
    /// outside the new schema's invariants.
    @discardableResult
    static func migrate(_ db: SQLiteConnection, now: Int64, through target: Int? = nil, upgrade: Bool = true) throws -> [Int] {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
        var current = 0
        let query = try db.statement("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        if try query.step() { current = Int(query.int(0)) }
        // A statement left mid-result would make DROP TABLE fail ("table is locked").
        query.reset()
        guard let latest = all.last?.version else { return [] }
        if current > latest {
            throw SQLiteError(code: 1, message: "the database is at schema version \(current), newer than this build (\(latest)); refusing to run")
        }
        // A new database (version 0) has no older writer to surprise.
        if !upgrade, current > 0, current < (target ?? latest) {
            throw SQLiteError(code: 1, message: "the database is at schema version \(current), older than this build (\(latest)); start `mqlgate serve` on it once to upgrade it")
        }
        var applied: [Int] = []
        for migration in all where migration.version > current && migration.version <= (target ?? latest) {
            try db.transaction {
                try db.execute(migration.sql)
                try db.statement("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
                    .bind(.int(migration.version), .integer(now)).run()
            }
            applied.append(migration.version)
        }
        return applied
    }
}

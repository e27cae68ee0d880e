import Foundation

/// The SQL shared by every variant.
public enum Schema {
    public static let create: [String] = [
        """
        CREATE TABLE leads(id TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL, data TEXT NOT NULL, \
        score REAL, state BLOB, updated_at INTEGER)
        """,
        """
        CREATE TABLE events(seq INTEGER PRIMARY KEY, event_id TEXT UNIQUE NOT NULL, lead_id TEXT NOT NULL, \
        type TEXT NOT NULL, occurred_at INTEGER NOT NULL, properties TEXT NOT NULL)
        """,
        "CREATE INDEX events_lead_occurred ON events(lead_id, occurred_at)",
    ]
    public static let selectLead = "SELECT id, score FROM leads WHERE email = ?"
    public static let insertLead =
        "INSERT INTO leads(id, email, data, score, state, updated_at) VALUES (?, ?, ?, 0, NULL, ?)"
    public static let insertEvent =
        "INSERT INTO events(event_id, lead_id, type, occurred_at, properties) VALUES (?, ?, ?, ?, ?)"
    public static let updateLead = "UPDATE leads SET score = ?, state = ?, updated_at = ? WHERE id = ?"
    public static let countEvents = "SELECT count(*) FROM events"
    public static let sumScores = "SELECT total(score) FROM leads"
}

public struct LeadRef: Sendable {
    public var id: String
    public var email: String
    public var data: String

    public init(id: String, email: String, data: String) {
        self.id = id
        self.email = email
        self.data = data
    }

    /// A lead with a ~200-byte JSON document.
    public static func make(_ n: Int) -> LeadRef {
        let data = """
            {"name":"Lead \(n)","company":"Company \(n % 997) Ltd","title":"Head of Growth",\
            "country":"FR","employees":\(50 + n % 4000),"source":"webinar","tags":["saas","b2b","trial"],\
            "owner":"team-\(n % 17)"}
            """
        return LeadRef(id: "L\(n)", email: "lead\(n)@example.com", data: data)
    }
}

public struct EventRow: Sendable {
    public var eventID: String
    public var type: String
    public var occurredAt: Int64
    public var properties: String

    public init(eventID: String, type: String, occurredAt: Int64, properties: String) {
        self.eventID = eventID
        self.type = type
        self.occurredAt = occurredAt
        self.properties = properties
    }

    static let types = ["page_view", "email_open", "email_click", "form_submit", "demo_request"]

    /// An event with a ~150-byte JSON property document.
    public static func make(id: String, k: Int, at: Int64) -> EventRow {
        let properties = """
            {"page":"/pricing","utm_source":"newsletter","utm_campaign":"spring",\
            "referrer":"https://example.com/blog/post-\(k % 500)","duration_ms":\(k % 9000)}
            """
        return EventRow(eventID: id, type: types[k % types.count], occurredAt: at, properties: properties)
    }
}

/// One write job: find the lead by email (insert it if absent), insert its
/// events, then update the lead's score and state blob.
public struct Job: Sendable {
    public var lead: LeadRef
    public var events: [EventRow]
    public var scoreDelta: Double
    public var state: Data

    public init(lead: LeadRef, events: [EventRow], scoreDelta: Double, state: Data) {
        self.lead = lead
        self.events = events
        self.scoreDelta = scoreDelta
        self.state = state
    }

    /// A ~200-byte state blob.
    public static func state(_ k: Int) -> Data {
        var d = Data(count: 200)
        d[0] = UInt8(truncatingIfNeeded: k)
        d[1] = UInt8(truncatingIfNeeded: k >> 8)
        d[199] = 0x7f
        return d
    }
}

/// A storage variant under test. One instance is used by one thread at a time.
public protocol Store: AnyObject, Sendable {
    /// Runs `jobs` in ONE transaction (BEGIN IMMEDIATE ... COMMIT), each job
    /// inside its own savepoint so that a failing job rolls back alone.
    /// Returns, for each job, whether it is committed. If BEGIN or COMMIT
    /// fails, no job is.
    func runBatch(_ jobs: [Job]) -> [Bool]

    /// Wall time of the last `runBatch`'s COMMIT, nanoseconds.
    var lastCommitNs: UInt64 { get }

    /// Inserts `rows` for lead `leadID`, `perTransaction` rows per transaction.
    func insertEvents(leadID: String, rows: [EventRow], perTransaction: Int) throws

    /// (number of events, sum of lead scores), for checking a run.
    func totals() throws -> (events: Int, scoreSum: Double)

    func close()
}

/// Opens a store on a new database file: WAL, the given `synchronous` mode,
/// and the schema.
public typealias StoreFactory = @Sendable (_ path: String, _ synchronous: String) throws -> any Store

/// xorshift64*: cheap, per-thread, deterministic.
public struct FastRandom {
    var state: UInt64
    public init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    public mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}

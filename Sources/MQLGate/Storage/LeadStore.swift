import LeadScoring

/// Everything the API needs from storage. SQLite implements it today; a
/// PostgreSQL implementation would let several stateless instances share
/// one database. Writes block the calling thread until they are durable;
/// call them from worker threads, not from an event loop.
public protocol LeadStore: Sendable {
    /// The scorer writes use; replaced when the model is reloaded.
    var scorer: LeadScorer { get }

    func upsertLead(_ lead: Lead, at now: Timestamp) throws -> (LeadRecord, created: Bool)
    /// Stores events; `completion` runs (on the writer thread) once the outcome is durable.
    func ingest(_ events: [EngagementEvent], at now: Timestamp, completion: @escaping @Sendable (Result<[EventOutcome], Error>) -> Void)
    func deleteLead(id: String) throws -> Bool
    func recordFeedback(handoffID: String, outcome: FeedbackOutcome, reason: String?, owner: String?, at now: Timestamp) throws -> HandoffRecord
    func markBreaches(at now: Timestamp) throws -> [HandoffRecord]

    func lead(idOrEmail: String, at now: Timestamp) throws -> LeadRecord?
    func leads(_ query: LeadQuery) throws -> Page<LeadRecord>
    func events(leadID: String, limit: Int, cursor: String?) throws -> Page<StoredEvent>
    func handoff(id: String) throws -> HandoffRecord?
    func handoffs(_ query: HandoffQuery) throws -> Page<HandoffRecord>
    func funnel(from: Timestamp?, to: Timestamp?, at now: Timestamp) throws -> FunnelReport
    /// A durable write succeeds (readiness).
    func checkWritable() throws
    /// Finishes queued writes and closes.
    func close()
}

/// Filters for `GET /v1/leads`.
public struct LeadQuery: Sendable {
    public var stage: Stage?
    public var minScore: Double?
    public var updatedSince: Timestamp?
    public var limit: Int = 50
    public var cursor: String?
    public init() {}
}

/// Filters for `GET /v1/handoffs`.
public struct HandoffQuery: Sendable {
    public var status: HandoffRecord.Status?
    public var since: Timestamp?
    public var limit: Int = 50
    public var cursor: String?
    public init() {}
}

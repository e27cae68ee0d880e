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
    /// Stores and scores `events`; `completion` gets one outcome per event once they are durable.
    /// With `held`, the commit waits (briefly) for `releaseHeldWrites()`, so that a caller with
    /// more writes on the way has them share the commit.
    func ingest(_ events: [EngagementEvent], at now: Timestamp, held: Bool, completion: @escaping @Sendable (Result<[EventOutcome], Error>) -> Void)
    /// Lets every held write so far be committed.
    func releaseHeldWrites()
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

extension LeadStore {
    /// Stores and scores `events`, committed as soon as they have run.
    public func ingest(_ events: [EngagementEvent], at now: Timestamp, completion: @escaping @Sendable (Result<[EventOutcome], Error>) -> Void) {
        ingest(events, at: now, held: false, completion: completion)
    }
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

import Foundation
import LeadScoring

/// The durable side of webhook delivery: which deliveries are due, what each
/// attempt came to, and redriving dead ones.
extension SQLiteLeadStore {
    static let deliveryColumns = """
        d.id, d.message_id, d.handoff_id, o.type, d.endpoint, d.status, d.attempts, d.next_attempt_at,
        d.last_attempt_at, d.last_status, d.last_error, d.delivered_at
        """

    /// Pending deliveries whose time has come, oldest first, with their payloads.
    func dueDeliveries(at now: Timestamp, limit: Int) throws -> [DueDelivery] {
        try readers.withConnection { db in
            let query = try db.statement("""
                SELECT d.id, d.message_id, d.endpoint, d.attempts, o.payload FROM deliveries d JOIN outbox o ON o.id = d.message_id
                WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?
                """).bind(.integer(now.milliseconds), .int(limit))
            var due: [DueDelivery] = []
            while try query.step() {
                due.append(DueDelivery(id: query.int(0), messageID: query.string(1) ?? "", endpoint: query.string(2) ?? "",
                                       attempts: Int(query.int(3)), payload: query.blob(4)))
            }
            return due
        }
    }

    /// When the earliest pending delivery falls due, if any.
    func nextDeliveryDue() throws -> Timestamp? {
        try readers.withConnection { db in
            let query = try db.statement("SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'")
            guard try query.step(), !query.isNull(0) else { return nil }
            return Timestamp(milliseconds: query.int(0))
        }
    }

    /// Records an attempt; `retryAt` nil with a failure means the schedule is exhausted.
    func recordAttempt(_ delivery: DueDelivery, _ attempt: DeliveryAttempt, retryAt: Timestamp?, now: Timestamp) throws {
        try writer.write { db in
            switch attempt {
            case .delivered(let status):
                try db.statement("""
                    UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, last_attempt_at = ?, last_status = ?,
                    last_error = NULL, delivered_at = ?, next_attempt_at = NULL WHERE id = ?
                    """).bind(.integer(now.milliseconds), .int(status), .integer(now.milliseconds), .integer(delivery.id)).run()
            case .failed(let status, let error, _):
                try db.statement("""
                    UPDATE deliveries SET status = ?, attempts = attempts + 1, last_attempt_at = ?, last_status = ?, last_error = ?,
                    next_attempt_at = ? WHERE id = ?
                    """).bind(
                        .text(retryAt == nil ? "dead" : "pending"), .integer(now.milliseconds), .optional(status.map(Int64.init)),
                        .text(String(error.prefix(500))), .optional(retryAt?.milliseconds), .integer(delivery.id)
                    ).run()
            case .gone:
                // 410: the receiver says the endpoint is gone for good; stop calling it.
                try db.statement("INSERT INTO disabled_endpoints (endpoint, disabled_at, reason) VALUES (?, ?, ?) ON CONFLICT(endpoint) DO NOTHING")
                    .bind(.text(delivery.endpoint), .integer(now.milliseconds), .text("410 Gone")).run()
                try db.statement("""
                    UPDATE deliveries SET attempts = attempts + CASE WHEN id = ? THEN 1 ELSE 0 END, status = 'disabled',
                    last_status = CASE WHEN id = ? THEN 410 ELSE last_status END, next_attempt_at = NULL
                    WHERE endpoint = ? AND status = 'pending'
                    """).bind(.integer(delivery.id), .integer(delivery.id), .text(delivery.endpoint)).run()
            }
        }
    }

    /// Endpoints that answered 410 Gone.
    func disabledEndpoints() throws -> Set<String> {
        try readers.withConnection { db in
            let query = try db.statement("SELECT endpoint FROM disabled_endpoints")
            var endpoints = Set<String>()
            while try query.step() { endpoints.insert(query.string(0) ?? "") }
            return endpoints
        }
    }

    /// Deliveries of one handoff's messages.
    public func deliveries(handoffID: String) throws -> [DeliveryRecord] {
        try readers.withConnection { db in
            let query = try db.statement(
                "SELECT \(Self.deliveryColumns) FROM deliveries d JOIN outbox o ON o.id = d.message_id WHERE d.handoff_id = ? ORDER BY d.id"
            ).bind(.text(handoffID))
            var records: [DeliveryRecord] = []
            while try query.step() { records.append(Self.delivery(query)) }
            return records
        }
    }

    /// Deliveries in a status (the dead letters, typically), oldest first.
    public func deliveries(status: DeliveryRecord.Status, limit: Int, after: Int64?) throws -> Page<DeliveryRecord> {
        try readers.withConnection { db in
            let query = try db.statement("""
                SELECT \(Self.deliveryColumns) FROM deliveries d JOIN outbox o ON o.id = d.message_id
                WHERE d.status = ? AND d.id > ? ORDER BY d.id LIMIT ?
                """).bind(.text(status.rawValue), .integer(after ?? 0), .int(limit + 1))
            var records: [DeliveryRecord] = []
            while try query.step() { records.append(Self.delivery(query)) }
            let more = records.count > limit
            if more { records.removeLast() }
            return Page(items: records, nextCursor: more ? records.last.map { Cursor.encode([String($0.id)]) } : nil)
        }
    }

    /// Puts a handoff's dead (and disabled) deliveries back in line, due now; re-enables their endpoints.
    public func redrive(handoffID: String, at now: Timestamp) throws -> Int {
        try writer.write { db in
            try db.statement("""
                DELETE FROM disabled_endpoints WHERE endpoint IN
                (SELECT endpoint FROM deliveries WHERE handoff_id = ? AND status IN ('dead', 'disabled'))
                """).bind(.text(handoffID)).run()
            try db.statement("""
                UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?
                WHERE handoff_id = ? AND status IN ('dead', 'disabled')
                """).bind(.integer(now.milliseconds), .text(handoffID)).run()
            return db.changes
        }
    }

    private static func delivery(_ row: SQLiteStatement) -> DeliveryRecord {
        func time(_ column: Int32) -> Timestamp? { row.isNull(column) ? nil : Timestamp(milliseconds: row.int(column)) }
        return DeliveryRecord(
            id: row.int(0), messageID: row.string(1) ?? "", handoffID: row.string(2), type: row.string(3) ?? "",
            endpoint: row.string(4) ?? "", status: DeliveryRecord.Status(rawValue: row.string(5) ?? "") ?? .pending,
            attempts: Int(row.int(6)), nextAttemptAt: time(7), lastAttemptAt: time(8),
            lastStatus: row.isNull(9) ? nil : Int(row.int(9)), lastError: row.string(10), deliveredAt: time(11)
        )
    }
}

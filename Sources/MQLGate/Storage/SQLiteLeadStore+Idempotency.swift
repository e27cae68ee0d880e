import Foundation
import LeadScoring

/// Stored responses for `Idempotency-Key` replays.
extension SQLiteLeadStore {
    /// A response kept for replay, with the fingerprint of the request that produced it.
    struct StoredResponse: Sendable {
        var fingerprint: [UInt8]
        var status: Int
        var contentType: String?
        var location: String?
        var body: [UInt8]
    }

    func storedResponse(scope: String, key: String) throws -> StoredResponse? {
        try readers.withConnection { db in
            let query = try db.statement("SELECT fingerprint, status, content_type, location, body FROM idempotency WHERE scope = ? AND key = ?")
                .bind(.text(scope), .text(key))
            guard try query.step() else { return nil }
            return StoredResponse(fingerprint: query.blob(0), status: Int(query.int(1)), contentType: query.string(2),
                                  location: query.string(3), body: query.blob(4))
        }
    }

    /// Keeps `response` durably, then calls `completion` (on the writer thread).
    func storeResponse(scope: String, key: String, _ response: StoredResponse, at now: Timestamp,
                       completion: @escaping @Sendable (Result<Void, Error>) -> Void) {
        writer.submit({ db in
            try db.statement("""
                INSERT INTO idempotency (scope, key, fingerprint, status, content_type, location, body, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(scope, key) DO NOTHING
                """).bind(
                    .text(scope), .text(key), .blob(response.fingerprint), .int(response.status), .optional(response.contentType),
                    .optional(response.location), .blob(response.body), .integer(now.milliseconds)
                ).run()
        }, completion: completion)
    }

    /// Forgets stored responses older than `before`.
    func purgeStoredResponses(before: Timestamp) throws {
        try writer.write { db in
            try db.statement("DELETE FROM idempotency WHERE created_at < ?").bind(.integer(before.milliseconds)).run()
        }
    }
}

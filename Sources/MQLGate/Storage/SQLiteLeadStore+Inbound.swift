import Foundation
import LeadScoring

/// Applying messages from signed inbound webhooks exactly once.
extension SQLiteLeadStore {
    /// What one inbound message did.
    struct InboundOutcome: Sendable {
        var duplicate = false
        var leads = 0
        var events: [EventOutcome] = []
    }

    /// One HubSpot contact change, already parsed.
    struct HubSpotChange: Sendable {
        var eventID: String
        var objectID: String
        /// `email` for the address itself, else a lead field or `attributes.X`.
        var field: String
        var value: JSONValue
    }

    /// Applies leads and events from message `id` of `source` in one transaction, unless that id was seen before.
    func applyInbound(source: String, id: String, leads: [Lead], events: [EngagementEvent], at now: Timestamp) throws -> InboundOutcome {
        let prepared = events.map { PreparedEvent($0, now: now) }
        // Through `write`, a ledger job: a failure drops what it cached, and its handoffs are counted.
        return try write { ledger in
            let db = ledger.db
            try db.statement("INSERT INTO inbound_messages (source, id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                .bind(.text(source), .text(id), .integer(now.milliseconds)).run()
            guard db.changes == 1 else { return InboundOutcome(duplicate: true) }
            var outcome = InboundOutcome()
            for lead in leads {
                _ = try ledger.upsert(lead, now: now)
                outcome.leads += 1
            }
            if !prepared.isEmpty { outcome.events = try ledger.ingest(prepared, now: now) }
            return outcome
        }
    }

    /// Applies HubSpot contact changes, each at most once (by its `eventId`). The
    /// contact's e-mail is remembered per object id, so later changes to other
    /// properties reach the same lead. Returns (applied, duplicates, unknown contacts).
    func applyHubSpot(_ changes: [HubSpotChange], at now: Timestamp) throws -> (applied: Int, duplicates: Int, unmapped: Int) {
        return try write { ledger in
            let db = ledger.db
            var applied = 0, duplicates = 0, unmapped = 0
            for change in changes {
                try db.statement("INSERT INTO inbound_messages (source, id, received_at) VALUES ('hubspot', ?, ?) ON CONFLICT DO NOTHING")
                    .bind(.text(change.eventID), .integer(now.milliseconds)).run()
                guard db.changes == 1 else { duplicates += 1; continue }
                var email: String?
                if change.field == "email", case .string(let raw) = change.value, let normalized = Lead.normalizedEmail(raw) {
                    try db.statement("INSERT INTO hubspot_contacts (object_id, email) VALUES (?, ?) ON CONFLICT(object_id) DO UPDATE SET email = excluded.email")
                        .bind(.text(change.objectID), .text(normalized)).run()
                    email = normalized
                } else {
                    let query = try db.statement("SELECT email FROM hubspot_contacts WHERE object_id = ?").bind(.text(change.objectID))
                    if try query.step() { email = query.string(0) }
                }
                guard let email else { unmapped += 1; continue }
                var members: [String: JSONValue] = ["email": .string(email), "external_id": .string("hubspot:\(change.objectID)")]
                if change.field != "email" {
                    if change.field.hasPrefix("attributes.") {
                        members["attributes"] = .object([String(change.field.dropFirst(11)): change.value])
                    } else {
                        members[change.field] = change.value
                    }
                }
                guard let lead = try? Lead(json: .object(members)) else { unmapped += 1; continue }
                _ = try ledger.upsert(lead, now: now)
                applied += 1
            }
            return (applied, duplicates, unmapped)
        }
    }
}

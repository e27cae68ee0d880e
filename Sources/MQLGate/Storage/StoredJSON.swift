import Foundation
import LeadScoring

/// How values are kept in the database's JSON columns.
enum StoredJSON {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try JSONEncoder().encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }

    /// The scoring state: derived from the lead's events, kept so a restart
    /// or a read does not have to replay them. Written in the library's
    /// compact binary form (it is rewritten on every event).
    static func encodeState(_ state: LeadScoreState) throws -> [UInt8] { state.serialized() }

    /// Nil when absent or unreadable: the caller rebuilds the state from the events.
    static func decodeState(_ bytes: [UInt8]) -> LeadScoreState? {
        guard let first = bytes.first else { return nil }
        // JSON states ("{…") predate the binary form.
        if first == UInt8(ascii: "{") { return try? decode(LeadScoreState.self, bytes) }
        return try? LeadScoreState(serialized: bytes)
    }

    /// Written by hand, straight to bytes: it is stored on every write. The
    /// same bytes `JSONWriter` makes of the equivalent object (members sorted).
    static func encodeLifecycle(_ state: LifecycleState) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        func time(_ member: StaticString, _ value: Timestamp?) {
            out.append(contentsOf: UnsafeBufferPointer(start: member.utf8Start, count: member.utf8CodeUnitCount))
            if let value { JSONWriter.writeString(value.rfc3339, into: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        time(#"{"changed_at":"#, state.changedAt)
        out.append(contentsOf: #","episode":"#.utf8)
        out.append(contentsOf: String(state.episode).utf8)
        time(#","qualified_at":"#, state.qualifiedAt)
        time(#","rejected_at":"#, state.rejectedAt)
        out.append(contentsOf: #","stage":"#.utf8)
        JSONWriter.writeString(state.stage.rawValue, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func decodeLifecycle(_ bytes: [UInt8]) -> LifecycleState {
        (try? decode(LifecycleState.self, bytes)) ?? .initial
    }

    static func decodeLead(_ bytes: [UInt8]) throws -> Lead {
        try Lead(json: JSONValue.parse(bytes), unknownMembers: .ignore)
    }

    /// An event from its row: `body` holds its properties (`PreparedEvent`),
    /// the columns the rest. Stored events were validated on the way in.
    static func decodeEvent(body: [UInt8], eventID: String, type: String, occurredAt: Int64) throws -> EngagementEvent {
        guard case .object(let properties) = try JSONValue.parse(body) else {
            throw SQLiteError(code: 11, message: "the stored properties of event \(eventID) are not a JSON object")
        }
        return EngagementEvent(eventId: eventID, type: type, occurredAt: Timestamp(milliseconds: occurredAt), properties: properties)
    }
}

/// Reading and writing handoff rows: the indexed columns plus the whole record as JSON.
enum HandoffRows {
    static func insert(_ db: SQLiteConnection, _ handoff: HandoffRecord) throws {
        try db.statement("""
            INSERT INTO handoffs (id, lead_id, episode, outcome, due_at, breached_at, first_feedback_at, created_at, body)
            VALUES (?, ?, ?, 'open', ?, NULL, NULL, ?, ?)
            """).bind(
                .text(handoff.id), .text(handoff.leadID), .int(handoff.episode), .optional(handoff.sla?.dueAt.milliseconds),
                .integer(handoff.createdAt.milliseconds), .blob(try StoredJSON.encode(handoff))
            ).run()
    }

    static func update(_ db: SQLiteConnection, _ handoff: HandoffRecord) throws {
        try db.statement("UPDATE handoffs SET outcome = ?, breached_at = ?, first_feedback_at = ?, body = ? WHERE id = ?").bind(
            .text(handoff.outcome.rawValue), .optional(handoff.breachedAt?.milliseconds),
            .optional(handoff.feedback.first?.at.milliseconds), .blob(try StoredJSON.encode(handoff)), .text(handoff.id)
        ).run()
    }

    static func load(_ db: SQLiteConnection, id: String) throws -> HandoffRecord? {
        let query = try db.statement("SELECT body FROM handoffs WHERE id = ?").bind(.text(id))
        guard try query.step() else { return nil }
        return try StoredJSON.decode(HandoffRecord.self, query.blob(0))
    }
}

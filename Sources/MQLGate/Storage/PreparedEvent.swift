import LeadScoring

/// An event ready for the writer: its id assigned and its stored document
/// encoded. Preparation runs on the submitting thread (an event loop), so
/// the one writer thread, which bounds ingestion, only inserts and scores.
struct PreparedEvent: Sendable {
    /// The event with its `event_id` set; `email` / `lead_id` still name the lead.
    let event: EngagementEvent
    /// The `events.body` column.
    let document: [UInt8]

    init(_ event: EngagementEvent, now: Timestamp) {
        var event = event
        if event.eventId == nil { event.eventId = Identifier.make("ev_", at: now.milliseconds) }
        self.event = event
        document = Self.document(of: event)
    }

    /// The stored form: the event's own members without the lead, which is a
    /// column. Byte for byte what `JSONWriter` makes of `jsonValue` (members
    /// in sorted order), written directly because every event pays for it.
    static func document(of event: EngagementEvent) -> [UInt8] {
        var out: [UInt8] = []
        // Room for the fixed parts, the ids and a few short properties: growing
        // the array once more cost a twentieth of a batched event's decoding.
        out.reserveCapacity(96 + (event.eventId?.utf8.count ?? 0) + event.type.utf8.count + event.properties.count * 48)
        out.append(UInt8(ascii: "{"))
        if let eventId = event.eventId {
            out.append(contentsOf: #""event_id":"#.utf8)
            JSONWriter.writeString(eventId, into: &out)
            out.append(UInt8(ascii: ","))
        }
        out.append(contentsOf: #""occurred_at":"#.utf8)
        JSONWriter.writeString(event.occurredAt.rfc3339, into: &out)
        if !event.properties.isEmpty {
            out.append(contentsOf: #","properties":"#.utf8)
            JSONWriter.write(.object(event.properties), into: &out)
        }
        out.append(contentsOf: #","type":"#.utf8)
        JSONWriter.writeString(event.type, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

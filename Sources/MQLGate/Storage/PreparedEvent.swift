import LeadScoring

/// An event ready for the writer: its id assigned and its stored document
/// encoded. Preparation runs on the submitting thread (an event loop), so
/// the one writer thread, which bounds ingestion, only inserts and scores.
struct PreparedEvent: Sendable {
    /// The event with its `event_id` set; `email` / `lead_id` still name the lead.
    let event: EngagementEvent
    /// The `events.body` column: the event's properties as a JSON object.
    /// Its id, type and time are columns of their own, and the lead is a
    /// column too, so the row holds nothing twice (schema version 8).
    let document: [UInt8]

    init(_ event: EngagementEvent, now: Timestamp) {
        var event = event
        if event.eventId == nil { event.eventId = Identifier.make("ev_", at: now.milliseconds) }
        self.event = event
        document = Self.document(of: event)
    }

    static func document(of event: EngagementEvent) -> [UInt8] {
        guard !event.properties.isEmpty else { return Array("{}".utf8) }
        var out: [UInt8] = []
        // Room for a few short properties: growing the array once more cost a
        // twentieth of a batched event's decoding.
        out.reserveCapacity(event.properties.count * 48)
        JSONWriter.write(.object(event.properties), into: &out)
        return out
    }
}

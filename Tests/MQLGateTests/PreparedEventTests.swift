import Foundation
import LeadScoring
import Testing
@testable import MQLGate

@Suite("Stored event documents")
struct PreparedEventTests {
    /// The stored body is the event's properties, and the row's columns with it give the event back.
    @Test(arguments: [
        #"{"email":"a@acme.com","type":"page_view","event_id":"x-1","properties":{"path":"/pricing","n":3,"tags":["a","b"],"q":"say \"hi\"\n"}}"#,
        #"{"lead_id":"ld_1","type":"demo_request","occurred_at":"2026-11-29T10:00:00.250Z"}"#,
        #"{"email":"a@acme.com","type":"webinar_attended","properties":{"nested":{"z":null,"a":true}},"event_id":"quote\"back\\slash"}"#,
    ])
    func documentHoldsTheProperties(_ json: String) throws {
        let now = Timestamp(milliseconds: 1_796_000_000_000)
        let event = try EngagementEvent(json: JSONValue.parse(Data(json.utf8)), receivedAt: now, requireLead: true)
        let prepared = PreparedEvent(event, now: now)
        #expect(prepared.document == (event.properties.isEmpty ? Array("{}".utf8) : JSONWriter.bytes(.object(event.properties))))
        let eventID = try #require(prepared.event.eventId)
        var stored = prepared.event
        stored.email = nil
        stored.leadId = nil
        #expect(try StoredJSON.decodeEvent(body: prepared.document, eventID: eventID, type: event.type, occurredAt: event.occurredAt.milliseconds) == stored)
    }
}

@Suite("Stored lifecycle documents")
struct StoredLifecycleTests {
    @Test(arguments: [
        LifecycleState.initial,
        LifecycleState(stage: .mql, episode: 2, qualifiedAt: Timestamp(milliseconds: 1_796_000_000_123), rejectedAt: nil, changedAt: Timestamp(milliseconds: 1_796_000_000_123)),
        LifecycleState(stage: .rejected, episode: 1, qualifiedAt: Timestamp(milliseconds: 1_700_000_000_000), rejectedAt: Timestamp(milliseconds: 1_700_000_500_000), changedAt: nil),
    ])
    func directEncodingMatchesTheGeneralWriter(_ state: LifecycleState) {
        let reference = JSONWriter.bytes(.object([
            "stage": .string(state.stage.rawValue), "episode": .number(Double(state.episode)),
            "qualified_at": .time(state.qualifiedAt), "rejected_at": .time(state.rejectedAt), "changed_at": .time(state.changedAt),
        ]))
        #expect(StoredJSON.encodeLifecycle(state) == reference)
        #expect(StoredJSON.decodeLifecycle(StoredJSON.encodeLifecycle(state)) == state)
    }
}

import LeadScoring
import Testing
@testable import MQLGate

@Suite("Events receipt")
struct EventsReceiptTests {
    /// The direct writer must produce what the general writer makes of the same value.
    @Test func matchesTheGeneralWriter() {
        var receipt = EventsReceipt(rejected: [(3, [ValidationIssue(pointer: "/type", detail: "is \"required\"")])], capacity: 4)
        receipt.accept(index: 0, eventID: "e-1", leadID: "ld_1")
        receipt.duplicate(index: 1, eventID: "e\\2")
        receipt.reject(index: 2, issues: [ValidationIssue(pointer: "/lead_id", detail: "no lead"), ValidationIssue(pointer: "/x", detail: "y")])
        receipt.accept(index: 4, eventID: "e-5", leadID: "ld_2")
        let reference: JSONValue = .object([
            "accepted": .number(2), "duplicates": .number(1),
            "events": .array([
                .object(["index": .number(0), "event_id": .string("e-1"), "lead_id": .string("ld_1"), "status": .string("accepted")]),
                .object(["index": .number(1), "event_id": .string("e\\2"), "status": .string("duplicate")]),
                .object(["index": .number(4), "event_id": .string("e-5"), "lead_id": .string("ld_2"), "status": .string("accepted")]),
            ]),
            "rejected": .array([
                .object(["index": .number(2), "errors": .array([
                    .object(["pointer": .string("/lead_id"), "detail": .string("no lead")]),
                    .object(["pointer": .string("/x"), "detail": .string("y")]),
                ])]),
                .object(["index": .number(3), "errors": .array([.object(["pointer": .string("/type"), "detail": .string("is \"required\"")])])]),
            ]),
        ])
        #expect(String(decoding: receipt.bytes(), as: UTF8.self) == JSONWriter.string(reference))
        #expect(String(decoding: EventsReceipt(rejected: [], capacity: 0).bytes(), as: UTF8.self) == #"{"accepted":0,"duplicates":0,"events":[],"rejected":[]}"#)
    }
}

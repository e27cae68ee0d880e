import Foundation
import PropertyBased
import Testing
@testable import LeadScoring

@Suite("Events read straight from bytes")
struct EventListReaderTests {
    static let now = Timestamp(milliseconds: 1_796_000_000_000)

    /// What the general path makes of a body: a JSON value, then each element validated; nil when it is not JSON.
    static func general(_ bytes: [UInt8]) -> EventListReader.List? {
        guard let document = try? JSONValue.parse(Data(bytes)) else { return nil }
        let validate = { (value: JSONValue) -> Result<EngagementEvent, ValidationError> in
            do throws(ValidationError) {
                return .success(try EngagementEvent(json: value, receivedAt: now, requireLead: true))
            } catch {
                return .failure(error)
            }
        }
        switch document {
        case .array(let items): return EventListReader.List(items: items.map(validate), single: false)
        case .object(let members) where members["batch"] != nil:
            guard case .array(let items)? = members["batch"], members.count == 1 else { return nil }
            return EventListReader.List(items: items.map(validate), single: false)
        default: return EventListReader.List(items: [validate(document)], single: true)
        }
    }

    static func read(_ bytes: [UInt8]) -> EventListReader.List? {
        bytes.withUnsafeBytes { EventListReader.read($0, receivedAt: now, requireLead: true) }
    }

    /// The reader either declines or agrees with the general path on every element.
    static func expectAgreement(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let fast = read(bytes) else { return }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let reference = general(bytes) else {
            Issue.record("read \(text) that the general path refuses", sourceLocation: sourceLocation)
            return
        }
        #expect(fast.single == reference.single, "\(text)", sourceLocation: sourceLocation)
        #expect(fast.items == reference.items, "\(text)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        #"{"email":"lead1@acme.com","type":"page_view","event_id":"run-1","properties":{"path":"/pricing"}}"#,
        #"[{"email":"a@acme.com","type":"page_view"},{"lead_id":"ld_1","type":"Demo_Request","occurred_at":"2026-11-29T10:00:00.250Z"}]"#,
        #"{"batch": [ {"email":" A@Acme.COM ","type":"webinar_attended","properties":{"url":"https://x.io/a?b#c","n":[1,{"k":null}]}} ]}"#,
        " \r\n[ {\"type\" : \"page_view\" , \"email\" : \"a@acme.com\" } ] \n",
        #"[{"type":"page_view","email":"a\u0040acme.com","event_id":"\ud83d\ude00 é"}]"#,
        #"[{"type":"page_view","email":null,"lead_id":null,"event_id":null,"occurred_at":null,"properties":null}]"#,
        #"[{}, {"type":"bad type!","email":"not-an-address"}, {"type":7,"email":"a@acme.com","properties":[]}]"#,
        #"[{"type":"page_view","email":"a@acme.com","occurred_at":"2031-01-01T00:00:00Z"}]"#,
        #"[{"type":"page_view","lead_id":12345,"event_id":""}]"#,
        #"{"em\u0061il":"a@acme.com","type":"page_view"}"#, #"{}"#, "[]", #"{"batch":[]}"#,
    ])
    func commonFormsAreReadAsTheGeneralPathReadsThem(_ body: String) throws {
        let bytes = Array(body.utf8)
        let fast = try #require(Self.read(bytes))
        let reference = try #require(Self.general(bytes))
        #expect(fast.single == reference.single)
        #expect(fast.items == reference.items)
    }

    @Test(arguments: [
        #"{"email":"a@acme.com","type":"page_view","source":"crm"}"#,              // unknown member: its issue is the general path's
        #"[{"email":"a@acme.com","type":"page_view","type":"form_submit"}]"#,      // repeated member: the last wins there
        "\u{FEFF}[{\"email\":\"a@acme.com\",\"type\":\"page_view\"}]",
        #"[{"email":"a@acme.com","type":"page_view"}, 3]"#,
        #"[{"email":"a@acme.com","type":"page_view"},]"#,
        #"[{"email":"a@acme.com","type":"page_view",}]"#,
        #"[{"email":"a@acme.com","type":"page_view"}"#,
        #"[{"email":"a@acme.com","type":"page_view"}] x"#,
        #"{"batch":[{"email":"a@acme.com","type":"page_view"}],"more":1}"#,
        #"{"batch":{"email":"a@acme.com"}}"#,
        #"{"type":"page_view","batch":[]}"#,
        #""page_view""#, "", " ",
    ])
    func otherFormsAreLeftToTheGeneralPath(_ body: String) {
        #expect(Self.read(Array(body.utf8)) == nil)
    }

    @Test func nestingCountsTheContainersTheReaderEntered() {
        // The general path allows 512 levels in all: the array, the event and 510 in its properties.
        func body(_ levels: Int) -> [UInt8] {
            Array(("[{\"email\":\"a@acme.com\",\"type\":\"x\",\"properties\":" + String(repeating: "{\"a\":", count: levels - 1)
                   + "{}" + String(repeating: "}", count: levels - 1) + "}]").utf8)
        }
        #expect(Self.read(body(510)) != nil && Self.general(body(510)) != nil)
        #expect(Self.read(body(511)) == nil && Self.general(body(511)) == nil)
    }

    @Test func oversizedListsAreLeftToTheGeneralPath() {
        let body = Array(("[" + Array(repeating: #"{"email":"a@acme.com","type":"page_view"}"#, count: 4).joined(separator: ",") + "]").utf8)
        #expect(body.withUnsafeBytes { EventListReader.read($0, receivedAt: Self.now, maxEvents: 4) }?.items.count == 4)
        #expect(body.withUnsafeBytes { EventListReader.read($0, receivedAt: Self.now, maxEvents: 3) } == nil)
    }

    @Test func ndjsonLinesAreReadOneByOne() throws {
        let line = Array(#"{"email":"a@acme.com","type":"page_view"}"#.utf8)
        let item = try #require(line.withUnsafeBytes { EventListReader.readOne($0, receivedAt: Self.now, requireLead: true) })
        #expect(item == Self.general(line)?.items.first)
        #expect(Array("[]".utf8).withUnsafeBytes { EventListReader.readOne($0, receivedAt: Self.now) } == nil)
    }

    /// A random event object: members from the known ones (sometimes an unknown or repeated one),
    /// values of every kind, random whitespace and order.
    static func randomEvent(_ rng: inout SplitMix) -> String {
        let names = ["email", "lead_id", "type", "event_id", "occurred_at", "properties", "source", "batch"]
        let strings = [#""a@acme.com""#, #"" B@Example.ORG ""#, #""not an address""#, #""page_view""#, #""Demo_Request""#,
                       #""bad type""#, #""2026-11-29T10:00:00Z""#, #""2031-01-01T00:00:00Z""#, #""ev-\u00e9-1""#, #""""#,
                       #"" ""#, "null", "12", "true", "[]", #"{"path":"/pricing"}"#, #"{"url":"https://acme.com/a?b","n":[1,2.5,{}]}"#]
        func ws() -> String { ["", " ", "\n", "\t ", "\r\n"][Int(rng.next() % 5)] }
        var members: [String] = []
        for _ in 0..<(rng.next() % 7) {
            let name = rng.next() % 10 == 0 ? names[Int(rng.next() % UInt64(names.count))] : names[Int(rng.next() % 6)]
            members.append(ws() + "\"\(name)\"" + ws() + ":" + ws() + strings[Int(rng.next() % UInt64(strings.count))] + ws())
        }
        if rng.next() % 2 == 0 { members.insert(#""type":"page_view""#, at: 0) }
        if rng.next() % 2 == 0 { members.append(#""email":"lead\#(rng.next() % 100)@acme.com""#) }
        return "{" + ws() + members.joined(separator: ",") + ws() + "}"
    }

    @Test func randomBodiesAgreeWithTheGeneralPath() async {
        await propertyCheck(count: 3000, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var rng = SplitMix(state: seed)
            let events = (0..<(rng.next() % 5)).map { _ in Self.randomEvent(&rng) }
            var body: String
            switch rng.next() % 3 {
            case 0: body = Self.randomEvent(&rng)
            case 1: body = "[" + events.joined(separator: ",") + "]"
            default: body = #"{"batch":["# + events.joined(separator: ", ") + "]}"
            }
            var bytes = Array(body.utf8)
            Self.expectAgreement(bytes)
            // Damaged copies: the reader declines or still agrees.
            JSONParserTests.damage(&bytes, &rng, edits: 3, inserting: #"{}[]",: \"#)
            Self.expectAgreement(bytes)
        }
    }
}

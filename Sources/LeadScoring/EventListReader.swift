/// Reads the events of an ingestion request straight from its bytes, in the
/// shapes events arrive in: one event object, an array of them, or
/// `{"batch": [...]}`.
///
/// It gives the same events and the same validation issues as parsing the
/// body into a `JSONValue` and validating each element with
/// `EngagementEvent(json:…)` (the validation is shared), without building a
/// dictionary per event only to take it apart again: on batches that was a
/// fifth of an event loop's time. It reads only the common form, and answers
/// `nil` for anything else (a syntax error, a repeated or unknown member, an
/// element that is not an object, a byte order mark), so that the caller
/// takes the general path and reports exactly what it always did.
public enum EventListReader {
    /// The outcome of reading one request body.
    public struct List: Sendable {
        /// One entry per submitted element, in order.
        public var items: [Result<EngagementEvent, ValidationError>]
        /// Whether the body was one event object rather than a list.
        public var single: Bool
    }

    /// Reads `bytes`, or answers `nil` when the general path must. A list
    /// of more than `maxEvents` is left to the general path too, which
    /// counts it before validating any of it: an oversized request costs at
    /// most `maxEvents` validations before it is refused.
    public static func read(
        _ bytes: UnsafeRawBufferPointer, receivedAt: Timestamp, maxFutureSkew: Int64? = 300, requireLead: Bool = false,
        maxEvents: Int = .max
    ) -> List? {
        guard !bytes.isEmpty, bytes[0] != 0xEF, bytes[0] != 0xFE, bytes[0] != 0xFF else { return nil }
        var parser = JSONParser(bytes: bytes)
        let options = Options(receivedAt: receivedAt, maxFutureSkew: maxFutureSkew, requireLead: requireLead, maxEvents: maxEvents)
        do throws(Decline) {
            let list: List
            switch parser.peek() {
            case UInt8(ascii: "[")?:
                list = List(items: try elements(&parser, options), single: false)
            case UInt8(ascii: "{")?:
                let start = parser.offset
                _ = parser.skip(UInt8(ascii: "{"))
                if parser.peek() == UInt8(ascii: "\""), try name(&parser) == "batch" {
                    guard parser.skip(UInt8(ascii: ":")) else { return nil }
                    parser.enclosingDepth = 1
                    let items = try elements(&parser, options)
                    guard parser.skip(UInt8(ascii: "}")) else { return nil }
                    list = List(items: items, single: false)
                } else {
                    parser.rewind(to: start)
                    list = List(items: [try event(&parser, options)], single: true)
                }
            default:
                return nil
            }
            return parser.peek() == nil ? list : nil
        } catch {
            return nil
        }
    }

    /// Reads one event document (a line of NDJSON), or answers `nil` when the general path must.
    public static func readOne(
        _ bytes: UnsafeRawBufferPointer, receivedAt: Timestamp, maxFutureSkew: Int64? = 300, requireLead: Bool = false
    ) -> Result<EngagementEvent, ValidationError>? {
        guard let list = read(bytes, receivedAt: receivedAt, maxFutureSkew: maxFutureSkew, requireLead: requireLead),
              list.single else { return nil }
        return list.items[0]
    }

    private struct Options {
        let receivedAt: Timestamp
        let maxFutureSkew: Int64?
        let requireLead: Bool
        let maxEvents: Int
    }

    /// Not the common form: the general path takes the whole body.
    private struct Decline: Error {}

    /// `[` event, … `]` and the whitespace after it.
    private static func elements(_ parser: inout JSONParser, _ options: Options) throws(Decline) -> [Result<EngagementEvent, ValidationError>] {
        guard parser.skip(UInt8(ascii: "[")) else { throw Decline() }
        parser.enclosingDepth += 1
        defer { parser.enclosingDepth -= 1 }
        var items: [Result<EngagementEvent, ValidationError>] = []
        if parser.skip(UInt8(ascii: "]")) { return items }
        while true {
            guard items.count < options.maxEvents else { throw Decline() }
            items.append(try event(&parser, options))
            if parser.skip(UInt8(ascii: ",")) { continue }
            guard parser.skip(UInt8(ascii: "]")) else { throw Decline() }
            return items
        }
    }

    /// One event object and the whitespace after it.
    private static func event(_ parser: inout JSONParser, _ options: Options) throws(Decline) -> Result<EngagementEvent, ValidationError> {
        guard parser.skip(UInt8(ascii: "{")) else { throw Decline() }
        parser.enclosingDepth += 1
        defer { parser.enclosingDepth -= 1 }
        var members = EngagementEvent.Members()
        if !parser.skip(UInt8(ascii: "}")) {
            while true {
                guard parser.peek() == UInt8(ascii: "\""), let name = EngagementEvent.Members.Name(try name(&parser)),
                      members[name] == nil, parser.skip(UInt8(ascii: ":")) else { throw Decline() }
                do {
                    members[name] = parser.peek() == UInt8(ascii: "\"") ? .string(try parser.string()) : try parser.value()
                } catch {
                    throw Decline()
                }
                if parser.skip(UInt8(ascii: ",")) { continue }
                guard parser.skip(UInt8(ascii: "}")) else { throw Decline() }
                break
            }
        }
        do throws(ValidationError) {
            return .success(try EngagementEvent(
                members, unknown: [], receivedAt: options.receivedAt, maxFutureSkew: options.maxFutureSkew,
                requireLead: options.requireLead, unknownMembers: .reject))
        } catch {
            return .failure(error)
        }
    }

    /// A member name at `i` (its opening quote).
    private static func name(_ parser: inout JSONParser) throws(Decline) -> String {
        do {
            return try parser.string()
        } catch {
            throw Decline()
        }
    }
}

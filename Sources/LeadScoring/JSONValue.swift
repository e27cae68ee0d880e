import Foundation

/// Any JSON value, as it arrived: the loose input of leads, events and event properties.
///
/// Decoding first into `JSONValue` and then validating field by field is what
/// lets every problem be reported with its JSON pointer, all at once.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses a JSON document (strict RFC 8259, UTF-8; see `JSONParser` for the exact rules: the
    /// last of repeated member names wins, nesting is limited to 512 levels, lone surrogates,
    /// invalid UTF-8 and trailing commas are errors). A syntax error becomes a validation error at
    /// the document root whose detail says what is wrong and at which byte offset.
    public static func parse<Bytes: ContiguousBytes>(_ data: Bytes) throws(ValidationError) -> JSONValue {
        let parsed: Result<JSONValue, JSONParser.SyntaxError> = data.withUnsafeBytes { bytes in
            do throws(JSONParser.SyntaxError) {
                return .success(try JSONParser.parse(bytes))
            } catch {
                return .failure(error)
            }
        }
        switch parsed {
        case .success(let value): return value
        case .failure(let error): throw ValidationError([ValidationIssue(pointer: "", detail: error.detail)])
        }
    }

    /// Parses a JSON document from text.
    public static func parse(_ text: String) throws(ValidationError) -> JSONValue {
        let parsed: Result<JSONValue, JSONParser.SyntaxError>? = text.utf8.withContiguousStorageIfAvailable { bytes in
            do throws(JSONParser.SyntaxError) {
                return .success(try JSONParser.parse(UnsafeRawBufferPointer(bytes)))
            } catch {
                return .failure(error)
            }
        }
        switch parsed {
        case .success(let value): return value
        case .failure(let error): throw ValidationError([ValidationIssue(pointer: "", detail: error.detail)])
        case nil: return try parse(Data(text.utf8))
        }
    }

    /// The scalar as comparable text: strings as they are, numbers in their
    /// shortest form (`250`, `2.5`), booleans as `true`/`false`; `nil` for null, arrays and objects.
    public var scalarText: String? {
        switch self {
        case .string(let s): return s
        case .number(let n): return JSONValue.canonical(n)
        case .bool(let b): return b ? "true" : "false"
        case .null, .array, .object: return nil
        }
    }

    /// The JSON type name used in validation messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// `250` rather than `250.0`, so that numbers and numeric strings compare as text.
    static func canonical(_ n: Double) -> String {
        if n.rounded() == n, abs(n) < 1e15 { return String(Int64(n)) }
        return String(n)
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !array.isAtEnd { items.append(try array.decode(JSONValue.self)) }
            self = .array(items)
            return
        }
        if let object = try? decoder.container(keyedBy: AnyKey.self) {
            var members: [String: JSONValue] = [:]
            for key in object.allKeys { members[key.stringValue] = try object.decode(JSONValue.self, forKey: key) }
            self = .object(members)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .null }
        else if let b = try? single.decode(Bool.self) { self = .bool(b) }
        else if let n = try? single.decode(Double.self) { self = .number(n) }
        else { self = .string(try single.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .number(let n):
            var c = encoder.singleValueContainer()
            // Integral values print as integers (`250`, not `250.0`).
            if n.rounded() == n, abs(n) < 9e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(item) }
        case .object(let members):
            var c = encoder.container(keyedBy: AnyKey.self)
            for (key, value) in members { try c.encode(value, forKey: AnyKey(key)) }
        }
    }
}

/// A coding key for arbitrary object member names.
struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

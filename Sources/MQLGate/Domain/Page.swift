import Foundation
import LeadScoring

/// One page of a list: `{"items": [...], "next_cursor": "…" | null}`.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?

    /// The same page with its items transformed.
    func map<T>(_ transform: (Item) throws -> T) rethrows -> Page<T> {
        Page<T>(items: try items.map(transform), nextCursor: nextCursor)
    }
}

/// Opaque pagination cursors: the sort key of the last item, base64url-encoded
/// so clients treat it as a token rather than something to construct.
enum Cursor {
    static func encode(_ parts: [String]) -> String {
        Data(parts.joined(separator: "\u{1F}").utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The parts of a cursor this server issued, or a validation error naming `/cursor`.
    static func parts(_ cursor: String, count: Int) throws -> [String] {
        guard let parts = decode(cursor, parts: count) else { throw invalid }
        return parts
    }

    /// A cursor of whole numbers (sequence numbers, times).
    static func integers(_ cursor: String, count: Int) throws -> [Int64] {
        let values = try parts(cursor, count: count).compactMap { Int64($0) }
        guard values.count == count else { throw invalid }
        return values
    }

    private static let invalid = StoreError.invalid(ValidationError([ValidationIssue(pointer: "/cursor", detail: "not a cursor this server issued")]))

    static func decode(_ cursor: String, parts: Int) -> [String]? {
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), let string = String(data: data, encoding: .utf8) else { return nil }
        let fields = string.components(separatedBy: "\u{1F}")
        return fields.count == parts ? fields : nil
    }
}

/// Reads members of one JSON object with validation, collecting every issue with its pointer.
struct JSONObjectReader {
    let members: [String: JSONValue]
    let base: String
    var issues: [ValidationIssue] = []

    static let maxTextLength = 1024

    init(_ members: [String: JSONValue], pointer base: String = "") {
        self.members = members
        self.base = base
    }

    func pointer(_ key: String) -> String { base + "/" + ValidationError.escape(key) }

    mutating func fail(_ key: String, _ detail: String) {
        issues.append(ValidationIssue(pointer: pointer(key), detail: detail))
    }

    /// Flags members outside `known` (members in `ignored` pass silently).
    mutating func rejectUnknown(known: Set<String>, ignored: Set<String> = []) {
        // Sorting only when something is wrong keeps the common case allocation-free.
        guard members.keys.contains(where: { !known.contains($0) && !ignored.contains($0) }) else { return }
        rejectUnknown(members.keys.filter { !known.contains($0) && !ignored.contains($0) })
    }

    /// Flags these members as unknown, in sorted order.
    mutating func rejectUnknown(_ names: [String]) {
        for key in names.sorted() { fail(key, "unknown member \"\(key)\"") }
    }

    /// A trimmed, non-empty string; `null`, absence and `""` all read as `nil`.
    mutating func text(_ key: String, maxLength: Int = maxTextLength) -> String? {
        text(members[key], key: key, maxLength: maxLength)
    }

    /// `text(_:maxLength:)` for a member the caller has already looked up.
    mutating func text(_ value: JSONValue?, key: String, maxLength: Int = maxTextLength) -> String? {
        guard let value else { return nil }
        switch value {
        case .null:
            return nil
        case .string(let s):
            let trimmed = s.trimmingWhitespace
            if trimmed.isEmpty { return nil }
            if trimmed.utf8.count > maxLength && trimmed.count > maxLength {
                fail(key, "must be at most \(maxLength) characters")
                return nil
            }
            return trimmed
        case .number, .bool:
            // Forms and CRMs send "12345" and 12345 alike for identifiers.
            return value.scalarText
        default:
            fail(key, "expected a string, got \(value.typeName)")
            return nil
        }
    }
}

extension StringProtocol {
    /// The string without leading and trailing Unicode whitespace.
    var trimmingWhitespace: String {
        let utf8 = Substring(self).utf8
        guard let first = utf8.first, let last = utf8.last else { return "" }
        // Most text has nothing to trim: an ASCII non-space at both ends settles it.
        if first < 0x80, last < 0x80, !ASCIIAddress.isSpace(first), !ASCIIAddress.isSpace(last) { return String(self) }
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}

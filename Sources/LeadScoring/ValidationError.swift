import Foundation

/// One problem with a lead or event document: where (an RFC 6901 JSON pointer) and what.
///
/// The shape matches the `errors: [{pointer, detail}]` member of the
/// service's RFC 9457 problem responses.
public struct ValidationIssue: Hashable, Sendable, Codable, CustomStringConvertible {
    /// RFC 6901 pointer to the offending member (`/company_size`), `""` for the whole document.
    public let pointer: String
    /// What is wrong, in plain words.
    public let detail: String

    public init(pointer: String, detail: String) {
        self.pointer = pointer
        self.detail = detail
    }

    public var description: String { pointer.isEmpty ? detail : "\(pointer): \(detail)" }
}

/// Every problem found in a lead or event document; validation reports them all, not just the first.
public struct ValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    public let issues: [ValidationIssue]

    public init(_ issues: [ValidationIssue]) {
        self.issues = issues
    }

    public var description: String { issues.map(\.description).joined(separator: "; ") }

    /// Escapes a member name for use inside a JSON pointer (RFC 6901 §3).
    public static func escape(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}

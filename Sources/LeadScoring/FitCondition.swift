import Foundation

/// What a fit rule checks about its field; one per rule (spec §5.1).
///
/// For `tech_stack`, which holds several values, a condition holds when it
/// holds for any one of them (`exists` and `contains_any` look at the list as a whole).
public enum FitCondition: Sendable, CustomStringConvertible {
    /// Exact, case-sensitive text equality; numbers compare numerically (`250` equals `"250"`).
    case equals(String)
    /// Case-insensitive membership in the rule's own list (lower-cased at load).
    case oneOf(Set<String>)
    /// Case-insensitive membership in a named list of the model (`in_list:`).
    case inList(name: String, values: Set<String>)
    /// A regular expression (ICU syntax, compiled once at load) that must match somewhere in the value.
    case matches(FitPattern)
    /// An inclusive numeric range; a missing bound is open.
    case between(Double?, Double?)
    /// Any of these values (case-insensitive) is among the field's values.
    case containsAny(Set<String>)
    /// `true`: the field has a value; `false`: it has none.
    case exists(Bool)

    public var description: String {
        switch self {
        case .equals(let v): return "equals \(v)"
        case .oneOf(let set): return "in [\(set.sorted().joined(separator: ", "))]"
        case .inList(let name, _): return "in_list \(name)"
        case .matches(let p): return "matches \(p.source)"
        case .between(let lo, let hi): return "between [\(lo.map { "\($0)" } ?? "null"), \(hi.map { "\($0)" } ?? "null")]"
        case .containsAny(let set): return "contains_any [\(set.sorted().joined(separator: ", "))]"
        case .exists(let flag): return "exists \(flag)"
        }
    }

    func holds(for values: [String]) -> Bool {
        switch self {
        case .exists(let flag):
            return values.isEmpty != flag
        case .equals(let expected):
            let expectedNumber = Double(expected)
            return values.contains { value in
                if value == expected { return true }
                if let expectedNumber, let number = Double(value) { return number == expectedNumber }
                return false
            }
        case .oneOf(let set), .inList(_, let set), .containsAny(let set):
            return values.contains { set.contains($0.lowercased()) }
        case .matches(let pattern):
            return values.contains { pattern.matches($0) }
        case .between(let low, let high):
            return values.contains { value in
                guard let number = Double(value.trimmingWhitespace), number.isFinite else { return false }
                return (low.map { number >= $0 } ?? true) && (high.map { number <= $0 } ?? true)
            }
        }
    }
}

/// A regular expression of a `matches:` fit rule, compiled once when the model loads.
public struct FitPattern: @unchecked Sendable {
    // NSRegularExpression is immutable and documented safe to share across threads.
    public let source: String
    let regex: NSRegularExpression

    /// Compiles `source`; throws the ICU error message for an invalid pattern.
    public init(_ source: String) throws {
        self.source = source
        self.regex = try NSRegularExpression(pattern: source)
    }

    public func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

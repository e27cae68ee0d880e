/// A glob over page paths: `*` matches any run of characters (including `/`), `?` one byte;
/// matching ignores ASCII case. Hand-written so that event matching stays allocation-free.
public struct PathGlob: Hashable, Sendable, CustomStringConvertible {
    /// The pattern as written in the model.
    public let pattern: String
    /// The pattern, lower-cased, as bytes.
    let patternBytes: [UInt8]
    /// Whether the pattern has no wildcard (plain comparison).
    let isLiteral: Bool

    private static let star = UInt8(ascii: "*")
    private static let question = UInt8(ascii: "?")

    public init(_ pattern: String) {
        self.pattern = pattern
        self.patternBytes = pattern.utf8.map(PathGlob.lower)
        self.isLiteral = !patternBytes.contains(PathGlob.star) && !patternBytes.contains(PathGlob.question)
    }

    public var description: String { pattern }

    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b | 0x20 : b }

    /// Whether `path` matches the whole pattern.
    public func matches(_ path: String) -> Bool {
        patternBytes.withUnsafeBufferPointer { PathGlob.matches(pattern: $0, literal: isLiteral, path: path) }
    }

    /// Matches a path (false when there is none) without copying it when its storage is contiguous.
    @inline(__always)
    static func matches(pattern: UnsafeBufferPointer<UInt8>, literal: Bool, path: String?) -> Bool {
        guard let path else { return false }
        if let result = path.utf8.withContiguousStorageIfAvailable({ matches(pattern: pattern, literal: literal, text: $0) }) {
            return result
        }
        return Array(path.utf8).withUnsafeBufferPointer { matches(pattern: pattern, literal: literal, text: $0) }
    }

    /// Matches `text` against a lower-cased pattern held anywhere in memory (the model keeps
    /// all patterns in one buffer so the hot path touches no reference-counted storage).
    @inline(__always)
    static func matches(pattern pat: UnsafeBufferPointer<UInt8>, literal: Bool, text: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = text.count, m = pat.count
        if literal {
            guard n == m else { return false }
            for i in 0..<n where lower(text[i]) != pat[i] { return false }
            return true
        }
        // Greedy match with a single backtrack point: linear for one `*`, O(n·m) worst case.
        var p = 0, s = 0, starP = -1, starS = 0
        while s < n {
            if p < m, pat[p] != star, pat[p] == question || pat[p] == lower(text[s]) {
                p += 1
                s += 1
            } else if p < m, pat[p] == star {
                starP = p
                starS = s
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starS += 1
                s = starS
            } else {
                return false
            }
        }
        while p < m, pat[p] == star { p += 1 }
        return p == m
    }
}

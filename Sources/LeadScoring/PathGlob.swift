/// A glob over page paths: `*` matches any run of characters (including `/`), `?` one byte;
/// matching ignores ASCII case. Hand-written so that event matching stays allocation-free.
public struct PathGlob: Hashable, Sendable, CustomStringConvertible {
    /// The pattern as written in the model.
    public let pattern: String
    private let bytes: [UInt8]
    private let literal: Bool

    private static let star = UInt8(ascii: "*")
    private static let question = UInt8(ascii: "?")

    public init(_ pattern: String) {
        self.pattern = pattern
        self.bytes = pattern.utf8.map(PathGlob.lower)
        self.literal = !bytes.contains(PathGlob.star) && !bytes.contains(PathGlob.question)
    }

    public var description: String { pattern }

    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b | 0x20 : b }

    /// Whether `path` matches the whole pattern.
    public func matches(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { matches(bytes: $0) }
    }

    func matches(bytes text: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { pat in
            let n = text.count, m = pat.count
            if literal {
                guard n == m else { return false }
                for i in 0..<n where PathGlob.lower(text[i]) != pat[i] { return false }
                return true
            }
            // Greedy match with a single backtrack point: linear for one `*`, O(n·m) worst case.
            var p = 0, s = 0, starP = -1, starS = 0
            while s < n {
                if p < m, pat[p] != PathGlob.star, pat[p] == PathGlob.question || pat[p] == PathGlob.lower(text[s]) {
                    p += 1
                    s += 1
                } else if p < m, pat[p] == PathGlob.star {
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
            while p < m, pat[p] == PathGlob.star { p += 1 }
            return p == m
        }
    }
}

/// A lead's grade: fit letter A–D (who they are) × engagement digit 1–4 (what they did), e.g. `A2`.
///
/// A1 is the best. In JSON a grade is its two-character string.
public struct Grade: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Fit band, best first.
    public enum Letter: String, CaseIterable, Sendable, Comparable {
        case a = "A", b = "B", c = "C", d = "D"

        public static func < (lhs: Letter, rhs: Letter) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public let letter: Letter
    /// Engagement band, 1 (most engaged) to 4.
    public let digit: Int

    public init(letter: Letter, digit: Int) {
        precondition((1...4).contains(digit), "engagement digit must be 1...4")
        self.letter = letter
        self.digit = digit
    }

    /// Parses `A1` … `D4` (the letter may be lower case).
    public init?(_ text: String) {
        guard text.count == 2, let letter = Letter(rawValue: String(text.first!).uppercased()),
              let digit = Int(String(text.last!)), (1...4).contains(digit) else { return nil }
        self.init(letter: letter, digit: digit)
    }

    public var description: String { letter.rawValue + String(digit) }

    /// Better grades sort first: A1 < A2 < … < D4.
    public static func < (lhs: Grade, rhs: Grade) -> Bool { (lhs.letter, lhs.digit) < (rhs.letter, rhs.digit) }
}

extension Grade: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let grade = Grade(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a grade such as A1, got \"\(text)\"")
        }
        self = grade
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A strict RFC 8259 parser from UTF-8 bytes to `JSONValue`, behind `JSONValue.parse`.
///
/// - Input is UTF-8 (RFC 8259 §8.1). A leading UTF-8 byte order mark is skipped; UTF-16 and
///   UTF-32 documents are refused, as is any invalid UTF-8 (overlong forms, encoded surrogates,
///   code points above U+10FFFF, truncated sequences).
/// - Strings: every escape of §7; `\uD83D\uDE00` surrogate pairs are combined, and a lone
///   surrogate escape is an error (as `JSONDecoder` had it), so every string is valid Unicode.
///   `\u0000` is allowed. Unescaped control characters (U+0000–U+001F) are errors.
/// - Numbers follow the §6 grammar exactly: no `+`, no leading zeros, no `.5` or `5.`, no
///   `NaN` or `Infinity`. The value is the one `Double(String)` gives for the same text
///   (correctly rounded); a number too large for a `Double` (`1e400`) is an error rather than
///   infinity, one too small (`1e-400`) reads as zero.
/// - Objects: when a name repeats, the **last** member wins (RFC 8259 leaves it open).
/// - No trailing commas, comments or other extensions; nothing but whitespace after the value.
/// - Arrays and objects nest at most `maxDepth` (512) deep. The parser keeps its own stack,
///   so deep input costs no thread stack and a body of 100,000 `[` is a plain error.
///
/// Errors name what is wrong and the byte offset where it was found.
struct JSONParser {
    static let maxDepth = 512

    struct SyntaxError: Error {
        let message: String
        let offset: Int

        var detail: String { "invalid JSON: \(message) at byte \(offset)" }
    }

    /// An array or object being read: where its values (and keys) start on the shared stacks.
    private struct Frame {
        let isObject: Bool
        let valueBase: Int
        let keyBase: Int
        let start: Int
    }

    private let b: UnsafePointer<UInt8>
    private let n: Int
    private var i = 0
    private var frames: [Frame] = []
    /// Values of the open containers, innermost last; an object's values pair with `keys`.
    private var values: [JSONValue] = []
    private var keys: [String] = []
    /// Reused for strings with escapes.
    private var scratch: [UInt8] = []
    /// Containers a reader walking the structure itself has entered: they
    /// count towards `maxDepth` as the parser's own would.
    var enclosingDepth = 0

    /// Parses one document. `bytes` must stay valid for the call.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(SyntaxError) -> JSONValue {
        guard let base = bytes.baseAddress, bytes.count > 0 else { throw SyntaxError(message: "the document is empty", offset: 0) }
        var parser = JSONParser(b: base.assumingMemoryBound(to: UInt8.self), n: bytes.count)
        return try parser.document()
    }

    /// A parser positioned at the start of `bytes`, which must not be empty
    /// and must stay valid while it is used.
    init(bytes: UnsafeRawBufferPointer) {
        self.init(b: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), n: bytes.count)
    }

    private init(b: UnsafePointer<UInt8>, n: Int) {
        self.b = b
        self.n = n
        // One allocation each covers typical documents; deeper or wider ones grow as needed.
        frames.reserveCapacity(8)
        values.reserveCapacity(16)
        keys.reserveCapacity(16)
    }

    // MARK: Structure

    private mutating func document() throws(SyntaxError) -> JSONValue {
        if n >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF {
            i = 3
        } else if n >= 2, (b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE) || b[0] == 0 || b[1] == 0 {
            throw SyntaxError(message: "the document is UTF-16 or UTF-32; JSON must be UTF-8 (RFC 8259 §8.1)", offset: 0)
        }
        skipWhitespace()
        guard i < n else { throw SyntaxError(message: "the document has no value", offset: i) }
        let value = try value()
        skipWhitespace()
        guard i == n else { throw unexpected("the document continues after its value") }
        return value
    }

    /// Reads the one value that starts at `i` (whitespace already skipped) and stops right after it.
    mutating func value() throws(SyntaxError) -> JSONValue {
        let base = frames.count
        var value: JSONValue
        parsing: while true {
            // One value, or the opening of a container whose first value comes next.
            guard i < n else { throw endOfInput() }
            switch b[i] {
            case UInt8(ascii: "["):
                try open(isObject: false)
                if i < n, b[i] == UInt8(ascii: "]") {
                    i += 1
                    frames.removeLast()
                    value = .array([])
                } else {
                    continue parsing
                }
            case UInt8(ascii: "{"):
                try open(isObject: true)
                if i < n, b[i] == UInt8(ascii: "}") {
                    i += 1
                    frames.removeLast()
                    value = .object([:])
                } else {
                    try memberName(afterComma: false)
                    continue parsing
                }
            case UInt8(ascii: "\""):
                value = .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try number())
            default:
                throw unexpected("expected a value")
            }

            // A complete value: give it to its container, closing every container that ends here.
            while true {
                guard frames.count > base, let frame = frames.last else { return value }
                values.append(value)
                skipWhitespace()
                guard i < n else { throw endOfInput() }
                let c = b[i]
                if c == UInt8(ascii: ",") {
                    i += 1
                    skipWhitespace()
                    if frame.isObject {
                        try memberName(afterComma: true)
                    } else if i < n, b[i] == UInt8(ascii: "]") {
                        throw SyntaxError(message: "trailing comma before ']'", offset: i)
                    }
                    continue parsing
                }
                guard c == (frame.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                    throw unexpected(frame.isObject ? "expected ',' or '}' after an object member" : "expected ',' or ']' after an array element")
                }
                i += 1
                frames.removeLast()
                value = frame.isObject ? closeObject(frame) : closeArray(frame)
            }
        }
    }

    /// Enters an array or object at `i` and skips the whitespace after its bracket.
    private mutating func open(isObject: Bool) throws(SyntaxError) {
        guard frames.count + enclosingDepth < JSONParser.maxDepth else {
            throw SyntaxError(message: "arrays and objects nest deeper than \(JSONParser.maxDepth) levels", offset: i)
        }
        frames.append(Frame(isObject: isObject, valueBase: values.count, keyBase: keys.count, start: i))
        i += 1
        skipWhitespace()
    }

    /// Reads `"name"`, the colon and the whitespace around it.
    private mutating func memberName(afterComma: Bool) throws(SyntaxError) {
        guard i < n else { throw endOfInput() }
        guard b[i] == UInt8(ascii: "\"") else {
            if afterComma, b[i] == UInt8(ascii: "}") { throw SyntaxError(message: "trailing comma before '}'", offset: i) }
            throw unexpected("expected a member name in double quotes")
        }
        keys.append(try string())
        skipWhitespace()
        guard i < n else { throw endOfInput() }
        guard b[i] == UInt8(ascii: ":") else { throw unexpected("expected ':' after a member name") }
        i += 1
        skipWhitespace()
    }

    private mutating func closeArray(_ frame: Frame) -> JSONValue {
        let items = Array(values[frame.valueBase...])
        values.removeLast(values.count - frame.valueBase)
        return .array(items)
    }

    private mutating func closeObject(_ frame: Frame) -> JSONValue {
        let count = values.count - frame.valueBase
        var members = [String: JSONValue](minimumCapacity: count)
        for k in 0..<count {
            // A repeated name replaces the earlier member: the last one wins.
            members[keys[frame.keyBase + k]] = values[frame.valueBase + k]
        }
        values.removeLast(count)
        keys.removeLast(count)
        return .object(members)
    }

    // MARK: Stepping, for readers that walk a document's structure themselves

    /// Where the parser stands, in bytes from the start.
    var offset: Int { i }

    /// The next byte after any whitespace, which is skipped; `nil` at the end.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return i < n ? b[i] : nil
    }

    /// Steps over `byte` and the whitespace after it when it comes next (after whitespace).
    mutating func skip(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        i += 1
        skipWhitespace()
        return true
    }

    /// Goes back to an `offset` read earlier.
    mutating func rewind(to offset: Int) {
        i = offset
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while i < n {
            let c = b[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    private mutating func literal(_ word: StaticString) throws(SyntaxError) {
        let length = word.utf8CodeUnitCount
        let expected = word.utf8Start
        for k in 0..<length {
            guard i + k < n else { throw endOfInput() }
            guard b[i + k] == expected[k] else {
                i += k
                throw unexpected(k == 0 ? "expected a value" : "expected '\(word)'")
            }
        }
        i += length
    }

    // MARK: Strings

    /// Reads a string starting at its opening quote.
    mutating func string() throws(SyntaxError) -> String {
        let open = i
        i += 1
        let start = i
        // Fast path: no escapes, so the string is the bytes between the quotes.
        while true {
            skipPlainStringBytes()
            guard i < n else { break }
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(start: b + start, count: i - start), as: UTF8.self)
                i += 1
                return text
            }
            if c == UInt8(ascii: "\\") { return try escapedString(open: open, start: start) }
            if c < 0x20 { throw controlCharacter(c) }
            if c < 0x80 { i += 1 } else { try utf8Sequence() }
        }
        throw SyntaxError(message: "unterminated string opened at byte \(open)", offset: n)
    }

    /// Steps over printable ASCII other than `"` and `\`, eight bytes at a time, stopping at the first
    /// byte that needs a closer look (a quote, a backslash, a control character or a non-ASCII byte).
    @inline(__always)
    private mutating func skipPlainStringBytes() {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while n - i >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self))
            let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
            // Zero-byte and less-than tests: each flags its lowest hit exactly (borrows only reach higher bytes).
            let flags = (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word) | word) & highs
            if flags != 0 {
                i += flags.trailingZeroBitCount >> 3
                return
            }
            i += 8
        }
    }

    /// The rest of a string from its first backslash, built in `scratch`.
    private mutating func escapedString(open: Int, start: Int) throws(SyntaxError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: b + start, count: i - start))
        while true {
            let plain = i
            skipPlainStringBytes()
            if i > plain { scratch.append(contentsOf: UnsafeBufferPointer(start: b + plain, count: i - plain)) }
            guard i < n else { break }
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                try escape()
            } else if c < 0x20 {
                throw controlCharacter(c)
            } else if c < 0x80 {
                scratch.append(c)
                i += 1
            } else {
                let sequenceStart = i
                try utf8Sequence()
                scratch.append(contentsOf: UnsafeBufferPointer(start: b + sequenceStart, count: i - sequenceStart))
            }
        }
        throw SyntaxError(message: "unterminated string opened at byte \(open)", offset: n)
    }

    /// Decodes the escape at `i` (a backslash) into `scratch`.
    private mutating func escape() throws(SyntaxError) {
        let start = i
        guard i + 1 < n else { throw endOfInput() }
        let c = b[i + 1]
        i += 2
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(c)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if scalar >= 0xD800, scalar <= 0xDBFF {
                guard i + 1 < n, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                    throw SyntaxError(message: "lone surrogate \\u\(hexText(scalar)) (a high surrogate must be followed by a \\u low surrogate)", offset: start)
                }
                i += 2
                let low = try hex4()
                guard low >= 0xDC00, low <= 0xDFFF else {
                    throw SyntaxError(message: "lone surrogate \\u\(hexText(scalar)) (followed by \\u\(hexText(low)), not a low surrogate)", offset: start)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00, scalar <= 0xDFFF {
                throw SyntaxError(message: "lone surrogate \\u\(hexText(scalar)) (a low surrogate without a high one)", offset: start)
            }
            appendUTF8(scalar)
        default:
            i = start + 1
            throw unexpected("invalid escape; a backslash is followed by one of \" \\ / b f n r t u")
        }
    }

    private mutating func hex4() throws(SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard i < n else { throw endOfInput() }
            let c = b[i]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw unexpected("expected four hexadecimal digits after \\u")
            }
            value = value << 4 | UInt32(digit)
            i += 1
        }
        return value
    }

    private func hexText(_ value: UInt32) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Checks the multi-byte UTF-8 sequence at `i` (Unicode Table 3-7) and steps over it.
    private mutating func utf8Sequence() throws(SyntaxError) {
        let lead = b[i]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF  // range of the second byte
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F  // no encoded surrogates
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F  // nothing above U+10FFFF
        default: throw SyntaxError(message: "invalid UTF-8 (byte 0x\(String(lead, radix: 16, uppercase: true)))", offset: i)
        }
        guard i + length <= n else { throw SyntaxError(message: "invalid UTF-8 (truncated sequence)", offset: i) }
        guard b[i + 1] >= low, b[i + 1] <= high else { throw SyntaxError(message: "invalid UTF-8", offset: i) }
        for k in 2..<length where b[i + k] & 0xC0 != 0x80 {
            throw SyntaxError(message: "invalid UTF-8", offset: i)
        }
        i += length
    }

    private func controlCharacter(_ c: UInt8) -> SyntaxError {
        SyntaxError(message: "unescaped control character U+\(hexText(UInt32(c))) in a string", offset: i)
    }

    // MARK: Numbers

    private static let powersOfTen: [Double] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
                                                1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

    /// Reads a number per RFC 8259 §6 and converts it exactly as `Double(String)` does.
    private mutating func number() throws(SyntaxError) -> Double {
        let start = i
        let negative = b[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < n, isDigit(b[i]) else {
            throw i < n ? unexpected("expected a digit after '-'") : endOfInput()
        }
        // Up to 19 digits accumulate exactly; longer numbers take the slow path.
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0  // decimal exponent contributed by the fraction
        if b[i] == UInt8(ascii: "0") {
            i += 1
            if i < n, isDigit(b[i]) { throw SyntaxError(message: "leading zeros are not allowed in numbers", offset: start) }
        } else {
            while i < n, isDigit(b[i]) {
                mantissa = mantissa &* 10 &+ UInt64(b[i] - UInt8(ascii: "0"))
                digits += 1
                i += 1
            }
        }
        if i < n, b[i] == UInt8(ascii: ".") {
            i += 1
            guard i < n, isDigit(b[i]) else { throw i < n ? unexpected("expected a digit after the decimal point") : endOfInput() }
            while i < n, isDigit(b[i]) {
                mantissa = mantissa &* 10 &+ UInt64(b[i] - UInt8(ascii: "0"))
                digits += 1
                scale -= 1
                i += 1
            }
        }
        var exponent = 0
        if i < n, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            var exponentNegative = false
            if i < n, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                exponentNegative = b[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < n, isDigit(b[i]) else { throw i < n ? unexpected("expected a digit in the exponent") : endOfInput() }
            while i < n, isDigit(b[i]) {
                // Saturate: anything this large overflows or underflows whatever the digits.
                if exponent < 100_000 { exponent = exponent * 10 + Int(b[i] - UInt8(ascii: "0")) }
                i += 1
            }
            if exponentNegative { exponent = -exponent }
        }

        let value: Double
        let power = exponent + scale
        if digits <= 19, mantissa <= 1 << 53, power >= -22, power <= 22 {
            // Exact operands and one IEEE operation: correctly rounded, as Double(String) is.
            let m = Double(mantissa)
            value = power < 0 ? m / JSONParser.powersOfTen[-power] : m * JSONParser.powersOfTen[power]
        } else {
            let text = String(decoding: UnsafeBufferPointer(start: b + start + (negative ? 1 : 0), count: i - start - (negative ? 1 : 0)),
                              as: UTF8.self)
            guard let parsed = Double(text) else { throw SyntaxError(message: "number out of range", offset: start) }
            value = parsed
        }
        guard value.isFinite else { throw SyntaxError(message: "number out of range of a 64-bit float", offset: start) }
        return negative ? -value : value
    }

    @inline(__always)
    private func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    // MARK: Errors

    private func endOfInput() -> SyntaxError {
        guard let frame = frames.last else { return SyntaxError(message: "unexpected end of input", offset: n) }
        return SyntaxError(message: "unexpected end of input (the \(frame.isObject ? "object" : "array") opened at byte \(frame.start) is not closed)",
                           offset: n)
    }

    /// An error at `i` naming the byte found there.
    private func unexpected(_ expectation: String) -> SyntaxError {
        guard i < n else { return SyntaxError(message: "unexpected end of input (\(expectation))", offset: n) }
        let c = b[i]
        let found = c >= 0x21 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(c < 16 ? "0" : "")\(String(c, radix: 16, uppercase: true))"
        return SyntaxError(message: "unexpected \(found): \(expectation)", offset: i)
    }
}

/// A strict, incremental parser for the request line and header section
/// (RFC 9112 §2–5). It never guesses: bare CR or LF, whitespace before a
/// colon, obs-fold and control characters are errors, not leniencies.
///
/// Feed it the whole unconsumed buffer each time more bytes arrive; it
/// remembers how far it has validated so a slow client costs O(n) in total.
public struct RequestHeadParser: Sendable {
    /// Size limits applied while parsing; each maps to a distinct status.
    public struct Limits: Sendable {
        /// Request line plus header fields, in bytes (431, or 414 if the request line alone is too long).
        public var maxHeaderBytes: Int
        /// Request target, in bytes (414).
        public var maxTargetBytes: Int
        /// Number of header field lines (431).
        public var maxHeaderFields: Int

        public init(maxHeaderBytes: Int = 16 * 1024, maxTargetBytes: Int = 8 * 1024, maxHeaderFields: Int = 100) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxTargetBytes = maxTargetBytes
            self.maxHeaderFields = maxHeaderFields
        }
    }

    /// The result of one `parse` call.
    public enum Outcome: Sendable {
        case incomplete
        /// A full head; `consumed` bytes of the buffer belong to it.
        case complete(RequestHead, consumed: Int)
        case failure(HTTPParseError)
    }

    public let limits: Limits
    private var scanned = 0
    private var lineStart = 0
    private var requestLineStart = 0
    private var inRequestLine = true
    private var fieldLines = 0

    /// Room for the method, spaces and version around a maximal target.
    private static let requestLineSlack = 32

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Forgets progress; call after a head was consumed.
    public mutating func reset() {
        scanned = 0
        lineStart = 0
        requestLineStart = 0
        inRequestLine = true
        fieldLines = 0
    }

    /// Whether any byte of a request (beyond ignorable empty lines) has been seen.
    public var hasStarted: Bool { scanned > requestLineStart }

    public mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        var i = scanned
        let count = bytes.count
        while i < count {
            let byte = bytes[i]
            if byte == .lf { return .failure(.invalidLineEnding) }
            if byte != .cr {
                i &+= 1
                if inRequestLine {
                    if i - requestLineStart > limits.maxTargetBytes + Self.requestLineSlack {
                        return .failure(.requestTargetTooLong)
                    }
                } else if i - requestLineStart > limits.maxHeaderBytes {
                    return .failure(.headerSectionTooLarge)
                }
                continue
            }
            guard i + 1 < count else { break }
            guard bytes[i + 1] == .lf else { return .failure(.invalidLineEnding) }
            let lineEnd = i
            i += 2
            if inRequestLine {
                if lineEnd == lineStart {
                    // RFC 9112 §2.2: ignore empty lines before the request line, within reason.
                    guard lineStart < 8 else { return .failure(.malformedRequestLine) }
                    lineStart = i
                    requestLineStart = i
                    continue
                }
                inRequestLine = false
                lineStart = i
                continue
            }
            if lineEnd == lineStart {
                scanned = i
                return finish(bytes, headEnd: i)
            }
            fieldLines += 1
            if fieldLines > limits.maxHeaderFields { return .failure(.tooManyHeaderFields) }
            lineStart = i
        }
        scanned = i
        return .incomplete
    }

    private func finish(_ bytes: UnsafeBufferPointer<UInt8>, headEnd: Int) -> Outcome {
        var cursor = requestLineStart
        let requestLineEnd = Self.lineEnd(bytes, from: cursor)

        // method SP request-target SP HTTP-version, single spaces only.
        let methodStart = cursor
        while cursor < requestLineEnd, bytes[cursor].isTokenChar { cursor += 1 }
        guard cursor > methodStart, cursor < requestLineEnd, bytes[cursor] == .space else {
            return .failure(.malformedRequestLine)
        }
        let methodEnd = cursor
        cursor += 1
        let targetStart = cursor
        while cursor < requestLineEnd, bytes[cursor] > 0x20, bytes[cursor] < 0x7F { cursor += 1 }
        let targetEnd = cursor
        guard targetEnd > targetStart, cursor < requestLineEnd, bytes[cursor] == .space else {
            return .failure(.malformedRequestLine)
        }
        if targetEnd - targetStart > limits.maxTargetBytes { return .failure(.requestTargetTooLong) }
        cursor += 1
        guard requestLineEnd - cursor == 8,
              bytes[cursor] == UInt8(ascii: "H"), bytes[cursor + 1] == UInt8(ascii: "T"),
              bytes[cursor + 2] == UInt8(ascii: "T"), bytes[cursor + 3] == UInt8(ascii: "P"),
              bytes[cursor + 4] == UInt8(ascii: "/"), bytes[cursor + 5].isDigit,
              bytes[cursor + 6] == UInt8(ascii: "."), bytes[cursor + 7].isDigit
        else { return .failure(.malformedRequestLine) }
        let major = Int(bytes[cursor + 5] - UInt8(ascii: "0"))
        let minor = Int(bytes[cursor + 7] - UInt8(ascii: "0"))
        // 1.x with a higher minor version is handled as 1.1 (RFC 9110 §2.5).
        guard major == 1 else { return .failure(.unsupportedVersion) }

        var headers = HTTPHeaders()
        headers.fields.reserveCapacity(fieldLines)
        cursor = requestLineEnd + 2
        while cursor < headEnd - 2 {
            let end = Self.lineEnd(bytes, from: cursor)
            let first = bytes[cursor]
            if first == .space || first == .tab { return .failure(.malformedHeaderField("obsolete line folding")) }
            let nameStart = cursor
            while cursor < end, bytes[cursor].isTokenChar { cursor += 1 }
            guard cursor < end, cursor > nameStart else { return .failure(.malformedHeaderField("invalid field name")) }
            guard bytes[cursor] == .colon else {
                let why = bytes[cursor] == .space || bytes[cursor] == .tab ? "whitespace before colon" : "invalid field name"
                return .failure(.malformedHeaderField(why))
            }
            let nameEnd = cursor
            cursor += 1
            while cursor < end, bytes[cursor] == .space || bytes[cursor] == .tab { cursor += 1 }
            var valueEnd = end
            while valueEnd > cursor, bytes[valueEnd - 1] == .space || bytes[valueEnd - 1] == .tab { valueEnd -= 1 }
            var scan = cursor
            while scan < valueEnd {
                guard bytes[scan].isFieldValueChar else { return .failure(.malformedHeaderField("control character in value")) }
                scan += 1
            }
            headers.fields.append((
                name: String(decoding: UnsafeBufferPointer(rebasing: bytes[nameStart..<nameEnd]), as: UTF8.self),
                value: String(decoding: UnsafeBufferPointer(rebasing: bytes[cursor..<valueEnd]), as: UTF8.self)
            ))
            cursor = end + 2
        }
        let head = RequestHead(
            method: String(decoding: UnsafeBufferPointer(rebasing: bytes[methodStart..<methodEnd]), as: UTF8.self),
            target: String(decoding: UnsafeBufferPointer(rebasing: bytes[targetStart..<targetEnd]), as: UTF8.self),
            versionMajor: major,
            versionMinor: minor,
            headers: headers
        )
        return .complete(head, consumed: headEnd)
    }

    /// Index of the CR ending the line that starts at `from` (the scan already proved it exists).
    private static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        var i = from
        while bytes[i] != .cr { i += 1 }
        return i
    }
}

extension UInt8 {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B

    var isDigit: Bool { self >= 0x30 && self <= 0x39 }

    /// tchar from RFC 9110 §5.6.2.
    var isTokenChar: Bool { tokenCharTable[Int(self)] }

    /// field-vchar, SP, HTAB or obs-text (RFC 9110 §5.5).
    var isFieldValueChar: Bool { self == .tab || (self >= 0x20 && self != 0x7F) }

    var hexValue: UInt8? {
        switch self {
        case 0x30...0x39: self - 0x30
        case 0x41...0x46: self - 0x41 + 10
        case 0x61...0x66: self - 0x61 + 10
        default: nil
        }
    }
}

private let tokenCharTable: [Bool] = (0..<256).map { byte in
    switch byte {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
    default: "!#$%&'*+-.^_`|~".utf8.contains(UInt8(byte))
    }
}

/// Incremental decoder for the chunked transfer coding (RFC 9112 §7.1),
/// including chunk extensions (skipped) and trailer fields (kept).
public struct ChunkedBodyDecoder: Sendable {
    /// The result of one `decode` call.
    public enum Outcome: Equatable, Sendable {
        /// All given bytes were used; more are needed.
        case needMore
        /// The body ended; `consumed` bytes of the input belonged to it.
        case done(consumed: Int)
        case failure(HTTPParseError)
    }

    private enum State: Sendable {
        case size(value: Int, digits: Int)
        case extensions(size: Int)
        case sizeLF(size: Int)
        case data(remaining: Int)
        case dataCR
        case dataLF
        case trailerLineStart
        case trailerLine
        case trailerLF(lineEmpty: Bool)
    }

    private var state: State = .size(value: 0, digits: 0)
    private var trailerLine: [UInt8] = []
    private var extensionBytes = 0
    /// Trailer fields received after the last chunk.
    public private(set) var trailers = HTTPHeaders()
    /// Body bytes produced so far.
    public private(set) var bodyBytes = 0

    public let maxBodyBytes: Int
    public let maxTrailerBytes: Int
    public let maxTrailerFields: Int

    public init(maxBodyBytes: Int, maxTrailerBytes: Int = 16 * 1024, maxTrailerFields: Int = 100) {
        self.maxBodyBytes = maxBodyBytes
        self.maxTrailerBytes = maxTrailerBytes
        self.maxTrailerFields = maxTrailerFields
    }

    /// Consumes `input`, appending chunk data to `body`.
    public mutating func decode(_ input: UnsafeBufferPointer<UInt8>, into body: inout [UInt8]) -> Outcome {
        var i = 0
        let count = input.count
        while i < count {
            let byte = input[i]
            switch state {
            case .size(let value, let digits):
                if let hex = byte.hexValue {
                    // 15 hex digits already exceed any body we would accept; more would overflow.
                    guard digits < 15 else { return .failure(.invalidChunk("chunk size overflows")) }
                    state = .size(value: value << 4 | Int(hex), digits: digits + 1)
                    i += 1
                } else {
                    guard digits > 0 else { return .failure(.invalidChunk("missing chunk size")) }
                    if value > maxBodyBytes - bodyBytes { return .failure(.bodyTooLarge) }
                    if byte == .semicolon || byte == .space || byte == .tab {
                        state = .extensions(size: value)
                        i += 1
                    } else if byte == .cr {
                        state = .sizeLF(size: value)
                        i += 1
                    } else {
                        return .failure(.invalidChunk("invalid chunk size"))
                    }
                }
            case .extensions(let size):
                if byte == .cr {
                    state = .sizeLF(size: size)
                } else {
                    guard byte.isFieldValueChar else { return .failure(.invalidChunk("control character in chunk extension")) }
                    extensionBytes += 1
                    guard extensionBytes <= 4096 else { return .failure(.invalidChunk("chunk extensions too long")) }
                }
                i += 1
            case .sizeLF(let size):
                guard byte == .lf else { return .failure(.invalidChunk("chunk size line must end with CRLF")) }
                i += 1
                state = size == 0 ? .trailerLineStart : .data(remaining: size)
            case .data(let remaining):
                let take = min(remaining, count - i)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: input[i..<(i + take)]))
                bodyBytes += take
                i += take
                state = remaining == take ? .dataCR : .data(remaining: remaining - take)
            case .dataCR:
                guard byte == .cr else { return .failure(.invalidChunk("chunk data must be followed by CRLF")) }
                i += 1
                state = .dataLF
            case .dataLF:
                guard byte == .lf else { return .failure(.invalidChunk("chunk data must be followed by CRLF")) }
                i += 1
                state = .size(value: 0, digits: 0)
            case .trailerLineStart:
                if byte == .cr {
                    state = .trailerLF(lineEmpty: true)
                } else {
                    trailerLine.removeAll(keepingCapacity: true)
                    trailerLine.append(byte)
                    state = .trailerLine
                }
                i += 1
            case .trailerLine:
                if byte == .cr {
                    state = .trailerLF(lineEmpty: false)
                } else if byte == .lf {
                    return .failure(.invalidLineEnding)
                } else {
                    trailerLine.append(byte)
                    guard trailerLine.count <= maxTrailerBytes else { return .failure(.headerSectionTooLarge) }
                }
                i += 1
            case .trailerLF(let lineEmpty):
                guard byte == .lf else { return .failure(.invalidLineEnding) }
                i += 1
                if lineEmpty { return .done(consumed: i) }
                if let failure = addTrailer() { return .failure(failure) }
                state = .trailerLineStart
            }
        }
        return .needMore
    }

    private mutating func addTrailer() -> HTTPParseError? {
        guard trailers.count < maxTrailerFields else { return .tooManyHeaderFields }
        let line = trailerLine
        guard let first = line.first, first != .space, first != .tab else {
            return .malformedHeaderField("obsolete line folding")
        }
        guard let colon = line.firstIndex(of: .colon), colon > 0,
              line[..<colon].allSatisfy(\.isTokenChar)
        else { return .malformedHeaderField("invalid trailer field") }
        var start = colon + 1
        var end = line.count
        while start < end, line[start] == .space || line[start] == .tab { start += 1 }
        while end > start, line[end - 1] == .space || line[end - 1] == .tab { end -= 1 }
        guard line[start..<end].allSatisfy(\.isFieldValueChar) else {
            return .malformedHeaderField("control character in trailer")
        }
        trailers.add(String(decoding: line[..<colon], as: UTF8.self), String(decoding: line[start..<end], as: UTF8.self))
        return nil
    }
}

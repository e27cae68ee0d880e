/// Why a request was refused before it reached a handler. Every case maps
/// to the status the server answers with; the connection is closed after.
public enum HTTPParseError: Error, Equatable, Sendable {
    case malformedRequestLine
    case unsupportedVersion
    case requestTargetTooLong
    case headerSectionTooLarge
    case tooManyHeaderFields
    case malformedHeaderField(String)
    case invalidLineEnding
    case missingHost
    case duplicateHost
    case invalidContentLength
    case conflictingContentLength
    case contentLengthWithTransferEncoding
    case unsupportedTransferEncoding
    case invalidTransferEncoding
    case invalidChunk(String)
    case unknownExpectation
    case bodyTooLarge
    case decompressedBodyTooLarge
    case unsupportedContentEncoding
    case invalidContentEncoding

    public var status: HTTPStatus {
        switch self {
        case .unsupportedVersion: .versionNotSupported
        case .requestTargetTooLong: .uriTooLong
        case .headerSectionTooLarge, .tooManyHeaderFields: .headerFieldsTooLarge
        case .unsupportedTransferEncoding: .notImplemented
        case .unknownExpectation: .expectationFailed
        case .bodyTooLarge, .decompressedBodyTooLarge: .contentTooLarge
        case .unsupportedContentEncoding: .unsupportedMediaType
        default: .badRequest
        }
    }

    /// A short, client-safe explanation used in the error body.
    public var detail: String {
        switch self {
        case .malformedRequestLine: "malformed request line"
        case .unsupportedVersion: "only HTTP/1.0 and HTTP/1.1 are supported"
        case .requestTargetTooLong: "request target exceeds the configured limit"
        case .headerSectionTooLarge: "header section exceeds the configured limit"
        case .tooManyHeaderFields: "too many header fields"
        case .malformedHeaderField(let why): "malformed header field: \(why)"
        case .invalidLineEnding: "lines must end with CRLF"
        case .missingHost: "HTTP/1.1 requests need exactly one Host header"
        case .duplicateHost: "more than one Host header"
        case .invalidContentLength: "invalid Content-Length"
        case .conflictingContentLength: "conflicting Content-Length values"
        case .contentLengthWithTransferEncoding: "Content-Length together with Transfer-Encoding"
        case .unsupportedTransferEncoding: "unsupported transfer coding"
        case .invalidTransferEncoding: "Transfer-Encoding must end with chunked"
        case .invalidChunk(let why): "invalid chunked body: \(why)"
        case .unknownExpectation: "only Expect: 100-continue is supported"
        case .bodyTooLarge: "request body exceeds the configured limit"
        case .decompressedBodyTooLarge: "decompressed request body exceeds the configured limit"
        case .unsupportedContentEncoding: "only gzip and identity content codings are accepted"
        case .invalidContentEncoding: "request body is not valid gzip"
        }
    }
}

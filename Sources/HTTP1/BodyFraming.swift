/// How a request's body is delimited, decided from its head by the rules
/// of RFC 9112 §6 with the smuggling defences applied.
public enum BodyFraming: Equatable, Sendable {
    case none
    case length(Int)
    case chunked

    /// Validates framing-related fields of `head`. Anything ambiguous is an
    /// error: a lenient reading here is how request smuggling starts.
    public static func of(_ head: RequestHead) -> Result<BodyFraming, HTTPParseError> {
        var contentLength: Int?
        var sawContentLength = false
        var transferCodings: [Substring] = []
        var sawTransferEncoding = false
        var hostCount = 0

        for field in head.headers {
            if HTTPHeaders.equalsIgnoringCase(field.name, "content-length") {
                sawContentLength = true
                // A list of identical values is tolerated (RFC 9112 §6.3); anything else is not.
                for element in listElements(field.value) {
                    guard let value = parseLength(element.trimmingOWS()) else { return .failure(.invalidContentLength) }
                    if let existing = contentLength, existing != value { return .failure(.conflictingContentLength) }
                    contentLength = value
                }
            } else if HTTPHeaders.equalsIgnoringCase(field.name, "transfer-encoding") {
                sawTransferEncoding = true
                for element in listElements(field.value) {
                    let coding = element.trimmingOWS()
                    guard !coding.isEmpty else { return .failure(.invalidTransferEncoding) }
                    transferCodings.append(coding)
                }
            } else if HTTPHeaders.equalsIgnoringCase(field.name, "host") {
                hostCount += 1
            }
        }

        if hostCount > 1 { return .failure(.duplicateHost) }
        if head.isHTTP11 && hostCount == 0 { return .failure(.missingHost) }

        if sawTransferEncoding {
            if sawContentLength { return .failure(.contentLengthWithTransferEncoding) }
            // HTTP/1.0 has no chunked coding: treat as faulty framing (RFC 9112 §6.1).
            guard head.isHTTP11 else { return .failure(.invalidTransferEncoding) }
            guard let last = transferCodings.last, last.lowercased() == "chunked" else {
                return .failure(.invalidTransferEncoding)
            }
            for coding in transferCodings.dropLast() {
                if coding.lowercased() == "chunked" { return .failure(.invalidTransferEncoding) }
                return .failure(.unsupportedTransferEncoding)
            }
            return .success(.chunked)
        }
        if sawContentLength {
            guard let length = contentLength else { return .failure(.invalidContentLength) }
            return .success(length == 0 ? .none : .length(length))
        }
        return .success(.none)
    }

    /// The comma-separated elements of a field value, empty ones kept. Split
    /// by bytes: splitting by `Character` was most of this function's time,
    /// and it runs for every request with a body.
    private static func listElements(_ value: String) -> [Substring] {
        guard value.utf8.contains(UInt8(ascii: ",")) else { return [value[...]] }
        return value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map { Substring($0) }
    }

    /// 1*DIGIT without sign or whitespace, rejecting values that overflow.
    private static func parseLength(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 18 else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte.isDigit else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }
}

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
                var failure: HTTPParseError?
                forEachListElement(field.value) { element in
                    guard let value = parseLength(element.trimmingOWS()) else { failure = .invalidContentLength; return false }
                    if let existing = contentLength, existing != value { failure = .conflictingContentLength; return false }
                    contentLength = value
                    return true
                }
                if let failure { return .failure(failure) }
            } else if HTTPHeaders.equalsIgnoringCase(field.name, "transfer-encoding") {
                sawTransferEncoding = true
                var failure: HTTPParseError?
                forEachListElement(field.value) { element in
                    let coding = element.trimmingOWS()
                    guard !coding.isEmpty else { failure = .invalidTransferEncoding; return false }
                    transferCodings.append(coding)
                    return true
                }
                if let failure { return .failure(failure) }
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

    /// Calls `body` with each comma-separated element of a field value,
    /// empty ones kept, until it returns false. Split by bytes, and without
    /// building a list: it runs for every request with a body.
    private static func forEachListElement(_ value: String, _ body: (Substring) -> Bool) {
        var start = value.utf8.startIndex
        while true {
            let end = value.utf8[start...].firstIndex(of: UInt8(ascii: ",")) ?? value.utf8.endIndex
            guard body(value[start..<end]), end < value.utf8.endIndex else { return }
            start = value.utf8.index(after: end)
        }
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

/// Serialises responses onto a connection's output buffer, deciding the
/// framing headers and gzip so handlers cannot get them wrong.
struct ResponseEncoder {
    var gzipMinimumBytes: Int

    /// Appends `response` to `output`.
    /// - Parameters:
    ///   - isHead: a HEAD request: headers as for GET, no content.
    ///   - acceptsGzip: the request allowed gzip.
    ///   - close: announce `Connection: close`.
    ///   - keepAliveHTTP10: an HTTP/1.0 client asked to keep the connection.
    func encode(
        _ response: HTTPResponse, isHead: Bool, acceptsGzip: Bool, close: Bool, keepAliveHTTP10: Bool,
        date: [UInt8], into output: inout [UInt8]
    ) {
        var body = response.body
        var headers = response.headers
        let status = response.status
        if !status.forbidsBody, acceptsGzip, body.count >= gzipMinimumBytes,
           headers["content-encoding"] == nil, Self.isCompressible(headers["content-type"]) {
            let compressed = GzipCodec.compress(body)
            if compressed.count < body.count {
                body = compressed
                headers.set("Content-Encoding", "gzip")
            }
            headers.add("Vary", "Accept-Encoding")
        }
        Self.appendStatusLine(status, to: &output)
        for field in headers where !Self.isFramingField(field.name) {
            output.append(contentsOf: field.name.utf8)
            output.append(contentsOf: Self.colonSpace)
            output.append(contentsOf: field.value.utf8)
            output.append(contentsOf: Self.crlf)
        }
        if !status.forbidsBody {
            output.append(contentsOf: Self.contentLengthPrefix)
            Self.appendDecimal(body.count, to: &output)
            output.append(contentsOf: Self.crlf)
        }
        output.append(contentsOf: Self.datePrefix)
        output.append(contentsOf: date)
        output.append(contentsOf: Self.crlf)
        if close {
            output.append(contentsOf: Self.connectionClose)
        } else if keepAliveHTTP10 {
            output.append(contentsOf: Self.connectionKeepAlive)
        }
        output.append(contentsOf: Self.crlf)
        if !isHead && !status.forbidsBody { output.append(contentsOf: body) }
    }

    /// Whether the request's `Accept-Encoding` admits gzip (q > 0).
    static func acceptsGzip(_ headers: HTTPHeaders) -> Bool {
        for element in headers.tokens("accept-encoding") {
            let parts = element.split(separator: ";").map { $0.trimmingOWS() }
            guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.map { Double($0.dropFirst(2)) ?? 0 } ?? 1
            if q > 0 { return true }
        }
        return false
    }

    static func isCompressible(_ contentType: String?) -> Bool {
        guard let type = contentType?.lowercased() else { return false }
        return type.hasPrefix("text/") || type.contains("json") || type.contains("xml")
            || type.contains("javascript") || type.contains("yaml")
    }

    private static func isFramingField(_ name: String) -> Bool {
        HTTPHeaders.equalsIgnoringCase(name, "content-length") || HTTPHeaders.equalsIgnoringCase(name, "transfer-encoding")
            || HTTPHeaders.equalsIgnoringCase(name, "connection") || HTTPHeaders.equalsIgnoringCase(name, "date")
    }

    /// Written in place: building the line as a string cost several allocations per response.
    private static func appendStatusLine(_ status: HTTPStatus, to output: inout [UInt8]) {
        output.append(contentsOf: httpVersion)
        appendDecimal(status.code, to: &output)
        output.append(0x20)
        output.append(contentsOf: status.reasonPhrase.utf8)
        output.append(contentsOf: crlf)
    }

    private static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        guard value >= 10 else { return output.append(UInt8(truncatingIfNeeded: 0x30 + max(0, value))) }
        appendDecimal(value / 10, to: &output)
        output.append(UInt8(truncatingIfNeeded: 0x30 + value % 10))
    }

    static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    private static let httpVersion = Array("HTTP/1.1 ".utf8)
    private static let crlf: [UInt8] = [0x0D, 0x0A]
    private static let colonSpace: [UInt8] = [0x3A, 0x20]
    private static let contentLengthPrefix = Array("Content-Length: ".utf8)
    private static let datePrefix = Array("Date: ".utf8)
    private static let connectionClose = Array("Connection: close\r\n".utf8)
    private static let connectionKeepAlive = Array("Connection: keep-alive\r\n".utf8)
}

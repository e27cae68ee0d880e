/// A complete request as handed to a handler: head, decoded body and the
/// path parameters the router matched.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target as sent.
    public var target: String
    /// The path component of the target, still percent-encoded.
    public var path: String
    /// The query component without `?`, or empty.
    public var query: String
    public var headers: HTTPHeaders
    /// The body after transfer and content decoding.
    public var body: [UInt8]
    public var trailers: HTTPHeaders
    public var versionMinor: Int
    /// Parameters captured by the router, e.g. `id` for `/v1/leads/{id}`.
    public var pathParameters: [String: String] = [:]
    /// The peer address, e.g. `127.0.0.1:53122`.
    public var remoteAddress: String
    /// Whether the request arrived over TLS.
    public var isSecure: Bool

    public init(
        method: String, target: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
        trailers: HTTPHeaders = HTTPHeaders(), versionMinor: Int = 1, remoteAddress: String = "", isSecure: Bool = false
    ) {
        self.method = method
        self.target = target
        (self.path, self.query) = Self.split(target: target)
        self.headers = headers
        self.body = body
        self.trailers = trailers
        self.versionMinor = versionMinor
        self.remoteAddress = remoteAddress
        self.isSecure = isSecure
    }

    /// Decoded query parameters in order (`+` is a space, `%XX` decoded).
    public var queryItems: [(name: String, value: String)] {
        FormURLEncoding.decode(query)
    }

    /// The first value of query parameter `name`.
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// The body as UTF-8 text.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// Origin-form path and query from any request-target form.
    static func split(target: String) -> (path: String, query: String) {
        // The common case: an origin-form target without a query.
        if target.utf8.first == UInt8(ascii: "/") && !target.utf8.contains(UInt8(ascii: "?")) { return (target, "") }
        var rest = Substring(target)
        if !rest.hasPrefix("/"), let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            // absolute-form: drop scheme and authority (RFC 9112 §3.2.2).
            rest = rest[rest.index(colon, offsetBy: 3)...]
            if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                rest = rest[slash...]
            } else {
                rest = "/"
            }
            if rest.hasPrefix("?") { rest = "/" + rest }
        }
        guard let mark = rest.firstIndex(of: "?") else { return (String(rest), "") }
        return (String(rest[..<mark]), String(rest[rest.index(after: mark)...]))
    }
}

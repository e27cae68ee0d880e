/// The request line and header section of one request, as parsed.
public struct RequestHead: Sendable {
    public var method: String
    /// The request target exactly as sent (origin-form, absolute-form or `*`).
    public var target: String
    public var versionMajor: Int
    public var versionMinor: Int
    public var headers: HTTPHeaders

    public init(method: String, target: String, versionMajor: Int = 1, versionMinor: Int = 1, headers: HTTPHeaders = HTTPHeaders()) {
        self.method = method
        self.target = target
        self.versionMajor = versionMajor
        self.versionMinor = versionMinor
        self.headers = headers
    }

    public var isHTTP11: Bool { versionMajor == 1 && versionMinor >= 1 }

    /// Whether the connection may stay open after this request (RFC 9112 §9.3).
    public var wantsKeepAlive: Bool {
        guard headers.contains("connection") else { return isHTTP11 }
        let tokens = headers.tokens("connection")
        if tokens.contains("close") { return false }
        return isHTTP11 || tokens.contains("keep-alive")
    }
}

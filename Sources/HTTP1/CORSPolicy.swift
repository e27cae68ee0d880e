/// Which browser origins may call a route, and what a preflight grants.
public struct CORSPolicy: Sendable {
    /// Decides whether an `Origin` value is allowed.
    public var allowsOrigin: @Sendable (String) -> Bool
    /// Request headers a preflight may approve.
    public var allowedHeaders: [String]
    /// How long browsers may cache a preflight answer, in seconds.
    public var maxAgeSeconds: Int

    public init(
        allowedHeaders: [String] = ["Content-Type", "Authorization", "Idempotency-Key"],
        maxAgeSeconds: Int = 600,
        allowsOrigin: @escaping @Sendable (String) -> Bool
    ) {
        self.allowsOrigin = allowsOrigin
        self.allowedHeaders = allowedHeaders
        self.maxAgeSeconds = maxAgeSeconds
    }

    /// Allows exactly the listed origins (`*` allows any).
    public static func origins(_ list: [String]) -> CORSPolicy {
        let set = Set(list.map { $0.lowercased() })
        return CORSPolicy { set.contains("*") || set.contains($0.lowercased()) }
    }
}

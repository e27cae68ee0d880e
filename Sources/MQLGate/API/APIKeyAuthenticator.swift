import COpenSSL
import Foundation
import HTTP1

/// Checks `Authorization: Bearer <key>` against the configured API keys.
/// Keys are kept only as SHA-256 digests and every digest is compared in
/// constant time, so neither memory dumps nor timing reveal a key.
public struct APIKeyAuthenticator: Sendable {
    private let digests: [[UInt8]]

    public init(keys: [String]) {
        digests = keys.filter { !$0.isEmpty }.map { Self.digest($0) }
    }

    /// No keys configured: the server is open (and must then bind loopback only).
    public var isOpen: Bool { digests.isEmpty }

    /// The matching key's index (a stable, non-secret label for rate limits and logs), or nil.
    public func authenticate(_ headers: HTTPHeaders) -> Int? {
        guard let value = headers["authorization"] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let presented = Self.digest(String(parts[1].trimmingOWS()))
        var match: Int?
        // Look at every digest, whatever matched, so timing does not depend on which key it was.
        for (index, digest) in digests.enumerated() {
            let equal = MessageAuthentication.constantTimeEqual(presented, digest)
            if equal && match == nil { match = index }
        }
        return match
    }

    static func digest(_ key: String) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let bytes = Array(key.utf8)
        _ = bytes.withUnsafeBufferPointer { SHA256($0.baseAddress, $0.count, &out) }
        return out
    }
}

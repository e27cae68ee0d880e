import Foundation

/// Standard Webhooks signatures: `v1,` + base64(HMAC-SHA256(key, "id.timestamp.body")),
/// the key being the base64-decoded part of a `whsec_` secret.
public struct WebhookSignature: Sendable {
    private let key: [UInt8]

    /// Nil when `secret` is not `whsec_` followed by base64.
    public init?(secret: String) {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let key = Data(base64Encoded: encoded), !key.isEmpty else { return nil }
        self.key = Array(key)
    }

    /// The `webhook-signature` value for one message.
    public func sign(id: String, timestamp: Int64, body: [UInt8]) -> String {
        "v1," + Data(mac(id: id, timestamp: timestamp, body: body)).base64EncodedString()
    }

    /// Whether any `v1,` signature in a (space-separated) header matches, in
    /// constant time per candidate, and `timestamp` lies within `tolerance` of `now`.
    public func verify(id: String, timestamp: Int64, body: [UInt8], header: String, now: Int64, tolerance: Int64 = 300) -> Bool {
        guard abs(now - timestamp) <= tolerance else { return false }
        let expected = mac(id: id, timestamp: timestamp, body: body)
        var matched = false
        for candidate in header.split(separator: " ") where candidate.hasPrefix("v1,") {
            guard let presented = Data(base64Encoded: String(candidate.dropFirst(3))) else { continue }
            matched = MessageAuthentication.constantTimeEqual(Array(presented), expected) || matched
        }
        return matched
    }

    private func mac(id: String, timestamp: Int64, body: [UInt8]) -> [UInt8] {
        MessageAuthentication.hmacSHA256(key: key, message: Array("\(id).\(timestamp).".utf8) + body)
    }
}

import Foundation
import Synchronization

/// Token buckets per API key (or per client address when the API is open):
/// `rate` tokens a second, up to `burst`. Buckets are spread over stripes,
/// each with its own lock, so clients do not contend on one lock.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private final class Stripe: Sendable {
        let buckets = Mutex<[String: Bucket]>([:])
    }

    let rate: Double
    let burst: Double
    private let stripes: [Stripe] = (0..<16).map { _ in Stripe() }

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = max(1, burst)
    }

    /// Takes a token for `client`; when none is left, says how many seconds until one is.
    func acquire(_ client: String, now: Double = ProcessInfo.processInfo.systemUptime) -> (allowed: Bool, retryAfter: Int) {
        var hasher = Hasher()
        hasher.combine(client)
        let stripe = stripes[Int(UInt(bitPattern: hasher.finalize()) % UInt(stripes.count))]
        return stripe.buckets.withLock { buckets in
            var bucket = buckets[client] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            defer { buckets[client] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return (true, 0)
            }
            return (false, max(1, Int(((1 - bucket.tokens) / rate).rounded(.up))))
        }
    }
}

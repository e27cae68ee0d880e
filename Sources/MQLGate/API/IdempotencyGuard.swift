import COpenSSL
import Foundation
import HTTP1
import LeadScoring
import Synchronization

/// `Idempotency-Key` on POSTs (IETF httpapi draft): the first request with a
/// key runs and its response is kept for `retention`; a retry with the same
/// key and the same request gets that response again; the same key with a
/// different request is 422; a retry while the first is still running is 409.
/// Keys are scoped per API key, so clients cannot see each other's answers.
final class IdempotencyGuard: Sendable {
    static let retention: Duration = .seconds(24 * 3600)

    private let store: SQLiteLeadStore
    private let inFlight = Mutex<Set<String>>([])

    init(store: SQLiteLeadStore) { self.store = store }

    /// Runs `proceed` at most once per (scope, key) and answers retries from the stored response.
    /// Blocking (reads the store): call it off the event loop.
    func handle(_ request: HTTPRequest, key: String, scope: String, sink: HTTPResponseSink,
                proceed: @escaping @Sendable (HTTPResponseSink) -> Void) {
        guard !key.isEmpty, key.utf8.count <= 255, key.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            return sink.send(Problem.invalid("", "Idempotency-Key must be 1–255 printable ASCII characters").response)
        }
        let fingerprint = Self.fingerprint(request)
        let slot = scope + "\u{1F}" + key
        guard inFlight.withLock({ $0.insert(slot).inserted }) else {
            return sink.send(Problem(.conflict, "a request with this Idempotency-Key is still being processed").response)
        }
        let stored: SQLiteLeadStore.StoredResponse?
        do {
            stored = try store.storedResponse(scope: scope, key: key)
        } catch {
            inFlight.withLock { _ = $0.remove(slot) }
            return sink.send(Problem(.serviceUnavailable, "the store could not be read; retry later").response)
        }
        if let stored {
            inFlight.withLock { _ = $0.remove(slot) }
            guard stored.fingerprint == fingerprint else {
                return sink.send(Problem(.unprocessableContent, "this Idempotency-Key was used for a different request").response)
            }
            var headers = HTTPHeaders()
            if let type = stored.contentType { headers.add("Content-Type", type) }
            if let location = stored.location { headers.add("Location", location) }
            headers.add("Idempotent-Replayed", "true")
            return sink.send(HTTPResponse(status: HTTPStatus(stored.status), headers: headers, body: stored.body))
        }
        let store = self.store
        proceed(HTTPResponseSink(wrapping: sink) { [self] response in
            // Server errors are not kept: the client should be able to retry them for real.
            guard response.status.code < 500 else {
                inFlight.withLock { _ = $0.remove(slot) }
                return sink.send(response)
            }
            let kept = SQLiteLeadStore.StoredResponse(
                fingerprint: fingerprint, status: response.status.code, contentType: response.headers["content-type"],
                location: response.headers["location"], body: response.body
            )
            store.storeResponse(scope: scope, key: key, kept, at: Timestamp(Date())) { [self] _ in
                inFlight.withLock { _ = $0.remove(slot) }
                sink.send(response)
            }
        })
    }

    /// SHA-256 over method, target and body: what "the same request" means.
    static func fingerprint(_ request: HTTPRequest) -> [UInt8] {
        var bytes = Array("\(request.method) \(request.target)\n".utf8)
        bytes += request.body
        var digest = [UInt8](repeating: 0, count: 32)
        _ = bytes.withUnsafeBufferPointer { SHA256($0.baseAddress, $0.count, &digest) }
        return digest
    }
}

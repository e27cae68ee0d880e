import HTTP1
import Logging

/// The middleware around the router: request ids, authentication, metrics
/// and the access log. Everything that is not a route lives here.
struct APIResponder: HTTPResponder {
    let router: Router
    let authenticator: APIKeyAuthenticator
    let metrics: ServiceMetrics
    let logger: Logger
    /// Routes anyone may call: probes, public forms and webhooks that carry their own signatures.
    let isPublic: @Sendable (String) -> Bool
    let limiter: RateLimiter?
    let idempotency: IdempotencyGuard?

    func respond(to request: HTTPRequest, sink: HTTPResponseSink) {
        let started = ContinuousClock.now
        let route = router.pattern(for: request.path)
        let requestID = Self.requestID(request.headers["x-request-id"])
        let metrics = self.metrics, logger = self.logger
        let method = request.method, path = request.path
        let answer = HTTPResponseSink(wrapping: sink) { response in
            var response = response
            response.headers.set("X-Request-Id", requestID)
            let elapsed = ContinuousClock.now - started
            metrics.recordRequest(route: route, status: response.status.code, duration: elapsed)
            if response.status.code >= 500 {
                logger.error("request failed", metadata: ["request_id": "\(requestID)", "method": "\(method)", "route": "\(route ?? path)", "status": "\(response.status.code)"])
            } else {
                logger.debug("request", metadata: [
                    "request_id": "\(requestID)", "method": "\(method)", "route": "\(route ?? "unmatched")",
                    "status": "\(response.status.code)", "duration_ms": "\(Double(elapsed.components.attoseconds / 1_000_000_000_000) / 1000)",
                ])
            }
            sink.send(response)
        }
        var scope = "open"
        if !authenticator.isOpen, !(route.map(isPublic) ?? false), request.method != "OPTIONS" {
            guard let key = authenticator.authenticate(request.headers) else {
                var problem = Problem(.unauthorized, "a valid API key is required: Authorization: Bearer <key>")
                problem.headers.add("WWW-Authenticate", #"Bearer realm="mqlgate""#)
                return answer.send(problem.response)
            }
            scope = "key#\(key)"
            // Limits are per key; an open (loopback-only) server has no keys to limit.
            if let limiter {
                let (allowed, retryAfter) = limiter.acquire("key#\(key)")
                guard allowed else {
                    var problem = Problem(.tooManyRequests, "rate limit of \(limiter.rate.formatted()) requests/s (burst \(Int(limiter.burst))) exceeded")
                    problem.headers.add("Retry-After", String(retryAfter))
                    return answer.send(problem.response)
                }
            }
        }
        if request.method == "POST", let idempotency, let key = request.headers["idempotency-key"] {
            // The stored-response lookup reads the database: not on the event loop.
            let router = self.router, scope = scope
            APIEndpoints.work.async {
                idempotency.handle(request, key: key, scope: scope, sink: answer) { sink in router.respond(to: request, sink: sink) }
            }
            return
        }
        router.respond(to: request, sink: answer)
    }

    /// A client-supplied id when it is short and printable, else a new one.
    static func requestID(_ supplied: String?) -> String {
        if let supplied, !supplied.isEmpty, supplied.utf8.count <= 128,
           supplied.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") }) {
            return supplied
        }
        return requestIDs.next()
    }

    /// Request ids need to be unique, not secret: a random per-process prefix
    /// and a counter, with no system call per request.
    static let requestIDs = RequestIDSequence()
}

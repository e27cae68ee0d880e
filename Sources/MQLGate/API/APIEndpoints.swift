import Foundation
import HTTP1
import LeadScoring
import Logging

/// The REST API (spec §7). Each resource's handlers live in an extension
/// in its own file; this file registers them and holds what they share.
struct APIEndpoints: Sendable {
    let store: LeadStore
    /// Webhook delivery records (SQLite-specific for now).
    let deliveries: SQLiteLeadStore
    let metrics: ServiceMetrics
    let logger: Logger
    let model: ModelRegistry
    let reloader: ModelReloader

    static let publicRoutes: Set<String> = ["/healthz", "/readyz"]

    /// Public form routes are public; so are signature-checked webhooks.
    static func isPublic(_ route: String) -> Bool {
        publicRoutes.contains(route) || route.hasPrefix("/v1/forms/") || route.hasPrefix("/v1/webhooks/")
    }

    func register(on router: Router, configuration: ServiceConfiguration) {
        let forms = configuration.forms
        let inbound = InboundWebhooksEndpoint(
            store: deliveries, signedSecret: configuration.inboundSecret, hubspotSecret: configuration.hubspotClientSecret
        )
        route(router, "POST", "/v1/webhooks/inbound") { request in try inbound.signed(request) }
        route(router, "POST", "/v1/webhooks/hubspot") { request in try inbound.hubspot(request) }
        FormsEndpoint(store: store, forms: forms).register(on: router) { router, method, pattern, cors, body in
            route(router, method, pattern, cors: cors, body)
        }
        route(router, "POST", "/v1/leads") { request in try createLead(request) }
        route(router, "GET", "/v1/leads") { request in try listLeads(request) }
        route(router, "GET", "/v1/leads/{id}") { request in try getLead(request) }
        route(router, "DELETE", "/v1/leads/{id}") { request in try deleteLead(request) }
        route(router, "GET", "/v1/leads/{id}/events") { request in try listEvents(request) }
        router.add("POST", "/v1/events") { request, sink in ingestEvents(request, sink: sink) }
        route(router, "GET", "/v1/handoffs") { request in try listHandoffs(request) }
        route(router, "GET", "/v1/handoffs/{id}") { request in try getHandoff(request) }
        route(router, "POST", "/v1/handoffs/{id}/feedback") { request in try postFeedback(request) }
        route(router, "POST", "/v1/handoffs/{id}/redeliver") { request in try redeliver(request) }
        route(router, "GET", "/v1/deliveries") { request in try listDeliveries(request) }
        route(router, "GET", "/v1/funnel") { request in try funnel(request) }
        route(router, "POST", "/v1/score") { request in try dryRun(request) }
        router.add("GET", "/v1/model", respond: { _ in modelDocument() })
        route(router, "POST", "/v1/model/reload") { _ in try reloadModel() }
        let alive = HTTPResponse.json(.ok, .object(["status": .string("ok")]))
        router.add("GET", "/healthz", respond: { _ in alive })
        route(router, "GET", "/readyz") { _ in try readiness() }
        router.add("GET", "/metrics", respond: { _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: metrics.exposition())
        })
    }

    /// Handlers that read or wait for the store run on a Dispatch queue,
    /// never on an event loop; thrown problems and store errors become
    /// problem responses.
    func route(_ router: Router, _ method: String, _ pattern: String, cors: CORSPolicy? = nil,
               _ body: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) {
        let logger = self.logger
        router.add(method, pattern, cors: cors) { request, sink in
            Self.work.async {
                do {
                    sink.send(try body(request))
                } catch {
                    sink.send(Self.problem(for: error, logger: logger).response)
                }
            }
        }
    }

    /// Where blocking handlers run; Dispatch adds threads while some wait on a commit.
    static let work = DispatchQueue(label: "mqlgate.api", qos: .userInitiated, attributes: .concurrent)

    static func problem(for error: Error, logger: Logger) -> Problem {
        switch error {
        case let problem as Problem: return problem
        case StoreError.notFound(let what): return Problem(.notFound, "\(what) not found")
        case StoreError.conflict(let why): return Problem(.conflict, why)
        case StoreError.invalid(let validation): return .validation(validation)
        case let validation as ValidationError: return .validation(validation)
        default:
            logger.error("storage failure", metadata: ["error": "\(error)"])
            return Problem(.serviceUnavailable, "the store could not complete the request; retry later")
        }
    }

    // MARK: Shared query parsing

    static func limit(_ request: HTTPRequest) throws(Problem) -> Int {
        guard let raw = request.queryValue("limit") else { return 50 }
        guard let value = Int(raw), (1...500).contains(value) else { throw Problem.invalid("/limit", "limit must be a whole number from 1 to 500") }
        return value
    }

    static func timestamp(_ request: HTTPRequest, _ name: String) throws(Problem) -> Timestamp? {
        guard let raw = request.queryValue(name), !raw.isEmpty else { return nil }
        guard let value = Timestamp(rfc3339: raw) else { throw Problem.invalid("/\(name)", "expected an RFC 3339 date-time such as 2027-03-12T16:00:00Z") }
        return value
    }

    static func page<T>(_ page: Page<T>, _ render: (T) -> JSONValue) -> HTTPResponse {
        .json(.ok, .object(["items": .array(page.items.map(render)), "next_cursor": .text(page.nextCursor)]))
    }

    static var now: Timestamp { Timestamp(Date()) }
}

import Foundation
import HTTP1
import LeadScoring
import Logging

/// The REST API (spec §7). Each resource's handlers live in an extension
/// in its own file; this file registers them and holds what they share.
struct APIEndpoints: Sendable {
    let store: LeadStore
    let metrics: ServiceMetrics
    let logger: Logger
    let model: ModelRegistry

    static let publicRoutes: Set<String> = ["/healthz", "/readyz"]

    func register(on router: Router) {
        router.add("POST", "/v1/leads", async: { request in await handle { try await createLead(request) } })
        router.add("GET", "/v1/leads", async: { request in await handle { try listLeads(request) } })
        router.add("GET", "/v1/leads/{id}", async: { request in await handle { try getLead(request) } })
        router.add("DELETE", "/v1/leads/{id}", async: { request in await handle { try await deleteLead(request) } })
        router.add("GET", "/v1/leads/{id}/events", async: { request in await handle { try listEvents(request) } })
        router.add("POST", "/v1/events") { request, sink in ingestEvents(request, sink: sink) }
        router.add("GET", "/v1/handoffs", async: { request in await handle { try listHandoffs(request) } })
        router.add("GET", "/v1/handoffs/{id}", async: { request in await handle { try getHandoff(request) } })
        router.add("POST", "/v1/handoffs/{id}/feedback", async: { request in await handle { try await postFeedback(request) } })
        router.add("GET", "/v1/funnel", async: { request in await handle { try funnel(request) } })
        router.add("POST", "/v1/score", async: { request in await handle { try dryRun(request) } })
        router.add("GET", "/v1/model", respond: { _ in modelDocument() })
        router.add("GET", "/healthz", respond: { _ in .json(.ok, .object(["status": .string("ok")])) })
        router.add("GET", "/readyz", async: { _ in await readiness() })
        router.add("GET", "/metrics", respond: { _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: metrics.exposition())
        })
    }

    /// Runs a handler, turning thrown problems and store errors into problem responses.
    func handle(_ body: () async throws -> HTTPResponse) async -> HTTPResponse {
        do {
            return try await body()
        } catch let problem as Problem {
            return problem.response
        } catch {
            return Self.problem(for: error, logger: logger).response
        }
    }

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

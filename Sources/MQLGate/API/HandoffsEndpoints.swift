import HTTP1
import LeadScoring

extension APIEndpoints {
    /// `GET /v1/handoffs?status=&since=&limit=&cursor=`: the feed sales tools pull.
    func listHandoffs(_ request: HTTPRequest) throws -> HTTPResponse {
        var query = HandoffQuery()
        if let raw = request.queryValue("status") {
            guard let status = HandoffRecord.Status(rawValue: raw.lowercased()) else {
                throw Problem.invalid("/status", "status must be one of \(HandoffRecord.Status.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.status = status
        }
        query.since = try Self.timestamp(request, "since")
        query.limit = try Self.limit(request)
        query.cursor = request.queryValue("cursor")
        return Self.page(try store.handoffs(query)) { $0.json() }
    }

    /// `GET /v1/handoffs/{id}`.
    func getHandoff(_ request: HTTPRequest) throws -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        guard let handoff = try store.handoff(id: id) else { throw Problem(.notFound, "no handoff \(id)") }
        return .json(.ok, handoff.json(deliveries: .array(try deliveries.deliveries(handoffID: id).map { $0.json() })))
    }

    /// `POST /v1/handoffs/{id}/redeliver`: dead or disabled deliveries go back in line, due now.
    func redeliver(_ request: HTTPRequest) throws -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        guard try store.handoff(id: id) != nil else { throw Problem(.notFound, "no handoff \(id)") }
        let count = try deliveries.redrive(handoffID: id, at: Self.now)
        return .json(.accepted, .object(["redriven": .number(Double(count))]))
    }

    /// `GET /v1/deliveries?status=dead`: the dead letters (or any status), oldest first.
    func listDeliveries(_ request: HTTPRequest) throws -> HTTPResponse {
        let raw = request.queryValue("status") ?? "dead"
        guard let status = DeliveryRecord.Status(rawValue: raw) else {
            throw Problem.invalid("/status", "status must be one of \(DeliveryRecord.Status.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var after: Int64?
        if let cursor = request.queryValue("cursor") {
            after = try Cursor.integers(cursor, count: 1)[0]
        }
        return Self.page(try deliveries.deliveries(status: status, limit: try Self.limit(request), after: after)) { $0.json() }
    }

    /// `POST /v1/handoffs/{id}/feedback` with `{"outcome", "reason", "owner"}`.
    func postFeedback(_ request: HTTPRequest) throws -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        guard case .object(let members) = try RequestDecoding.leadDocument(request) else {
            throw Problem.invalid("", "feedback must be a JSON object")
        }
        var issues: [ValidationIssue] = []
        var outcome: FeedbackOutcome?
        if case .string(let raw)? = members["outcome"], let value = FeedbackOutcome(rawValue: raw.lowercased()) {
            outcome = value
        } else {
            issues.append(ValidationIssue(pointer: "/outcome", detail: "outcome must be one of accepted, rejected, sql"))
        }
        func text(_ name: String, max: Int) -> String? {
            switch members[name] {
            case nil, .null?: return nil
            case .string(let value)? where value.count <= max: return value.isEmpty ? nil : value
            default:
                issues.append(ValidationIssue(pointer: "/\(name)", detail: "\(name) must be a string of at most \(max) characters"))
                return nil
            }
        }
        let reason = text("reason", max: 1000)
        let owner = text("owner", max: 200)
        for key in members.keys where !["outcome", "reason", "owner"].contains(key) {
            issues.append(ValidationIssue(pointer: "/\(key)", detail: "unknown member; expected outcome, reason, owner"))
        }
        guard issues.isEmpty, let outcome else { throw Problem.validation(ValidationError(issues)) }
        let handoff = try store.recordFeedback(handoffID: id, outcome: outcome, reason: reason, owner: owner, at: Self.now)
        return .json(.ok, handoff.json())
    }

    /// `GET /v1/funnel?from=&to=`.
    func funnel(_ request: HTTPRequest) throws -> HTTPResponse {
        let from = try Self.timestamp(request, "from"), to = try Self.timestamp(request, "to")
        if let from, let to, to < from { throw Problem.invalid("/to", "to must not be before from") }
        return .json(.ok, try store.funnel(from: from, to: to, at: Self.now).json())
    }
}

import HTTP1
import LeadScoring

extension APIEndpoints {
    /// `POST /v1/leads`: create or update by e-mail; 201 new, 200 updated.
    func createLead(_ request: HTTPRequest) throws -> HTTPResponse {
        let document = try RequestDecoding.leadDocument(request)
        let lead: Lead
        do {
            lead = try Lead(json: document)
        } catch {
            throw Problem.validation(error, detail: "the lead has invalid fields")
        }
        let (record, created) = try store.upsertLead(lead, at: Self.now)
        var headers = HTTPHeaders()
        headers.add("Location", "/v1/leads/\(record.id)")
        return .json(created ? .created : .ok, record.json(freeMailDomains: store.scorer.model.freeMailDomains), headers: headers)
    }

    /// `GET /v1/leads/{id}`: by id or e-mail.
    func getLead(_ request: HTTPRequest) throws -> HTTPResponse {
        let key = request.pathParameters["id"] ?? ""
        guard let record = try store.lead(idOrEmail: key, at: Self.now) else { throw Problem(.notFound, "no lead \(key)") }
        return .json(.ok, record.json(freeMailDomains: store.scorer.model.freeMailDomains))
    }

    /// `GET /v1/leads?stage=&min_score=&updated_since=&limit=&cursor=`
    func listLeads(_ request: HTTPRequest) throws -> HTTPResponse {
        var query = LeadQuery()
        if let raw = request.queryValue("stage") {
            guard let stage = Stage(rawValue: raw.lowercased()) else {
                throw Problem.invalid("/stage", "stage must be one of \(Stage.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.stage = stage
        }
        if let raw = request.queryValue("min_score") {
            guard let value = Double(raw), value.isFinite else { throw Problem.invalid("/min_score", "min_score must be a number") }
            query.minScore = value
        }
        query.updatedSince = try Self.timestamp(request, "updated_since")
        query.limit = try Self.limit(request)
        query.cursor = request.queryValue("cursor")
        let domains = store.scorer.model.freeMailDomains
        return Self.page(try store.leads(query)) { $0.json(freeMailDomains: domains) }
    }

    /// `DELETE /v1/leads/{id}`: erases the lead, its events and handoffs (GDPR).
    func deleteLead(_ request: HTTPRequest) throws -> HTTPResponse {
        let key = request.pathParameters["id"] ?? ""
        guard let record = try store.lead(idOrEmail: key, at: Self.now), try store.deleteLead(id: record.id) else {
            throw Problem(.notFound, "no lead \(key)")
        }
        return HTTPResponse(status: .noContent)
    }

    /// `GET /v1/leads/{id}/events`: newest first.
    func listEvents(_ request: HTTPRequest) throws -> HTTPResponse {
        let key = request.pathParameters["id"] ?? ""
        guard let record = try store.lead(idOrEmail: key, at: Self.now) else { throw Problem(.notFound, "no lead \(key)") }
        return Self.page(try store.events(leadID: record.id, limit: try Self.limit(request), cursor: request.queryValue("cursor"))) { $0.json() }
    }
}

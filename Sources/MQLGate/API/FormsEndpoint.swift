import Foundation
import HTTP1
import LeadScoring

/// `POST /v1/forms/{form}`: public endpoint for HTML forms. Each configured
/// form gets its own route with its own origin allow-list (CORS included);
/// a filled honeypot is thanked and forgotten; browsers are redirected
/// (303) to the form's page, `fetch()` callers get JSON.
struct FormsEndpoint: Sendable {
    let store: LeadStore
    let forms: [ServiceConfiguration.Form]

    /// Scalar lead fields a form field may fill; `utm` and `attributes` take dotted names instead.
    static let leadFields = Lead.memberNames.subtracting(["utm", "attributes"])

    func register(on router: Router, route: (Router, String, String, CORSPolicy?, @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) -> Void) {
        for form in forms {
            let cors = form.allowedOrigins.isEmpty ? nil : CORSPolicy.origins(form.allowedOrigins)
            route(router, "POST", "/v1/forms/\(form.id)", cors) { request in try submit(request, form: form) }
        }
        route(router, "POST", "/v1/forms/{form}", nil) { request in
            throw Problem(.notFound, "no form \(request.pathParameters["form"] ?? "")")
        }
    }

    func submit(_ request: HTTPRequest, form: ServiceConfiguration.Form) throws -> HTTPResponse {
        // Browsers always send Origin on a cross-site POST; enforce the list when they do.
        if let origin = request.headers["origin"], !form.allowedOrigins.isEmpty,
           !CORSPolicy.origins(form.allowedOrigins).allowsOrigin(origin) {
            throw Problem(.forbidden, "origin not allowed for this form")
        }
        let fields: [(name: String, value: String)]
        switch try RequestDecoding.mediaType(of: request) {
        case .form:
            fields = FormURLEncoding.decode(request.bodyText)
        case .multipart(let boundary):
            do {
                fields = try MultipartFormData.parse(request.body, boundary: boundary).filter { $0.filename == nil }.map { ($0.name, $0.text) }
            } catch {
                throw Problem(.badRequest, "malformed multipart body")
            }
        case .json, .ndjson:
            guard case .object(let members) = try RequestDecoding.json(request.body) else { throw Problem.invalid("", "expected an object of fields") }
            fields = members.compactMap { key, value in value.scalarText.map { (key, $0) } }
        }
        if let honeypot = form.honeypot, fields.contains(where: { $0.name == honeypot && !$0.value.isEmpty }) {
            // A bot filled the hidden field: answer as if all went well, keep nothing.
            return respond(to: request, form: form)
        }
        var mapped: [(name: String, value: String)] = []
        for (name, value) in fields where name != form.honeypot {
            let target = form.fields[name] ?? name
            if Self.leadFields.contains(target) || target.hasPrefix("attributes.") || target.hasPrefix("utm.") {
                mapped.append((target, value))
            } else if !value.isEmpty {
                // Anything else the form asks (message, consent …) is kept as an attribute.
                mapped.append(("attributes.\(target)", value))
            }
        }
        if !mapped.contains(where: { $0.name == "source" }) { mapped.append(("source", "form:\(form.id)")) }
        let lead: Lead
        do {
            lead = try Lead(json: RequestDecoding.formObject(mapped))
        } catch {
            throw Problem.validation(error, detail: "the form has invalid fields")
        }
        let now = Timestamp(Date())
        _ = try store.upsertLead(lead, at: now)
        let event = EngagementEvent(type: "form_submit", occurredAt: now, properties: ["form": .string(form.id)], email: lead.email)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: Error?
        store.ingest([event], at: now) { result in
            if case .failure(let error) = result { failure = error }
            done.signal()
        }
        done.wait()
        if let failure { throw failure }
        return respond(to: request, form: form)
    }

    /// 303 to the thank-you page for a browser form post; JSON for scripts.
    private func respond(to request: HTTPRequest, form: ServiceConfiguration.Form) -> HTTPResponse {
        let accept = request.headers["accept"] ?? ""
        let fromScript = request.headers["sec-fetch-mode"].map { $0 != "navigate" } ?? false || accept.contains("application/json")
        if let redirect = form.redirect, !fromScript {
            return HTTPResponse(status: .seeOther, headers: ["Location": redirect])
        }
        return .json(.ok, .object(["status": .string("received")]))
    }
}

import Foundation
import HTTP1
import LeadScoring

/// Webhooks into mqlgate, each authenticated by its signature instead of an API key:
/// `POST /v1/webhooks/inbound` (Standard Webhooks) and `POST /v1/webhooks/hubspot` (HubSpot v3).
struct InboundWebhooksEndpoint: Sendable {
    let store: SQLiteLeadStore
    let signedSecret: String?
    let hubspotSecret: String?
    /// Signatures older (or further in the future) than this are refused.
    static let tolerance: Int64 = 300

    /// HubSpot contact property → lead field.
    static let hubspotFields: [String: String] = [
        "email": "email", "firstname": "first_name", "lastname": "last_name", "jobtitle": "job_title", "company": "company",
        "numemployees": "company_size", "industry": "industry", "country": "country",
    ]

    /// `{"lead": {...}}`, `{"leads": [...]}` and/or `{"events": [...]}`, signed per Standard Webhooks; deduplicated on `webhook-id`.
    func signed(_ request: HTTPRequest) throws -> HTTPResponse {
        guard let secret = signedSecret, let verifier = WebhookSignature(secret: secret) else {
            throw Problem(.notFound, "signed inbound webhooks are not configured (inbound.signed.secret)")
        }
        guard let id = request.headers["webhook-id"], !id.isEmpty, id.utf8.count <= 255,
              let timestamp = request.headers["webhook-timestamp"].flatMap({ Int64($0) }),
              let signature = request.headers["webhook-signature"],
              verifier.verify(id: id, timestamp: timestamp, body: request.body, header: signature,
                              now: Int64(Date().timeIntervalSince1970), tolerance: Self.tolerance)
        else { throw Problem(.unauthorized, "missing, stale or invalid webhook signature") }
        guard case .object(let members) = try RequestDecoding.json(request.body) else {
            throw Problem.invalid("", "expected an object with lead, leads and/or events")
        }
        let now = Timestamp(Date())
        var issues: [ValidationIssue] = []
        var leads: [Lead] = []
        var events: [EngagementEvent] = []
        var leadDocuments: [(String, JSONValue)] = []
        if let lead = members["lead"] { leadDocuments.append(("/lead", lead)) }
        if case .array(let items)? = members["leads"] { leadDocuments += items.enumerated().map { ("/leads/\($0.offset)", $0.element) } }
        for (pointer, document) in leadDocuments {
            do { leads.append(try Lead(json: document)) } catch {
                issues += error.issues.map { ValidationIssue(pointer: pointer + $0.pointer, detail: $0.detail) }
            }
        }
        if case .array(let items)? = members["events"] {
            for (index, item) in items.enumerated() {
                do { events.append(try EngagementEvent(json: item, receivedAt: now, requireLead: true)) } catch {
                    issues += error.issues.map { ValidationIssue(pointer: "/events/\(index)" + $0.pointer, detail: $0.detail) }
                }
            }
        }
        for key in members.keys where !["lead", "leads", "events"].contains(key) {
            issues.append(ValidationIssue(pointer: "/\(key)", detail: "unknown member; expected lead, leads, events"))
        }
        guard issues.isEmpty else { throw Problem.validation(ValidationError(issues)) }
        let outcome = try store.applyInbound(source: "signed", id: id, leads: leads, events: events, at: now)
        return .json(.ok, .object([
            "duplicate": .bool(outcome.duplicate), "leads": .number(Double(outcome.leads)),
            "events": .number(Double(outcome.events.filter { if case .accepted = $0 { true } else { false } }.count)),
        ]))
    }

    /// HubSpot contact webhooks (signature v3): `contact.propertyChange` updates the lead; deduplicated on `eventId`.
    func hubspot(_ request: HTTPRequest) throws -> HTTPResponse {
        guard let secret = hubspotSecret, !secret.isEmpty else {
            throw Problem(.notFound, "HubSpot webhooks are not configured (inbound.hubspot.client_secret)")
        }
        guard let signature = request.headers["x-hubspot-signature-v3"],
              let timestamp = request.headers["x-hubspot-request-timestamp"].flatMap({ Int64($0) }),
              abs(Int64(Date().timeIntervalSince1970 * 1000) - timestamp) <= Self.tolerance * 1000,
              Self.verifyHubSpot(secret: secret, method: request.method, uri: Self.externalURI(request), body: request.body,
                                 timestamp: String(timestamp), signature: signature)
        else { throw Problem(.unauthorized, "missing, stale or invalid X-HubSpot-Signature-v3") }
        guard case .array(let items) = try RequestDecoding.json(request.body) else {
            throw Problem.invalid("", "expected the array of events HubSpot sends")
        }
        var changes: [SQLiteLeadStore.HubSpotChange] = []
        var ignored = 0
        for item in items {
            guard case .object(let event) = item, let eventID = event["eventId"]?.scalarText, let objectID = event["objectId"]?.scalarText else {
                ignored += 1
                continue
            }
            switch event["subscriptionType"]?.scalarText {
            case "contact.propertyChange":
                guard let property = event["propertyName"]?.scalarText, let value = event["propertyValue"] else { ignored += 1; continue }
                var field = Self.hubspotFields[property] ?? "attributes.hubspot_\(property)"
                var converted = value
                if field == "company_size", let number = value.scalarText.flatMap(Double.init) { converted = .number(number) }
                if field == "country", let text = value.scalarText, text.count != 2 { field = "attributes.hubspot_country" }
                changes.append(.init(eventID: eventID, objectID: objectID, field: field, value: converted))
            case "contact.creation":
                // The creation event carries no properties; the email change that follows names the lead.
                changes.append(.init(eventID: eventID, objectID: objectID, field: "attributes.hubspot_created", value: .bool(true)))
            default:
                ignored += 1
            }
        }
        let (applied, duplicates, unmapped) = try store.applyHubSpot(changes, at: Timestamp(Date()))
        return .json(.ok, .object([
            "applied": .number(Double(applied)), "duplicates": .number(Double(duplicates)),
            "unmapped": .number(Double(unmapped)), "ignored": .number(Double(ignored)),
        ]))
    }

    /// The URL HubSpot called, as it signed it: scheme (from a proxy's X-Forwarded-Proto when present), host and target.
    static func externalURI(_ request: HTTPRequest) -> String {
        let scheme = request.headers["x-forwarded-proto"] ?? (request.isSecure ? "https" : "http")
        return "\(scheme)://\(request.headers["host"] ?? "")\(request.target)"
    }

    /// base64(HMAC-SHA256(secret, method + uri + body + timestamp)), compared in constant time.
    static func verifyHubSpot(secret: String, method: String, uri: String, body: [UInt8], timestamp: String, signature: String) -> Bool {
        let mac = MessageAuthentication.hmacSHA256(key: Array(secret.utf8), message: Array((method + uri).utf8) + body + Array(timestamp.utf8))
        guard let presented = Data(base64Encoded: signature) else { return false }
        return MessageAuthentication.constantTimeEqual(Array(presented), mac)
    }
}

import Foundation
import HTTP1
import LeadScoring

/// Turns request bodies into JSON values whatever their media type, so
/// validation (and its error pointers) is the same for JSON, form posts
/// and multipart uploads.
enum RequestDecoding {
    enum MediaType {
        case json, ndjson, form, multipart(boundary: String)
    }

    private enum Kind { case json, ndjson, form, multipart }

    /// Accepted media types by their essence, lower-case.
    private static let kinds: [String: Kind] = [
        "application/json": .json, "text/json": .json, "application/problem+json": .json,
        "application/x-ndjson": .ndjson, "application/ndjson": .ndjson, "application/jsonl": .ndjson, "application/x-jsonlines": .ndjson,
        "application/x-www-form-urlencoded": .form,
        "multipart/form-data": .multipart,
    ]

    static func mediaType(of request: HTTPRequest, allowNDJSON: Bool = false) throws(Problem) -> MediaType {
        let raw = request.headers["content-type"] ?? "application/json"
        // The common case as sent, without building the lowered essence to look up.
        if raw.utf8.elementsEqual("application/json".utf8) { return .json }
        // Byte-wise, not with Foundation's trimming: that goes through NSString
        // and was a fifth of an event loop's time on single-event requests.
        let essence = raw[..<(raw.utf8.firstIndex(of: UInt8(ascii: ";")) ?? raw.endIndex)].trimmingOWS().lowercased()
        switch kinds[essence] {
        case .json?:
            return .json
        case .ndjson? where allowNDJSON:
            return .ndjson
        case .form?:
            return .form
        case .multipart?:
            guard let boundary = MultipartFormData.boundary(of: raw) else {
                throw Problem(.badRequest, "multipart/form-data needs a boundary parameter")
            }
            return .multipart(boundary: boundary)
        case .ndjson?, nil:
            throw Problem(.unsupportedMediaType, "unsupported content type \(essence)")
        }
    }

    static func json(_ body: [UInt8]) throws(Problem) -> JSONValue {
        guard !body.isEmpty else { throw Problem.invalid("", "the request body is empty") }
        do {
            return try JSONValue.parse(body)
        } catch {
            throw Problem.validation(error, detail: "the body is not valid JSON")
        }
    }

    /// Form fields as a flat JSON object. Repeated names become lists; the
    /// lead's structured members accept dotted names (`attributes.timeline`,
    /// `utm.source`) and comma lists (`tech_stack`).
    static func formObject(_ fields: [(name: String, value: String)]) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for (name, value) in fields where !name.isEmpty {
            if let dot = name.firstIndex(of: "."), ["attributes", "utm"].contains(String(name[..<dot])) {
                let outer = String(name[..<dot]), inner = String(name[name.index(after: dot)...])
                guard case .object(var nested) = object[outer] ?? .object([:]) else { continue }
                nested[inner] = .string(value)
                object[outer] = .object(nested)
            } else if name == "tech_stack" || name == "tech_stack[]" {
                var list: [JSONValue] = []
                if case .array(let existing) = object["tech_stack"] { list = existing }
                list += value.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 != .string("") }
                object["tech_stack"] = .array(list)
            } else if name == "company_size", let size = Double(value.trimmingCharacters(in: .whitespaces)) {
                object[name] = .number(size)
            } else {
                object[name] = .string(value)
            }
        }
        return .object(object)
    }

    /// The body of a lead submission in any accepted media type.
    static func leadDocument(_ request: HTTPRequest) throws(Problem) -> JSONValue {
        switch try mediaType(of: request) {
        case .json, .ndjson:
            return try json(request.body)
        case .form:
            return formObject(FormURLEncoding.decode(request.bodyText))
        case .multipart(let boundary):
            do {
                let parts = try MultipartFormData.parse(request.body, boundary: boundary)
                return formObject(parts.filter { $0.filename == nil }.map { ($0.name, $0.text) })
            } catch {
                throw Problem(.badRequest, "malformed multipart body: \(error)")
            }
        }
    }
}

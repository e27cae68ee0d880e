import HTTP1
import LeadScoring

/// RFC 9457 problem details, the shape of every error the API returns.
struct Problem: Error {
    var status: HTTPStatus
    var title: String
    var detail: String
    var type: String
    var errors: [ValidationIssue] = []
    var headers = HTTPHeaders()

    init(_ status: HTTPStatus, _ detail: String, type: String? = nil, errors: [ValidationIssue] = []) {
        self.status = status
        self.title = status.reasonPhrase
        self.detail = detail
        self.type = type ?? "about:blank"
        self.errors = errors
    }

    static func validation(_ error: ValidationError, detail: String = "the request has invalid fields") -> Problem {
        Problem(.unprocessableContent, detail, type: "https://mqlgate.dev/problems/validation", errors: error.issues)
    }

    static func invalid(_ pointer: String, _ detail: String) -> Problem {
        validation(ValidationError([ValidationIssue(pointer: pointer, detail: detail)]))
    }

    var response: HTTPResponse {
        var members: [String: JSONValue] = [
            "type": .string(type), "title": .string(title), "status": .number(Double(status.code)), "detail": .string(detail),
        ]
        if !errors.isEmpty {
            members["errors"] = .array(errors.map { .object(["pointer": .string($0.pointer), "detail": .string($0.detail)]) })
        }
        var headers = self.headers
        headers.set("Content-Type", "application/problem+json")
        return HTTPResponse(status: status, headers: headers, body: JSONWriter.bytes(.object(members)))
    }
}

extension HTTPResponse {
    /// A JSON response.
    static func json(_ status: HTTPStatus, _ value: JSONValue, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var headers = headers
        headers.set("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: headers, body: JSONWriter.bytes(value))
    }
}

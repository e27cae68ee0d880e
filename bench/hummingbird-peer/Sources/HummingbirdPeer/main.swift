import Foundation
import Hummingbird

/// The body of one engagement event, decoded the way mqlgate accepts it.
struct Event: Decodable {
    var event_id: String?
    var email: String?
    var lead_id: String?
    var type: String
    var occurred_at: String?
    var properties: [String: String]?
}

let port = Int(CommandLine.arguments.dropFirst().first ?? "8082") ?? 8082
let router = Router()
router.get("/healthz") { _, _ -> HTTPResponse.Status in .noContent }
router.post("/v1/events") { request, context -> HTTPResponse.Status in
    _ = try await request.decode(as: Event.self, context: context)
    return .accepted
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()

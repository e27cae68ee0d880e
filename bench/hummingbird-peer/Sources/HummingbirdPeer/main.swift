import Foundation
import Hummingbird
import NIOPosix

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
// Optional second argument: event loop threads (default: one per core, NIO's singleton group).
let threads = CommandLine.arguments.dropFirst(2).first.flatMap { Int($0) }
let router = Router()
router.get("/healthz") { _, _ -> HTTPResponse.Status in .noContent }
router.post("/v1/events") { request, context -> HTTPResponse.Status in
    _ = try await request.decode(as: Event.self, context: context)
    return .accepted
}
let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port)),
    eventLoopGroupProvider: threads.map { .shared(MultiThreadedEventLoopGroup(numberOfThreads: $0)) } ?? .singleton
)
try await app.runService()

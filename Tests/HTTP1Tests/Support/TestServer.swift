import HTTPTestSupport
import Foundation
import HTTP1

/// A real server on a free loopback port with routes that exercise the
/// protocol: echo, slow and asynchronous handlers.
final class TestServer: Sendable {
    let server: HTTPServer
    private static let slowResponses = DispatchQueue(label: "test.slow-responses")
    var port: Int { server.port }

    init(configure: (inout HTTPServerConfiguration) -> Void = { _ in }, routes: (Router) -> Void = { _ in }) throws {
        var configuration = HTTPServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.eventLoops = 2
        configure(&configuration)
        let router = Router()
        router.add("GET", "/healthz") { _ in HTTPResponse(status: .noContent) }
        router.add("GET", "/hello") { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: "hello") }
        router.add("POST", "/echo") { request in
            var headers = HTTPHeaders()
            headers.add("X-Body-Length", String(request.body.count))
            if let trailer = request.trailers["x-checksum"] { headers.add("X-Trailer", trailer) }
            return HTTPResponse(status: .ok, headers: headers, body: request.body)
        }
        router.add("GET", "/path/{id}") { request in
            HTTPResponse(status: .ok, contentType: "text/plain", body: request.pathParameters["id"] ?? "")
        }
        router.add("GET", "/big") { _ in
            HTTPResponse(status: .ok, contentType: "application/json", body: "[" + String(repeating: "{\"k\":\"value\"},", count: 400) + "{}]")
        }
        router.add("GET", "/slow/{ms}") { request, sink in
            let ms = Int(request.pathParameters["ms"] ?? "0") ?? 0
            // A queue of its own: the global queue shares its threads with Swift's tasks, which tests may hold.
            Self.slowResponses.asyncAfter(deadline: .now() + .milliseconds(ms)) {
                sink.send(HTTPResponse(status: .ok, contentType: "text/plain", body: "slept \(ms)"))
            }
        }
        router.add("GET", "/async") { _ async in
            try? await Task.sleep(for: .milliseconds(20))
            return HTTPResponse(status: .ok, contentType: "text/plain", body: "async")
        }
        router.add("POST", "/form", cors: .origins(["https://example.com"])) { _ in
            HTTPResponse(status: .ok, contentType: "application/json", body: "{}")
        }
        routes(router)
        server = HTTPServer(configuration: configuration, responder: router)
        try server.start()
    }

    func client(timeout: Double = 5) throws -> RawClient { try RawClient(port: port, timeout: timeout) }

    func stop() async { await server.shutdown() }
}

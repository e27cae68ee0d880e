import ArgumentParser
import Foundation
import HTTP1

/// `mqlgate serve`: runs the HTTP service until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the HTTP service.")

    @Option(help: "Address to bind.") var host: String = "127.0.0.1"
    @Option(help: "Port to bind (0 picks a free one).") var port: Int = 8080

    func run() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.host = host
        configuration.port = port
        let router = Router()
        router.add("GET", "/healthz") { _ in HTTPResponse(status: .noContent) }
        router.add("GET", "/readyz") { _ in HTTPResponse(status: .noContent) }
        let signals = TerminationSignals()
        let server = HTTPServer(configuration: configuration, responder: router)
        try server.start()
        print("mqlgate listening on http://\(host):\(server.port)")
        fflush(nil)
        _ = await signals.wait()
        await server.shutdown()
    }
}

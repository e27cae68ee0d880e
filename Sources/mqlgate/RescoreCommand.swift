import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `mqlgate rescore`: asks a running service to load its model file again and
/// rescore every stored lead (the same as sending it SIGHUP).
struct RescoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rescore",
        abstract: "Reload the model file of a running service and rescore all leads online.",
        discussion: "Equivalent to `kill -HUP <pid>`. Ingestion continues while leads are rescored."
    )

    @Option(help: "The running service.") var url: String = "http://127.0.0.1:8080"
    @Option(name: .customLong("api-key"), help: "An API key, when the service has keys (default: MQLGATE_API_KEY).")
    var apiKey: String?

    func run() throws {
        guard let endpoint = URL(string: url.hasSuffix("/") ? url + "v1/model/reload" : url + "/v1/model/reload") else {
            throw ValidationError("not a URL: \(url)")
        }
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.timeoutInterval = 30
        if let key = apiKey ?? ProcessInfo.processInfo.environment["MQLGATE_API_KEY"] {
            request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: (Int, String) = (0, "")
        URLSession.shared.dataTask(with: request) { data, response, error in
            outcome = ((response as? HTTPURLResponse)?.statusCode ?? 0, error?.localizedDescription ?? String(decoding: data ?? Data(), as: UTF8.self))
            done.signal()
        }.resume()
        done.wait()
        print(outcome.1)
        guard (200..<300).contains(outcome.0) else { throw ExitCode.failure }
    }
}

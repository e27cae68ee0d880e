import Foundation
import HTTPTestSupport
import LeadScoring
import Logging
import MQLGate

/// A real mqlgate service on a free loopback port with its own data
/// directory, driven over sockets like any client would.
final class ServiceHarness: @unchecked Sendable {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let defaultModelPath = repository.appendingPathComponent("config/scoring.yaml").path

    let directory: URL
    let modelSource: String
    private(set) var service: MQLGateService
    private let configure: (inout ServiceConfiguration) -> Void

    var port: Int { service.port }

    init(model: String? = nil, directory: URL? = nil, configure: @escaping (inout ServiceConfiguration) -> Void = { _ in }) throws {
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("mqlgate-test-\(UUID().uuidString)")
        modelSource = try model ?? String(contentsOfFile: Self.defaultModelPath, encoding: .utf8)
        self.configure = configure
        service = try Self.start(directory: self.directory, model: modelSource, configure: configure)
    }

    private static func start(directory: URL, model: String, configure: (inout ServiceConfiguration) -> Void) throws -> MQLGateService {
        var configuration = ServiceConfiguration()
        configuration.http.port = 0
        configuration.http.eventLoops = 2
        configuration.dataDirectory = directory.path
        configuration.breachCheckInterval = .milliseconds(100)
        configure(&configuration)
        // The model lives in a file beside the data, so reloads read something real.
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("scoring.yaml").path
        if !FileManager.default.fileExists(atPath: file) { try model.write(toFile: file, atomically: true, encoding: .utf8) }
        let loaded = ModelRegistry.Loaded(model: try ScoringModel.load(yaml: model, file: file), source: model, file: file)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let service = try MQLGateService(configuration: configuration, model: loaded, logger: logger)
        try service.start()
        return service
    }

    /// Stops the service and starts a new one on the same data directory.
    func restart() async throws {
        await service.stop()
        service = try Self.start(directory: directory, model: modelSource, configure: configure)
    }

    /// Replaces the model file (then `POST /v1/model/reload` or SIGHUP picks it up).
    func writeModel(_ yaml: String) throws {
        try yaml.write(toFile: directory.appendingPathComponent("scoring.yaml").path, atomically: true, encoding: .utf8)
    }

    func stop() async {
        await service.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// One request on a fresh connection.
    func request(_ method: String, _ path: String, json: String? = nil, body: String? = nil, contentType: String? = nil,
                 headers: [String: String] = [:]) async throws -> APIResponse {
        let port = self.port
        return try await offCooperativePool {
            try Self.exchange(port: port, method, path, json: json, body: body, contentType: contentType, headers: headers)
        }
    }

    private static func exchange(port: Int, _ method: String, _ path: String, json: String?, body: String?, contentType: String?,
                                 headers: [String: String]) throws -> APIResponse {
        let client = try RawClient(port: port, timeout: 10)
        let payload = json ?? body ?? ""
        var text = "\(method) \(path) HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
        if json != nil || body != nil {
            text += "Content-Type: \(contentType ?? (json != nil ? "application/json" : "application/x-www-form-urlencoded"))\r\n"
            text += "Content-Length: \(payload.utf8.count)\r\n"
        }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        guard let response = client.roundTrip(text + "\r\n" + payload) else {
            throw HarnessError.noResponse("\(method) \(path): \(client.failure ?? "no response")")
        }
        return APIResponse(raw: response)
    }

    /// The seed VP of Sales, engaged until she is an MQL; returns her handoff's id.
    func qualifiedVP() async throws -> String {
        _ = try await post("/v1/leads", SeedScenarioTests.vp)
        _ = try await post("/v1/events", #"[{"email":"vera.sales@acme-software.com","type":"webinar_attended"},{"email":"vera.sales@acme-software.com","type":"demo_request"}]"#)
        guard let id = try await get("/v1/handoffs").items.first?["id"] as? String else { throw POSIXError(.ENOENT) }
        return id
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> APIResponse { try await request("GET", path, headers: headers) }
    func post(_ path: String, _ json: String, headers: [String: String] = [:]) async throws -> APIResponse {
        try await request("POST", path, json: json, headers: headers)
    }
}

/// A response with its JSON body decoded.
struct APIResponse: @unchecked Sendable {
    let raw: RawClient.Response
    var status: Int { raw.status }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(raw.body))) as? [String: Any] ?? [:] }
    var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    func header(_ name: String) -> String? { raw.header(name) }
    var text: String { raw.text }
}

/// One-shot JSON POST on a fresh connection, usable from any task.
struct RawClientBox {
    let port: Int
    init(port: Int) throws { self.port = port }

    func post(_ path: String, _ json: String) -> Int {
        guard let client = try? RawClient(port: port, timeout: 10) else { return 0 }
        let request = "POST \(path) HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)"
        return client.roundTrip(request)?.status ?? 0
    }
}

/// A request of the harness that got no HTTP response, and why.
enum HarnessError: Error, CustomStringConvertible {
    case noResponse(String)
    var description: String {
        switch self { case .noResponse(let why): "no response to \(why)" }
    }
}

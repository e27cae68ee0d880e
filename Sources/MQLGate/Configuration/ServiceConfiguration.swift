import Foundation
import HTTP1
import Yams

/// `config/mqlgate.yaml` (spec §10): server, TLS, storage, auth, rate
/// limits, webhooks, inbound secrets and forms. Every scalar can be
/// overridden from the environment as `MQLGATE_<SECTION>_<KEY>`
/// (`MQLGATE_SERVER_PORT`), with the short forms `MQLGATE_HOST`,
/// `MQLGATE_PORT`, `MQLGATE_DATA_DIR` and `MQLGATE_API_KEYS` (comma-separated).
public struct ServiceConfiguration: Sendable {
    /// An outbound webhook endpoint.
    public struct Webhook: Sendable {
        public var url: String
        public var secret: String
        public var events: [String]
        public var timeout: Duration

        public init(url: String, secret: String, events: [String], timeout: Duration = .seconds(15)) {
            self.url = url
            self.secret = secret
            self.events = events
            self.timeout = timeout
        }
    }

    /// A public HTML form endpoint (`POST /v1/forms/{id}`).
    public struct Form: Sendable {
        public var id: String
        public var redirect: String?
        public var allowedOrigins: [String]
        public var honeypot: String?
        /// Form field → lead field; unmapped fields keep their names.
        public var fields: [String: String]

        public init(id: String, redirect: String? = nil, allowedOrigins: [String] = [], honeypot: String? = nil, fields: [String: String] = [:]) {
            self.id = id
            self.redirect = redirect
            self.allowedOrigins = allowedOrigins
            self.honeypot = honeypot
            self.fields = fields
        }
    }

    public var http = ServiceConfiguration.defaultHTTP()
    public var dataDirectory = "./data"
    public var apiKeys: [String] = []
    public var rateLimitPerSecond: Double = 500
    public var rateLimitBurst: Double = 1000
    public var webhooks: [Webhook] = []
    public var hubspotClientSecret: String?
    public var inboundSecret: String?
    public var forms: [Form] = []
    public var logLevel = "info"
    /// How often open handoffs are checked against their deadlines.
    public var breachCheckInterval: Duration = .seconds(15)
    /// Waits between webhook attempts: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    public var webhookRetrySchedule: [Duration] = WebhookDispatcher.defaultSchedule

    public init() {}

    /// The HTTP server's defaults, but one event loop fewer than there are
    /// cores (at least one): the group-commit writer, the WAL syncer and the
    /// checkpointer, which every acknowledged write waits for, keep a core
    /// to run on instead of being preempted by busy event loops.
    public static func defaultHTTP() -> HTTPServerConfiguration {
        var http = HTTPServerConfiguration()
        http.eventLoops = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) - 1)
        return http
    }

    /// A problem in the configuration, located in its file.
    public struct Issue: Error, CustomStringConvertible, Sendable {
        public let file: String
        public let line: Int
        public let key: String
        public let message: String
        public var description: String { "\(file):\(line): \(key): \(message)" }
    }

    /// All problems found, reported together.
    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let issues: [Issue]
        public var description: String { issues.map(\.description).joined(separator: "\n") }
    }

    /// Reads `text` (the contents of `file`), then applies `environment` overrides.
    public static func load(yaml text: String, file: String, environment: [String: String] = [:]) throws(Invalid) -> ServiceConfiguration {
        var reader = ConfigurationReader(file: file)
        var configuration = ServiceConfiguration()
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw Invalid(issues: [Issue(file: file, line: Self.line(of: error), key: "yaml", message: "\(error)")])
        }
        if let root { reader.read(root, into: &configuration) }
        reader.applyEnvironment(environment, to: &configuration)
        guard reader.issues.isEmpty else { throw Invalid(issues: reader.issues) }
        return configuration
    }

    private static func line(of error: Error) -> Int {
        if let yaml = error as? YamlError, case .scanner(_, _, let mark, _) = yaml { return mark.line }
        if let yaml = error as? YamlError, case .parser(_, _, let mark, _) = yaml { return mark.line }
        return 1
    }
}

import Foundation
import HTTP1
import LeadScoring
import Logging

/// The assembled service: store, API, HTTP server and background work,
/// started and stopped as one.
public final class MQLGateService: Sendable {
    public enum StartupError: Error, CustomStringConvertible {
        case openWithoutKeys(host: String)
        public var description: String {
            switch self {
            case .openWithoutKeys(let host):
                "refusing to listen on \(host) without API keys: set auth.api_keys or MQLGATE_API_KEYS, or bind 127.0.0.1"
            }
        }
    }

    public let configuration: ServiceConfiguration
    public let store: SQLiteLeadStore
    public let metrics: ServiceMetrics
    public let models: ModelRegistry
    private let server: HTTPServer
    private let router: Router
    private let breaches: BreachMonitor
    private let webhooks: WebhookDispatcher
    private let reloader: ModelReloader
    private let logger: Logger

    public init(configuration: ServiceConfiguration, model: ModelRegistry.Loaded, logger: Logger) throws {
        let authenticator = APIKeyAuthenticator(keys: configuration.apiKeys)
        if authenticator.isOpen && !Self.isLoopback(configuration.http.host) {
            throw StartupError.openWithoutKeys(host: configuration.http.host)
        }
        self.configuration = configuration
        self.logger = logger
        models = ModelRegistry(model: model.model, source: model.source, file: model.file)
        router = Router()
        let routes = [
            "/v1/leads", "/v1/leads/{id}", "/v1/leads/{id}/events", "/v1/events", "/v1/handoffs", "/v1/handoffs/{id}",
            "/v1/handoffs/{id}/feedback", "/v1/handoffs/{id}/redeliver", "/v1/deliveries", "/v1/funnel", "/v1/forms/{form}",
            "/v1/webhooks/inbound", "/v1/webhooks/hubspot", "/v1/score", "/v1/model", "/v1/model/reload", "/healthz", "/readyz", "/metrics",
        ]
        metrics = ServiceMetrics(routes: routes + configuration.forms.map { "/v1/forms/\($0.id)" })
        var subscriptions: [String: [String]] = [:]
        for webhook in configuration.webhooks {
            for event in webhook.events { subscriptions[event, default: []].append(webhook.url) }
        }
        store = try SQLiteLeadStore(
            directory: configuration.dataDirectory, scorer: LeadScorer(model: model.model), metrics: metrics, subscriptions: subscriptions
        )
        webhooks = WebhookDispatcher(
            store: store, webhooks: configuration.webhooks, schedule: configuration.webhookRetrySchedule, logger: logger, metrics: metrics
        )
        let dispatcher = webhooks
        store.onOutboxMessages = { dispatcher.wake() }
        reloader = ModelReloader(models: models, store: store, logger: logger)
        let endpoints = APIEndpoints(store: store, deliveries: store, metrics: metrics, logger: logger, model: models, reloader: reloader)
        endpoints.register(on: router, configuration: configuration)
        let responder = APIResponder(
            router: router, authenticator: authenticator, metrics: metrics, logger: logger, isPublic: APIEndpoints.isPublic,
            limiter: configuration.rateLimitPerSecond > 0 ? RateLimiter(rate: configuration.rateLimitPerSecond, burst: configuration.rateLimitBurst) : nil,
            idempotency: IdempotencyGuard(store: store)
        )
        server = HTTPServer(configuration: configuration.http, responder: responder)
        breaches = BreachMonitor(store: store, logger: logger, interval: configuration.breachCheckInterval)
        if authenticator.isOpen {
            logger.warning("no API keys configured: the API is open to anyone who can reach \(configuration.http.host)")
        }
    }

    /// Starts listening; returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        try server.start()
        breaches.start()
        // Pending deliveries from before a restart are picked up on the first round.
        webhooks.start()
        logger.info("listening", metadata: [
            "host": "\(configuration.http.host)", "port": "\(server.port)", "model_version": "\(models.current.model.version)",
            "data_dir": "\(configuration.dataDirectory)", "tls": "\(configuration.http.tls != nil)",
        ])
        return server.port
    }

    public var port: Int { server.port }

    /// The API's routes and methods (the OpenAPI document must list the same).
    public var routeTable: [(pattern: String, methods: [String])] { router.routeTable }

    /// Reloads the model from its file (SIGHUP); see `ModelReloader`.
    @discardableResult
    public func reloadModel() throws -> (model: ScoringModel, changed: Bool) { try reloader.reload() }

    /// Graceful stop: no new connections, in-flight requests finish, queued writes commit.
    public func stop() async {
        await server.shutdown()
        breaches.stop()
        webhooks.stop()
        store.close()
        logger.info("stopped")
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

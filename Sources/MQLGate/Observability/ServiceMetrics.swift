import Prometheus

/// The service's Prometheus metrics. Per-route collectors are created up
/// front so recording a request touches only atomics, never the registry lock.
public final class ServiceMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    let eventsIngested: Counter
    let eventDuplicates: Counter
    let eventsRejected: Counter
    let scoresComputed: Counter
    let mqls: Counter
    let slaBreaches: Counter
    let outboxDepth: Gauge
    let commitBatchSize: ValueHistogram
    let commitDuration: DurationHistogram
    let walSyncDuration: DurationHistogram
    let walFrames: Gauge
    let checkpointDuration: DurationHistogram
    let walRestartDuration: DurationHistogram
    let webhookDeliveries: Counter
    let webhookFailures: Counter

    private let routes: [String: RouteCollectors]
    private static let commonStatuses = [200, 201, 202, 204, 303, 400, 401, 403, 404, 405, 408, 409, 410, 413, 414, 415, 417, 422, 429, 431, 500, 503]
    private static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(1000),
    ]

    private struct RouteCollectors: Sendable {
        let latency: DurationHistogram
        let byStatus: [Int: Counter]
    }

    /// - Parameter routes: the route patterns requests will be recorded under.
    public init(routes: [String]) {
        func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "mqlgate", metricName: name, unitName: unit, helpText: help)
        }
        eventsIngested = registry.makeCounter(descriptor: descriptor("events_ingested", "total", "Engagement events stored."))
        eventDuplicates = registry.makeCounter(descriptor: descriptor("event_duplicates", "total", "Events ignored because their event_id was already stored."))
        eventsRejected = registry.makeCounter(descriptor: descriptor("events_rejected", "total", "Events refused by validation."))
        scoresComputed = registry.makeCounter(descriptor: descriptor("scores_computed", "total", "Lead scores computed."))
        mqls = registry.makeCounter(descriptor: descriptor("mqls", "total", "Handoffs created: leads that became MQLs."))
        slaBreaches = registry.makeCounter(descriptor: descriptor("sla_breaches", "total", "Handoffs whose follow-up deadline passed without feedback."))
        outboxDepth = registry.makeGauge(descriptor: descriptor("outbox_depth", "messages", "Outbox messages not yet delivered everywhere."))
        commitBatchSize = registry.makeValueHistogram(
            descriptor: descriptor("commit_batch_size", "jobs", "Write jobs sharing one durable commit."),
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
        )
        commitDuration = Self.latency(registry, "commit_duration", "Time to run and commit one batch on the writer; the sync that makes it durable follows on its own thread (wal_sync_duration).")
        walSyncDuration = Self.latency(registry, "wal_sync_duration", "Time of one fdatasync of the WAL, which makes the commits before it durable.")
        walFrames = registry.makeGauge(descriptor: descriptor("wal_size", "frames", "Pages in the write-ahead log after the last checkpoint round."))
        checkpointDuration = Self.latency(registry, "checkpoint_duration", "Time of one background checkpoint round that copied WAL frames into the database.")
        walRestartDuration = Self.latency(registry, "wal_restart_duration", "Time the writer paused to copy the WAL's last frames so that it could start over.")
        webhookDeliveries = registry.makeCounter(descriptor: descriptor("webhook_deliveries", "total", "Webhook deliveries acknowledged with 2xx."))
        webhookFailures = registry.makeCounter(descriptor: descriptor("webhook_failures", "total", "Webhook delivery attempts that failed."))

        var collectors: [String: RouteCollectors] = [:]
        for route in Set(routes + ["unmatched"]) {
            let latency = registry.makeDurationHistogram(
                descriptor: descriptor("http_request_duration", "seconds", "Time from a complete request to its response."),
                labels: [("route", route)],
                buckets: Self.latencyBuckets
            )
            var byStatus: [Int: Counter] = [:]
            for status in Self.commonStatuses {
                byStatus[status] = Self.requestCounter(registry, route: route, status: status)
            }
            collectors[route] = RouteCollectors(latency: latency, byStatus: byStatus)
        }
        self.routes = collectors
    }

    /// A histogram of durations with the latency buckets.
    private static func latency(_ registry: PrometheusCollectorRegistry, _ name: String, _ help: String) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "mqlgate", metricName: name, unitName: "seconds", helpText: help),
            buckets: latencyBuckets
        )
    }

    private static func requestCounter(_ registry: PrometheusCollectorRegistry, route: String, status: Int) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "mqlgate", metricName: "http_requests", unitName: "total", helpText: "HTTP requests by route and status."),
            labels: [("route", route), ("status", String(status))]
        )
    }

    /// Records one answered request.
    func recordRequest(route: String?, status: Int, duration: Duration) {
        guard let collectors = routes[route ?? "unmatched"] ?? routes["unmatched"] else { return }
        collectors.latency.record(duration)
        if let counter = collectors.byStatus[status] {
            counter.increment()
        } else {
            Self.requestCounter(registry, route: route ?? "unmatched", status: status).increment()
        }
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}

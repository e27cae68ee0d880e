import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LeadScoring
import Logging

/// Delivers outbox messages to webhook endpoints, at least once: a thread
/// polls for due deliveries, POSTs each with Standard Webhooks headers, and
/// records the outcome durably before moving on. Failures retry on a fixed
/// schedule with jitter (and `Retry-After`); `410 Gone` disables the
/// endpoint. Delivery never runs on the request path.
final class WebhookDispatcher: @unchecked Sendable {
    /// The waits after the 1st, 2nd, … failed attempt; one more failure than
    /// there are entries makes the delivery dead.
    static let defaultSchedule: [Duration] = [
        .seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18_000), .seconds(36_000), .seconds(36_000),
    ]

    private let store: SQLiteLeadStore
    private let endpoints: [String: ServiceConfiguration.Webhook]
    private let schedule: [Duration]
    private let logger: Logger
    private let metrics: ServiceMetrics
    private let session: URLSession
    private let condition = NSCondition()
    private var stopping = false
    private var woken = false
    private var thread: Thread?
    private let stopped = DispatchSemaphore(value: 0)
    private let attempts = DispatchQueue(label: "mqlgate.webhooks", attributes: .concurrent)
    private static let maxInFlight = 16

    init(store: SQLiteLeadStore, webhooks: [ServiceConfiguration.Webhook], schedule: [Duration], logger: Logger, metrics: ServiceMetrics) {
        self.store = store
        self.endpoints = Dictionary(webhooks.map { ($0.url, $0) }, uniquingKeysWith: { first, _ in first })
        self.schedule = schedule
        self.logger = logger
        self.metrics = metrics
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = Self.maxInFlight
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    func start() {
        guard !endpoints.isEmpty else { return }
        let thread = Thread { [self] in loop() }
        thread.name = "mqlgate.webhooks"
        self.thread = thread
        thread.start()
    }

    /// New messages may be waiting; look now rather than at the next poll.
    func wake() {
        condition.lock()
        woken = true
        condition.signal()
        condition.unlock()
    }

    func stop() {
        guard thread != nil else { return }
        condition.lock()
        let first = !stopping
        stopping = true
        condition.signal()
        condition.unlock()
        if first { stopped.wait() }
    }

    private func loop() {
        while true {
            condition.lock()
            if stopping { condition.unlock(); break }
            condition.unlock()
            let delivered = deliverDue()
            condition.lock()
            if !woken && !stopping && delivered == 0 {
                // Sleep until the next delivery falls due (at most a second: new messages wake us anyway).
                let next = (try? store.nextDeliveryDue())?.map { Double($0.milliseconds) / 1000 - Date().timeIntervalSince1970 } ?? 1
                _ = condition.wait(until: Date(timeIntervalSinceNow: min(1, max(0.01, next))))
            }
            woken = false
            condition.unlock()
        }
        stopped.signal()
    }

    /// One round: every due delivery, in parallel up to a bound. Returns how many were attempted.
    private func deliverDue() -> Int {
        let now = Timestamp(Date())
        let due: [DueDelivery]
        let disabled: Set<String>
        do {
            due = try store.dueDeliveries(at: now, limit: 256)
            disabled = due.isEmpty ? [] : try store.disabledEndpoints()
        } catch {
            logger.error("webhook queue unreadable", metadata: ["error": "\(error)"])
            return 0
        }
        let group = DispatchGroup()
        let slots = DispatchSemaphore(value: Self.maxInFlight)
        for delivery in due {
            slots.wait()
            group.enter()
            attempts.async { [self] in
                defer {
                    slots.signal()
                    group.leave()
                }
                let attempt: DeliveryAttempt
                if disabled.contains(delivery.endpoint) {
                    attempt = .gone
                } else if let endpoint = endpoints[delivery.endpoint] {
                    attempt = send(delivery, to: endpoint)
                } else {
                    attempt = .failed(status: nil, error: "endpoint no longer configured", retryAfter: nil)
                }
                record(delivery, attempt)
            }
        }
        group.wait()
        return due.count
    }

    private func record(_ delivery: DueDelivery, _ attempt: DeliveryAttempt) {
        let now = Timestamp(Date())
        var retryAt: Timestamp?
        switch attempt {
        case .delivered:
            metrics.webhookDeliveries.increment()
        case .gone:
            metrics.webhookFailures.increment()
            logger.warning("webhook endpoint gone; disabled", metadata: ["endpoint": "\(delivery.endpoint)"])
        case .failed(_, let error, let retryAfter):
            metrics.webhookFailures.increment()
            if delivery.attempts < schedule.count {
                var wait = Double(schedule[delivery.attempts].components.seconds)
                    + Double(schedule[delivery.attempts].components.attoseconds) / 1e18
                // ±10 % jitter so a receiver that comes back is not hit by every retry at once.
                wait *= Double.random(in: 0.9...1.1)
                if let retryAfter { wait = max(wait, retryAfter) }
                retryAt = Timestamp(milliseconds: now.milliseconds + Int64(wait * 1000))
            } else {
                logger.error("webhook delivery dead after \(delivery.attempts + 1) attempts", metadata: [
                    "message_id": "\(delivery.messageID)", "endpoint": "\(delivery.endpoint)", "error": "\(error)",
                ])
            }
        }
        do {
            try store.recordAttempt(delivery, attempt, retryAt: retryAt, now: now)
        } catch {
            // The attempt stays due and will be made again: at least once, never lost.
            logger.error("webhook attempt not recorded", metadata: ["error": "\(error)"])
        }
    }

    private func send(_ delivery: DueDelivery, to endpoint: ServiceConfiguration.Webhook) -> DeliveryAttempt {
        guard let url = URL(string: endpoint.url), let signer = WebhookSignature(secret: endpoint.secret) else {
            return .failed(status: nil, error: "invalid endpoint configuration", retryAfter: nil)
        }
        let timestamp = Int64(Date().timeIntervalSince1970)
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = Data(delivery.payload)
        request.timeoutInterval = Double(endpoint.timeout.components.seconds) + Double(endpoint.timeout.components.attoseconds) / 1e18
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("mqlgate", forHTTPHeaderField: "User-Agent")
        request.setValue(delivery.messageID, forHTTPHeaderField: "webhook-id")
        request.setValue(String(timestamp), forHTTPHeaderField: "webhook-timestamp")
        request.setValue(signer.sign(id: delivery.messageID, timestamp: timestamp, body: delivery.payload), forHTTPHeaderField: "webhook-signature")

        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: DeliveryAttempt = .failed(status: nil, error: "no answer", retryAfter: nil)
        session.dataTask(with: request) { _, response, error in
            defer { done.signal() }
            if let error {
                outcome = .failed(status: nil, error: error.localizedDescription, retryAfter: nil)
                return
            }
            guard let http = response as? HTTPURLResponse else { return }
            switch http.statusCode {
            case 200..<300: outcome = .delivered(status: http.statusCode)
            case 410: outcome = .gone
            default:
                let retryAfter = (http.value(forHTTPHeaderField: "Retry-After")).flatMap(Self.retryAfterSeconds)
                outcome = .failed(status: http.statusCode, error: "HTTP \(http.statusCode)", retryAfter: retryAfter)
            }
        }.resume()
        done.wait()
        return outcome
    }

    /// `Retry-After` as delay-seconds or an HTTP date.
    static func retryAfterSeconds(_ value: String) -> Double? {
        if let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
    }
}

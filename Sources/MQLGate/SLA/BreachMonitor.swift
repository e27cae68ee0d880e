import Dispatch
import Foundation
import LeadScoring
import Logging

/// Marks open handoffs whose SLA deadline has passed as breached, on a
/// Dispatch timer. The first check runs at start, so breaches that fell
/// due while the service was down are found at once.
final class BreachMonitor: @unchecked Sendable {
    private let store: SQLiteLeadStore
    private let logger: Logger
    private let interval: Duration
    private let queue = DispatchQueue(label: "mqlgate.breaches")
    private var timer: DispatchSourceTimer?

    init(store: SQLiteLeadStore, logger: Logger, interval: Duration) {
        self.store = store
        self.logger = logger
        self.interval = interval
    }

    func start() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: .milliseconds(max(interval.milliseconds, 10)), leeway: .milliseconds(100))
        timer.setEventHandler { [self] in check() }
        self.timer = timer
        timer.resume()
    }

    func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
        }
    }

    /// One pass; the timer queue is serial, so passes never overlap.
    private func check() {
        do {
            // Batches of 500 until nothing is overdue.
            while true {
                let breached = try store.markBreaches(at: Timestamp(Date()))
                for handoff in breached {
                    logger.info("sla breached", metadata: ["handoff_id": "\(handoff.id)", "lead_id": "\(handoff.leadID)", "tier": "\(handoff.sla?.tier ?? "")"])
                }
                if breached.count < 500 { break }
            }
        } catch {
            logger.error("breach check failed", metadata: ["error": "\(error)"])
        }
        // Time moves leads too: decayed MQLs without feedback and rejections past their cooldown are recycled.
        do {
            let recycled = try store.applyTimeBasedTransitions(at: Timestamp(Date()))
            if recycled > 0 { logger.info("leads recycled", metadata: ["count": "\(recycled)"]) }
        } catch {
            logger.error("lifecycle check failed", metadata: ["error": "\(error)"])
        }
        // Housekeeping rides on the same timer: stored Idempotency-Key responses expire.
        let horizon = Timestamp(milliseconds: Timestamp(Date()).milliseconds - Int64(IdempotencyGuard.retention.components.seconds) * 1000)
        try? store.purgeStoredResponses(before: horizon)
    }
}

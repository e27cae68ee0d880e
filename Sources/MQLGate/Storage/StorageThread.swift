import Foundation

/// A named thread that runs one loop, the condition that loop waits on, and
/// an orderly stop. The storage's writer, WAL syncer and checkpointer are
/// each one: the loop reads `stopping` under `condition`, finishes what it
/// must, and returns; `stop()` returns once it has.
final class StorageThread: @unchecked Sendable {
    /// Guards the owner's queue and `stopping`; signalled on new work and on stop.
    let condition = NSCondition()
    /// Set by `stop()`. Read it with `condition` locked.
    private(set) var stopping = false
    private let name: String
    private let quality: QualityOfService
    private var thread: Thread?
    private let stopped = DispatchSemaphore(value: 0)

    init(name: String, quality: QualityOfService) {
        self.name = name
        self.quality = quality
    }

    func start(_ loop: @escaping @Sendable () -> Void) {
        let thread = Thread { [stopped, name, quality] in
            // Set before start, Foundation keeps the name to itself on Linux; set
            // here, the kernel gets it too (top -H, perf), up to 15 bytes.
            Thread.current.name = name
            // Foundation maps no quality of service to the scheduler on Linux.
            // Niceness is per thread there (`who` 0 is the calling thread):
            // background work yields the CPU to the threads requests wait for.
            if quality == .utility || quality == .background {
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            }
            loop()
            stopped.signal()
        }
        thread.qualityOfService = quality
        self.thread = thread
        thread.start()
    }

    /// For the loop: waits until `take`, called with `condition` locked, hands
    /// over work; `nil` once stopping with nothing left, when the loop should end.
    func nextWork<Work>(_ take: () -> Work?) -> Work? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let work = take() { return work }
            if stopping { return nil }
            condition.wait()
        }
    }

    /// Asks the loop to finish and waits until it has. Only the first caller
    /// waits; the loop ends once.
    func stop() {
        condition.lock()
        let first = !stopping
        stopping = true
        condition.signal()
        condition.unlock()
        if first && thread != nil { stopped.wait() }
    }
}

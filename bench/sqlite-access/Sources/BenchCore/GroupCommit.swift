import Foundation

/// A submitted job waiting for the writer's acknowledgement.
final class Ticket: @unchecked Sendable {
    let job: Job
    let submitNs: UInt64
    let done: DispatchSemaphore
    var ok = false  // written by the writer before `done` is signalled

    init(job: Job, submitNs: UInt64, done: DispatchSemaphore) {
        self.job = job
        self.submitNs = submitNs
        self.done = done
    }
}

/// Pending jobs, handed to the writer all at once.
final class JobQueue: @unchecked Sendable {
    private let cond = NSCondition()
    private var pending: [Ticket] = []
    private var closed = false

    func submit(_ ticket: Ticket) {
        cond.lock()
        pending.append(ticket)
        cond.signal()
        cond.unlock()
    }

    func close() {
        cond.lock()
        closed = true
        cond.broadcast()
        cond.unlock()
    }

    /// Every pending ticket; waits while there is none; nil once closed and drained.
    func takeAll() -> [Ticket]? {
        cond.lock()
        defer { cond.unlock() }
        while pending.isEmpty && !closed { cond.wait() }
        if pending.isEmpty { return nil }
        let batch = pending
        pending = []
        pending.reserveCapacity(batch.count)
        return batch
    }
}

/// The dedicated writer thread: takes every pending job, runs them in one
/// transaction (one savepoint each), commits once, then acknowledges them all.
final class Writer: @unchecked Sendable {
    let store: any Store
    let queue: JobQueue
    private let finished = DispatchSemaphore(value: 0)
    /// One entry per transaction; read after `join()`.
    private(set) var batches: [(startNs: UInt64, size: Int, durationNs: UInt64, commitNs: UInt64)] = []

    init(store: any Store, queue: JobQueue) {
        self.store = store
        self.queue = queue
        batches.reserveCapacity(1 << 16)
    }

    func start() {
        let thread = Thread { [self] in
            while let batch = queue.takeAll() {
                let start = wallNs()
                let results = store.runBatch(batch.map(\.job))
                batches.append((start, batch.count, wallNs() - start, store.lastCommitNs))
                for (ticket, ok) in zip(batch, results) {
                    ticket.ok = ok
                    ticket.done.signal()
                }
            }
            finished.signal()
        }
        thread.name = "sqlite-writer"
        thread.start()
    }

    func join() { finished.wait() }
}

/// What one producer thread saw; read after it has finished.
final class ProducerLog: @unchecked Sendable {
    var submitNs: [UInt64] = []
    var latencyNs: [UInt64] = []
    var ok: [Bool] = []
}

public struct GroupCommitResult: Sendable {
    public var jobsPerSecond: Double
    public var meanBatch: Double
    /// Mean wall time of one transaction (BEGIN to COMMIT done), and of its COMMIT alone.
    public var meanTransactionMs: Double
    public var meanCommitMs: Double
    /// Share of the window the writer spent inside transactions.
    public var writerBusy: Double
    public var p50Ms: Double
    public var p99Ms: Double
    public var jobsInWindow: Int
    public var failedInWindow: Int
    /// Whole run, warm-up included: committed jobs, and what the database holds.
    public var committedJobs: Int
    public var eventsInDatabase: Int
    public var scoreSum: Double
    public var consistent: Bool { eventsInDatabase == committedJobs && scoreSum == Double(committedJobs) }
}

/// Scenario 1: `producers` threads each submit single-event jobs in a loop
/// and wait for the acknowledgement; one writer group-commits what is pending.
/// Jobs submitted during the `seconds` after `warmup` are counted.
public func runGroupCommit(
    store: any Store, producers: Int, warmup: Double, seconds: Double,
    leadCount: Int, failEvery: Int, runTag: Int
) throws -> GroupCommitResult {
    let leads = (0..<leadCount).map(LeadRef.make)
    let queue = JobQueue()
    let writer = Writer(store: store, queue: queue)
    writer.start()

    let t0 = wallNs()
    let windowStart = t0 + UInt64(warmup * 1e9)
    let windowEnd = windowStart + UInt64(seconds * 1e9)
    let logs = (0..<producers).map { _ in ProducerLog() }
    let group = DispatchGroup()
    for p in 0..<producers {
        group.enter()
        let log = logs[p]
        let thread = Thread {
            var rng = FastRandom(seed: UInt64(runTag &* 1000 &+ p &+ 1))
            let done = DispatchSemaphore(value: 0)
            var k = 0
            let baseMs: Int64 = 1_760_000_000_000
            while wallNs() < windowEnd {
                let lead = leads[Int(rng.next() % UInt64(leads.count))]
                // Every `failEvery`-th job reuses the previous event id: its
                // INSERT violates UNIQUE(event_id) and only its savepoint rolls back.
                let idK = (failEvery > 0 && k % failEvery == failEvery - 1) ? k - 1 : k
                let event = EventRow.make(id: "ev-\(runTag)-\(p)-\(idK)", k: k, at: baseMs + Int64(k))
                let job = Job(lead: lead, events: [event], scoreDelta: 1, state: Job.state(k))
                let submit = wallNs()
                let ticket = Ticket(job: job, submitNs: submit, done: done)
                queue.submit(ticket)
                done.wait()
                let ack = wallNs()
                log.submitNs.append(submit)
                log.latencyNs.append(ack - submit)
                log.ok.append(ticket.ok)
                k += 1
            }
            group.leave()
        }
        thread.stackSize = 512 * 1024
        thread.start()
    }
    group.wait()
    queue.close()
    writer.join()

    var latencies: [UInt64] = []
    var inWindow = 0, failed = 0, committed = 0
    for log in logs {
        for i in log.submitNs.indices {
            if log.ok[i] { committed += 1 }
            let s = log.submitNs[i]
            guard s >= windowStart && s < windowEnd else { continue }
            inWindow += 1
            latencies.append(log.latencyNs[i])
            if !log.ok[i] { failed += 1 }
        }
    }
    latencies.sort()
    let windowBatches = writer.batches.filter { $0.startNs >= windowStart && $0.startNs < windowEnd }
    let totals = try store.totals()
    return GroupCommitResult(
        jobsPerSecond: Double(inWindow) / seconds,
        meanBatch: windowBatches.isEmpty
            ? 0 : Double(windowBatches.reduce(0) { $0 + $1.size }) / Double(windowBatches.count),
        meanTransactionMs: windowBatches.isEmpty
            ? 0 : Double(windowBatches.reduce(0) { $0 + $1.durationNs }) / Double(windowBatches.count) / 1e6,
        meanCommitMs: windowBatches.isEmpty
            ? 0 : Double(windowBatches.reduce(0) { $0 + $1.commitNs }) / Double(windowBatches.count) / 1e6,
        writerBusy: Double(windowBatches.reduce(0) { $0 + $1.durationNs }) / (seconds * 1e9),
        p50Ms: percentile(latencies, 0.50) / 1e6,
        p99Ms: percentile(latencies, 0.99) / 1e6,
        jobsInWindow: inWindow,
        failedInWindow: failed,
        committedJobs: committed,
        eventsInDatabase: totals.events,
        scoreSum: totals.scoreSum
    )
}

func percentile(_ sorted: [UInt64], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let i = min(sorted.count - 1, Int((Double(sorted.count) * q).rounded(.up)) - 1)
    return Double(sorted[max(0, i)])
}

public struct BulkResult: Sendable {
    public var eventsPerSecond: Double
    public var medianBatchMs: Double
    public var consistent: Bool
}

/// Scenario 2: `batches` jobs of `perBatch` events for one lead, one job per
/// transaction (still inside its savepoint), run by the calling thread as
/// the writer would.
public func runBulk(store: any Store, batches: Int, perBatch: Int, runTag: Int) throws -> BulkResult {
    let jobs: [Job] = (0..<batches).map { b in
        let lead = LeadRef.make(b % 8)
        let events = (0..<perBatch).map { i in
            EventRow.make(id: "bulk-\(runTag)-\(b)-\(i)", k: i, at: 1_760_000_000_000 + Int64(b * perBatch + i))
        }
        return Job(lead: lead, events: events, scoreDelta: 1, state: Job.state(b))
    }
    var durations: [UInt64] = []
    let start = wallNs()
    for job in jobs {
        let s = wallNs()
        let ok = store.runBatch([job])
        precondition(ok == [true], "bulk job failed")
        durations.append(wallNs() - s)
    }
    let elapsed = Double(wallNs() - start) / 1e9
    durations.sort()
    let totals = try store.totals()
    return BulkResult(
        eventsPerSecond: Double(batches * perBatch) / elapsed,
        medianBatchMs: percentile(durations, 0.5) / 1e6,
        consistent: totals.events == batches * perBatch && totals.scoreSum == Double(batches)
    )
}

public struct CPUResult: Sendable {
    public var cpuUsPerInsert: Double
    public var wallUsPerInsert: Double
    public var cpuUsPerJob: Double
    public var wallUsPerJob: Double
}

/// Scenario 3 (synchronous=OFF): process CPU time per event INSERT, in
/// transactions of `perTransaction` rows, then per single-event job run
/// through `runBatch` in batches of `jobBatch`. Inputs are built before timing.
public func runCPU(
    store: any Store, inserts: Int, perTransaction: Int, jobs jobCount: Int, jobBatch: Int,
    leadCount: Int, runTag: Int
) throws -> CPUResult {
    let rows = (0..<inserts).map { i in
        EventRow.make(id: "cpu-\(runTag)-\(i)", k: i, at: 1_760_000_000_000 + Int64(i))
    }
    let c0 = processCPUNs(), w0 = wallNs()
    try store.insertEvents(leadID: "L-cpu", rows: rows, perTransaction: perTransaction)
    let c1 = processCPUNs(), w1 = wallNs()

    let leads = (0..<leadCount).map(LeadRef.make)
    var rng = FastRandom(seed: UInt64(runTag) &+ 77)
    let jobs: [Job] = (0..<jobCount).map { k in
        Job(
            lead: leads[Int(rng.next() % UInt64(leadCount))],
            events: [EventRow.make(id: "cpujob-\(runTag)-\(k)", k: k, at: 1_760_000_000_000 + Int64(k))],
            scoreDelta: 1, state: Job.state(k))
    }
    let chunks = stride(from: 0, to: jobs.count, by: jobBatch).map { Array(jobs[$0..<min($0 + jobBatch, jobs.count)]) }
    let c2 = processCPUNs(), w2 = wallNs()
    for chunk in chunks {
        let ok = store.runBatch(chunk)
        precondition(!ok.contains(false), "job failed")
    }
    let c3 = processCPUNs(), w3 = wallNs()
    let totals = try store.totals()
    precondition(totals.events == inserts + jobCount, "row count mismatch")
    return CPUResult(
        cpuUsPerInsert: Double(c1 - c0) / 1e3 / Double(inserts),
        wallUsPerInsert: Double(w1 - w0) / 1e3 / Double(inserts),
        cpuUsPerJob: Double(c3 - c2) / 1e3 / Double(jobCount),
        wallUsPerJob: Double(w3 - w2) / 1e3 / Double(jobCount)
    )
}

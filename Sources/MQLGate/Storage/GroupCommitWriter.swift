import Foundation
import Synchronization

/// The one thread that writes to the database. Every write is a job; the
/// writer runs jobs as they come, in one open transaction, and commits it
/// once nothing waiting needs to be in it. Each job's outcome is reported
/// only when its commit is on disk: the `WALSyncer` syncs the WAL after the
/// commit while this thread goes on with the next jobs. Concurrent requests
/// thereby share one commit and one sync, and a job that fails rolls back
/// alone: a transaction in which a job fails is rolled back and run again
/// with a savepoint per job (savepoints cost enough that the common,
/// failure-free transaction goes without them).
///
/// A job may be submitted *held*: its submitter has more on the way (an
/// event loop partway through a burst of requests) and calls
/// `releaseHeld()` once it has submitted them all. The writer runs held
/// jobs at once but commits them only then, so a burst shares one commit
/// and one sync while its jobs still run as the loop reads the rest; a job
/// submitted without a hold is committed as soon as it has run. A hold
/// keeps a commit open at most `maxHold`.
final class GroupCommitWriter: @unchecked Sendable {
    /// A write and what to do with its outcome, one object per job: its
    /// result types differ, so the queue holds them as this base class.
    private class Job: @unchecked Sendable {
        /// Runs the work inside the open transaction; false if it failed.
        func run(_ connection: SQLiteConnection) -> Bool { false }
        /// Reports the outcome once the commit's fate is known: the work's
        /// own error if it failed, else `error` (the commit or its sync
        /// failed), else its value. A job never run reports `error`.
        func finish(_ error: Error?) {}
    }

    private final class TypedJob<T>: Job, @unchecked Sendable {
        let work: (SQLiteConnection) throws -> T
        let completion: @Sendable (Result<T, Error>) -> Void
        /// Written by the writer, read by the syncer after the commit is handed over.
        private var outcome: Result<T, Error>?

        init(work: @escaping (SQLiteConnection) throws -> T, completion: @escaping @Sendable (Result<T, Error>) -> Void) {
            self.work = work
            self.completion = completion
        }

        override func run(_ connection: SQLiteConnection) -> Bool {
            do {
                outcome = .success(try work(connection))
                return true
            } catch {
                outcome = .failure(error)
                return false
            }
        }

        override func finish(_ error: Error?) {
            // Tested one by one: a switch over a tuple with the generic `T`
            // made the runtime look up the tuple's type for every job.
            if case .failure(let own)? = outcome { return completion(.failure(own)) }
            if let error { return completion(.failure(error)) }
            completion(outcome ?? .failure(SQLiteError(code: 1, message: "the write was never run")))
        }
    }

    /// Called after each commit with the number of jobs it carried.
    var onCommit: (@Sendable (Int, Duration) -> Void)?
    /// Called when a commit fails, so caches derived from uncommitted writes can be dropped.
    var onCommitFailure: (() -> Void)?
    /// Runs inside every transaction after its jobs (the ledger writes
    /// lagging rows here); an error fails the commit.
    var beforeCommit: ((SQLiteConnection) throws -> Void)?
    /// Called after every successful commit, before it is durable. What it
    /// returns runs on the syncer's thread once the commit is durable,
    /// before the commit's completions: work that need not hold up the
    /// writer, such as publishing the commit's effects to readers.
    var afterCommit: (() -> (@Sendable () -> Void)?)?
    /// Called on the writer's thread between commits (the checkpointer's restart).
    var betweenCommits: ((SQLiteConnection) -> Void)?

    private let connection: SQLiteConnection
    private let thread = StorageThread(name: "mqlgate.writer", quality: .userInitiated)
    private var condition: NSCondition { thread.condition }
    private var pending: [Job] = []
    /// Jobs submitted so far, numbered from 1; guarded by `condition`, as is `commitPoint`.
    private var submitted = 0
    /// The last job that must be committed without waiting for more.
    private var commitPoint = 0
    /// Whether `commitPoint < submitted`, readable without the lock.
    private let holding = Atomic<Bool>(false)
    private let maxJobsPerCommit: Int
    /// How long held jobs may keep a commit open waiting for `releaseHeld()`.
    let maxHold: Duration
    private let syncer: WALSyncer

    init(connection: SQLiteConnection, syncer: WALSyncer, maxJobsPerCommit: Int = 1024, maxHold: Duration = .milliseconds(1)) {
        self.connection = connection
        self.syncer = syncer
        self.maxJobsPerCommit = maxJobsPerCommit
        self.maxHold = maxHold
    }

    func start() { thread.start { [self] in loop() } }

    /// Runs `work` on the writer thread inside the next commit; `completion`
    /// gets its value once that commit is durable, or the error. A `held`
    /// job is committed once `releaseHeld()` is called after it (or
    /// `maxHold` has passed), with whatever else has run by then.
    func submit<T>(held: Bool = false, _ work: @escaping (SQLiteConnection) throws -> T, completion: @escaping @Sendable (Result<T, Error>) -> Void) {
        let job = TypedJob(work: work, completion: completion)
        condition.lock()
        guard !thread.stopping else {
            condition.unlock()
            completion(.failure(SQLiteError(code: 21, message: "the store is shutting down")))
            return
        }
        pending.append(job)
        submitted += 1
        if !held { commitPoint = submitted }
        holding.store(commitPoint < submitted, ordering: .relaxed)
        condition.signal()
        condition.unlock()
    }

    /// Every job submitted so far may be committed: the caller has
    /// submitted all it meant to hold together.
    func releaseHeld() {
        // Every request of a burst releases; the first does it for all.
        // Skipping when nothing looks held is safe: a job held meanwhile by
        // another thread is released by that thread's own call.
        guard holding.load(ordering: .relaxed) else { return }
        condition.lock()
        if commitPoint < submitted {
            commitPoint = submitted
            condition.signal()
        }
        holding.store(false, ordering: .relaxed)
        condition.unlock()
    }

    /// Runs `work` in the next commit and waits until it is durable. For
    /// callers on Dispatch worker threads, never on the writer or in a
    /// completion (which runs on the syncer's thread): either would wait for itself.
    func write<T>(_ work: @escaping (SQLiteConnection) throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<T, Error>?
        submit(work) { result in
            outcome = result
            done.signal()
        }
        done.wait()
        return try outcome!.get()
    }

    /// Finishes queued jobs, then stops the thread.
    func stop() { thread.stop() }

    /// The transaction the writer has open: the jobs run in it so far (kept
    /// to run them again should one of them fail, and to report to).
    private struct OpenTransaction {
        var jobs: [Job] = []
        /// Number of the last job in it.
        var last = 0
        /// Time spent running its jobs, for `onCommit`.
        var busy: Duration = .zero
        /// When the writer first waited with it open, for `maxHold`.
        var heldSince: ContinuousClock.Instant?
    }

    private func loop() {
        var open = OpenTransaction()
        /// The last job committed (or in the commit under way).
        var committed = 0
        func commitOpen() {
            committed = open.last
            commit(&open)
            betweenCommits?(connection)
        }
        condition.lock()
        while true {
            let room = maxJobsPerCommit - open.jobs.count
            if room > 0, !pending.isEmpty {
                let taken: [Job]
                if pending.count <= room {
                    // Usually everything: hand the array over whole (a prefix
                    // would share its storage, and removing it would copy the queue).
                    taken = pending
                    pending = []
                } else {
                    taken = Array(pending.prefix(room))
                    pending.removeFirst(room)
                }
                open.last = submitted - pending.count
                // What must be committed as of taking: committed right after
                // running, without first taking what arrives meanwhile.
                let target = commitPoint
                condition.unlock()
                run(taken, in: &open)
                if target > committed && open.last >= target && !open.jobs.isEmpty { commitOpen() }
                condition.lock()
                continue
            }
            guard !open.jobs.isEmpty else {
                if thread.stopping { break }
                condition.wait()
                continue
            }
            let now = ContinuousClock.now
            let heldOut = open.heldSince.map { now - $0 >= maxHold } ?? false
            if commitPoint > committed || room <= 0 || heldOut || thread.stopping {
                condition.unlock()
                commitOpen()
                condition.lock()
                continue
            }
            // Only held jobs are open: wait for the rest of their burst, or the release.
            let since = open.heldSince ?? now
            open.heldSince = since
            _ = condition.wait(until: Date(timeIntervalSinceNow: (since + maxHold - now).seconds))
        }
        condition.unlock()
    }

    /// Runs `jobs` in the open transaction, beginning it if there is none.
    /// The common case runs them without savepoints (a savepoint makes SQLite
    /// copy every page its job touches, a fifth of a small job's cost). A
    /// job that fails before writing anything (a handoff not found, say)
    /// leaves nothing to undo. One that fails after writing rolls the
    /// transaction back, with whatever the jobs before it wrote, and
    /// `runIsolated` runs all of its jobs again. Jobs only write the database
    /// and the caches that `onCommitFailure` drops, so running one again is safe.
    private func run(_ jobs: [Job], in open: inout OpenTransaction) {
        let started = ContinuousClock.now
        defer { open.busy += ContinuousClock.now - started }
        if open.jobs.isEmpty {
            do {
                try connection.statement("BEGIN IMMEDIATE").run()
            } catch {
                jobs.forEach { job in job.finish(error) }
                return
            }
            open.jobs = jobs
        } else {
            open.jobs.append(contentsOf: jobs)
        }
        for job in jobs {
            let changesBefore = connection.totalChanges
            if !job.run(connection) && connection.totalChanges != changesBefore {
                try? connection.execute("ROLLBACK")
                connection.resetStatements()
                onCommitFailure?()
                guard let ran = runIsolated(open.jobs) else {
                    open = OpenTransaction()
                    return
                }
                open.jobs = ran
                return
            }
        }
    }

    /// Commits the open transaction, then hands its jobs to the syncer,
    /// which reports their outcomes once the commit is durable.
    private func commit(_ open: inout OpenTransaction) {
        let started = ContinuousClock.now
        defer { connection.resetStatements() }
        var commitError: Error?
        var publish: (@Sendable () -> Void)?
        do {
            try beforeCommit?(connection)
            try connection.statement("COMMIT").run()
            publish = afterCommit?()
        } catch {
            commitError = error
            try? connection.execute("ROLLBACK")
            onCommitFailure?()
        }
        onCommit?(open.jobs.count, open.busy + (ContinuousClock.now - started))
        // Answering (building responses) and freeing the jobs' inputs happen
        // on the syncer's thread once the commit is durable: the writer is the
        // one serial stage of every write.
        let jobs = open.jobs
        open = OpenTransaction()
        let failure = commitError
        syncer.afterSync { syncError in
            publish?()
            jobs.forEach { $0.finish(failure ?? syncError) }
        }
    }

    /// Every job in a savepoint of its own, so a failing job undoes only its
    /// own writes; the transaction stays open. Returns the jobs to report at
    /// the commit; nil when no transaction could begin (every job was told why).
    private func runIsolated(_ batch: [Job]) -> [Job]? {
        do {
            try connection.statement("BEGIN IMMEDIATE").run()
        } catch {
            batch.forEach { job in job.finish(error) }
            return nil
        }
        var ran: [Job] = []
        ran.reserveCapacity(batch.count)
        for job in batch {
            do {
                try connection.statement("SAVEPOINT job").run()
            } catch {
                job.finish(error)
                continue
            }
            if !job.run(connection) { try? connection.statement("ROLLBACK TO job").run() }
            try? connection.statement("RELEASE job").run()
            ran.append(job)
        }
        return ran
    }
}

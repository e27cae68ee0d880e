import Foundation

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
    private struct Job {
        /// Reports `error` without running the work.
        let fail: @Sendable (Error) -> Void
        /// Runs inside the savepoint; says whether the work failed and returns
        /// the completion to call once the commit's fate is known.
        let run: (SQLiteConnection) -> (failed: Bool, complete: @Sendable (Error?) -> Void)
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
        let job = Job(fail: { completion(.failure($0)) }) { connection in
            do {
                let value = try work(connection)
                nonisolated(unsafe) let captured = value
                return (false, { error in completion(error.map { .failure($0) } ?? .success(captured)) })
            } catch {
                return (true, { _ in completion(.failure(error)) })
            }
        }
        condition.lock()
        guard !thread.stopping else {
            condition.unlock()
            completion(.failure(SQLiteError(code: 21, message: "the store is shutting down")))
            return
        }
        pending.append(job)
        submitted += 1
        if !held { commitPoint = submitted }
        condition.signal()
        condition.unlock()
    }

    /// Every job submitted so far may be committed: the caller has
    /// submitted all it meant to hold together.
    func releaseHeld() {
        condition.lock()
        if commitPoint < submitted {
            commitPoint = submitted
            condition.signal()
        }
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
    /// to run them again should one of them fail) and their completions.
    private struct OpenTransaction {
        var jobs: [Job] = []
        var completions: [@Sendable (Error?) -> Void] = []
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
                jobs.forEach { job in job.fail(error) }
                return
            }
            open.jobs = jobs
        } else {
            open.jobs.append(contentsOf: jobs)
        }
        open.completions.reserveCapacity(open.jobs.count)
        for job in jobs {
            let changesBefore = connection.totalChanges
            let outcome = job.run(connection)
            if outcome.failed && connection.totalChanges != changesBefore {
                try? connection.execute("ROLLBACK")
                connection.resetStatements()
                onCommitFailure?()
                guard let completions = runIsolated(open.jobs) else {
                    open = OpenTransaction()
                    return
                }
                open.completions = completions
                return
            }
            open.completions.append(outcome.complete)
        }
    }

    /// Commits the open transaction, then hands its completions to the
    /// syncer, which calls them once the commit is durable.
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
        nonisolated(unsafe) let jobs = open.jobs
        let finished = open.completions
        open = OpenTransaction()
        let failure = commitError
        syncer.afterSync { syncError in
            publish?()
            finished.forEach { $0(failure ?? syncError) }
            withExtendedLifetime(jobs) {}
        }
    }

    /// Every job in a savepoint of its own, so a failing job undoes only its
    /// own writes; the transaction stays open. Nil when no transaction could
    /// begin (every job was told why).
    private func runIsolated(_ batch: [Job]) -> [@Sendable (Error?) -> Void]? {
        do {
            try connection.statement("BEGIN IMMEDIATE").run()
        } catch {
            batch.forEach { job in job.fail(error) }
            return nil
        }
        var completions: [@Sendable (Error?) -> Void] = []
        completions.reserveCapacity(batch.count)
        for job in batch {
            do {
                try connection.statement("SAVEPOINT job").run()
            } catch {
                job.fail(error)
                continue
            }
            let outcome = job.run(connection)
            completions.append(outcome.complete)
            if outcome.failed { try? connection.statement("ROLLBACK TO job").run() }
            try? connection.statement("RELEASE job").run()
        }
        return completions
    }
}

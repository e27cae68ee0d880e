import Foundation

/// The one thread that writes to the database. Every write is a job; the
/// writer takes all pending jobs, runs them in one transaction and commits
/// once. Each job's outcome is reported only when the commit is on disk:
/// the `WALSyncer` syncs the WAL after the commit while this thread goes on
/// with the next batch. Concurrent requests thereby share one commit and
/// one sync, and a job that fails rolls back alone: a batch in which a job
/// fails is rolled back and run again with a savepoint per job (savepoints
/// cost enough that the common, failure-free batch goes without them).
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
    /// Called after every successful commit, before it is durable.
    var afterCommit: (() -> Void)?
    /// Called on the writer's thread between commits (the checkpointer's restart).
    var betweenCommits: ((SQLiteConnection) -> Void)?

    private let connection: SQLiteConnection
    private let thread = StorageThread(name: "mqlgate.writer", quality: .userInitiated)
    private var condition: NSCondition { thread.condition }
    private var pending: [Job] = []
    private let maxJobsPerCommit: Int
    private let syncer: WALSyncer

    init(connection: SQLiteConnection, syncer: WALSyncer, maxJobsPerCommit: Int = 1024) {
        self.connection = connection
        self.syncer = syncer
        self.maxJobsPerCommit = maxJobsPerCommit
    }

    func start() { thread.start { [self] in loop() } }

    /// Runs `work` on the writer thread inside the next commit; `completion`
    /// gets its value once that commit is durable, or the error.
    func submit<T>(_ work: @escaping (SQLiteConnection) throws -> T, completion: @escaping @Sendable (Result<T, Error>) -> Void) {
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
        condition.signal()
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

    private func loop() {
        while var batch = thread.nextWork({ () -> [Job]? in
            guard !pending.isEmpty else { return nil }
            // Usually everything: hand the array over whole (a prefix would
            // share its storage, and removing it would copy the queue).
            guard pending.count > maxJobsPerCommit else {
                defer { pending = [] }
                return pending
            }
            defer { pending.removeFirst(maxJobsPerCommit) }
            return Array(pending.prefix(maxJobsPerCommit))
        }) {
            commit(&batch)
            betweenCommits?(connection)
        }
    }

    /// Runs and commits `batch`, then hands it (emptied here) to the completion queue.
    private func commit(_ batch: inout [Job]) {
        let started = ContinuousClock.now
        defer { connection.resetStatements() }
        guard let completions = runTogether(batch) ?? runIsolated(batch) else { return }
        var commitError: Error?
        do {
            try beforeCommit?(connection)
            try connection.statement("COMMIT").run()
            afterCommit?()
        } catch {
            commitError = error
            try? connection.execute("ROLLBACK")
            onCommitFailure?()
        }
        onCommit?(batch.count, ContinuousClock.now - started)
        // Answering (building responses) and freeing the jobs' inputs happen
        // on the syncer's thread once the commit is durable: the writer is the
        // one serial stage of every write.
        nonisolated(unsafe) let jobs = batch
        batch = []
        nonisolated(unsafe) let finished = completions
        let failure = commitError
        syncer.afterSync { syncError in
            finished.forEach { $0(failure ?? syncError) }
            withExtendedLifetime(jobs) {}
        }
    }

    /// The common case: every job in one transaction, without savepoints (a
    /// savepoint makes SQLite copy every page its job touches, a fifth of a
    /// small job's cost). A job that fails before writing anything (a
    /// handoff not found, say) leaves nothing to undo. Nil when a job failed
    /// after writing: then the transaction is rolled back, with whatever the
    /// jobs before it wrote, and `runIsolated` runs the batch again. Jobs only
    /// write the database and the caches that `onCommitFailure` drops, so
    /// running one again is safe.
    private func runTogether(_ batch: [Job]) -> [@Sendable (Error?) -> Void]? {
        guard (try? connection.statement("BEGIN IMMEDIATE").run()) != nil else { return nil }
        var completions: [@Sendable (Error?) -> Void] = []
        completions.reserveCapacity(batch.count)
        for job in batch {
            let changesBefore = connection.totalChanges
            let outcome = job.run(connection)
            if outcome.failed && connection.totalChanges != changesBefore {
                try? connection.execute("ROLLBACK")
                onCommitFailure?()
                return nil
            }
            completions.append(outcome.complete)
        }
        return completions
    }

    /// Every job in a savepoint of its own, so a failing job undoes only its
    /// own writes. Nil when no transaction could begin (every job was told why).
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

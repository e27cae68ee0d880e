import Foundation

/// Makes the writer's commits durable on a thread of its own, so that one
/// commit's sync overlaps the next commit's work instead of following it.
///
/// The writer's connection runs with `synchronous=NORMAL`: SQLite writes a
/// commit's frames to the WAL but does not sync them. The writer then hands
/// the commit's completions here; this thread calls `fdatasync` on the WAL
/// file and only then runs them. A sync that starts after a commit's writes
/// were issued covers them, so every completion still runs only once its
/// commit is on disk, exactly as with `synchronous=FULL`, while the writer
/// is already executing the next batch. Commits that arrive during one sync
/// share the next (group commit across commits).
///
/// A failed sync is sticky: after it the kernel may have dropped the dirty
/// pages, so no later commit is reported durable either.
final class WALSyncer: @unchecked Sendable {
    /// Called after each sync with its duration and the number of commits it covered.
    var onSync: (@Sendable (Duration, Int) -> Void)?

    private let descriptor: Int32
    private let thread = StorageThread(name: "mqlgate.walsync", quality: .userInitiated)
    private var condition: NSCondition { thread.condition }
    private var pending: [(Error?) -> Void] = []
    private var failure: Error?

    /// Opens the WAL file; the database must already be in WAL mode with the file present.
    init(walPath: String) throws {
        // SQLite has the file by now; creating it, should it not, is what SQLite would do on the first commit.
        descriptor = open(walPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw SQLiteError(code: 14, message: "cannot open \(walPath): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    func start() { thread.start { [self] in loop() } }

    /// Runs `completion` once everything written to the WAL before this call
    /// is on disk, with the error if that could not be made so.
    func afterSync(_ completion: @escaping (Error?) -> Void) {
        condition.lock()
        pending.append(completion)
        condition.signal()
        condition.unlock()
    }

    /// Syncs and completes what is pending, then stops the thread.
    func stop() { thread.stop() }

    /// `fdatasync`, again if a signal interrupted it before it began: only a
    /// real I/O error may make the failure sticky.
    private static func sync(_ descriptor: Int32) -> Int32 {
        while true {
            let status = fdatasync(descriptor)
            if status != 0 && errno == EINTR { continue }
            return status
        }
    }

    private func loop() {
        while let batch = thread.nextWork({ () -> [(Error?) -> Void]? in
            guard !pending.isEmpty else { return nil }
            defer { pending = [] }
            return pending
        }) {
            let started = ContinuousClock.now
            if failure == nil, Self.sync(descriptor) != 0 {
                failure = SQLiteError(code: 10, message: "fdatasync of the WAL failed: \(String(cString: strerror(errno)))")
            }
            onSync?(ContinuousClock.now - started, batch.count)
            let outcome = failure
            batch.forEach { $0(outcome) }
        }
    }
}

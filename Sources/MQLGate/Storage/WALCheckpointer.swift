import CSQLite
import Foundation
import Synchronization

/// Copies WAL frames back into the database file on a thread of its own.
///
/// SQLite's automatic checkpoint runs inside whichever COMMIT crosses the
/// threshold, so one request in a few hundred waited for a thousand page
/// writes and two syncs. Here the writer's connection has
/// `wal_autocheckpoint=0`, and this thread, with a connection of its own,
/// runs a PASSIVE checkpoint (beside the writer, never blocking it) every
/// `interval`.
///
/// Under sustained writes a PASSIVE checkpoint never reaches the WAL's end,
/// and SQLite starts the WAL over only once it is wholly copied, so the WAL
/// would grow without bound. The writer therefore calls `restartIfDue(on:)`
/// after its commits: once the WAL holds `restartFrames` frames and this
/// thread has copied all but a few, the writer copies the rest itself
/// (RESTART), a short pause, and its next commit writes the WAL from the
/// start. Should checkpoints fall behind the writer by four times that, the
/// writer copies everything before going on: back-pressure rather than an
/// unbounded WAL. That bound is checked against the WAL's size as the
/// writer's own commits leave it (`watch(_:)`), not as this thread last saw
/// it, so a checkpointer starved of CPU cannot let the WAL run past it.
/// Checkpoints sync the WAL before and the database file after copying
/// (`synchronous=NORMAL`), as SQLite's own do.
final class WALCheckpointer: @unchecked Sendable {
    /// Called after each round that copied frames, with the WAL's size in frames and the round's duration.
    var onCheckpoint: (@Sendable (Int, Duration) -> Void)?
    /// Called after each restart the writer ran, with its duration.
    var onRestart: (@Sendable (Duration) -> Void)?

    let interval: Duration
    let restartFrames: Int32
    private let connection: SQLiteConnection
    private let thread = StorageThread(name: "mqlgate.checkpt", quality: .utility)
    /// The last round's WAL size and frames copied, for the writer.
    private let progress = Mutex<(log: Int32, copied: Int32)>((0, 0))
    /// The WAL's size after the writer's last commit; written and read on the writer's thread only.
    private let writerFrames = UnsafeMutablePointer<Int32>.allocate(capacity: 1)

    init(path: String, interval: Duration = .milliseconds(100), restartFrames: Int32 = 16_384) throws {
        connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0")
        self.interval = interval
        self.restartFrames = restartFrames
        writerFrames.initialize(to: 0)
    }

    deinit { writerFrames.deallocate() }

    /// Follows the WAL's size through the writer's commits; call once, before
    /// the writer's first commit, on the connection `restartIfDue` gets.
    func watch(_ writer: SQLiteConnection) {
        mqlgate_sqlite_record_wal_frames(writer.handle, writerFrames)
    }

    /// Stops following the writer (before this object goes, as the hook writes into it).
    func unwatch(_ writer: SQLiteConnection) {
        mqlgate_sqlite_record_wal_frames(writer.handle, nil)
    }

    func start() { thread.start { [self] in loop() } }

    func stop() { thread.stop() }

    /// On the writer's thread, between commits: lets the WAL start over when it is due (see the type's comment).
    func restartIfDue(on writer: SQLiteConnection) {
        let (log, copied) = progress.withLock { $0 }
        let forced = writerFrames.pointee >= 4 * restartFrames
        guard forced || (log >= restartFrames && log - copied <= 512) else { return }
        let started = ContinuousClock.now
        _ = Self.checkpoint(writer, mode: SQLITE_CHECKPOINT_RESTART)
        progress.withLock { $0 = (0, 0) }
        writerFrames.pointee = 0
        onRestart?(ContinuousClock.now - started)
    }

    /// One checkpoint; (WAL size, frames copied) in frames. BUSY only means
    /// another checkpoint or a reader held it back; the next round tries again.
    static func checkpoint(_ connection: SQLiteConnection, mode: Int32) -> (log: Int32, copied: Int32) {
        var log: Int32 = 0, copied: Int32 = 0
        _ = sqlite3_wal_checkpoint_v2(connection.handle, nil, mode, &log, &copied)
        return (log, copied)
    }

    private func loop() {
        var lastCopied: Int32 = 0
        while true {
            thread.condition.lock()
            if !thread.stopping { _ = thread.condition.wait(until: Date(timeIntervalSinceNow: interval.seconds)) }
            let done = thread.stopping
            thread.condition.unlock()
            if done { break }

            let started = ContinuousClock.now
            let (log, copied) = Self.checkpoint(connection, mode: SQLITE_CHECKPOINT_PASSIVE)
            // A PASSIVE round that does not reach the WAL's end leaves the copied
            // pages unsynced; syncing them here keeps that work out of the
            // writer's RESTART, which must sync the database file before it ends.
            if copied != lastCopied { _ = mqlgate_sqlite_sync_main(connection.handle) }
            progress.withLock { $0 = (log, copied) }
            // `copied` counts from the WAL's start, so it only shrinks when the WAL started over.
            if copied != lastCopied { onCheckpoint?(Int(log), ContinuousClock.now - started) }
            lastCopied = copied
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    /// Whole milliseconds, for Dispatch timers.
    var milliseconds: Int { Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000) }
}

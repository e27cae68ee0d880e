import Foundation
import Testing
@testable import MQLGate

@Suite("WAL sync and checkpoints")
struct WALTests {
    static func temporaryDatabase() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mqlgate-wal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory + "/test.sqlite3"
    }

    /// A connection set up as the service's writer (WAL, NORMAL, no
    /// automatic checkpoints) on a fresh database with a table `t (id, body)`.
    static func writerWithoutAutoCheckpoints() throws -> (String, SQLiteConnection) {
        let path = try temporaryDatabase()
        let writer = try SQLiteConnection(path: path)
        try writer.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0")
        try writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
        return (path, writer)
    }

    /// A row body of `size` bytes of `tag` that starts with its row's index, big-endian.
    static func rowBody(_ index: Int, tag: UInt8, size: Int) -> [UInt8] {
        var body = [UInt8](repeating: tag, count: size)
        withUnsafeBytes(of: UInt32(index).bigEndian) { body.replaceSubrange(0..<4, with: $0) }
        return body
    }

    /// SQLite's own check of the database finds nothing wrong.
    static func expectIntact(_ db: SQLiteConnection) throws {
        let check = try db.statement("PRAGMA integrity_check")
        #expect(try check.step())
        #expect(check.string(0) == "ok")
    }

    static func walSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// A writer that never waits for checkpoints must not grow the WAL
    /// without bound: the checkpointer's RESTART lets it start over.
    @Test func checkpointsLetTheWALStartOverUnderSustainedWrites() throws {
        let (path, writer) = try Self.writerWithoutAutoCheckpoints()
        let checkpointer = try WALCheckpointer(path: path, interval: .milliseconds(5), restartFrames: 256)
        let sizes = Recorder(), restarts = Counter()
        checkpointer.onCheckpoint = { frames, _ in sizes.append(frames) }
        checkpointer.onRestart = { _ in restarts.add(1) }
        checkpointer.watch(writer)
        checkpointer.start()
        let row = [UInt8](repeating: 7, count: 3000)
        for batch in 0..<600 {
            try writer.transaction {
                for _ in 0..<4 { try writer.statement("INSERT INTO t (body) VALUES (?)").bind(.blob(row)).run() }
            }
            checkpointer.restartIfDue(on: writer)
            // Commits come in bursts, as group commits do.
            if batch % 20 == 0 { Thread.sleep(forTimeInterval: 0.003) }
        }
        Thread.sleep(forTimeInterval: 0.05)
        checkpointer.stop()
        let reported = sizes.values
        // About 2,400 frames were written in all; the WAL started over instead of holding them all.
        #expect(reported.count > 2)
        #expect(restarts.value > 0)
        #expect(zip(reported, reported.dropFirst()).contains { $1 < $0 }, "the WAL started over: \(reported)")
        #expect((reported.max() ?? 0) <= 4 * 256 + 64, "\(reported)")
        let count = try writer.statement("SELECT count(*) FROM t")
        #expect(try count.step())
        #expect(count.int(0) == 2_400)
    }

    /// With the checkpointer's thread starved (here: never started), the
    /// writer's own view of the WAL still bounds it.
    @Test func aStarvedCheckpointerStillLeavesTheWALBounded() throws {
        let (path, writer) = try Self.writerWithoutAutoCheckpoints()
        let checkpointer = try WALCheckpointer(path: path, interval: .seconds(3600), restartFrames: 256)
        let restarts = Counter()
        checkpointer.onRestart = { _ in restarts.add(1) }
        checkpointer.watch(writer)
        let row = [UInt8](repeating: 7, count: 3000)
        for _ in 0..<600 {
            try writer.transaction {
                for _ in 0..<4 { try writer.statement("INSERT INTO t (body) VALUES (?)").bind(.blob(row)).run() }
            }
            checkpointer.restartIfDue(on: writer)
        }
        #expect(restarts.value >= 2)
        // The file never grew past four times the restart size and one commit (frames of 4,096 + 24 bytes).
        #expect(Self.walSize(path) <= 32 + (4 * 256 + 8) * 4120, "\(Self.walSize(path)) bytes")
    }

    /// Completions run in order, after the sync, on the syncer's thread.
    @Test func completionsRunAfterTheSyncInOrder() throws {
        let path = try Self.temporaryDatabase()
        let connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY)")
        let syncer = try WALSyncer(walPath: path + "-wal")
        let syncs = Counter()
        syncer.onSync = { _, commits in syncs.add(commits) }
        syncer.start()
        let done = DispatchSemaphore(value: 0)
        let order = Counter()
        nonisolated(unsafe) var seen: [Int] = []
        for index in 0..<100 {
            syncer.afterSync { error in
                #expect(error == nil)
                seen.append(index)
                order.add(1)
                if index == 99 { done.signal() }
            }
        }
        done.wait()
        syncer.stop()
        #expect(seen == Array(0..<100))
        #expect(syncs.value == 100, "every completion was covered by a sync")
    }
}

extension WALTests {
    /// A sync that fails is never reported as durable, and nothing after it is either.
    @Test func aFailedSyncFailsEveryLaterCompletion() throws {
        // fdatasync on a character device fails (EINVAL), as it would on a disk error.
        let syncer = try WALSyncer(walPath: "/dev/null")
        syncer.start()
        let failures = Counter()
        for _ in 0..<2 {
            let done = DispatchSemaphore(value: 0)
            syncer.afterSync { error in
                if error != nil { failures.add(1) }
                done.signal()
            }
            done.wait()
        }
        syncer.stop()
        #expect(failures.value == 2)
    }
}

/// Values reported from other threads, in order.
final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Int] = []
    func append(_ value: Int) { lock.lock(); recorded.append(value); lock.unlock() }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return recorded }
}

/// A thread-safe tally for callbacks from other threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    func add(_ n: Int) { lock.lock(); total += n; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return total }
}

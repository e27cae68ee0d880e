import Foundation
import Testing
import Synchronization
@testable import MQLGate

@Suite("Group commit")
struct GroupCommitTests {
    /// A writer on a fresh database with a table `t (id, tag)`.
    final class Fixture {
        let connection: SQLiteConnection
        let syncer: WALSyncer
        let writer: GroupCommitWriter
        let reader: SQLiteConnection

        init() throws {
            let path = try WALTests.temporaryDatabase()
            connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE t (id INTEGER PRIMARY KEY, tag TEXT NOT NULL)")
            syncer = try WALSyncer(walPath: path + "-wal")
            writer = GroupCommitWriter(connection: connection, syncer: syncer)
            reader = try SQLiteConnection(path: path)
            syncer.start()
            writer.start()
        }

        func stop() {
            writer.stop()
            syncer.stop()
        }

        func tags() throws -> [String] {
            let query = try reader.statement("SELECT tag FROM t ORDER BY id")
            var tags: [String] = []
            while try query.step() { tags.append(query.string(0) ?? "") }
            reader.resetStatements()
            return tags
        }
    }

    struct Refused: Error {}

    /// Jobs queued behind a slow one, so the writer takes them as one batch;
    /// the failing ones fail after their write, or before any if `early`.
    static func batch(_ fixture: Fixture, count: Int, runs: Counter, failing: Set<Int>, early: Bool = false) -> [Result<Int, Error>] {
        let gate = DispatchSemaphore(value: 0), done = DispatchGroup()
        let results = Mutex<[Int: Result<Int, Error>]>([:])
        done.enter()
        // Open once opened: a batch with a failure runs this job again too.
        fixture.writer.submit({ _ in gate.wait(); gate.signal() }) { _ in done.leave() }
        for index in 0..<count {
            done.enter()
            fixture.writer.submit({ db in
                runs.add(1)
                if early && failing.contains(index) { throw Refused() }
                try db.statement("INSERT INTO t (tag) VALUES (?)").bind(.text("job-\(index)")).run()
                if failing.contains(index) { throw Refused() }  // after a write, which must not land
                return index
            }) { result in
                results.withLock { $0[index] = result }
                done.leave()
            }
        }
        gate.signal()
        done.wait()
        return (0..<count).map { index in results.withLock { $0[index]! } }
    }

    @Test func aBatchWithoutFailuresRunsEachJobOnce() throws {
        let fixture = try Fixture()
        let runs = Counter()
        let results = Self.batch(fixture, count: 50, runs: runs, failing: [])
        #expect(results.map { try? $0.get() } == Array(0..<50))
        #expect(runs.value == 50)
        #expect(try fixture.tags() == (0..<50).map { "job-\($0)" })
        fixture.stop()
    }

    @Test func aFailingJobRollsBackAloneAndTheOthersCommit() throws {
        let fixture = try Fixture()
        let runs = Counter()
        let failing: Set<Int> = [3, 17, 41]
        let results = Self.batch(fixture, count: 50, runs: runs, failing: failing)
        for (index, result) in results.enumerated() {
            if failing.contains(index) {
                #expect(throws: Refused.self) { try result.get() }
            } else {
                #expect((try? result.get()) == index)
            }
        }
        // Exactly the jobs that succeeded left their rows, each once.
        #expect(try fixture.tags() == (0..<50).filter { !failing.contains($0) }.map { "job-\($0)" })
        fixture.stop()
    }

    @Test func aJobFailingBeforeItWritesCostsTheOthersNothing() throws {
        let fixture = try Fixture()
        let runs = Counter()
        let failing: Set<Int> = [5, 30]
        let results = Self.batch(fixture, count: 50, runs: runs, failing: failing, early: true)
        #expect(results.enumerated().allSatisfy { index, result in failing.contains(index) == ((try? result.get()) == nil) })
        #expect(runs.value == 50, "no job ran twice")
        #expect(try fixture.tags() == (0..<50).filter { !failing.contains($0) }.map { "job-\($0)" })
        fixture.stop()
    }
}

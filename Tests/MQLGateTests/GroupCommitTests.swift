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

        /// Jobs per commit, in commit order.
        let commits = Recorder()

        init(maxHold: Duration = .milliseconds(2)) throws {
            let path = try WALTests.temporaryDatabase()
            connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE t (id INTEGER PRIMARY KEY, tag TEXT NOT NULL)")
            syncer = try WALSyncer(walPath: path + "-wal")
            writer = GroupCommitWriter(connection: connection, syncer: syncer, maxHold: maxHold)
            let commits = self.commits
            writer.onCommit = { jobs, _ in commits.append(jobs) }
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

    /// Submits `count` jobs one at a time, each once the one before has run
    /// (so the writer takes each on its own); returns when all have run.
    static func submitSeparately(_ fixture: Fixture, count: Int, held: Bool, from first: Int = 0, done: DispatchGroup) {
        for index in first..<(first + count) {
            let ran = DispatchSemaphore(value: 0)
            done.enter()
            fixture.writer.submit(held: held, { db in
                try db.statement("INSERT INTO t (tag) VALUES (?)").bind(.text("job-\(index)")).run()
                ran.signal()
            }) { result in
                #expect((try? result.get()) != nil)
                done.leave()
            }
            ran.wait()
        }
    }

    @Test func heldJobsRunAtOnceAndShareTheCommitAfterTheRelease() throws {
        let fixture = try Fixture(maxHold: .seconds(30))
        let done = DispatchGroup()
        Self.submitSeparately(fixture, count: 10, held: true, done: done)
        // All ten ran, none is committed: a reader sees nothing yet.
        Thread.sleep(forTimeInterval: 0.05)
        #expect(fixture.commits.values == [])
        #expect(try fixture.tags() == [])
        fixture.writer.releaseHeld()
        done.wait()
        #expect(fixture.commits.values == [10])
        #expect(try fixture.tags() == (0..<10).map { "job-\($0)" })
        fixture.stop()
    }

    @Test func aJobWithoutAHoldIsCommittedAtOnceWithTheHeldOnesBeforeIt() throws {
        let fixture = try Fixture(maxHold: .seconds(30))
        let done = DispatchGroup()
        Self.submitSeparately(fixture, count: 3, held: true, done: done)
        Self.submitSeparately(fixture, count: 1, held: false, from: 3, done: done)
        done.wait()
        #expect(fixture.commits.values == [4])
        fixture.stop()
    }

    @Test func aHoldThatIsNeverReleasedKeepsTheCommitOpenOnlyBriefly() throws {
        let fixture = try Fixture(maxHold: .milliseconds(50))
        let done = DispatchGroup()
        Self.submitSeparately(fixture, count: 2, held: true, done: done)
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(fixture.commits.values == [2])
        fixture.stop()
    }

    @Test func aJobFailingAfterHeldJobsRanUndoesOnlyItself() throws {
        let fixture = try Fixture(maxHold: .seconds(30))
        let done = DispatchGroup()
        Self.submitSeparately(fixture, count: 3, held: true, done: done)
        // Fails after writing: the open transaction, with the three held jobs, is rolled back and run again job by job.
        let failed = DispatchSemaphore(value: 0)
        fixture.writer.submit({ db in
            try db.statement("INSERT INTO t (tag) VALUES ('doomed')").run()
            throw Refused()
        }) { result in
            #expect(throws: Refused.self) { try result.get() }
            failed.signal()
        }
        failed.wait()
        done.wait()
        #expect(try fixture.tags() == ["job-0", "job-1", "job-2"])
        fixture.stop()
    }
}

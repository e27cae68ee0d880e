import Foundation
import Testing
@testable import MQLGate

/// The page cache wrapper (`CSQLitePageCache`) skips the end-of-transaction
/// truncation only when no page lies past the limit; these check it still
/// truncates when pages do, and that the data stays right either way.
@Suite("SQLite page cache")
struct PageCacheTests {
    /// Random keys split index pages all over the tree, which makes SQLite
    /// park pages past the lock byte while it renumbers them: the case the
    /// wrapper exists for.
    @Test func commitsAfterSplitsSkipTheCacheWideTruncation() throws {
        let (_, db) = try WALTests.writerWithoutAutoCheckpoints()
        try db.execute("CREATE TABLE keyed (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID")
        var generator = SystemRandomNumberGenerator()
        var expected: [String: Int64] = [:]
        let before = SQLiteConnection.pageCacheTruncations
        for commit in 0..<300 {
            try db.transaction {
                for _ in 0..<20 {
                    let key = String(generator.next() as UInt64, radix: 16) + String(repeating: "x", count: 40)
                    try db.statement("INSERT INTO keyed (k, v) VALUES (?, ?)").bind(.text(key), .int(commit)).run()
                    expected[key] = Int64(commit)
                }
            }
        }
        let after = SQLiteConnection.pageCacheTruncations
        // Other tests commit meanwhile too, so only a lower bound holds.
        #expect(after.skipped - before.skipped >= 300)
        let rows = try db.statement("SELECT k, v FROM keyed")
        var found: [String: Int64] = [:]
        while try rows.step() { found[rows.string(0) ?? ""] = rows.int(1) }
        #expect(found == expected)
        try WALTests.expectIntact(db)
    }

    /// A rolled-back transaction that grew the database, and a VACUUM that
    /// shrank it, leave pages past its end in the cache: the rows written
    /// after must read back exactly, through this connection and a fresh one.
    @Test func theDatabaseShrinkingAndGrowingAgainReadsBackExactly() throws {
        let (path, db) = try WALTests.writerWithoutAutoCheckpoints()
        try db.execute("CREATE INDEX t_body ON t(body)")
        func insert(_ count: Int, tag: UInt8) throws {
            for index in 0..<count {
                try db.statement("INSERT INTO t (body) VALUES (?)").bind(.blob(WALTests.rowBody(index, tag: tag, size: 600))).run()
            }
        }
        try db.transaction { try insert(200, tag: 1) }
        let pagesBefore = try db.statement("PRAGMA page_count")
        #expect(try pagesBefore.step())
        let committedPages = pagesBefore.int(0)
        pagesBefore.reset()
        try db.execute("BEGIN IMMEDIATE")
        try insert(2_000, tag: 2)
        try db.execute("ROLLBACK")
        let pagesAfter = try db.statement("PRAGMA page_count")
        #expect(try pagesAfter.step())
        #expect(pagesAfter.int(0) == committedPages)
        pagesAfter.reset()

        try db.transaction { try insert(1_000, tag: 3) }
        // A database that shrinks under a full cache, then grows again into the numbers it gave up.
        try db.execute("DELETE FROM t WHERE id % 2 = 0; VACUUM")
        try db.transaction { try insert(1_000, tag: 4) }
        for connection in [db, try SQLiteConnection(path: path)] {
            let tags = try connection.statement("SELECT substr(hex(body), 9, 2), count(*) FROM t GROUP BY 1 ORDER BY 1")
            var counts: [String: Int64] = [:]
            while try tags.step() { counts[tags.string(0) ?? ""] = tags.int(1) }
            #expect(counts == ["01": 100, "03": 500, "04": 1_000])
            try WALTests.expectIntact(connection)
        }
    }
}

import Foundation
import Testing
@testable import MQLGate

/// The VFS of `CSQLiteWALBuffer` gathers a commit's WAL writes into one
/// system call; these check that it does, and that whatever SQLite wrote,
/// in whatever order, reads back exactly through every connection.
@Suite("SQLite WAL write buffer")
struct WALBufferTests {
    static func insert(_ db: SQLiteConnection, _ range: Range<Int>, tag: UInt8, size: Int = 3000) throws {
        for index in range {
            try db.statement("INSERT INTO t (id, body) VALUES (?, ?)").bind(.int(index), .blob(WALTests.rowBody(index, tag: tag, size: size))).run()
        }
    }

    /// Every row is what `insert` wrote for it, and the database is sound.
    static func expectRows(_ db: SQLiteConnection, _ expected: [Int: UInt8], size: Int = 3000) throws {
        let rows = try db.statement("SELECT id, body FROM t ORDER BY id")
        var found: [Int: UInt8] = [:]
        while try rows.step() {
            let id = Int(rows.int(0))
            let stored = rows.blob(1)
            #expect(stored == WALTests.rowBody(id, tag: stored.last ?? 0, size: size), "row \(id)")
            found[id] = stored.last
        }
        #expect(found == expected)
        try WALTests.expectIntact(db)
    }

    @Test func aCommitReachesTheWALInOneWrite() throws {
        let (path, writer) = try WALTests.writerWithoutAutoCheckpoints()
        let reader = try SQLiteConnection(path: path)
        let before = SQLiteConnection.walWrites
        // Twelve rows of 3,000 bytes: a page each, so at least twelve frames, 24 write requests.
        try writer.transaction { try Self.insert(writer, 0..<12, tag: 1) }
        let after = SQLiteConnection.walWrites
        // Other tests write WALs meanwhile; each of their writes adds to both counts.
        #expect((after.requested - after.made) - (before.requested - before.made) >= 22)
        try Self.expectRows(reader, Dictionary(uniqueKeysWithValues: (0..<12).map { ($0, 1) }))
    }

    /// A transaction bigger than the page cache spills frames before its
    /// commit and may overwrite them in place; one bigger than the buffer and
    /// the VFS's largest single write goes in parts; a rolled-back one leaves
    /// frames that the next commit writes over.
    @Test func spilledRolledBackAndOversizedTransactionsReadBackExactly() throws {
        let (path, writer) = try WALTests.writerWithoutAutoCheckpoints()
        try writer.execute("PRAGMA cache_size = 20")
        var expected: [Int: UInt8] = [:]
        try writer.transaction {
            try Self.insert(writer, 0..<400, tag: 1)
            try writer.execute("UPDATE t SET body = body WHERE id % 7 = 0")
        }
        for index in 0..<400 { expected[index] = 1 }

        try writer.execute("BEGIN IMMEDIATE")
        try Self.insert(writer, 400..<800, tag: 2)
        try writer.execute("ROLLBACK")
        try writer.transaction { try Self.insert(writer, 400..<410, tag: 3) }
        for index in 400..<410 { expected[index] = 3 }

        // About 9 MiB of frames in one commit, past the 4 MiB buffer.
        try writer.execute("PRAGMA cache_size = -65536")
        try writer.transaction { try Self.insert(writer, 1_000..<4_000, tag: 4) }
        for index in 1_000..<4_000 { expected[index] = 4 }

        for connection in [writer, try SQLiteConnection(path: path)] {
            try Self.expectRows(connection, expected)
        }
        // And after recovery from the WAL alone, as a restart would find it.
        let copy = path + ".copy"
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
        try Self.expectRows(try SQLiteConnection(path: copy), expected)
    }
}

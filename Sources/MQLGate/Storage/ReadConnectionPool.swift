import Synchronization

/// Connections for reads. WAL lets readers run beside the writer, each on
/// its own snapshot; a connection is lent to one caller at a time.
final class ReadConnectionPool: Sendable {
    private let path: String
    private let idle = Mutex<[UnsafeConnection]>([])

    /// SQLite connections are used by one thread at a time here; the pool enforces that.
    private struct UnsafeConnection: @unchecked Sendable {
        let connection: SQLiteConnection
    }

    init(path: String) { self.path = path }

    func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let lent = try idle.withLock { $0.popLast() } ?? UnsafeConnection(connection: open())
        defer {
            lent.connection.resetStatements()
            idle.withLock { $0.append(lent) }
        }
        return try body(lent.connection)
    }

    private func open() throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA query_only = ON; PRAGMA foreign_keys = ON")
        return connection
    }
}

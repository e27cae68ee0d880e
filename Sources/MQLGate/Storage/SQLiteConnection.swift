import CSQLite
import CSQLitePageCache
import CSQLiteWALBuffer
import Foundation

/// An error reported by SQLite, with its result code and message.
public struct SQLiteError: Error, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public var description: String { "SQLite error \(code): \(message)" }

    /// A UNIQUE or PRIMARY KEY constraint stopped the statement.
    public var isConstraintViolation: Bool { code & 0xFF == SQLITE_CONSTRAINT }
}

/// One SQLite connection with a cache of prepared statements. Not thread
/// safe: each connection is owned by one thread (the writer) or lent to one
/// reader at a time.
public final class SQLiteConnection {
    let handle: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]

    /// Applied once, before the first connection: SQLite refuses configuration after it has initialised.
    private static let configured: Int32 = {
        let settings = mqlgate_sqlite_configure()
        guard settings == SQLITE_OK else { return settings }
        let cache = mqlgate_page_cache_install()
        return cache != SQLITE_OK ? cache : mqlgate_wal_buffer_install()
    }()

    /// End-of-transaction truncations of the page cache: passed to SQLite's
    /// own cache, and skipped because no page lay past the limit (`CSQLitePageCache`).
    static var pageCacheTruncations: (passed: UInt64, skipped: UInt64) {
        let stats = mqlgate_page_cache_stats()
        return (stats.truncations_passed, stats.truncations_skipped)
    }

    /// Writes SQLite asked for on WAL files, and the system calls that made
    /// them (`CSQLiteWALBuffer` gathers a commit's frames into one).
    static var walWrites: (requested: UInt64, made: UInt64) {
        let stats = mqlgate_wal_buffer_stats()
        return (stats.writes_requested, stats.writes_made)
    }

    public init(path: String, readOnly: Bool = false) throws {
        _ = Self.configured
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open \(path)"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: status, message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 5000)
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements without results.
    public func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &error)
        if status != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(error)
            throw SQLiteError(code: status, message: message)
        }
    }

    /// A prepared statement for `sql`, reused across calls and reset for use.
    public func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard status == SQLITE_OK, let raw else { throw SQLiteError(code: status, message: lastMessage + " in: " + sql) }
        let statement = SQLiteStatement(raw, connection: self)
        statements[sql] = statement
        return statement
    }

    /// Resets every cached statement. A statement left mid-result keeps its
    /// read transaction open, pinning the connection to an old snapshot (and
    /// the WAL against checkpoints); call this when a unit of work ends.
    public func resetStatements() {
        for statement in statements.values { statement.reset() }
    }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Rows changed since the connection opened.
    public var totalChanges: Int64 { sqlite3_total_changes64(handle) }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// Runs `body` in a transaction, committing on success.
    public func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

/// A prepared statement: bind by 1-based index, step, read columns.
public final class SQLiteStatement {
    let raw: OpaquePointer
    private unowned let connection: SQLiteConnection

    init(_ raw: OpaquePointer, connection: SQLiteConnection) {
        self.raw = raw
        self.connection = connection
    }

    deinit { sqlite3_finalize(raw) }

    func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    /// Resets the statement and binds `values` to parameters 1…n.
    @discardableResult
    public func bind(_ values: SQLiteValue...) -> SQLiteStatement { bind(values) }

    @discardableResult
    public func bind(_ values: [SQLiteValue]) -> SQLiteStatement {
        reset()
        for (offset, value) in values.enumerated() { bind(value, at: Int32(offset + 1)) }
        return self
    }

    public func bind(_ value: SQLiteValue, at index: Int32) {
        switch value {
        case .null:
            sqlite3_bind_null(raw, index)
        case .integer(let v):
            sqlite3_bind_int64(raw, index, v)
        case .real(let v):
            sqlite3_bind_double(raw, index, v)
        case .text, .blob:
            bindBytes(value, at: index, destructor: mqlgate_sqlite_transient()) {}
        }
    }

    /// Binds a text or blob value while its bytes are in scope and runs
    /// `body` inside that scope; a nil `destructor` (`SQLITE_STATIC`) makes
    /// SQLite read the bytes in place, so they must be unbound before that scope ends.
    private func bindBytes(_ value: SQLiteValue, at index: Int32, destructor: sqlite3_destructor_type?, then body: () throws -> Void) rethrows {
        switch value {
        case .text(let text):
            var text = text
            try text.withUTF8 { bytes in
                // SQLite needs a non-null pointer even for the empty string.
                try withUnsafePointer(to: UInt8(0)) { empty in
                    let start = UnsafeRawPointer(bytes.baseAddress ?? empty).assumingMemoryBound(to: CChar.self)
                    sqlite3_bind_text(raw, index, start, Int32(bytes.count), destructor)
                    try body()
                }
            }
        case .blob(let bytes):
            try bytes.withUnsafeBytes { buffer in
                sqlite3_bind_blob(raw, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(buffer.count), destructor)
                try body()
            }
        default:
            bind(value, at: index)
            try body()
        }
    }

    /// Advances; true while a row is available.
    public func step() throws -> Bool {
        let status = sqlite3_step(raw)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError(code: status, message: connection.lastMessage)
        }
    }

    /// Steps to completion, for statements without results.
    public func run() throws {
        while try step() {}
    }

    /// Binds `values` to parameters 1…n and steps to completion. Text and
    /// blobs are bound in place (`SQLITE_STATIC`), not copied into SQLite's
    /// own memory as `bind` does: on the writer's hot inserts, those copies
    /// were a malloc, a memcpy and a free per value. They are unbound again
    /// before their buffers go.
    public func run(binding values: [SQLiteValue]) throws {
        reset()
        defer { sqlite3_clear_bindings(raw) }
        try bindInPlace(values[...], at: 1)
    }

    /// Binds the first value, then the rest inside its buffer's scope, and
    /// runs the statement once every value is bound.
    private func bindInPlace(_ values: ArraySlice<SQLiteValue>, at index: Int32) throws {
        guard let value = values.first else { return try run() }
        try bindBytes(value, at: index, destructor: nil) { try bindInPlace(values.dropFirst(), at: index + 1) }
    }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(raw, column) == SQLITE_NULL }

    public func int(_ column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }

    public func double(_ column: Int32) -> Double { sqlite3_column_double(raw, column) }

    public func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(raw, column) else { return nil }
        let count = Int(sqlite3_column_bytes(raw, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    public func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(raw, column))
        guard count > 0, let bytes = sqlite3_column_blob(raw, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    public func data(_ column: Int32) -> Data { Data(blob(column)) }
}

/// A value bound to a statement parameter.
public enum SQLiteValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public static func optional(_ text: String?) -> SQLiteValue { text.map { .text($0) } ?? .null }
    public static func optional(_ value: Int64?) -> SQLiteValue { value.map { .integer($0) } ?? .null }
    public static func int(_ value: Int) -> SQLiteValue { .integer(Int64(value)) }
}

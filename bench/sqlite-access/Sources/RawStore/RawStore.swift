import BenchCore
import CSQLite
import Foundation

/// SQLITE_TRANSIENT is a macro Swift cannot import.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

public struct SQLiteError: Error, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public var description: String { "SQLite error \(code): \(message)" }
}

/// Direct libsqlite3 calls on one connection, every statement prepared once
/// (SQLITE_PREPARE_PERSISTENT) and reused with sqlite3_reset.
public final class RawStore: Store, @unchecked Sendable {
    private let db: OpaquePointer
    private let selectLead: OpaquePointer
    private let insertLead: OpaquePointer
    private let insertEvent: OpaquePointer
    private let updateLead: OpaquePointer
    private let begin: OpaquePointer
    private let commit: OpaquePointer
    private let rollback: OpaquePointer
    private let savepoint: OpaquePointer
    private let release: OpaquePointer
    private let rollbackToSavepoint: OpaquePointer
    private var closed = false
    public private(set) var lastCommitNs: UInt64 = 0

    public init(path: String, synchronous: String) throws {
        var handle: OpaquePointer?
        // Same flags as GRDB's DatabaseQueue (multi-thread mode: no per-call mutex).
        let rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "open failed"
            sqlite3_close(handle)
            throw SQLiteError(code: rc, message: message)
        }
        db = handle
        sqlite3_extended_result_codes(db, 1)
        try Self.exec(db, "PRAGMA journal_mode=WAL")
        try Self.exec(db, "PRAGMA synchronous=\(synchronous)")
        for sql in Schema.create { try Self.exec(db, sql) }

        func prepare(_ sql: String) throws -> OpaquePointer {
            var stmt: OpaquePointer?
            let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
            guard rc == SQLITE_OK, let stmt else {
                throw SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)))
            }
            return stmt
        }
        selectLead = try prepare(Schema.selectLead)
        insertLead = try prepare(Schema.insertLead)
        insertEvent = try prepare(Schema.insertEvent)
        updateLead = try prepare(Schema.updateLead)
        begin = try prepare("BEGIN IMMEDIATE")
        commit = try prepare("COMMIT")
        rollback = try prepare("ROLLBACK")
        savepoint = try prepare("SAVEPOINT job")
        release = try prepare("RELEASE SAVEPOINT job")
        rollbackToSavepoint = try prepare("ROLLBACK TO SAVEPOINT job")
    }

    deinit { close() }

    public func close() {
        guard !closed else { return }
        closed = true
        for stmt in [selectLead, insertLead, insertEvent, updateLead, begin, commit, rollback,
                     savepoint, release, rollbackToSavepoint] {
            sqlite3_finalize(stmt)
        }
        sqlite3_close_v2(db)
    }

    // MARK: - Statement helpers

    private static func exec(_ db: OpaquePointer, _ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? ""
            sqlite3_free(err)
            throw SQLiteError(code: rc, message: message)
        }
    }

    private func error(_ rc: Int32) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(db)))
    }

    @inline(__always)
    private func bind(_ stmt: OpaquePointer, _ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { buf in
            buf.withMemoryRebound(to: CChar.self) {
                _ = sqlite3_bind_text(stmt, index, $0.baseAddress, Int32($0.count), transient)
            }
        }
    }

    @inline(__always)
    private func bind(_ stmt: OpaquePointer, _ index: Int32, _ blob: Data) {
        blob.withUnsafeBytes { buf in
            _ = sqlite3_bind_blob(stmt, index, buf.baseAddress, Int32(buf.count), transient)
        }
    }

    /// Steps a statement that returns no row, then resets it.
    @inline(__always)
    private func run(_ stmt: OpaquePointer) throws {
        let rc = sqlite3_step(stmt)
        sqlite3_reset(stmt)
        if rc != SQLITE_DONE { throw error(rc) }
    }

    // MARK: - Jobs

    private func apply(_ job: Job) throws {
        sqlite3_reset(selectLead)
        bind(selectLead, 1, job.lead.email)
        let leadID: String
        var score: Double
        switch sqlite3_step(selectLead) {
        case SQLITE_ROW:
            leadID = String(cString: sqlite3_column_text(selectLead, 0))
            score = sqlite3_column_double(selectLead, 1)
            sqlite3_reset(selectLead)
        case SQLITE_DONE:
            sqlite3_reset(selectLead)
            leadID = job.lead.id
            score = 0
            bind(insertLead, 1, leadID)
            bind(insertLead, 2, job.lead.email)
            bind(insertLead, 3, job.lead.data)
            sqlite3_bind_int64(insertLead, 4, job.events.first?.occurredAt ?? 0)
            try run(insertLead)
        case let rc:
            sqlite3_reset(selectLead)
            throw error(rc)
        }

        var last: Int64 = 0
        for event in job.events {
            bind(insertEvent, 1, event.eventID)
            bind(insertEvent, 2, leadID)
            bind(insertEvent, 3, event.type)
            sqlite3_bind_int64(insertEvent, 4, event.occurredAt)
            bind(insertEvent, 5, event.properties)
            try run(insertEvent)
            last = event.occurredAt
        }

        score += job.scoreDelta
        sqlite3_bind_double(updateLead, 1, score)
        bind(updateLead, 2, job.state)
        sqlite3_bind_int64(updateLead, 3, last)
        bind(updateLead, 4, leadID)
        try run(updateLead)
    }

    public func runBatch(_ jobs: [Job]) -> [Bool] {
        var results = [Bool](repeating: false, count: jobs.count)
        do {
            try run(begin)
        } catch {
            return results
        }
        for (i, job) in jobs.enumerated() {
            do {
                try run(savepoint)
                do {
                    try apply(job)
                    try run(release)
                    results[i] = true
                } catch {
                    try run(rollbackToSavepoint)
                    try run(release)
                }
            } catch {
                // The savepoint itself failed: give up on the whole transaction.
                try? run(rollback)
                return [Bool](repeating: false, count: jobs.count)
            }
        }
        let commitStart = wallNs()
        defer { lastCommitNs = wallNs() - commitStart }
        do {
            try run(commit)
        } catch {
            if sqlite3_get_autocommit(db) == 0 { try? run(rollback) }
            return [Bool](repeating: false, count: jobs.count)
        }
        return results
    }

    public func insertEvents(leadID: String, rows: [EventRow], perTransaction: Int) throws {
        var i = 0
        while i < rows.count {
            try run(begin)
            for event in rows[i..<min(i + perTransaction, rows.count)] {
                bind(insertEvent, 1, event.eventID)
                bind(insertEvent, 2, leadID)
                bind(insertEvent, 3, event.type)
                sqlite3_bind_int64(insertEvent, 4, event.occurredAt)
                bind(insertEvent, 5, event.properties)
                try run(insertEvent)
            }
            try run(commit)
            i += perTransaction
        }
    }

    public func totals() throws -> (events: Int, scoreSum: Double) {
        func scalar(_ sql: String) throws -> Double {
            var stmt: OpaquePointer?
            let rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nil)
            guard rc == SQLITE_OK, let stmt else { throw error(rc) }
            defer { sqlite3_finalize(stmt) }
            guard sqlite3_step(stmt) == SQLITE_ROW else { throw error(sqlite3_errcode(db)) }
            return sqlite3_column_double(stmt, 0)
        }
        return (Int(try scalar(Schema.countEvents)), try scalar(Schema.sumScores))
    }
}

extension RawStore {
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

import BenchCore
import Foundation
import GRDB

/// GRDB 7 on one DatabaseQueue (one connection, its own serial queue). The
/// group-commit writer thread enters it once per batch with
/// `writeWithoutTransaction`, then uses `inTransaction(.immediate)` and one
/// `inSavepoint` per job.
public final class GRDBStore: Store, @unchecked Sendable {
    public enum Mode: Sendable {
        /// `db.cachedStatement(sql:)` + `Statement.execute(arguments:)` / `Row.fetchOne(statement, ...)`.
        case cachedStatements
        /// `db.execute(sql:arguments:)` / `Row.fetchOne(db, sql:arguments:)`: prepared on every call.
        case executeSQL
        /// As `cachedStatements`, with SAVEPOINT / RELEASE / ROLLBACK TO also run
        /// from cached statements instead of `db.inSavepoint`, which prepares
        /// them on every call.
        case cachedStatementsAndSavepoints
    }

    private let dbQueue: DatabaseQueue
    private let mode: Mode
    public private(set) var lastCommitNs: UInt64 = 0

    public init(path: String, synchronous: String, mode: Mode = .cachedStatements) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode=WAL")
            try db.execute(sql: "PRAGMA synchronous=\(synchronous)")
        }
        dbQueue = try DatabaseQueue(path: path, configuration: config)
        self.mode = mode
        try dbQueue.write { db in
            for sql in Schema.create { try db.execute(sql: sql) }
        }
    }

    public func close() {
        try? dbQueue.close()
    }

    private func apply(_ job: Job, _ db: Database) throws {
        switch mode {
        case .cachedStatements, .cachedStatementsAndSavepoints:
            let leadID: String
            var score: Double
            if let row = try Row.fetchOne(db.cachedStatement(sql: Schema.selectLead), arguments: [job.lead.email]) {
                leadID = row[0]
                score = row[1]
            } else {
                leadID = job.lead.id
                score = 0
                try db.cachedStatement(sql: Schema.insertLead).execute(
                    arguments: [leadID, job.lead.email, job.lead.data, job.events.first?.occurredAt ?? 0])
            }
            let insert = try db.cachedStatement(sql: Schema.insertEvent)
            var last: Int64 = 0
            for event in job.events {
                try insert.execute(arguments: [event.eventID, leadID, event.type, event.occurredAt, event.properties])
                last = event.occurredAt
            }
            score += job.scoreDelta
            try db.cachedStatement(sql: Schema.updateLead).execute(arguments: [score, job.state, last, leadID])

        case .executeSQL:
            let leadID: String
            var score: Double
            if let row = try Row.fetchOne(db, sql: Schema.selectLead, arguments: [job.lead.email]) {
                leadID = row[0]
                score = row[1]
            } else {
                leadID = job.lead.id
                score = 0
                try db.execute(
                    sql: Schema.insertLead,
                    arguments: [leadID, job.lead.email, job.lead.data, job.events.first?.occurredAt ?? 0])
            }
            var last: Int64 = 0
            for event in job.events {
                try db.execute(
                    sql: Schema.insertEvent,
                    arguments: [event.eventID, leadID, event.type, event.occurredAt, event.properties])
                last = event.occurredAt
            }
            score += job.scoreDelta
            try db.execute(sql: Schema.updateLead, arguments: [score, job.state, last, leadID])
        }
    }

    public func runBatch(_ jobs: [Job]) -> [Bool] {
        do {
            return try dbQueue.writeWithoutTransaction { db in
                var results = [Bool](repeating: false, count: jobs.count)
                var commitStart: UInt64 = 0
                defer { self.lastCommitNs = wallNs() - commitStart }
                try db.inTransaction(.immediate) {
                    if self.mode == .cachedStatementsAndSavepoints {
                        let savepoint = try db.cachedStatement(sql: "SAVEPOINT job")
                        let release = try db.cachedStatement(sql: "RELEASE SAVEPOINT job")
                        let rollbackTo = try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT job")
                        for (i, job) in jobs.enumerated() {
                            try savepoint.execute()
                            do {
                                try self.apply(job, db)
                                try release.execute()
                                results[i] = true
                            } catch {
                                try rollbackTo.execute()
                                try release.execute()
                            }
                        }
                        commitStart = wallNs()
                        return .commit
                    }
                    for (i, job) in jobs.enumerated() {
                        do {
                            try db.inSavepoint {
                                try self.apply(job, db)
                                return .commit
                            }
                            results[i] = true
                        } catch {
                            // Rolled back to its savepoint by inSavepoint; the others go on.
                        }
                    }
                    commitStart = wallNs()
                    return .commit
                }
                return results
            }
        } catch {
            return [Bool](repeating: false, count: jobs.count)
        }
    }

    public func insertEvents(leadID: String, rows: [EventRow], perTransaction: Int) throws {
        var i = 0
        while i < rows.count {
            let slice = rows[i..<min(i + perTransaction, rows.count)]
            try dbQueue.write { db in
                switch mode {
                case .cachedStatements, .cachedStatementsAndSavepoints:
                    let insert = try db.cachedStatement(sql: Schema.insertEvent)
                    for event in slice {
                        try insert.execute(
                            arguments: [event.eventID, leadID, event.type, event.occurredAt, event.properties])
                    }
                case .executeSQL:
                    for event in slice {
                        try db.execute(
                            sql: Schema.insertEvent,
                            arguments: [event.eventID, leadID, event.type, event.occurredAt, event.properties])
                    }
                }
            }
            i += perTransaction
        }
    }

    public func totals() throws -> (events: Int, scoreSum: Double) {
        try dbQueue.read { db in
            (try Int.fetchOne(db, sql: Schema.countEvents) ?? 0, try Double.fetchOne(db, sql: Schema.sumScores) ?? 0)
        }
    }
}

extension GRDBStore {
    /// sqlite_version() as seen through GRDB's connection.
    public func sqliteVersion() throws -> String {
        try dbQueue.read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "?" }
    }
}

import Foundation
import LeadScoring

/// Work that runs over many leads: rescoring after a model change and the
/// time-driven lifecycle (stale MQLs, rejections past their cooldown).
/// Both go in batches of separate writer jobs, so ingestion carries on
/// between them.
extension SQLiteLeadStore {
    static let batchSize = 200

    /// Switches every write to `scorer` now, then rescores every stored lead
    /// from its events. Returns (leads rescored, stage changes).
    @discardableResult
    public func rescoreAll(with scorer: LeadScorer, at now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }) throws -> (leads: Int, changed: Int) {
        // A ledger job: pending recovery runs first, and a failed flush drops what it cached.
        try write { ledger in try ledger.replaceScorer(scorer) }
        replaceScorer(scorer)
        return try forEachBatch(where: "1 = 1", stages: nil, rewriteUnchanged: true, now: now)
    }

    /// Moves stale MQLs and cooled-down rejections to `recycled`.
    @discardableResult
    public func applyTimeBasedTransitions(at now: Timestamp) throws -> Int {
        // Only the leads that move are written: the pass runs every few seconds over every MQL.
        try forEachBatch(where: "stage IN ('mql', 'rejected')", stages: [.mql, .rejected], rewriteUnchanged: false, now: { now }).changed
    }

    /// `stages` repeats `condition` for the writer: a lead selected by the
    /// read may have moved on before its job runs (another pass, feedback),
    /// and one no longer in those stages is left alone.
    private func forEachBatch(
        where condition: String, stages: Set<Stage>?, rewriteUnchanged: Bool, now: @escaping @Sendable () -> Timestamp
    ) throws -> (leads: Int, changed: Int) {
        var after = ""
        var leads = 0, changed = 0
        let ledger = self.ledger
        while true {
            let ids: [String] = try readers.withConnection { db in
                let query = try db.statement("SELECT id FROM leads WHERE \(condition) AND id > ? ORDER BY id LIMIT ?")
                    .bind(.text(after), .int(Self.batchSize))
                var ids: [String] = []
                while try query.step() { ids.append(query.string(0) ?? "") }
                return ids
            }
            guard let last = ids.last else { break }
            after = last
            leads += ids.count
            changed += try write { _ in try ledger.reevaluate(ids: ids, inStages: stages, rewriteUnchanged: rewriteUnchanged, now: now()) }
        }
        return (leads, changed)
    }
}

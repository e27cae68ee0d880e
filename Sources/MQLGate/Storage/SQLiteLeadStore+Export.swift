import Foundation
import LeadScoring

/// Streaming every lead or handoff as JSON lines, page by page.
extension SQLiteLeadStore {
    public enum ExportKind: Sendable { case leads, handoffs }

    /// Calls `emit` with one JSON document per record, in id order; returns the count.
    @discardableResult
    public func export(_ kind: ExportKind, emit: ([UInt8]) -> Void) throws -> Int {
        var cursor: String?
        var count = 0
        repeat {
            switch kind {
            case .leads:
                var query = LeadQuery()
                query.limit = 500
                query.cursor = cursor
                let page = try leads(query)
                let domains = scorer.model.freeMailDomains
                page.items.forEach { emit(JSONWriter.bytes($0.json(freeMailDomains: domains))) }
                count += page.items.count
                cursor = page.nextCursor
            case .handoffs:
                var query = HandoffQuery()
                query.limit = 500
                query.cursor = cursor
                let page = try handoffs(query)
                page.items.forEach { emit(JSONWriter.bytes($0.json())) }
                count += page.items.count
                cursor = page.nextCursor
            }
        } while cursor != nil
        return count
    }
}

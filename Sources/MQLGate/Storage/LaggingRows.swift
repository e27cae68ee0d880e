import LeadScoring
import Synchronization

/// The events lead rows lag behind, for readers.
///
/// The writer rewrites a lead's row after a score-only change (an event
/// that moved no stage) behind, in bulk (`LeadLedger`); the events table
/// holds the truth meanwhile. Until the row catches up, this says which
/// of the lead's events its row does not include: a reader applies them to
/// the row's state (scoring is deterministic and order-independent, so it
/// gets the writer's state), which keeps the work of reads off the writer,
/// the one serial stage of every event. A commit's changes are applied
/// once it is durable, before its requests are answered (on the syncer's
/// thread, in commit order), so a reader never sees an event that could
/// still be rolled back, and a client always reads what it was told is
/// stored.
///
/// A reader takes entries *before* it reads rows: an entry missing at
/// that moment was either never needed or its row was committed first,
/// and the row it then reads is at least as new. An entry is used only
/// when it is newer than the row (`stateSeq` beyond the row's `state_seq`).
final class LaggingRows: Sendable {
    struct Entry: Sendable {
        let id: String
        let email: String
        let updatedAt: Timestamp
        /// The last event the lead's state includes.
        let stateSeq: Int64
        /// The lead's events not yet in `lead_events`; a reader applies those
        /// after the `state_seq` of the row it read.
        let pending: PendingEvents?
    }

    private struct Entries {
        var byID: [String: Entry] = [:]
        var idByEmail: [String: String] = [:]
    }

    private let entries = Mutex(Entries())

    init() {}

    var count: Int { entries.withLock { $0.byID.count } }

    /// The entry for a lead named by id or (normalised) e-mail.
    func entry(idOrEmail key: String) -> Entry? {
        entries.withLock { entries in
            if let entry = entries.byID[key] { return entry }
            return entries.idByEmail[key].flatMap { entries.byID[$0] }
        }
    }

    /// Every entry, for reads of many rows (a copy on write: O(1) here).
    func snapshot() -> [String: Entry] { entries.withLock { $0.byID } }

    /// Sets (or, for nil, removes) the entries of these lead ids in order,
    /// after dropping every entry with `replacingAll`, in one step for readers.
    func apply(_ changes: [(id: String, entry: Entry?)], replacingAll: Bool = false) {
        guard !changes.isEmpty || replacingAll else { return }
        entries.withLock { entries in
            if replacingAll { entries = Entries() }
            for (id, change) in changes {
                if let change {
                    // A lead's e-mail never changes: map it once, when the lead first lags.
                    if entries.byID.updateValue(change, forKey: id) == nil { entries.idByEmail[change.email] = id }
                } else if let removed = entries.byID.removeValue(forKey: id), entries.idByEmail[removed.email] == id {
                    // In order: a deleted lead's address may belong to a new lead later in the same commit.
                    entries.idByEmail.removeValue(forKey: removed.email)
                }
            }
        }
    }
}

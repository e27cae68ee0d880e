/// Where one event sits in its lead's list: the key of its `lead_events` entry.
struct EventPosition: Sendable, Equatable {
    let occurredAt: Int64
    let seq: Int64

    /// The order of `GET /v1/leads/{id}/events`: newest first.
    static func newerFirst(_ a: EventPosition, _ b: EventPosition) -> Bool {
        a.occurredAt != b.occurredAt ? a.occurredAt > b.occurredAt : a.seq > b.seq
    }
}

/// A lead's events that are not in its `lead_events` entries yet: the
/// per-lead index is written behind, with the lead's row (`LeadLedger`).
///
/// An immutable list of nodes, newest first, so the writer extends it and
/// readers keep the version they were handed without either copying it
/// whole. A node is merged into the new one while it is no larger, as in a
/// binary counter: a list of n positions has O(log n) nodes and each
/// position is copied O(log n) times, however the events arrive.
final class PendingEvents: Sendable {
    let positions: [EventPosition]
    let earlier: PendingEvents?
    /// Positions in the whole list.
    let count: Int

    private init(_ positions: [EventPosition], earlier: PendingEvents?) {
        self.positions = positions
        self.earlier = earlier
        count = positions.count + (earlier?.count ?? 0)
    }

    /// The list `earlier` (nil when empty) followed by `positions`.
    static func appending(_ positions: [EventPosition], to earlier: PendingEvents?) -> PendingEvents {
        var positions = positions, earlier = earlier
        while let node = earlier, node.positions.count <= positions.count {
            positions = node.positions + positions
            earlier = node.earlier
        }
        return PendingEvents(positions, earlier: earlier)
    }

    /// The positions a reader adds to what it read: those after the
    /// `state_seq` of the row it read, as the row's index entries hold the rest.
    func after(rowSeq: Int64) -> [EventPosition] {
        all.filter { $0.seq > rowSeq }
    }

    /// Every position, in the order they were appended.
    var all: [EventPosition] {
        var nodes: [PendingEvents] = []
        var node: PendingEvents? = self
        while let current = node {
            nodes.append(current)
            node = current.earlier
        }
        return nodes.reversed().flatMap(\.positions)
    }
}

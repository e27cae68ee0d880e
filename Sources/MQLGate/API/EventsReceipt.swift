import LeadScoring

/// The 202 body of `POST /v1/events`: counts, per-event rejections and one
/// item per stored or duplicate event. Written straight to bytes (the same
/// bytes `JSONWriter` makes of the equivalent value, members sorted): a
/// batch answers a thousand items, and building them as a `JSONValue` tree
/// cost more than storing the events.
struct EventsReceipt {
    private(set) var accepted = 0
    private(set) var duplicates = 0
    private var items: [UInt8] = []
    private var rejected: [(index: Int, issues: [ValidationIssue])]

    init(rejected: [(index: Int, issues: [ValidationIssue])], capacity: Int) {
        self.rejected = rejected
        items.reserveCapacity(capacity * 96)
    }

    mutating func accept(index: Int, eventID: String, leadID: String) {
        accepted += 1
        openItem(eventID: eventID, index: index)
        items.append(contentsOf: #","lead_id":"#.utf8)
        JSONWriter.writeString(leadID, into: &items)
        items.append(contentsOf: #","status":"accepted"}"#.utf8)
    }

    mutating func duplicate(index: Int, eventID: String) {
        duplicates += 1
        openItem(eventID: eventID, index: index)
        items.append(contentsOf: #","status":"duplicate"}"#.utf8)
    }

    mutating func reject(index: Int, issues: [ValidationIssue]) {
        rejected.append((index, issues))
    }

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(items.count + 64 + rejected.count * 96)
        out.append(contentsOf: #"{"accepted":"#.utf8)
        out.append(contentsOf: String(accepted).utf8)
        out.append(contentsOf: #","duplicates":"#.utf8)
        out.append(contentsOf: String(duplicates).utf8)
        out.append(contentsOf: #","events":["#.utf8)
        out.append(contentsOf: items)
        out.append(contentsOf: #"],"rejected":["#.utf8)
        for (position, entry) in rejected.sorted(by: { $0.index < $1.index }).enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"errors":["#.utf8)
            for (offset, issue) in entry.issues.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: #"{"detail":"#.utf8)
                JSONWriter.writeString(issue.detail, into: &out)
                out.append(contentsOf: #","pointer":"#.utf8)
                JSONWriter.writeString(issue.pointer, into: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(contentsOf: #"],"index":"#.utf8)
            out.append(contentsOf: String(entry.index).utf8)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    private mutating func openItem(eventID: String, index: Int) {
        items.append(contentsOf: items.isEmpty ? #"{"event_id":"#.utf8 : #",{"event_id":"#.utf8)
        JSONWriter.writeString(eventID, into: &items)
        items.append(contentsOf: #","index":"#.utf8)
        items.append(contentsOf: String(index).utf8)
    }
}

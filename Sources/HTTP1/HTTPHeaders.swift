/// Header fields in received order. Names compare case-insensitively;
/// duplicates are kept because framing rules depend on seeing them.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Field = (name: String, value: String)

    @usableFromInline var fields: [Field]

    public init() { fields = [] }

    public init(_ fields: [Field]) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        for field in fields where Self.equalsIgnoringCase(field.name, name) { return field.value }
        return nil
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { Self.equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// The comma-separated list elements of every `name` field, trimmed and lower-cased.
    public func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }
            .map { $0.trimmingOWS().lowercased() }
            .filter { !$0.isEmpty }
    }

    public mutating func add(_ name: String, _ value: String) {
        // Room for the few fields a response gets, so adding them does not reallocate each time.
        if fields.isEmpty { fields.reserveCapacity(4) }
        fields.append((name: name, value: value))
    }

    /// Replaces every field named `name` with one field.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { Self.equalsIgnoringCase($0.name, name) }
    }

    @inlinable
    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        // Most names differ in length, which a native string knows without a scan.
        guard a.utf8.count == b.utf8.count else { return false }
        let same = a.utf8.withContiguousStorageIfAvailable { ua in
            b.utf8.withContiguousStorageIfAvailable { ub in equalsIgnoringCase(ua, ub) }
        }
        return (same ?? nil) ?? equalsIgnoringCase(Array(a.utf8)[...], Array(b.utf8)[...])
    }

    @inlinable
    static func equalsIgnoringCase<C: RandomAccessCollection<UInt8>>(_ ua: C, _ ub: C) -> Bool where C.Index == Int {
        guard ua.count == ub.count else { return false }
        for (x, y) in zip(ua, ub) where x != y {
            // ASCII letters differ only in bit 5; anything else must match exactly.
            let lower = x | 0x20
            if lower != y | 0x20 || lower < 0x61 || lower > 0x7A { return false }
        }
        return true
    }
}

extension Substring {
    /// Drops optional whitespace (SP / HTAB, RFC 9110 §5.6.3) from both ends.
    public func trimmingOWS() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

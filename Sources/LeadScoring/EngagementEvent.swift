import Foundation

/// Something a lead did: the "engagement" half of scoring (spec §4).
///
/// `path` is derived once, when the event is made, from `properties.path` or
/// else the path of `properties.url` (query and fragment removed), so that
/// matching engagement rules never parses URLs.
public struct EngagementEvent: Hashable, Sendable {
    /// Client-supplied idempotency key (≤ 100 characters); the service assigns one when absent.
    public var eventId: String?
    /// The lead, by e-mail address (lower case)…
    public var email: String?
    /// …or by the service's lead id.
    public var leadId: String?
    /// `page_view`, `demo_request`, … or any custom type the model names; lower case.
    public let type: String
    /// When it happened.
    public let occurredAt: Timestamp
    /// Free properties (`url`, `path`, `asset`, `campaign`, …).
    public let properties: [String: JSONValue]
    /// The page path the event refers to, derived from `properties`; `nil` when there is none.
    public let path: String?
    /// FNV-1a of `type`, computed once so rule dispatch does not hash strings per event.
    let typeKey: UInt64

    public init(
        eventId: String? = nil,
        type: String,
        occurredAt: Timestamp,
        properties: [String: JSONValue] = [:],
        email: String? = nil,
        leadId: String? = nil
    ) {
        self.eventId = eventId
        // Rules name types in lower case; JSON input is already lowered, so this rarely allocates.
        self.type = type.containsUTF8Byte(where: { $0 >= 65 && $0 <= 90 }) ? type.lowercased() : type
        self.occurredAt = occurredAt
        self.properties = properties
        self.email = email
        self.leadId = leadId
        self.path = EngagementEvent.derivePath(properties)
        self.typeKey = DispatchTable.key(for: self.type)
    }

    // MARK: JSON

    /// Longest `event_id` accepted.
    public static let maxEventIdLength = 100

    /// Validates an event document in the spec §4 shape, reporting every problem with its JSON pointer.
    ///
    /// - Parameters:
    ///   - receivedAt: the moment the event was received: the default for a missing `occurred_at`,
    ///     and the reference for the future-skew check.
    ///   - maxFutureSkew: how far (in seconds) `occurred_at` may lie after `receivedAt`; `nil` disables the check.
    ///   - requireLead: whether `email` or `lead_id` must be present (the service needs one; a file of events for one lead does not).
    public init(
        json: JSONValue,
        receivedAt: Timestamp,
        maxFutureSkew: Int64? = 300,
        requireLead: Bool = false,
        unknownMembers: Lead.UnknownMembers = .reject
    ) throws(ValidationError) {
        guard case .object(let members) = json else {
            throw ValidationError([ValidationIssue(pointer: "", detail: "an event must be a JSON object, got \(json.typeName)")])
        }
        // One pass over the members instead of a hash lookup per name: every ingested event comes through here.
        var known = Members()
        var unknown: [String] = []
        for (key, value) in members {
            if let name = Members.Name(key) { known[name] = value } else { unknown.append(key) }
        }
        try self.init(known, unknown: unknown, receivedAt: receivedAt, maxFutureSkew: maxFutureSkew,
                      requireLead: requireLead, unknownMembers: unknownMembers)
    }

    /// The members of an event document the validation reads, however they
    /// were parsed (a `JSONValue` object, or `EventListReader` straight from bytes).
    struct Members {
        enum Name {
            case eventId, type, occurredAt, properties, email, leadId

            init?(_ key: String) {
                switch key {
                case "event_id": self = .eventId
                case "type": self = .type
                case "occurred_at": self = .occurredAt
                case "properties": self = .properties
                case "email": self = .email
                case "lead_id": self = .leadId
                default: return nil
                }
            }
        }

        var eventId, type, occurredAt, properties, email, leadId: JSONValue?

        subscript(name: Name) -> JSONValue? {
            get {
                switch name {
                case .eventId: eventId
                case .type: type
                case .occurredAt: occurredAt
                case .properties: properties
                case .email: email
                case .leadId: leadId
                }
            }
            set {
                switch name {
                case .eventId: eventId = newValue
                case .type: type = newValue
                case .occurredAt: occurredAt = newValue
                case .properties: properties = newValue
                case .email: email = newValue
                case .leadId: leadId = newValue
                }
            }
        }
    }

    /// The validation of `init(json:…)`, from the members already picked out
    /// and the names of the others.
    init(
        _ members: Members, unknown: [String], receivedAt: Timestamp, maxFutureSkew: Int64?,
        requireLead: Bool, unknownMembers: Lead.UnknownMembers
    ) throws(ValidationError) {
        var r = JSONObjectReader([:])
        if unknownMembers == .reject, !unknown.isEmpty { r.rejectUnknown(unknown) }
        let eventIdValue = members.eventId, typeValue = members.type, occurredAtValue = members.occurredAt
        let propertiesValue = members.properties, emailValue = members.email, leadIdValue = members.leadId

        var eventId: String?
        if let value = eventIdValue, value != .null {
            // Bytes of multi-byte UTF-8 sequences are all ≥ 0x80, so a byte scan finds every control character.
            if case .string(let s) = value, !s.isEmpty,
               s.utf8.count <= EngagementEvent.maxEventIdLength || s.count <= EngagementEvent.maxEventIdLength,
               !s.containsUTF8Byte(where: { $0 < 0x20 || $0 == 0x7F }) {
                eventId = s
            } else {
                r.fail("event_id", "expected a string of 1 to \(EngagementEvent.maxEventIdLength) printable characters")
            }
        }

        var type = ""
        if let raw = r.text(typeValue, key: "type", maxLength: 64) {
            let lower = raw.containsUTF8Byte(where: { $0 >= 0x41 && $0 <= 0x5A || $0 >= 0x80 }) ? raw.lowercased() : raw
            if EngagementEvent.isValidType(lower) { type = lower }
            else { r.fail("type", "event types use letters, digits, '_', '-', '.' and ':' (e.g. page_view)") }
        } else if typeValue == nil || typeValue == .null || typeValue == .string("") {
            r.fail("type", "is required")
        }

        var occurredAt = receivedAt
        if let value = occurredAtValue, value != .null {
            if case .string(let s) = value, let parsed = Timestamp(rfc3339: s) {
                occurredAt = parsed
                if let skew = maxFutureSkew, parsed.milliseconds > receivedAt.milliseconds + skew * 1000 {
                    r.fail("occurred_at", "lies in the future (more than \(skew) s after \(receivedAt.rfc3339))")
                }
            } else {
                r.fail("occurred_at", "expected an RFC 3339 date-time such as 2027-03-12T16:00:00Z")
            }
        }

        var properties: [String: JSONValue] = [:]
        if let value = propertiesValue, value != .null {
            if case .object(let object) = value { properties = object }
            else { r.fail("properties", "expected an object, got \(value.typeName)") }
        }

        var email: String?
        if let raw = r.text(emailValue, key: "email", maxLength: 254) {
            email = Lead.normalizedEmail(raw)
            if email == nil { r.fail("email", "not a valid e-mail address") }
        }
        let leadId = r.text(leadIdValue, key: "lead_id", maxLength: 200)
        if requireLead, email == nil, leadId == nil, !r.issues.contains(where: { $0.pointer == "/email" }) {
            r.fail("email", "either email or lead_id is required")
        }

        guard r.issues.isEmpty else { throw ValidationError(r.issues) }
        self.init(eventId: eventId, type: type, occurredAt: occurredAt, properties: properties, email: email, leadId: leadId)
    }

    /// Validates one event JSON document.
    public static func decode(
        _ data: Data, receivedAt: Timestamp, maxFutureSkew: Int64? = 300, requireLead: Bool = false
    ) throws(ValidationError) -> EngagementEvent {
        try EngagementEvent(json: JSONValue.parse(data), receivedAt: receivedAt, maxFutureSkew: maxFutureSkew, requireLead: requireLead)
    }

    /// The event in the spec §4 JSON shape.
    public var jsonValue: JSONValue {
        var m: [String: JSONValue] = ["type": .string(type), "occurred_at": .string(occurredAt.rfc3339)]
        if let eventId { m["event_id"] = .string(eventId) }
        if let email { m["email"] = .string(email) }
        if let leadId { m["lead_id"] = .string(leadId) }
        if !properties.isEmpty { m["properties"] = .object(properties) }
        return .object(m)
    }

    static func isValidType(_ type: String) -> Bool {
        !type.isEmpty && type.utf8.count <= 64 && !type.containsUTF8Byte { b in
            !((b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == 95 || b == 45 || b == 46 || b == 58)
        }
    }

    // MARK: Path

    static func derivePath(_ properties: [String: JSONValue]) -> String? {
        if case .string(let path)? = properties["path"], !path.isEmpty { return normalizedPath(path[...]) }
        if case .string(let url)? = properties["url"], !url.isEmpty { return pathOfURL(url) }
        return nil
    }

    /// `https://example.com/pricing?plan=pro#faq` → `/pricing`; a bare path passes through.
    static func pathOfURL(_ url: String) -> String {
        var rest = url[...]
        if let scheme = rest.range(of: "://") {
            rest = rest[scheme.upperBound...]
        } else if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
        } else {
            return normalizedPath(rest)
        }
        guard let start = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }), rest[start] == "/" else { return "/" }
        return normalizedPath(rest[start...])
    }

    static func normalizedPath(_ path: Substring) -> String {
        // Bytes, not Characters: '?' and '#' are ASCII and never part of a multi-byte sequence.
        let utf8 = path.utf8
        let end = utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) ?? utf8.endIndex
        let p = Substring(utf8[utf8.startIndex..<end])
        return utf8.first == UInt8(ascii: "/") ? String(p) : "/" + p
    }
}

extension EngagementEvent: Codable {
    /// Decodes stored events; no future-skew check, unknown members ignored.
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder), receivedAt: Timestamp(milliseconds: 0), maxFutureSkew: nil, unknownMembers: .ignore)
    }

    public func encode(to encoder: any Encoder) throws {
        try jsonValue.encode(to: encoder)
    }
}

extension String {
    /// Whether a UTF-8 byte of the string satisfies `predicate`, scanned in
    /// place: iterating `utf8` one index at a time was a sixth of an event's
    /// validation.
    @inline(__always)
    func containsUTF8Byte(where predicate: (UInt8) -> Bool) -> Bool {
        utf8.withContiguousStorageIfAvailable { $0.contains(where: predicate) } ?? utf8.contains(where: predicate)
    }
}

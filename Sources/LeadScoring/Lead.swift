import Foundation

/// A person who may buy: the "fit" half of scoring reads these fields (spec §4).
///
/// Strings are trimmed, empty strings count as absent, `email` is lower-cased
/// and is the identity key, `country` is an upper-case ISO 3166-1 alpha-2
/// code. In JSON the members use the spec's snake_case names.
public struct Lead: Hashable, Sendable {
    /// Lower-cased e-mail address; the identity key.
    public var email: String
    /// CRM identifier, if the lead came from one.
    public var externalId: String?
    public var firstName: String?
    public var lastName: String?
    public var jobTitle: String?
    public var company: String?
    /// The company's web domain as given; see `effectiveCompanyDomain(freeMailDomains:)` for the derived one.
    public var companyDomain: String?
    /// Number of employees.
    public var companySize: Int?
    public var industry: String?
    /// ISO 3166-1 alpha-2, upper case.
    public var country: String?
    /// Technologies the company uses (e.g. `salesforce`), in the order given, without duplicates.
    public var techStack: [String]
    /// Where the lead came from (`webinar`, `paid_search`, …).
    public var source: String?
    /// UTM parameters (`source`, `medium`, `campaign`, …).
    public var utm: [String: String]
    /// Free scalar attributes, such as on-site qualification answers (`timeline`, `budget`, `use_case`).
    public var attributes: [String: JSONValue]

    public init(
        email: String,
        externalId: String? = nil,
        firstName: String? = nil,
        lastName: String? = nil,
        jobTitle: String? = nil,
        company: String? = nil,
        companyDomain: String? = nil,
        companySize: Int? = nil,
        industry: String? = nil,
        country: String? = nil,
        techStack: [String] = [],
        source: String? = nil,
        utm: [String: String] = [:],
        attributes: [String: JSONValue] = [:]
    ) {
        self.email = email.trimmingWhitespace.lowercased()
        self.externalId = externalId
        self.firstName = firstName
        self.lastName = lastName
        self.jobTitle = jobTitle
        self.company = company
        self.companyDomain = companyDomain.flatMap(Lead.normalizedDomain)
        self.companySize = companySize
        self.industry = industry
        self.country = country?.uppercased()
        self.techStack = techStack
        self.source = source
        self.utm = utm
        self.attributes = attributes
    }

    /// The part of the e-mail address after `@`.
    public var emailDomain: String {
        guard let at = email.lastIndex(of: "@") else { return "" }
        return String(email[email.index(after: at)...])
    }

    /// `company_domain` as given, or else derived from the e-mail address unless that is a free-mail domain.
    public func effectiveCompanyDomain(freeMailDomains: Set<String>) -> String? {
        if let companyDomain { return companyDomain }
        let domain = emailDomain
        return domain.isEmpty || freeMailDomains.contains(domain) ? nil : domain
    }

    // MARK: JSON

    /// How to treat members a lead document does not define.
    public enum UnknownMembers: Sendable {
        /// Report them as validation issues (catches typos such as `jobtitle`).
        case reject
        /// Skip them silently.
        case ignore
    }

    /// The members a lead document may carry.
    public static let memberNames: Set<String> = [
        "email", "external_id", "first_name", "last_name", "job_title", "company", "company_domain",
        "company_size", "industry", "country", "tech_stack", "source", "utm", "attributes",
    ]

    /// Members the service computes and returns; a client posting a lead back as it was returned is not an error.
    public static let computedMemberNames: Set<String> = [
        "id", "lead_id", "score", "fit_score", "engagement_score", "grade", "stage", "reasons",
        "model_version", "qualified", "created_at", "updated_at", "scored_at",
    ]

    /// Validates a lead document in the spec §4 shape, reporting every problem with its JSON pointer.
    public init(json: JSONValue, unknownMembers: UnknownMembers = .reject) throws(ValidationError) {
        guard case .object(let members) = json else {
            throw ValidationError([ValidationIssue(pointer: "", detail: "a lead must be a JSON object, got \(json.typeName)")])
        }
        var r = JSONObjectReader(members)
        if unknownMembers == .reject { r.rejectUnknown(known: Lead.memberNames, ignored: Lead.computedMemberNames) }

        var email = ""
        if let raw = r.text("email", maxLength: 254) {
            if let normalized = Lead.normalizedEmail(raw) { email = normalized } else { r.fail("email", "not a valid e-mail address") }
        } else if members["email"] == nil || members["email"] == .null || members["email"] == .string("") {
            r.fail("email", "is required")
        }

        let externalId = r.text("external_id")
        let firstName = r.text("first_name")
        let lastName = r.text("last_name")
        let jobTitle = r.text("job_title")
        let company = r.text("company")
        var companyDomain: String?
        if let raw = r.text("company_domain", maxLength: 253) {
            companyDomain = Lead.normalizedDomain(raw)
            if companyDomain == nil { r.fail("company_domain", "not a domain name") }
        }
        let companySize = Lead.readCompanySize(&r)
        let industry = r.text("industry")
        var country: String?
        if let raw = r.text("country") {
            let upper = raw.uppercased()
            if upper.utf8.count == 2, upper.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) { country = upper }
            else { r.fail("country", "expected an ISO 3166-1 alpha-2 code such as \"US\"") }
        }
        let techStack = Lead.readTechStack(&r)
        let source = r.text("source")
        let utm = Lead.readUTM(&r)
        let attributes = Lead.readAttributes(&r)

        guard r.issues.isEmpty else { throw ValidationError(r.issues) }
        self.init(email: email, externalId: externalId, firstName: firstName, lastName: lastName, jobTitle: jobTitle,
                  company: company, companyDomain: companyDomain, companySize: companySize, industry: industry,
                  country: country, techStack: techStack, source: source, utm: utm, attributes: attributes)
    }

    /// Validates a lead JSON document.
    public static func decode(_ data: Data, unknownMembers: UnknownMembers = .reject) throws(ValidationError) -> Lead {
        try Lead(json: JSONValue.parse(data), unknownMembers: unknownMembers)
    }

    /// The lead in the spec §4 JSON shape, absent fields omitted.
    public var jsonValue: JSONValue {
        var m: [String: JSONValue] = ["email": .string(email)]
        func put(_ key: String, _ value: String?) { if let value { m[key] = .string(value) } }
        put("external_id", externalId)
        put("first_name", firstName)
        put("last_name", lastName)
        put("job_title", jobTitle)
        put("company", company)
        put("company_domain", companyDomain)
        if let companySize { m["company_size"] = .number(Double(companySize)) }
        put("industry", industry)
        put("country", country)
        if !techStack.isEmpty { m["tech_stack"] = .array(techStack.map(JSONValue.string)) }
        put("source", source)
        if !utm.isEmpty { m["utm"] = .object(utm.mapValues(JSONValue.string)) }
        if !attributes.isEmpty { m["attributes"] = .object(attributes) }
        return .object(m)
    }

    // MARK: Normalisation

    /// Lower-cases and checks an address of the form `local@domain.tld`; `nil` when it is not one.
    public static func normalizedEmail(_ raw: String) -> String? {
        ASCIIAddress.normalizedEmail(raw) ?? unicodeNormalizedEmail(raw)
    }

    /// The general path of `normalizedEmail`, for addresses with non-ASCII characters.
    static func unicodeNormalizedEmail(_ raw: String) -> String? {
        let email = raw.trimmingWhitespace.lowercased()
        guard email.utf8.count <= 254, let at = email.lastIndex(of: "@") else { return nil }
        let local = email[..<at]
        let domain = email[email.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64, !local.contains("@"),
              !email.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0 == "<" || $0 == ">" || $0 == "," }),
              isDomainName(domain)
        else { return nil }
        return email
    }

    /// `https://www.Example.com/about` → `example.com`; `nil` when no domain name remains.
    public static func normalizedDomain(_ raw: String) -> String? {
        ASCIIAddress.normalizedDomain(raw) ?? unicodeNormalizedDomain(raw)
    }

    /// The general path of `normalizedDomain`, for names with non-ASCII characters.
    static func unicodeNormalizedDomain(_ raw: String) -> String? {
        var d = raw.trimmingWhitespace.lowercased()[...]
        if let scheme = d.range(of: "://") { d = d[scheme.upperBound...] }
        if let end = d.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0 == ":" }) { d = d[..<end] }
        if d.hasPrefix("www.") { d = d.dropFirst(4) }
        if d.hasSuffix(".") { d = d.dropLast() }
        return isDomainName(d) ? String(d) : nil
    }

    /// Two or more dot-separated labels of letters (any script), digits and inner hyphens.
    private static func isDomainName(_ d: Substring) -> Bool {
        let labels = d.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && d.utf8.count <= 253
            && labels.allSatisfy({ label in
                !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.unicodeScalars.allSatisfy { $0 == "-" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
            })
    }

    private static func readCompanySize(_ r: inout JSONObjectReader) -> Int? {
        guard let value = r.members["company_size"] else { return nil }
        switch value {
        case .null:
            return nil
        case .number(let n) where n >= 0 && n.rounded() == n && n < 1e9:
            return Int(n)
        case .string(let s) where Int(s.trimmingWhitespace).map({ $0 >= 0 && $0 < 1_000_000_000 }) == true:
            // Web forms send numbers as text.
            return Int(s.trimmingWhitespace)
        case .string(let s) where s.trimmingWhitespace.isEmpty:
            return nil
        default:
            r.fail("company_size", "expected a whole number of employees (0 or more)")
            return nil
        }
    }

    private static func readTechStack(_ r: inout JSONObjectReader) -> [String] {
        guard let value = r.members["tech_stack"] else { return [] }
        var items: [String] = []
        switch value {
        case .null:
            return []
        case .string(let s):
            // "salesforce, hubspot" from a form field.
            items = s.split(separator: ",").map { $0.trimmingWhitespace }.filter { !$0.isEmpty }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if case .string(let s) = element, !s.trimmingWhitespace.isEmpty {
                    items.append(s.trimmingWhitespace)
                } else {
                    r.issues.append(ValidationIssue(pointer: r.pointer("tech_stack") + "/\(index)", detail: "expected a non-empty string"))
                }
            }
        default:
            r.fail("tech_stack", "expected an array of strings, got \(value.typeName)")
        }
        if items.count > 100 { r.fail("tech_stack", "at most 100 entries"); return [] }
        var seen = Set<String>()
        return items.filter { seen.insert($0.lowercased()).inserted }
    }

    private static func readUTM(_ r: inout JSONObjectReader) -> [String: String] {
        guard let value = r.members["utm"], value != .null else { return [:] }
        guard case .object(let members) = value else {
            r.fail("utm", "expected an object, got \(value.typeName)")
            return [:]
        }
        var nested = JSONObjectReader(members, pointer: r.pointer("utm"))
        var utm: [String: String] = [:]
        for key in members.keys.sorted() {
            if let text = nested.text(key) { utm[key] = text }
        }
        if members.count > 20 { nested.issues.append(ValidationIssue(pointer: r.pointer("utm"), detail: "at most 20 members")) }
        r.issues += nested.issues
        return utm
    }

    private static func readAttributes(_ r: inout JSONObjectReader) -> [String: JSONValue] {
        guard let value = r.members["attributes"], value != .null else { return [:] }
        guard case .object(let members) = value else {
            r.fail("attributes", "expected an object, got \(value.typeName)")
            return [:]
        }
        var attributes: [String: JSONValue] = [:]
        let base = r.pointer("attributes")
        if members.count > 100 { r.issues.append(ValidationIssue(pointer: base, detail: "at most 100 attributes")) }
        for key in members.keys.sorted() {
            let pointer = base + "/" + ValidationError.escape(key)
            guard !key.isEmpty, key.utf8.count <= 64 else {
                r.issues.append(ValidationIssue(pointer: pointer, detail: "attribute names must be 1 to 64 characters"))
                continue
            }
            switch members[key]! {
            case .null:
                continue
            case .string(let s):
                let trimmed = s.trimmingWhitespace
                if trimmed.count > JSONObjectReader.maxTextLength {
                    r.issues.append(ValidationIssue(pointer: pointer, detail: "must be at most \(JSONObjectReader.maxTextLength) characters"))
                } else if !trimmed.isEmpty {
                    attributes[key] = .string(trimmed)
                }
            case .number(let n):
                attributes[key] = .number(n)
            case .bool(let b):
                attributes[key] = .bool(b)
            case let other:
                r.issues.append(ValidationIssue(pointer: pointer, detail: "attributes hold scalars (string, number, boolean), got \(other.typeName)"))
            }
        }
        return attributes
    }
}

extension Lead: Codable {
    /// Decodes the spec §4 shape with full validation (unknown members are ignored when decoding stored data).
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder), unknownMembers: .ignore)
    }

    public func encode(to encoder: any Encoder) throws {
        try jsonValue.encode(to: encoder)
    }
}

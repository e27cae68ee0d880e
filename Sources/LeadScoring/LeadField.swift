/// A lead field a fit rule reads: a §4 field, `attributes.X`, `utm.X`, or the derived `email_domain`.
public enum LeadField: Hashable, Sendable, CustomStringConvertible {
    case email
    /// Derived: the part of the e-mail address after `@`.
    case emailDomain
    case externalId
    case firstName
    case lastName
    case jobTitle
    case company
    /// As given, or derived from the e-mail address when that is not a free-mail domain.
    case companyDomain
    case companySize
    case industry
    case country
    case techStack
    case source
    case utm(String)
    case attribute(String)

    static let named: [String: LeadField] = [
        "email": .email, "email_domain": .emailDomain, "external_id": .externalId, "first_name": .firstName,
        "last_name": .lastName, "job_title": .jobTitle, "company": .company, "company_domain": .companyDomain,
        "company_size": .companySize, "industry": .industry, "country": .country, "tech_stack": .techStack,
        "source": .source,
    ]

    /// The field names a model may use, for error messages.
    public static let knownNames: [String] = named.keys.sorted() + ["attributes.<name>", "utm.<name>"]

    /// Parses a model's `field:` value; `nil` for an unknown field.
    public init?(name: String) {
        if let field = LeadField.named[name] {
            self = field
        } else if name.hasPrefix("attributes."), name.count > "attributes.".count {
            self = .attribute(String(name.dropFirst("attributes.".count)))
        } else if name.hasPrefix("utm."), name.count > "utm.".count {
            self = .utm(String(name.dropFirst("utm.".count)))
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .utm(let key): return "utm." + key
        case .attribute(let key): return "attributes." + key
        default: return LeadField.named.first { $0.value == self }!.key
        }
    }

    /// Whether `between` can apply: the field may hold a number.
    var canBeNumeric: Bool {
        switch self {
        case .companySize, .attribute, .utm: return true
        default: return false
        }
    }

    /// The field's values on a lead as text (numbers in shortest form, booleans as `true`/`false`);
    /// empty when absent. Only `tech_stack` has several.
    func values(of lead: Lead, freeMailDomains: Set<String>) -> [String] {
        func one(_ s: String?) -> [String] { s.map { [$0] } ?? [] }
        switch self {
        case .email: return [lead.email]
        case .emailDomain: return one(lead.emailDomain.isEmpty ? nil : lead.emailDomain)
        case .externalId: return one(lead.externalId)
        case .firstName: return one(lead.firstName)
        case .lastName: return one(lead.lastName)
        case .jobTitle: return one(lead.jobTitle)
        case .company: return one(lead.company)
        case .companyDomain: return one(lead.effectiveCompanyDomain(freeMailDomains: freeMailDomains))
        case .companySize: return one(lead.companySize.map { String($0) })
        case .industry: return one(lead.industry)
        case .country: return one(lead.country)
        case .techStack: return lead.techStack
        case .source: return one(lead.source)
        case .utm(let key): return one(lead.utm[key])
        case .attribute(let key): return one(lead.attributes[key]?.scalarText)
        }
    }
}

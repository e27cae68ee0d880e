import LeadScoring

/// Why a store operation was refused; the API maps each case to a status.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case notFound(String)
    case conflict(String)
    case invalid(ValidationError)

    public var description: String {
        switch self {
        case .notFound(let what): "\(what) not found"
        case .conflict(let why): why
        case .invalid(let error): error.description
        }
    }
}

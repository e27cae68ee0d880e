/// Why the scorer refused a state.
public enum ScoringError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The state was built under another model (version or content); recompute it from the lead's events.
    case modelMismatch(stateVersion: String, modelVersion: String)
    /// The state does not have the shape the model expects (corrupt or hand-edited).
    case malformedState

    public var description: String {
        switch self {
        case .modelMismatch(let stateVersion, let modelVersion):
            return "score state was built by model \(stateVersion), not the loaded \(modelVersion) (or the file changed): recompute it from the lead's events"
        case .malformedState:
            return "score state does not match the model's rules: recompute it from the lead's events"
        }
    }
}

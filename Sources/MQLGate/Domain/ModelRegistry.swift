import LeadScoring
import Synchronization

/// The active scoring model and the text it was loaded from, for
/// `GET /v1/model`, dry runs and reloads.
public final class ModelRegistry: Sendable {
    /// A model with its source.
    public struct Loaded: Sendable {
        public let model: ScoringModel
        public let source: String
        public let file: String

        public init(model: ScoringModel, source: String, file: String) {
            self.model = model
            self.source = source
            self.file = file
        }
    }

    private let state: Mutex<Loaded>

    public init(model: ScoringModel, source: String, file: String) {
        state = Mutex(Loaded(model: model, source: source, file: file))
    }

    public var current: Loaded { state.withLock { $0 } }

    public func replace(with loaded: Loaded) { state.withLock { $0 = loaded } }
}

import Foundation
import LeadScoring
import Logging

/// Loads a changed model from its file and rescores stored leads with it.
/// Every write uses the new model at once; stored leads are rescored from
/// their events in the background, in batches between other writes, so
/// ingestion never stops. Newly qualifying leads get handoffs, none twice.
final class ModelReloader: Sendable {
    private let models: ModelRegistry
    private let store: SQLiteLeadStore
    private let logger: Logger

    init(models: ModelRegistry, store: SQLiteLeadStore, logger: Logger) {
        self.models = models
        self.store = store
        self.logger = logger
    }

    /// Reads the model file again; `changed` is false when its content is the same.
    func reload() throws -> (model: ScoringModel, changed: Bool) {
        let file = models.current.file
        let source = try String(contentsOfFile: file, encoding: .utf8)
        let model = try ScoringModel.load(yaml: source, file: file)
        guard model.fingerprint != models.current.model.fingerprint else { return (model, false) }
        models.replace(with: .init(model: model, source: source, file: file))
        let store = self.store, logger = self.logger
        logger.info("model loaded; rescoring stored leads", metadata: ["model_version": "\(model.version)"])
        DispatchQueue.global(qos: .utility).async {
            do {
                let (leads, changed) = try store.rescoreAll(with: LeadScorer(model: model))
                logger.info("rescore finished", metadata: ["model_version": "\(model.version)", "leads": "\(leads)", "stage_changes": "\(changed)"])
            } catch {
                logger.error("rescore failed", metadata: ["error": "\(error)"])
            }
        }
        return (model, true)
    }
}

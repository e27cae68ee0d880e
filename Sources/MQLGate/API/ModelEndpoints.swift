import Foundation
import HTTP1
import LeadScoring

extension APIEndpoints {
    /// `POST /v1/score`: scores `{"lead": {...}, "events": [...], "now": "…", "model": "<yaml>"}`
    /// with the active model (or the posted one) and stores nothing.
    func dryRun(_ request: HTTPRequest) throws -> HTTPResponse {
        guard case .object(let members) = try RequestDecoding.json(request.body) else {
            throw Problem.invalid("", "expected an object with lead, events, now and model")
        }
        for key in members.keys where !["lead", "events", "now", "model"].contains(key) {
            throw Problem.invalid("/\(key)", "unknown member; expected lead, events, now, model")
        }
        var now = Self.now
        if case .string(let raw)? = members["now"] {
            guard let parsed = Timestamp(rfc3339: raw) else { throw Problem.invalid("/now", "expected an RFC 3339 date-time") }
            now = parsed
        } else if let value = members["now"], value != .null {
            throw Problem.invalid("/now", "expected an RFC 3339 date-time")
        }
        var model = store.scorer.model
        if case .string(let yaml)? = members["model"] {
            do {
                model = try ScoringModel.load(yaml: yaml, file: "model")
            } catch {
                throw Problem(.unprocessableContent, "the posted model is invalid", errors: error.errors.map {
                    ValidationIssue(pointer: "/model", detail: $0.description)
                })
            }
        }
        guard let leadDocument = members["lead"] else { throw Problem.invalid("/lead", "lead is required") }
        let lead: Lead
        do {
            lead = try Lead(json: leadDocument)
        } catch {
            throw Problem.validation(ValidationError(error.issues.map { ValidationIssue(pointer: "/lead" + $0.pointer, detail: $0.detail) }))
        }
        var events: [EngagementEvent] = []
        if let value = members["events"], value != .null {
            guard case .array(let items) = value else { throw Problem.invalid("/events", "events must be a list") }
            var issues: [ValidationIssue] = []
            for (index, item) in items.enumerated() {
                do {
                    events.append(try EngagementEvent(json: item, receivedAt: now))
                } catch {
                    issues += error.issues.map { ValidationIssue(pointer: "/events/\(index)" + $0.pointer, detail: $0.detail) }
                }
            }
            guard issues.isEmpty else { throw Problem.validation(ValidationError(issues)) }
        }
        let scorer = LeadScorer(model: model)
        let state = scorer.recompute(lead: lead, events: events)
        let result = try scorer.result(of: state, at: now)
        let decision = scorer.lifecycle.evaluate(.initial, result: result, at: now)
        var body: [String: JSONValue] = [
            "score": .points(result.score), "fit_score": .points(result.fitScore), "engagement_score": .points(result.engagementScore),
            "grade": .string(result.grade.description), "stage": .string(decision.state.stage.rawValue), "qualified": .bool(result.qualified),
            "reasons": .reasons(result.reasons), "model_version": .string(result.modelVersion), "scored_at": .time(now),
            "unmet": .array(result.unmet.map { .string("\($0)") }),
        ]
        if result.qualified, let sla = scorer.sla(for: state, result: result, qualifiedAt: now) {
            body["sla"] = .object(["tier": .string(sla.tier), "due_at": .string(sla.dueAtText), "business_hours": .bool(sla.businessHours)])
        }
        return .json(.ok, .object(body))
    }

    /// `GET /v1/model`: the active model's version, fingerprint, rules and source.
    func modelDocument() -> HTTPResponse {
        let loaded = model.current
        let model = loaded.model
        return .json(.ok, .object([
            "version": .string(model.version),
            "fingerprint": .string(model.fingerprintHex),
            "file": .string(loaded.file),
            "fit_rules": .array(model.fitRules.map { .string($0.name) }),
            "engagement_rules": .array(model.engagementRules.map { .string($0.name) }),
            "half_life_days": .number(model.halfLifeDays),
            "source": .string(loaded.source),
        ]))
    }

    /// `POST /v1/model/reload`: re-reads the model file; a changed model is
    /// used at once and stored leads are rescored in the background (202).
    func reloadModel() throws -> HTTPResponse {
        do {
            let (model, changed) = try reloader.reload()
            return .json(changed ? .accepted : .ok, .object([
                "version": .string(model.version), "fingerprint": .string(model.fingerprintHex), "changed": .bool(changed),
                "rescoring": .bool(changed),
            ]))
        } catch let error as ModelLoadError {
            throw Problem(.unprocessableContent, "the model file is invalid; the active model stays",
                          errors: error.errors.map { ValidationIssue(pointer: "", detail: $0.description) })
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(.unprocessableContent, "cannot read the model file: \(error)")
        }
    }

    /// `GET /readyz`: ready when a durable write goes through.
    func readiness() throws -> HTTPResponse {
        do {
            try store.checkWritable()
            return .json(.ok, .object(["status": .string("ready")]))
        } catch {
            return Problem(.serviceUnavailable, "storage is not writable: \(error)").response
        }
    }
}

import ArgumentParser
import Foundation
import LeadScoring

/// `mqlgate score`: scores one lead (and its events) against a model file and prints one JSON object.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a lead JSON file against a scoring model; print one JSON object.",
        discussion: """
        The lead file uses the API's field names (email, job_title, company_size, tech_stack, attributes, …).
        The events file holds one JSON event per line: {"event_id", "type", "occurred_at", "properties"}.
        Output: score, fit_score, engagement_score, grade, stage, qualified, reasons [{rule, points}] summing to
        score, model_version and, when qualified, sla {tier, due_at, business_hours} counted from --now.
        """
    )

    @Option(name: .long, help: "Scoring model YAML file.")
    var scoring: String = "config/scoring.yaml"

    @Option(name: .long, help: "Lead JSON file.")
    var lead: String

    @Option(name: .long, help: "Events as NDJSON, one event per line.")
    var events: String?

    @Option(name: .long, help: "Score as of this RFC 3339 instant (default: the current time).")
    var now: String?

    @Flag(name: .long, help: "Indent the JSON output.")
    var pretty = false

    func run() throws {
        do {
            try score()
        } catch let failure as CLIFailure {
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            throw ExitCode.failure
        }
    }

    private func score() throws {
        let now: Timestamp
        if let text = self.now {
            guard let parsed = Timestamp(rfc3339: text) else {
                throw ValidationError("--now must be an RFC 3339 date-time such as 2027-03-12T16:00:00-05:00")
            }
            now = parsed
        } else {
            now = Timestamp(Date())
        }

        let modelText = try CLIFile.read(scoring)
        let model: ScoringModel
        do {
            model = try ModelLoader.load(yaml: modelText, file: scoring)
        } catch {
            throw CLIFailure(error.description)
        }

        let leadText = try CLIFile.read(lead)
        let subject: Lead
        do {
            subject = try Lead.decode(Data(leadText.utf8))
        } catch {
            throw CLIFailure(error.issues.map { "\(lead): \($0.description)" }.joined(separator: "\n"))
        }

        var events: [EngagementEvent] = []
        if let path = self.events {
            var problems: [String] = []
            for (index, line) in try CLIFile.read(path).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard !line.allSatisfy(\.isWhitespace) else { continue }
                do {
                    events.append(try EngagementEvent.decode(Data(line.utf8), receivedAt: now))
                } catch {
                    problems += error.issues.map { "\(path):\(index + 1): \($0.description)" }
                }
            }
            guard problems.isEmpty else { throw CLIFailure(problems.joined(separator: "\n")) }
        }

        let scorer = LeadScorer(model: model)
        let state = scorer.recompute(lead: subject, events: events)
        let result = try scorer.result(of: state, at: now)
        let decision = scorer.lifecycle.evaluate(.initial, result: result, at: now)
        let sla = result.qualified ? scorer.sla(for: state, result: result, qualifiedAt: now) : nil
        let output = ScoreOutput(result: result, stage: decision.state.stage, sla: sla)

        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        FileHandle.standardOutput.write(try encoder.encode(output) + Data("\n".utf8))
    }
}

/// The JSON object `mqlgate score` prints.
struct ScoreOutput: Encodable {
    let result: ScoreResult
    let stage: Stage
    let sla: SLAAssignment?

    enum CodingKeys: String, CodingKey {
        case score, fitScore = "fit_score", engagementScore = "engagement_score", grade, stage, qualified
        case disqualifiedBy = "disqualified_by", signals, unmet, reasons, modelVersion = "model_version", scoredAt = "scored_at", sla
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(result.score, forKey: .score)
        try c.encode(result.fitScore, forKey: .fitScore)
        try c.encode(result.engagementScore, forKey: .engagementScore)
        try c.encode(result.grade, forKey: .grade)
        try c.encode(stage, forKey: .stage)
        try c.encode(result.qualified, forKey: .qualified)
        try c.encode(result.disqualifiedBy, forKey: .disqualifiedBy)
        try c.encode(result.signals, forKey: .signals)
        try c.encode(result.unmet, forKey: .unmet)
        try c.encode(result.reasons, forKey: .reasons)
        try c.encode(result.modelVersion, forKey: .modelVersion)
        try c.encode(result.scoredAt, forKey: .scoredAt)
        try c.encodeIfPresent(sla, forKey: .sla)
    }
}

/// A command failure whose message is already fit for the user: printed as is, exit status 1.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String

    init(_ message: String) {
        description = message
    }
}

/// Reading input files for the command-line tools (the scoring library itself does no I/O).
enum CLIFile {
    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIFailure("\(path): cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIFailure("\(path): not UTF-8 text")
        }
        return text
    }
}

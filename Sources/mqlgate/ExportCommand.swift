import ArgumentParser
import Foundation
import LeadScoring
import Logging
import MQLGate

/// `mqlgate export leads|handoffs`: NDJSON of the stored records on stdout.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write stored leads or handoffs as NDJSON to standard output.",
        discussion: "Safe while the service runs: it reads a consistent snapshot of the database."
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable { case leads, handoffs }

    @Argument(help: "What to export: leads or handoffs.") var kind: Kind
    @Option(name: .customLong("data-dir"), help: "Where the database lives.") var dataDirectory: String = "./data"
    @Option(help: "Scoring model, to score leads as of now.") var scoring: String = "config/scoring.yaml"

    func run() throws {
        let source = try String(contentsOfFile: scoring, encoding: .utf8)
        let model: ScoringModel
        do { model = try ScoringModel.load(yaml: source, file: scoring) } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        guard FileManager.default.fileExists(atPath: (dataDirectory as NSString).appendingPathComponent("mqlgate.sqlite3")) else {
            FileHandle.standardError.write(Data("no database in \(dataDirectory)\n".utf8))
            throw ExitCode(2)
        }
        // Only reads, beside a server that may be running on the directory (WAL readers never block it).
        let store = try SQLiteLeadStore(directory: dataDirectory, scorer: LeadScorer(model: model), exclusive: false)
        defer { store.close() }
        let output = FileHandle.standardOutput
        let count = try store.export(kind == .leads ? .leads : .handoffs) { line in output.write(Data(line + [0x0A])) }
        FileHandle.standardError.write(Data("exported \(count) \(kind.rawValue)\n".utf8))
    }
}

import ArgumentParser
import Foundation
import LeadScoring
import MQLGate

/// `mqlgate check-config`: validates scoring models and service configurations.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate scoring models and service configurations; print file:line: rule: message for each problem.",
        discussion: """
        A file whose top level has service keys (server, storage, auth, …) and no model keys is checked as the
        service configuration (mqlgate.yaml), anything else as a scoring model. Exits non-zero when any file has problems.
        """
    )

    @Argument(help: "Files to check.")
    var files: [String]

    static let serviceKeys: Set<String> = ["server", "tls", "storage", "auth", "rate_limit", "webhooks", "inbound", "forms", "logging", "breaches"]
    static let modelKeys: Set<String> = ["version", "lists", "fit", "engagement", "thresholds", "grades", "sla"]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one file to check") }
    }

    func run() throws {
        var failed = false
        for file in files {
            switch check(file) {
            case .success(let summary):
                print("\(file): OK (\(summary))")
            case .failure(let failure):
                FileHandle.standardError.write(Data((failure.description + "\n").utf8))
                failed = true
            }
        }
        if failed { throw ExitCode.failure }
    }

    /// A one-line summary of a valid file, or its problems.
    private func check(_ file: String) -> Result<String, CLIFailure> {
        let text: String
        do {
            text = try CLIFile.read(file)
        } catch {
            return .failure(CLIFailure("\(error)"))
        }
        let keys: [String]
        do {
            keys = try ModelLoader.topLevelKeys(yaml: text, file: file)
        } catch {
            return .failure(CLIFailure(error.description))
        }
        if !keys.isEmpty, keys.contains(where: Self.serviceKeys.contains), !keys.contains(where: Self.modelKeys.contains) {
            do {
                let service = try ServiceConfiguration.load(yaml: text, file: file)
                return .success("service configuration: \(service.http.host):\(service.http.port), data in \(service.dataDirectory)")
            } catch {
                return .failure(CLIFailure(error.description))
            }
        }
        do {
            let model = try ModelLoader.load(yaml: text, file: file)
            return .success("model \(model.version): \(model.fitRules.count) fit rules, \(model.engagementRules.count) engagement rules, \(model.sla?.tiers.count ?? 0) SLA tiers")
        } catch {
            return .failure(CLIFailure(error.description))
        }
    }
}

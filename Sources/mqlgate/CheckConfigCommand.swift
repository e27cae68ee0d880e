import ArgumentParser
import Foundation
import LeadScoring

/// `mqlgate check-config`: validates scoring models (and checks the service configuration is well-formed YAML).
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate scoring model files; print file:line: rule: message for each problem.",
        discussion: """
        A file whose top level has service keys (server, storage, auth, …) and no model keys is taken as the
        service configuration and only checked to be well-formed YAML here. Exits non-zero when any file has problems.
        """
    )

    @Argument(help: "Files to check.")
    var files: [String]

    static let serviceKeys: Set<String> = ["server", "tls", "storage", "auth", "rate_limit", "webhooks", "inbound", "forms", "logging", "metrics"]
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
            return .success("service configuration: well-formed YAML")
        }
        do {
            let model = try ModelLoader.load(yaml: text, file: file)
            return .success("model \(model.version): \(model.fitRules.count) fit rules, \(model.engagementRules.count) engagement rules, \(model.sla?.tiers.count ?? 0) SLA tiers")
        } catch {
            return .failure(CLIFailure(error.description))
        }
    }
}

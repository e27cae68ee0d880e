import ArgumentParser

/// The `mqlgate` executable: one binary for the service and its tooling.
@main
struct MQLGateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqlgate",
        abstract: "Lead-qualification service: scores leads, hands MQLs to sales with an SLA deadline.",
        subcommands: [ServeCommand.self, ScoreCommand.self, CheckConfigCommand.self, RescoreCommand.self, ExportCommand.self]
    )
}

import ArgumentParser
import Foundation
import HTTP1
import LeadScoring
import Logging
import MQLGate

/// `mqlgate serve`: runs the service until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP service.",
        discussion: "Settings come from --config (YAML), then MQLGATE_* environment variables, then these flags."
    )

    @Option(help: "Service configuration (YAML).") var config: String = "config/mqlgate.yaml"
    @Option(help: "Scoring model (YAML).") var scoring: String = "config/scoring.yaml"
    @Option(help: "Address to bind (default 127.0.0.1).") var host: String?
    @Option(help: "Port to bind; 0 picks a free one (default 8080).") var port: Int?
    @Option(name: .customLong("data-dir"), help: "Where the database lives (default ./data).") var dataDirectory: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var settings = ServiceConfiguration()
        if FileManager.default.fileExists(atPath: config) {
            let text = try String(contentsOfFile: config, encoding: .utf8)
            do {
                settings = try ServiceConfiguration.load(yaml: text, file: config, environment: environment)
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(2)
            }
        } else {
            do {
                settings = try ServiceConfiguration.load(yaml: "", file: "environment", environment: environment)
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        if let host { settings.http.host = host }
        if let port { settings.http.port = port }
        if let dataDirectory { settings.dataDirectory = dataDirectory }

        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: "mqlgate")

        let source: String
        do {
            source = try String(contentsOfFile: scoring, encoding: .utf8)
        } catch {
            FileHandle.standardError.write(Data("cannot read scoring model \(scoring): \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
        let model: ScoringModel
        do {
            model = try ScoringModel.load(yaml: source, file: scoring)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }

        let signals = TerminationSignals()
        let service: MQLGateService
        do {
            service = try MQLGateService(configuration: settings, model: .init(model: model, source: source, file: scoring), logger: logger)
            try service.start()
        } catch {
            FileHandle.standardError.write(Data("mqlgate: \(error)\n".utf8))
            throw ExitCode(1)
        }
        // SIGHUP: load the model file again and rescore stored leads online.
        signal(SIGHUP, SIG_IGN)
        let reload = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        reload.setEventHandler {
            do {
                let (model, changed) = try service.reloadModel()
                logger.info(changed ? "model reloaded" : "model unchanged", metadata: ["model_version": "\(model.version)"])
            } catch {
                logger.error("model reload failed; the active model stays", metadata: ["error": "\(error)"])
            }
        }
        reload.resume()
        defer { reload.cancel() }
        let scheme = settings.http.tls == nil ? "http" : "https"
        print("mqlgate listening on \(scheme)://\(settings.http.host):\(service.port)")
        fflush(nil)
        let signal = await signals.wait()
        logger.info("shutting down", metadata: ["signal": "\(signal)"])
        await service.stop()
    }
}

import Foundation
import MQLGate
import Testing

@Suite("Service configuration")
struct ConfigurationTests {
    @Test func shippedConfigLoadsWithDefaults() throws {
        let path = ServiceHarness.repository.appendingPathComponent("config/mqlgate.yaml").path
        let configuration = try ServiceConfiguration.load(yaml: String(contentsOfFile: path, encoding: .utf8), file: path)
        #expect(configuration.http.port == 8080)
        #expect(configuration.http.maxBodyBytes == 1 << 20)
        #expect(configuration.http.headerTimeout == .seconds(10))
        #expect(configuration.http.maxConnections == 10_000)
        #expect(configuration.apiKeys.isEmpty)
    }

    @Test func environmentOverridesTheFile() throws {
        let configuration = try ServiceConfiguration.load(
            yaml: "server: {port: 8080, max_body: 1MiB}\nauth: {api_keys: [file-key]}\n", file: "x.yaml",
            environment: [
                "MQLGATE_PORT": "9090", "MQLGATE_SERVER_MAX_BODY": "64KiB", "MQLGATE_DATA_DIR": "/srv/mqlgate",
                "MQLGATE_API_KEYS": "one, two,,three", "MQLGATE_SERVER_IDLE_TIMEOUT": "2m",
            ]
        )
        #expect(configuration.http.port == 9090)
        #expect(configuration.http.maxBodyBytes == 64 * 1024)
        #expect(configuration.dataDirectory == "/srv/mqlgate")
        #expect(configuration.apiKeys == ["one", "two", "three"])
        #expect(configuration.http.idleTimeout == .seconds(120))
    }

    @Test func everyProblemIsReportedWithItsLine() {
        let yaml = """
            server:
              port: 99999
              header_timeout: soon
              colour: red
            tls: {cert: /x.pem}
            unknown_section: {}
            """
        do {
            _ = try ServiceConfiguration.load(yaml: yaml, file: "mqlgate.yaml")
            Issue.record("expected errors")
        } catch {
            let lines = error.issues.map(\.description)
            #expect(lines.contains { $0.hasPrefix("mqlgate.yaml:2: server.port") })
            #expect(lines.contains { $0.hasPrefix("mqlgate.yaml:3: server.header_timeout") })
            #expect(lines.contains { $0.hasPrefix("mqlgate.yaml:4: server.colour") })
            #expect(lines.contains { $0.contains("tls") })
            #expect(lines.contains { $0.contains("unknown_section") })
        }
    }

    @Test func sizesAndDurationsAcceptTheDocumentedSuffixes() throws {
        let configuration = try ServiceConfiguration.load(
            yaml: "server: {max_body: 512KiB, max_decompressed_body: 2MB, header_timeout: 500ms, body_timeout: 1h, write_timeout: 1d}", file: "x"
        )
        #expect(configuration.http.maxBodyBytes == 512 * 1024)
        #expect(configuration.http.maxDecompressedBodyBytes == 2_000_000)
        #expect(configuration.http.headerTimeout == .milliseconds(500))
        #expect(configuration.http.bodyTimeout == .seconds(3600))
        #expect(configuration.http.writeTimeout == .seconds(86_400))
    }
}

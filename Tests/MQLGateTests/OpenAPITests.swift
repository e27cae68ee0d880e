import Foundation
import Testing
import Yams

/// `docs/openapi.yaml` must describe the server as it is: the same paths
/// and methods, every reference resolvable.
@Suite("OpenAPI document")
struct OpenAPITests {
    static let path = ServiceHarness.repository.appendingPathComponent("docs/openapi.yaml").path

    static func document() throws -> [String: Any] {
        try #require(try Yams.load(yaml: String(contentsOfFile: path, encoding: .utf8)) as? [String: Any])
    }

    @Test func isOpenAPI31WithInfoAndSecurity() throws {
        let document = try Self.document()
        #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
        #expect((document["info"] as? [String: Any])?["title"] as? String == "mqlgate")
        let schemes = ((document["components"] as? [String: Any])?["securitySchemes"] as? [String: Any]) ?? [:]
        #expect((schemes["apiKey"] as? [String: Any])?["scheme"] as? String == "bearer")
    }

    @Test func pathsAndMethodsMatchTheRouter() async throws {
        let harness = try ServiceHarness()
        defer { Task { await harness.stop() } }
        let paths = try #require(try Self.document()["paths"] as? [String: Any])
        var documented: Set<String> = []
        for (path, item) in paths {
            for key in (item as? [String: Any] ?? [:]).keys where ["get", "post", "put", "delete", "patch"].contains(key) {
                documented.insert("\(key.uppercased()) \(path)")
            }
        }
        var served: Set<String> = []
        for route in harness.service.routeTable {
            for method in route.methods { served.insert("\(method) \(route.pattern)") }
        }
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
        #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
    }

    @Test func everyReferenceResolves() throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        let document = try Self.document()
        let components = try #require(document["components"] as? [String: Any])
        let pattern = try Regex(##"\$ref: "#/components/(\w+)/(\w+)""##)
        var count = 0
        for match in text.matches(of: pattern) {
            let section = String(match.output[1].substring ?? ""), name = String(match.output[2].substring ?? "")
            #expect((components[section] as? [String: Any])?[name] != nil, "unresolved reference \(section)/\(name)")
            count += 1
        }
        #expect(count > 20)
    }
}

import Foundation
import LeadScoring
import MQLGate
import Testing

@Suite("One serving process per data directory")
struct DataDirectoryLockTests {
    @Test func aSecondServiceOnTheSameDirectoryRefusesToStart() async throws {
        let harness = try ServiceHarness()
        #expect(try await harness.post("/v1/events", #"{"email":"first@acme.com","type":"page_view","event_id":"a-1"}"#).status == 202)
        // Same directory, another port: it must not become a second writer behind the first one's cache.
        let second = #expect(throws: (any Error).self) { try ServiceHarness(directory: harness.directory) }
        #expect("\(second.map { "\($0)" } ?? "")".contains("in use by another mqlgate process (pid \(getpid()))"))
        // The first one is untouched and keeps serving.
        #expect(try await harness.get("/v1/leads/first@acme.com").status == 200)
        await harness.stop()
    }

    @Test func theDirectoryIsFreeAgainOnceTheServiceStops() async throws {
        let harness = try ServiceHarness()
        _ = try await harness.post("/v1/events", #"{"email":"again@acme.com","type":"page_view","event_id":"b-1"}"#)
        try await harness.restart()
        #expect(try await harness.get("/v1/leads/again@acme.com").status == 200)
        await harness.stop()
    }

    @Test func aReaderBesideTheServerNeedsNoLock() async throws {
        let harness = try ServiceHarness()
        _ = try await harness.post("/v1/events", #"{"email":"export@acme.com","type":"page_view","event_id":"c-1"}"#)
        let model = try ScoringModel.load(yaml: harness.modelSource, file: "m")
        let reader = try SQLiteLeadStore(directory: harness.directory.path, scorer: LeadScorer(model: model), exclusive: false)
        var lines = 0
        try reader.export(.leads) { _ in lines += 1 }
        reader.close()
        #expect(lines == 1)
        await harness.stop()
    }
}

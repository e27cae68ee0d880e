import Foundation
import HTTPTestSupport
import Synchronization
import Testing

/// Runs the real `mqlgate` binary, kills it with SIGKILL while clients are
/// posting, restarts it, and checks that every acknowledged event is still
/// there and no lead got two handoffs for one episode.
@Suite("Crash recovery")
struct CrashRecoveryTests {
    /// The `mqlgate` executable built beside this test bundle.
    static var binary: String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("mqlgate").path
    }

    final class Server {
        let process: ChildProcess
        let port: Int

        init(dataDirectory: String, scoring: String = ServiceHarness.defaultModelPath) throws {
            process = try ChildProcess(CrashRecoveryTests.binary, [
                "serve", "--port", "0", "--data-dir", dataDirectory,
                "--scoring", scoring, "--config", "/nonexistent/mqlgate.yaml",
            ], stdout: .pipe)
            // "mqlgate listening on http://127.0.0.1:PORT"
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = process.standardOutput!.availableData
                if chunk.isEmpty { break }
                line.append(chunk)
            }
            let text = String(decoding: line, as: UTF8.self)
            guard let port = text.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
                process.signal(SIGTERM)
                throw POSIXError(.EIO)
            }
            self.port = port
        }

        func kill() {
            process.signal(SIGKILL)
        }

        func reap() { process.wait() }
    }

    @Test(.timeLimit(.minutes(2)))
    func acknowledgedEventsSurviveSIGKILL() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build mqlgate first: \(Self.binary)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mqlgate-crash-\(UUID().uuidString)").path
        // A model without caps, so that a score shows every event counted in it.
        let model = directory + "-model.yaml"
        try OperationsTests.quickModel.write(toFile: model, atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: model)
        }
        let acknowledged = Mutex<[String: String]>([:])  // event_id → email
        let types = ["page_view", "webinar_attended", "demo_request", "content_download", "email_click"]

        // The rounds block for seconds (waits, child processes): off the
        // cooperative pool, which on two cores has two threads that every
        // async test running beside this one needs.
        try await offCooperativePool {
            for round in 0..<4 {
                let server = try Server(dataDirectory: directory, scoring: model)
                let stop = Atomic<Bool>(false)
                let port = server.port
                if round == 0 {
                    // Leads with a strong fit, so engagement makes them MQLs while the kills happen.
                    for index in 0..<12 {
                        _ = (try! RawClientBox(port: port)).post("/v1/leads", #"{"email":"crash\#(index)@acme.com","job_title":"VP of Sales","company_size":250,"industry":"software","country":"US"}"#)
                    }
                }
                let group = DispatchGroup()
                for worker in 0..<6 {
                    group.enter()
                    // Threads of their own: Foundation's child-process bookkeeping needs the Dispatch pool free.
                    Thread.detachNewThread {
                        defer { group.leave() }
                        var sequence = 0
                        while !stop.load(ordering: .relaxed) {
                            sequence += 1
                            let email = "crash\((worker + sequence) % 12)@acme.com"
                            let id = "r\(round)-w\(worker)-\(sequence)"
                            let json = #"{"email":"\#(email)","type":"\#(types[sequence % types.count])","event_id":"\#(id)","properties":{"path":"/pricing"}}"#
                            guard let client = try? RawClient(port: port, timeout: 5) else {
                                // Down: the server was just killed. Do not spin while waiting for the round to end.
                                usleep(10_000)
                                continue
                            }
                            let request = "POST /v1/events HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)"
                            if let response = client.roundTrip(request), response.status == 202, response.text.contains(#""accepted":1"#) {
                                acknowledged.withLock { $0[id] = email }
                            }
                        }
                    }
                }
                Thread.sleep(forTimeInterval: 0.6)
                server.kill()
                stop.store(true, ordering: .relaxed)
                group.wait()
                server.reap()
            }
        }

        let server = try Server(dataDirectory: directory, scoring: model)
        defer {
            server.kill()
            server.reap()
        }
        let expected = acknowledged.withLock { $0 }
        #expect(expected.count > 50, "too few events were acknowledged to prove anything: \(expected.count)")
        let client = JSONClient(port: server.port)
        var stored = Set<String>()
        for email in Set(expected.values) {
            var cursor: String?
            repeat {
                let page = client.get("/v1/leads/\(email)/events?limit=500" + (cursor.map { "&cursor=\($0)" } ?? ""))
                stored.formUnion((page["items"] as? [[String: Any]] ?? []).compactMap { $0["event_id"] as? String })
                cursor = page["next_cursor"] as? String
            } while cursor != nil
        }
        let missing = Set(expected.keys).subtracting(stored)
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.sorted().prefix(10))")

        // The kills hit while lead rows lagged their events (score-only
        // changes are written behind): the score each lead reports must still
        // be the score of every event stored for it, as a dry run over them says.
        for email in Set(expected.values).sorted() {
            let lead = client.get("/v1/leads/\(email)")
            var events: [[String: Any]] = []
            var cursor: String?
            repeat {
                let page = client.get("/v1/leads/\(email)/events?limit=500" + (cursor.map { "&cursor=\($0)" } ?? ""))
                events += (page["items"] as? [[String: Any]] ?? []).map { item in
                    item.filter { ["event_id", "type", "occurred_at", "properties"].contains($0.key) }
                }
                cursor = page["next_cursor"] as? String
            } while cursor != nil
            let profile: [String: Any] = ["email": email, "job_title": "VP of Sales", "company_size": 250, "industry": "software", "country": "US"]
            #expect(events.count > 1)
            let dryRun = client.post("/v1/score", ["lead": profile, "events": events, "now": lead["scored_at"] ?? ""])
            let reported = lead["score"] as? Double, expected = dryRun["score"] as? Double
            #expect(reported != nil && reported == expected, "\(email): reports \(reported ?? -1), its \(events.count) events score \(expected ?? -1)")
        }

        var episodes: [String: Int] = [:]
        var cursor: String?
        repeat {
            let page = client.get("/v1/handoffs?limit=500" + (cursor.map { "&cursor=\($0)" } ?? ""))
            for item in page["items"] as? [[String: Any]] ?? [] {
                episodes["\(item["lead_id"] ?? "")#\(item["episode"] ?? "")", default: 0] += 1
            }
            cursor = page["next_cursor"] as? String
        } while cursor != nil
        #expect(!episodes.isEmpty)
        #expect(episodes.values.allSatisfy { $0 == 1 }, "a lead got two handoffs for one episode")
    }
}

/// Requests whose answers come back as decoded JSON.
struct JSONClient {
    let port: Int
    func get(_ path: String) -> [String: Any] {
        guard let client = try? RawClient(port: port, timeout: 10),
              let response = client.roundTrip("GET \(path) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n") else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    func post(_ path: String, _ document: [String: Any]) -> [String: Any] {
        guard let body = try? JSONSerialization.data(withJSONObject: document), let client = try? RawClient(port: port, timeout: 10),
              let response = client.roundTrip(
                "POST \(path) HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
                    + String(decoding: body, as: UTF8.self)) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }
}

@Suite("Process lifecycle")
struct ProcessLifecycleTests {
    @Test(.timeLimit(.minutes(1)))
    func sigtermFinishesInFlightWorkAndExitsZero() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mqlgate-term-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try CrashRecoveryTests.Server(dataDirectory: directory)
        let status = (try RawClientBox(port: server.port)).post("/v1/events", #"{"email":"t@acme.com","type":"page_view"}"#)
        #expect(status == 202)
        server.process.signal(SIGTERM)
        #expect(server.process.wait() == .exited(0))
    }

    @Test(.timeLimit(.minutes(1)))
    func refusesToListenBeyondLoopbackWithoutKeys() throws {
        let process = try ChildProcess(CrashRecoveryTests.binary, [
            "serve", "--host", "0.0.0.0", "--port", "0", "--scoring", ServiceHarness.defaultModelPath,
            "--config", "/nonexistent.yaml", "--data-dir", FileManager.default.temporaryDirectory.appendingPathComponent("mqlgate-open-\(UUID().uuidString)").path,
        ], stderr: .pipe)
        let message = String(decoding: process.standardError!.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.wait() != .exited(0))
        #expect(message.contains("without API keys"))
    }
}

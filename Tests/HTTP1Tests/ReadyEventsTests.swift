import HTTPTestSupport
import Foundation
import HTTP1
import Synchronization
import Testing

@Suite("Work deferred until the ready events are handled")
struct ReadyEventsTests {
    /// Requests handled and the deferred runs that saw them, as numbers per run.
    final class Journal: Sendable {
        private let state = Mutex<(waiting: Int, runs: [Int])>((0, []))
        func handled() { state.withLock { $0.waiting += 1 } }
        /// A deferred run: records how many requests were handled since the last run that recorded.
        func ran() {
            state.withLock { state in
                if state.waiting > 0 { state.runs.append(state.waiting) }
                state.waiting = 0
            }
        }
        var runs: [Int] { state.withLock { $0.runs } }
    }

    /// A server with one loop: `/block` holds the loop until `gate` opens,
    /// `/deferred` answers from work deferred with `afterReadyEvents` (on a wrapping sink, as middleware makes).
    static func server(_ journal: Journal, gate: DispatchSemaphore, entered: DispatchSemaphore = DispatchSemaphore(value: 0)) throws -> TestServer {
        try TestServer(configure: { $0.eventLoops = 1 }) { router in
            router.add("GET", "/block") { _ in
                entered.signal()
                gate.wait()
                return HTTPResponse(status: .noContent)
            }
            router.add("GET", "/deferred/{n}") { request, sink in
                journal.handled()
                let wrapped = HTTPResponseSink(wrapping: sink) { sink.send($0) }
                let n = request.pathParameters["n"] ?? ""
                wrapped.afterReadyEvents {
                    journal.ran()
                    wrapped.send(HTTPResponse(status: .ok, contentType: "text/plain", body: n))
                }
            }
        }
    }

    @Test func requestsThatArriveTogetherAreHandedOverTogether() async throws {
        let journal = Journal(), gate = DispatchSemaphore(value: 0), entered = DispatchSemaphore(value: 0)
        let server = try Self.server(journal, gate: gate, entered: entered)
        let clients = try (0..<8).map { _ in try server.client(timeout: 30) }
        // Every connection accepted before the loop is held.
        for client in clients { #expect(await client.roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")?.status == 204) }
        let blocker = try server.client(timeout: 30)
        blocker.send("GET /block HTTP/1.1\r\nHost: t\r\n\r\n")
        // The loop is inside /block: what the clients send now waits in the kernel.
        #expect(try await offCooperativePool { entered.wait(timeout: .now() + 30) } == .success)
        for (index, client) in clients.enumerated() { client.send("GET /deferred/\(index) HTTP/1.1\r\nHost: t\r\n\r\n") }
        try await Task.sleep(for: .milliseconds(50))
        gate.signal()
        #expect(await blocker.readResponse()?.status == 204)
        for (index, client) in clients.enumerated() {
            let response = await client.readResponse()
            #expect(response?.status == 200)
            #expect(response?.text == "\(index)")
        }
        // All eight were read in one round, so the first deferred run came after all eight handlers.
        #expect(journal.runs == [8])
        await server.stop()
    }

    @Test func pipelinedRequestsThatDeferAreAllAnsweredInOrder() async throws {
        let journal = Journal(), gate = DispatchSemaphore(value: 0)
        let server = try Self.server(journal, gate: gate)
        let client = try server.client()
        client.send((1...3).map { "GET /deferred/\($0) HTTP/1.1\r\nHost: t\r\n\r\n" }.joined())
        var bodies: [String] = []
        for _ in 0..<3 { if let text = await client.readResponse()?.text { bodies.append(text) } }
        #expect(bodies == ["1", "2", "3"])
        await server.stop()
    }

    @Test func aSinkNoLoopMadeRunsTheWorkAtOnce() {
        let sink = HTTPResponseSink { _ in }
        var ran = false
        sink.afterReadyEvents { ran = true }
        #expect(ran)
        sink.send(HTTPResponse(status: .noContent))
    }
}

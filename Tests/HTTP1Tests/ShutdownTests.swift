import HTTPTestSupport
import Foundation
import HTTP1
import Testing

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test func inFlightRequestFinishesAndNewConnectionsAreRefused() async throws {
        // The handler holds its answer until the test lets it go, so the request
        // is in flight when shutdown begins however slowly this machine runs.
        // Both waits block a thread of their own: on Linux, Swift's tasks and
        // `DispatchQueue.global()` share one pool as wide as the machine has
        // cores, and a wait there for work queued there can wait forever.
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        // Both connections open before either sends; on a machine busy with the
        // rest of the suite that gap can outlast the default 10 s header timeout,
        // and a 408 would be the server doing its job, not the behaviour under test.
        let server = try TestServer(configure: { $0.headerTimeout = .seconds(120) }, routes: { router in
            router.add("GET", "/held") { _, sink in
                Thread.detachNewThread {
                    started.signal()
                    _ = release.wait(timeout: .now() + 30)
                    sink.send(HTTPResponse(status: .ok, contentType: "text/plain", body: "released"))
                }
            }
        })
        let port = server.port
        let busy = try server.client()
        let idle = try server.client()
        #expect(await idle.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")?.status == 200)
        busy.send("GET /held HTTP/1.1\r\nHost: t\r\n\r\n")
        // Bounded, so a request that never arrives fails this test instead of hanging the run.
        let reached = try await offCooperativePool { started.wait(timeout: .now() + 20) == .success }
        if !reached {
            // What the busy connection got instead tells where its request went.
            let got = await busy.readResponse()
            Issue.record("the held request never reached its handler; the connection got: \(got.map { "\($0.status) \($0.text)" } ?? busy.failure ?? "nothing")")
            return
        }
        let begun = Date()
        server.server.beginShutdown()
        let stopping = Task { await server.server.waitUntilStopped() }
        // The idle keep-alive connection is closed right away...
        #expect(await idle.waitForClose())
        #expect(Date().timeIntervalSince(begun) < 1)
        // ...the busy one gets its answer, told the connection is ending.
        release.signal()
        let response = try #require(await busy.readResponse())
        #expect(response.status == 200)
        #expect(response.text == "released")
        #expect(response.header("connection") == "close")
        await stopping.value
        #expect((try? RawClient(port: port)) == nil)
    }

    @Test func graceDeadlineBoundsShutdown() async throws {
        let server = try TestServer(configure: { $0.shutdownGracePeriod = .milliseconds(300) })
        let client = try server.client()
        client.send("GET /slow/5000 HTTP/1.1\r\nHost: t\r\n\r\n")
        try await Task.sleep(for: .milliseconds(50))
        let started = Date()
        await server.stop()
        // What matters is that shutdown does not wait for the 5 s handler (the
        // 300 ms grace plus a loaded machine's scheduling stays well below it).
        #expect(Date().timeIntervalSince(started) < 4)
    }

    @Test func sigtermTriggersShutdown() async throws {
        let server = try TestServer()
        let signals = TerminationSignals([SIGUSR2])
        let client = try server.client()
        #expect(await client.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")?.status == 200)
        let waiter = Task { () -> Int32 in
            let number = await signals.wait()
            await server.stop()
            return number
        }
        kill(getpid(), SIGUSR2)
        #expect(await waiter.value == SIGUSR2)
        #expect(await client.waitForClose())
    }
}

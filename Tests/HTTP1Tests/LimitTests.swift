import HTTPTestSupport
import Foundation
import HTTP1
import Testing

@Suite("Limits and timeouts answer with clear statuses")
struct LimitTests {
    @Test func headerSectionOverLimitIs431() async throws {
        let server = try TestServer()
        let client = try server.client()
        let filler = (0..<40).map { "X-Filler-\($0): \(String(repeating: "a", count: 500))\r\n" }.joined()
        let response = try #require(await client.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\(filler)\r\n"))
        #expect(response.status == 431)
        #expect(await client.waitForClose())
        await server.stop()
    }

    @Test func headerSectionJustUnderLimitIsServed() async throws {
        let server = try TestServer()
        let client = try server.client()
        let filler = (0..<28).map { "X-Filler-\($0): \(String(repeating: "a", count: 500))\r\n" }.joined()
        #expect(await client.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\(filler)\r\n")?.status == 200)
        await server.stop()
    }

    @Test func requestTargetOverLimitIs414() async throws {
        let server = try TestServer()
        let client = try server.client()
        let response = try #require(await client.roundTrip("GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: t\r\n\r\n"))
        #expect(response.status == 414)
        await server.stop()
    }

    @Test func tooManyHeaderFieldsIs431() async throws {
        let server = try TestServer()
        let client = try server.client()
        let fields = (0..<101).map { "X-F\($0): v\r\n" }.joined()
        #expect(await client.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\(fields)\r\n")?.status == 431)
        let ok = try server.client()
        let fewer = (0..<99).map { "X-F\($0): v\r\n" }.joined()
        #expect(await ok.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\(fewer)\r\n")?.status == 200)
        await server.stop()
    }

    @Test func oversizedContentLengthIs413BeforeTheBodyIsSent() async throws {
        let server = try TestServer()
        let client = try server.client()
        // Only the head is sent: the answer must not wait for 2 MiB that never come.
        let response = try #require(await client.roundTrip("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2097152\r\n\r\n"))
        #expect(response.status == 413)
        #expect(await client.waitForClose())
        await server.stop()
    }

    @Test func oversizedExpectContinueGets413InsteadOf100() async throws {
        let server = try TestServer()
        let client = try server.client()
        let response = try #require(await client.roundTrip("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2097152\r\nExpect: 100-continue\r\n\r\n"))
        #expect(response.status == 413)
        await server.stop()
    }

    @Test func chunkedBodyOverLimitIs413() async throws {
        let server = try TestServer(configure: { $0.maxBodyBytes = 1000 })
        let client = try server.client()
        let chunk = String(repeating: "a", count: 600)
        let response = try #require(await client.roundTrip("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n0\r\n\r\n"))
        #expect(response.status == 413)
        await server.stop()
    }

    @Test func connectionsBeyondTheLimitGet503() async throws {
        let server = try TestServer(configure: {
            $0.maxConnections = 2
            $0.eventLoops = 1
            // The second connection waits for the first's exchange before it sends;
            // under a busy suite that wait must not run into the header timeout.
            $0.headerTimeout = .seconds(120)
        })
        let first = try server.client()
        let second = try server.client()
        #expect(await first.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")?.status == 200)
        let answer = await second.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(answer?.status == 200, "\(answer.map { "\($0.status) \($0.text)" } ?? "no answer: \(second.failure ?? "-")")")
        let third = try server.client()
        let refused = try #require(await third.readResponse(), "no answer: \(third.failure ?? "-")")
        #expect(refused.status == 503)
        #expect(refused.header("retry-after") == "1")
        #expect(await third.waitForClose())
        // Capacity returns once a connection closes.
        first.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        _ = await first.readResponse()
        #expect(await first.waitForClose())
        first.close()
        try await Task.sleep(for: .milliseconds(100))
        let fourth = try server.client()
        #expect(await fourth.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")?.status == 200)
        await server.stop()
    }

    @Test func slowlorisHeadersGet408AndAreClosed() async throws {
        let server = try TestServer(configure: { $0.headerTimeout = .milliseconds(400) })
        nonisolated(unsafe) let client = try server.client()
        // The exchange runs on a thread of its own, so the clock measures the
        // server rather than how soon a test pool busy with other tests resumes a task.
        let (status, closed, elapsed) = try await offCooperativePool {
            let started = Date()
            client.send("GET /hello HTTP/1.1\r\nHost: t\r\n")
            Thread.sleep(forTimeInterval: 0.15)
            client.send("X-Drip: 1\r\n")
            let status = client.readResponse()?.status
            return (status, client.waitForClose(), Date().timeIntervalSince(started))
        }
        #expect(status == 408)
        #expect(closed)
        // Bounded by the 400 ms timeout, not the 10 s default.
        #expect(elapsed < 8)
        await server.stop()
    }

    @Test func silentNewConnectionIsTimedOut() async throws {
        let server = try TestServer(configure: { $0.headerTimeout = .milliseconds(300) })
        let client = try server.client()
        #expect(await client.readResponse()?.status == 408)
        await server.stop()
    }

    @Test func idleKeepAliveConnectionIsClosedSilently() async throws {
        let server = try TestServer(configure: { $0.idleTimeout = .milliseconds(300) })
        let client = try server.client()
        #expect(await client.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")?.status == 200)
        #expect(await client.readResponse() == nil)
        #expect(await client.waitForClose())
        await server.stop()
    }

    @Test func slowBodyGets408() async throws {
        let server = try TestServer(configure: { $0.bodyTimeout = .milliseconds(300) })
        let client = try server.client()
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        #expect(await client.readResponse()?.status == 408)
        #expect(await client.waitForClose())
        await server.stop()
    }
}

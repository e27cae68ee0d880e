import HTTPTestSupport
import Foundation
import HTTP1
import Testing

@Suite("HTTP/1.1 semantics over real sockets")
struct ProtocolTests {
    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        let server = try TestServer()
        let client = try server.client()
        for _ in 0..<3 {
            let response = try #require(await client.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"))
            #expect(response.status == 200)
            #expect(response.text == "hello")
            #expect(response.header("connection") == nil)
            #expect(response.header("date") != nil)
        }
        await server.stop()
    }

    @Test func pipelinedResponsesComeBackInRequestOrder() async throws {
        let server = try TestServer()
        let client = try server.client()
        // The first handler answers late from another thread; order must still hold.
        client.send("GET /slow/150 HTTP/1.1\r\nHost: t\r\n\r\nGET /path/two HTTP/1.1\r\nHost: t\r\n\r\nGET /async HTTP/1.1\r\nHost: t\r\n\r\nGET /path/four HTTP/1.1\r\nHost: t\r\n\r\n")
        var bodies: [String] = []
        for _ in 0..<4 { if let text = await client.readResponse()?.text { bodies.append(text) } }
        #expect(bodies == ["slept 150", "two", "async", "four"])
        await server.stop()
    }

    @Test func connectionCloseIsHonoured() async throws {
        let server = try TestServer()
        let client = try server.client()
        let response = try #require(await client.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"))
        #expect(response.header("connection") == "close")
        #expect(await client.waitForClose())
        await server.stop()
    }

    @Test func http10ClosesUnlessKeepAliveIsAsked() async throws {
        let server = try TestServer()
        let plain = try server.client()
        #expect(await plain.roundTrip("GET /hello HTTP/1.0\r\n\r\n")?.status == 200)
        #expect(await plain.waitForClose())
        let keep = try server.client()
        let first = try #require(await keep.roundTrip("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"))
        #expect(first.header("connection") == "keep-alive")
        #expect(await keep.roundTrip("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")?.status == 200)
        await server.stop()
    }

    @Test func contentLengthBodyReachesTheHandler() async throws {
        let server = try TestServer()
        let client = try server.client()
        let response = try #require(await client.roundTrip("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world"))
        #expect(response.text == "hello world")
        await server.stop()
    }

    /// Field names are case-insensitive (RFC 9110 §5.1), framing fields included.
    @Test func fieldNamesMatchWhateverTheirCase() async throws {
        let server = try TestServer()
        let client = try server.client()
        let sized = try #require(await client.roundTrip("POST /echo HTTP/1.1\r\nhOsT: t\r\nCONTENT-LENGTH: 5\r\n\r\nhello"))
        #expect(sized.text == "hello")
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\ntransfer-ENCODING: chunked\r\n\r\n5\r\nhello\r\n0\r\nx-CHECKSUM: abc\r\n\r\n")
        let chunked = try #require(await client.readResponse())
        #expect(chunked.text == "hello")
        #expect(chunked.header("X-Trailer") == "abc")
        // A name that differs from a known one only beyond ASCII letters is another name.
        let other = try #require(await client.roundTrip("POST /echo HTTP/1.1\r\nHost: t\r\nContent_Length: 5\r\nContent-Length: 2\r\n\r\nhi"))
        #expect(other.text == "hi")
        await server.stop()
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() async throws {
        let server = try TestServer()
        let client = try server.client()
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n")
        try await Task.sleep(for: .milliseconds(50))
        client.send("6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n")
        let response = try #require(await client.readResponse())
        #expect(response.text == "hello world")
        #expect(response.header("x-trailer") == "abc")
        // The connection stays usable after a chunked body.
        #expect(await client.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")?.text == "hello")
        await server.stop()
    }

    @Test func expectContinueGetsAnInterimResponseBeforeTheBody() async throws {
        let server = try TestServer()
        let client = try server.client()
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        let interim = try #require(await client.readResponse())
        #expect(interim.status == 100)
        client.send("ping")
        let final = try #require(await client.readResponse())
        #expect(final.status == 200)
        #expect(final.text == "ping")
        await server.stop()
    }

    @Test func headAnswersWithGetHeadersAndNoBody() async throws {
        let server = try TestServer()
        let client = try server.client()
        client.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try #require(await client.readResponse(bodyless: true))
        #expect(response.status == 200)
        #expect(response.header("content-length") == "5")
        // Had a body been sent, this next response would be misread.
        #expect(await client.roundTrip("GET /path/next HTTP/1.1\r\nHost: t\r\n\r\n")?.text == "next")
        await server.stop()
    }

    @Test func routerAnswers404And405WithAllow() async throws {
        let server = try TestServer()
        let client = try server.client()
        #expect(await client.roundTrip("GET /missing HTTP/1.1\r\nHost: t\r\n\r\n")?.status == 404)
        let response = try #require(await client.roundTrip("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n"))
        #expect(response.status == 405)
        #expect(response.header("allow") == "GET, HEAD, OPTIONS")
        #expect(response.header("content-type") == "application/problem+json")
        let decoded = try #require(await client.roundTrip("GET /path/a%20b HTTP/1.1\r\nHost: t\r\n\r\n"))
        #expect(decoded.text == "a b")
        await server.stop()
    }

    @Test func absoluteFormTargetIsRoutedByItsPath() async throws {
        let server = try TestServer()
        let client = try server.client()
        #expect(await client.roundTrip("GET http://t/hello?x=1 HTTP/1.1\r\nHost: t\r\n\r\n")?.text == "hello")
        await server.stop()
    }

    @Test func corsPreflightAndActualRequest() async throws {
        let server = try TestServer()
        let client = try server.client()
        let preflight = try #require(await client.roundTrip(
            "OPTIONS /form HTTP/1.1\r\nHost: t\r\nOrigin: https://example.com\r\nAccess-Control-Request-Method: POST\r\n\r\n"))
        #expect(preflight.status == 204)
        #expect(preflight.header("access-control-allow-origin") == "https://example.com")
        #expect(preflight.header("access-control-allow-methods")?.contains("POST") == true)
        let denied = try #require(await client.roundTrip(
            "OPTIONS /form HTTP/1.1\r\nHost: t\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n\r\n"))
        #expect(denied.status == 403)
        let actual = try #require(await client.roundTrip(
            "POST /form HTTP/1.1\r\nHost: t\r\nOrigin: https://example.com\r\nContent-Length: 0\r\n\r\n"))
        #expect(actual.status == 200)
        #expect(actual.header("access-control-allow-origin") == "https://example.com")
        let plainOptions = try #require(await client.roundTrip("OPTIONS /hello HTTP/1.1\r\nHost: t\r\n\r\n"))
        #expect(plainOptions.status == 204)
        #expect(plainOptions.header("allow") == "GET, HEAD, OPTIONS")
        await server.stop()
    }

    @Test func handlerThatDropsItsSinkStillAnswers() async throws {
        let server = try TestServer(routes: { router in
            router.add("GET", "/forgetful") { _, _ in }
        })
        let client = try server.client()
        #expect(await client.roundTrip("GET /forgetful HTTP/1.1\r\nHost: t\r\n\r\n")?.status == 500)
        #expect(await client.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")?.status == 200)
        await server.stop()
    }

    @Test func manyConcurrentClientsAreAllServed() async throws {
        let server = try TestServer()
        let port = server.port
        let statuses = await withTaskGroup(of: [Int].self) { group in
            for _ in 0..<32 {
                group.addTask {
                    guard let client = try? RawClient(port: port) else { return [] }
                    var statuses: [Int] = []
                    for _ in 0..<20 {
                        if let status = await client.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")?.status { statuses.append(status) }
                    }
                    return statuses
                }
            }
            return await group.reduce(into: [Int]()) { $0 += $1 }
        }
        #expect(statuses.count == 640)
        #expect(statuses.allSatisfy { $0 == 200 })
        await server.stop()
    }
}

import HTTPTestSupport
import HTTP1
import Testing

/// Each framing ambiguity is refused with a status and the connection is
/// closed, so nothing the attacker appended can be read as a new request.
@Suite("Request smuggling defences")
struct SmugglingTests {
    static let cases: [(name: String, request: String, status: Int)] = [
        ("CL and TE together", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("differing duplicate CL", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
        ("differing CL list", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5, 6\r\n\r\nhello!", 400),
        ("non-numeric CL", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5a\r\n\r\nhello", 400),
        ("negative CL", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\n\r\nhello", 400),
        ("signed CL", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: +5\r\n\r\nhello", 400),
        ("overflowing CL", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
        ("TE not ending in chunked", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
        ("TE identity", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: identity\r\n\r\n", 400),
        ("TE chunked twice", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("TE in HTTP/1.0", "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("unknown transfer coding", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("bad chunk size", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
        ("empty chunk size", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n", 400),
        ("overflowing chunk size", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nhello\r\n0\r\n\r\n", 400),
        ("missing CRLF after chunk data", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", 400),
        ("bare LF after chunk size", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400),
        ("whitespace before colon", "GET /hello HTTP/1.1\r\nHost: t\r\nContent-Length : 5\r\n\r\n", 400),
        ("obs-fold", "GET /hello HTTP/1.1\r\nHost: t\r\nX-Long: a\r\n  b\r\n\r\n", 400),
        ("bare CR in a field", "GET /hello HTTP/1.1\r\nHost: t\r\nX-A: a\rb\r\n\r\n", 400),
        ("bare LF line ending", "GET /hello HTTP/1.1\nHost: t\n\n", 400),
        ("bare LF inside the head", "GET /hello HTTP/1.1\r\nHost: t\nX-A: b\r\n\r\n", 400),
        ("NUL in a value", "GET /hello HTTP/1.1\r\nHost: t\r\nX-A: a\u{0}b\r\n\r\n", 400),
        ("control character in a value", "GET /hello HTTP/1.1\r\nHost: t\r\nX-A: a\u{1}b\r\n\r\n", 400),
        ("DEL in a value", "GET /hello HTTP/1.1\r\nHost: t\r\nX-A: a\u{7F}b\r\n\r\n", 400),
        ("missing Host", "GET /hello HTTP/1.1\r\n\r\n", 400),
        ("duplicate Host", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("space in the target", "GET /hel lo HTTP/1.1\r\nHost: t\r\n\r\n", 400),
        ("double space in request line", "GET  /hello HTTP/1.1\r\nHost: t\r\n\r\n", 400),
        ("lower-case version", "GET /hello http/1.1\r\nHost: t\r\n\r\n", 400),
        ("HTTP/2.0", "GET /hello HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        ("HTTP/0.9 style version", "GET /hello HTTP/0.9\r\nHost: t\r\n\r\n", 505),
        ("unknown expectation", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nExpect: 200-ok\r\n\r\nhi", 417),
        ("unsupported content coding", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Encoding: br\r\n\r\nhi", 415),
    ]

    @Test(arguments: 0..<SmugglingTests.cases.count)
    func refusedAndClosed(index: Int) async throws {
        let testCase = Self.cases[index]
        let server = try TestServer()
        let client = try server.client()
        // A smuggled request rides behind; it must never be answered.
        client.send(testCase.request + "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try #require(await client.readResponse(), "\(testCase.name): no response")
        #expect(response.status == testCase.status, "\(testCase.name)")
        #expect(response.header("connection") == "close", "\(testCase.name)")
        #expect(await client.readResponse() == nil, "\(testCase.name): a second response leaked out")
        await server.stop()
    }

    @Test func identicalDuplicateContentLengthIsAccepted() async throws {
        let server = try TestServer()
        let client = try server.client()
        let response = try #require(await client.roundTrip("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi"))
        #expect(response.status == 200)
        #expect(response.text == "hi")
        // The same as a list in one field (RFC 9112 §6.3).
        let listed = try #require(await client.roundTrip("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2 ,2\r\n\r\nhi"))
        #expect(listed.status == 200)
        #expect(listed.text == "hi")
        await server.stop()
    }

    @Test func leadingEmptyLinesBeforeARequestAreIgnored() async throws {
        let server = try TestServer()
        let client = try server.client()
        #expect(await client.roundTrip("\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")?.status == 200)
        await server.stop()
    }
}

import HTTPTestSupport
import HTTP1
import Testing

@Suite("gzip request and response bodies")
struct GzipTests {
    @Test func gzipRequestBodyIsDecodedForTheHandler() async throws {
        let server = try TestServer()
        let client = try server.client()
        let original = Array(String(repeating: "{\"event\":\"page_view\"}\n", count: 50).utf8)
        let compressed = GzipCodec.compress(original)
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(compressed.count)\r\n\r\n")
        client.send(compressed)
        let response = try #require(await client.readResponse())
        #expect(response.status == 200)
        #expect(response.body == original)
        await server.stop()
    }

    @Test func corruptGzipIs400() async throws {
        let server = try TestServer()
        let client = try server.client()
        #expect(await client.roundTrip("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello")?.status == 400)
        await server.stop()
    }

    @Test func truncatedGzipIs400() async throws {
        let server = try TestServer()
        let client = try server.client()
        let compressed = GzipCodec.compress(Array(String(repeating: "abc", count: 1000).utf8))
        let cut = Array(compressed.prefix(compressed.count / 2))
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(cut.count)\r\n\r\n")
        client.send(cut)
        #expect(await client.readResponse()?.status == 400)
        await server.stop()
    }

    @Test func zipBombIs413() async throws {
        let server = try TestServer(configure: { $0.maxDecompressedBodyBytes = 64 * 1024 })
        let client = try server.client()
        let bomb = GzipCodec.compress([UInt8](repeating: 0, count: 4 << 20))
        #expect(bomb.count < 10_000)
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(bomb.count)\r\n\r\n")
        client.send(bomb)
        #expect(await client.readResponse()?.status == 413)
        await server.stop()
    }

    @Test func largeResponsesAreGzippedWhenAccepted() async throws {
        let server = try TestServer()
        let client = try server.client()
        let plain = try #require(await client.roundTrip("GET /big HTTP/1.1\r\nHost: t\r\n\r\n"))
        #expect(plain.header("content-encoding") == nil)
        let zipped = try #require(await client.roundTrip("GET /big HTTP/1.1\r\nHost: t\r\nAccept-Encoding: br, gzip;q=0.8\r\n\r\n"))
        #expect(zipped.header("content-encoding") == "gzip")
        #expect(zipped.header("vary") == "Accept-Encoding")
        #expect(zipped.body.count < plain.body.count)
        #expect(try GzipCodec.decompress(zipped.body, limit: 1 << 20) == plain.body)
        let refused = try #require(await client.roundTrip("GET /big HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip;q=0\r\n\r\n"))
        #expect(refused.header("content-encoding") == nil)
        let small = try #require(await client.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n"))
        #expect(small.header("content-encoding") == nil)
        await server.stop()
    }

    @Test func concatenatedGzipMembersAreAllDecoded() throws {
        let joined = GzipCodec.compress(Array("hello ".utf8)) + GzipCodec.compress(Array("world".utf8))
        #expect(try GzipCodec.decompress(joined, limit: 100) == Array("hello world".utf8))
    }
}

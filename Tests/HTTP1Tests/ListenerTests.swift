import HTTPTestSupport
import Foundation
import HTTP1
import Testing

@Suite("Listening sockets")
struct ListenerTests {
    @Test func aSecondServerOnAPortInUseRefusesToStart() async throws {
        let first = try TestServer()
        var configuration = HTTPServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = first.port
        configuration.eventLoops = 2
        let second = HTTPServer(configuration: configuration, responder: Router())
        #expect(throws: HTTPServerError.self) { try second.start() }
        // Every new connection still reaches the first server.
        for _ in 0..<20 {
            let client = try first.client()
            #expect(await client.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")?.text == "hello")
        }
        await first.stop()
    }

    /// More loops than Dispatch's thread pool holds on Linux (about 255):
    /// every loop must still have a thread, or the connections the kernel
    /// hands its listener are never served.
    @Test func everyLoopServesEvenBeyondDispatchsThreadLimit() async throws {
        let server = try TestServer(configure: { $0.eventLoops = 300 })
        let port = server.port
        let answered = try await offCooperativePool {
            (0..<100).filter { _ in
                (try? RawClient(port: port, timeout: 5))?.roundTrip("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")?.text == "hello"
            }.count
        }
        #expect(answered == 100)
        await server.stop()
    }

    @Test func aPortHeldByAnotherReusePortGroupIsNotJoined() async throws {
        // Another process's SO_REUSEPORT listener: the server must not share its connections.
        let foreign = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(foreign) }
        var one: Int32 = 1
        setsockopt(foreign, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(foreign, pointer, length) == 0 && getsockname(foreign, pointer, &length) == 0
            }
        }
        try #require(bound && listen(foreign, 16) == 0)
        var configuration = HTTPServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = Int(UInt16(bigEndian: address.sin_port))
        configuration.eventLoops = 1
        let server = HTTPServer(configuration: configuration, responder: Router())
        #expect(throws: HTTPServerError.self) { try server.start() }
    }
}

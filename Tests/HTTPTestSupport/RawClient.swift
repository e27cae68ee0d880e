import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client for tests that speaks raw bytes, so tests can send exactly
/// what a hostile or broken client would.
public final class RawClient {
    public let fd: Int32
    private var buffer: [UInt8] = []
    /// Why the last read gave no response, for a test's failure message.
    public private(set) var failure: String?

    public struct Response: Sendable {
        public var status: Int
        public var reason: String
        public var headers: [(String, String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public init(port: Int, timeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            // Through close(), which marks it closed: a throwing init still runs
            // deinit, and a second close of the number could close another test's
            // descriptor (a server's connection or listener) that reused it.
            close()
            throw POSIXError(.ECONNREFUSED)
        }
        setTimeout(timeout)
    }

    private var closed = false
    /// Serial queues get their own thread when busy, so a test waiting on a
    /// socket never occupies one of the few Swift concurrency threads the
    /// server-side tasks need.
    private let queue = DispatchQueue(label: "raw-client")

    deinit { close() }

    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    public func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    public func send(_ text: String) { send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Reads more bytes; false on close or timeout.
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = Self.receive(fd, into: &chunk)
        guard n > 0 else {
            let reason = n == 0 ? "the server closed the connection" : "recv failed: \(String(cString: strerror(errno)))"
            failure = "\(reason) after \(buffer.count) unread bytes"
            return false
        }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// Reads one response; `bodyless` for answers to HEAD.
    public func readResponse(bodyless: Bool = false) -> Response? {
        var headEnd: Int?
        while headEnd == nil {
            headEnd = Self.find([13, 10, 13, 10], in: buffer)
            if headEnd == nil && !fill() { return nil }
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd! + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            failure = "unreadable status line in: \(head.prefix(200))"
            return nil
        }
        let headers = lines.map { line -> (String, String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        var response = Response(status: status, reason: statusLine.count > 2 ? String(statusLine[2]) : "", headers: headers, body: [])
        if status == 100 || bodyless || status == 204 || status == 304 { return response }
        let length = Int(response.header("content-length") ?? "0") ?? 0
        while buffer.count < length { if !fill() { return nil } }
        response.body = Array(buffer[0..<length])
        buffer.removeFirst(length)
        return response
    }

    /// True if the server closes the connection within the timeout.
    public func waitForClose() -> Bool {
        while true {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = Self.receive(fd, into: &chunk)
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// `recv`, again when a signal interrupted it: with SO_RCVTIMEO set, Linux
    /// does not restart it even under SA_RESTART, and the test process gets
    /// signals (the shutdown tests send itself SIGUSR2) while other tests wait here.
    private static func receive(_ fd: Int32, into chunk: inout [UInt8]) -> Int {
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }

    /// Sends `request` and reads one response.
    public func roundTrip(_ request: String) -> Response? {
        send(request)
        return readResponse()
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }

    // MARK: Async forms: the blocking calls, run off the cooperative pool.

    private func offPool<T>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    public func readResponse(bodyless: Bool = false) async -> Response? {
        nonisolated(unsafe) let client = self
        return await offPool { client.readResponse(bodyless: bodyless) }
    }

    public func waitForClose() async -> Bool {
        nonisolated(unsafe) let client = self
        return await offPool { client.waitForClose() }
    }

    public func roundTrip(_ request: String) async -> Response? {
        nonisolated(unsafe) let client = self
        return await offPool { client.roundTrip(request) }
    }
}

/// Runs blocking work (sockets, TLS handshakes) on a thread of its own, so
/// async tests never tie up the Swift concurrency threads the server uses.
public func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}

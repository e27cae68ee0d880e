import CEpoll
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Errors starting the server.
public enum HTTPServerError: Error, CustomStringConvertible {
    case system(String, Int32)
    case invalidAddress(String)

    public var description: String {
        switch self {
        case .system(let what, let code): "\(what): \(String(cString: strerror(code)))"
        case .invalidAddress(let host): "cannot bind to \(host)"
        }
    }
}

/// The HTTP/1.1 server: one epoll event loop per core, each with its own
/// `SO_REUSEPORT` listener so the kernel spreads connections and no lock
/// sits on the request path.
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    private let state: ServerState
    private let boundPort = Mutex<Int>(0)
    private let loops = Mutex<[EventLoop]>([])

    public init(configuration: HTTPServerConfiguration, responder: HTTPResponder) {
        self.configuration = configuration
        self.state = ServerState(configuration: configuration, responder: responder)
    }

    /// The port actually bound (useful when configured with port 0).
    public var port: Int { boundPort.withLock { $0 } }

    /// Binds the listeners and starts the loops; returns once accepting.
    public func start() throws {
        if let tls = configuration.tls { state.tls = try TLSContext(tls) }
        // A peer that disappears mid-write must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        let count = max(1, configuration.eventLoops)
        var port = configuration.port
        var listeners: [Int32] = []
        do {
            for _ in 0..<count {
                // The first listener binds alone, then opens the group to its siblings.
                // Joining before bind would let it join a group another process already
                // holds on that port (a second instance, or anything binding port 0 in
                // between), and the kernel would split connections between the two.
                let fd = try Self.listen(host: configuration.host, port: port, joinGroupBeforeBind: !listeners.isEmpty)
                listeners.append(fd)
                if port == 0 { port = Self.localPort(fd) }
            }
        } catch {
            listeners.forEach { _ = Glibc.close($0) }
            throw error
        }
        boundPort.withLock { $0 = port }
        let created = try listeners.map { try EventLoop(listenFD: $0, shared: state) }
        loops.withLock { $0 = created }
        for (index, loop) in created.enumerated() {
            state.loopStarted()
            do {
                try LoopThread.start(name: "http1.loop.\(index)") { loop.run() }
            } catch {
                // The loops already running wind down; this one never started.
                state.loopStopped()
                beginShutdown()
                throw error
            }
        }
    }

    /// Graceful shutdown: stop accepting, let in-flight requests finish
    /// (up to `shutdownGracePeriod`), close every connection. Returns when done.
    public func shutdown() async {
        beginShutdown()
        await waitUntilStopped()
    }

    /// Starts the graceful shutdown of `shutdown()` without waiting for it,
    /// from any thread; `waitUntilStopped()` returns once it is complete.
    public func beginShutdown() {
        let deadline = MonotonicClock.now() + configuration.shutdownGracePeriod.nanoseconds
        for loop in loops.withLock({ $0 }) { loop.beginShutdown(deadline: deadline) }
    }

    /// Returns once every loop has stopped.
    public func waitUntilStopped() async {
        await withCheckedContinuation { continuation in
            state.onStopped { continuation.resume() }
        }
    }

    /// Open connections right now, across all loops.
    public var connectionCount: Int { state.openConnections }

    private static func listen(host: String, port: Int, joinGroupBeforeBind: Bool) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw HTTPServerError.invalidAddress(host)
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HTTPServerError.system("socket", errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if joinGroupBeforeBind { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw HTTPServerError.system("bind \(host):\(port)", code)
        }
        // Set before listen(), the other loops' listeners can still join this port.
        if !joinGroupBeforeBind { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
        guard Glibc.listen(fd, 4096) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw HTTPServerError.system("listen", code)
        }
        return fd
    }

    private static func localPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }
}

/// What the loops share: configuration, the responder, TLS, the global
/// connection count and the bookkeeping for stopping.
final class ServerState: @unchecked Sendable {
    let configuration: HTTPServerConfiguration
    let responder: HTTPResponder
    // Set once in `start()` before any loop runs.
    var tls: TLSContext?
    private let connections = Atomic<Int>(0)
    private let lifecycle = Mutex<(running: Int, started: Bool, waiters: [@Sendable () -> Void])>((0, false, []))

    init(configuration: HTTPServerConfiguration, responder: HTTPResponder) {
        self.configuration = configuration
        self.responder = responder
    }

    var openConnections: Int { connections.load(ordering: .relaxed) }

    func reserveConnection() -> Bool {
        let after = connections.wrappingAdd(1, ordering: .relaxed).newValue
        if after > configuration.maxConnections {
            connections.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func releaseConnection() { connections.wrappingSubtract(1, ordering: .relaxed) }

    func loopStarted() {
        lifecycle.withLock {
            $0.running += 1
            $0.started = true
        }
    }

    func loopStopped() {
        let waiters = lifecycle.withLock { state -> [@Sendable () -> Void] in
            state.running -= 1
            guard state.running == 0 else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0() }
    }

    func onStopped(_ callback: @escaping @Sendable () -> Void) {
        let runNow = lifecycle.withLock { state -> Bool in
            if state.started && state.running == 0 { return true }
            state.waiters.append(callback)
            return false
        }
        if runNow { callback() }
    }
}

import CEpoll
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One epoll instance, its own `SO_REUSEPORT` listening socket and the
/// connections the kernel hands it, all driven from one thread of its own.
/// Nothing here is shared with other loops except the connection counter.
final class EventLoop: @unchecked Sendable {
    private enum Message {
        case completion(token: UInt64, serial: UInt64, response: HTTPResponse)
        case shutdown(deadline: UInt64)
    }

    let configuration: HTTPServerConfiguration
    let responder: HTTPResponder
    let encoder: ResponseEncoder
    let scratch: UnsafeMutableRawBufferPointer
    private(set) var now: UInt64 = MonotonicClock.now()
    private(set) var isDraining = false

    private let shared: ServerState
    private let epfd: Int32
    private let wakeFD: Int32
    private var listenFD: Int32
    private var connections: [Connection?] = []
    private var connectionCount = 0
    private var generation: UInt64 = 0
    private var thread = pthread_t()
    private var localCompletions: [(token: UInt64, serial: UInt64, response: HTTPResponse)] = []
    /// Work handlers deferred until the ready events are handled (`HTTPResponseSink.afterReadyEvents`).
    private var deferred: [() -> Void] = []
    private var spareDeferred: [() -> Void] = []
    private let mailbox = Mutex<[Message]>([])
    /// Set when the mailbox gets its first message; lets the loop answer
    /// between two connections' events, not only after the whole round.
    private let mailboxFilled = Atomic<Bool>(false)
    /// The mailbox's other buffer: drained messages are swapped out into it,
    /// so neither side reallocates a buffer per wake-up (messages carry
    /// whole responses, and buffers of them are big enough that each
    /// reallocation made malloc consolidate its free lists).
    private var spareMailbox: [Message] = []
    private var dateCache = HTTPDateCache()
    private var drainDeadline: UInt64 = 0
    private var nextSweep: UInt64 = 0
    private var acceptPausedUntil: UInt64 = 0

    private static let listenToken: UInt64 = .max
    private static let wakeToken: UInt64 = .max - 1
    private static let sweepInterval: UInt64 = 250_000_000

    init(listenFD: Int32, shared: ServerState) throws {
        self.listenFD = listenFD
        self.shared = shared
        self.configuration = shared.configuration
        self.responder = shared.responder
        self.encoder = ResponseEncoder(gzipMinimumBytes: shared.configuration.gzipMinimumBytes)
        self.scratch = .allocate(byteCount: 64 * 1024, alignment: 16)
        epfd = cepoll_create()
        wakeFD = cepoll_eventfd()
        guard epfd >= 0, wakeFD >= 0 else { throw HTTPServerError.system("epoll setup", errno) }
        _ = cepoll_add(epfd, listenFD, UInt32(CEPOLL_IN), Self.listenToken)
        _ = cepoll_add(epfd, wakeFD, UInt32(CEPOLL_IN), Self.wakeToken)
    }

    deinit {
        scratch.deallocate()
        Glibc.close(epfd)
        Glibc.close(wakeFD)
    }

    func date() -> [UInt8] { dateCache.current() }

    // MARK: Cross-thread entry points

    /// Routes a handler's response back to its connection, from any thread.
    func complete(token: UInt64, serial: UInt64, response: HTTPResponse) {
        if pthread_equal(pthread_self(), thread) != 0 {
            localCompletions.append((token, serial, response))
        } else {
            post(.completion(token: token, serial: serial, response: response))
        }
    }

    func beginShutdown(deadline: UInt64) { post(.shutdown(deadline: deadline)) }

    /// Whether the caller runs on this loop's thread.
    var isCurrent: Bool { pthread_equal(pthread_self(), thread) != 0 }

    /// Runs `work` after the events of this round; on the loop's thread only.
    func afterReadyEvents(_ work: @escaping () -> Void) { deferred.append(work) }

    private func post(_ message: Message) {
        let wasEmpty = mailbox.withLock { box in
            box.append(message)
            guard box.count == 1 else { return false }
            mailboxFilled.store(true, ordering: .relaxed)
            return true
        }
        if wasEmpty { _ = cepoll_eventfd_signal(wakeFD) }
    }

    // MARK: The loop

    func run() {
        thread = pthread_self()
        var events = [cepoll_event](repeating: cepoll_event(), count: 256)
        while true {
            let count = events.withUnsafeMutableBufferPointer { cepoll_wait(epfd, $0.baseAddress, Int32($0.count), 100) }
            now = MonotonicClock.now()
            for index in 0..<Int(max(0, count)) {
                let event = events[index]
                switch event.token {
                case Self.listenToken: acceptConnections()
                case Self.wakeToken: drainMailbox()
                default:
                    let fd = Int(truncatingIfNeeded: event.token & 0xFFFF_FFFF)
                    if fd < connections.count, let connection = connections[fd], connection.token == event.token {
                        connection.handle(events: event.events)
                    }
                    // Responses that became ready meanwhile go out now rather than after the round.
                    if mailboxFilled.load(ordering: .relaxed) { drainMailbox() }
                }
                runLocalCompletions()
            }
            runDeferred()
            if now >= nextSweep { sweep() }
            if isDraining && (connectionCount == 0 || now >= drainDeadline) { break }
        }
        for case let connection? in connections { connection.close() }
        shared.loopStopped()
    }

    private func runLocalCompletions() {
        while !localCompletions.isEmpty {
            let batch = localCompletions
            localCompletions.removeAll(keepingCapacity: true)
            for item in batch { deliver(item.token, item.serial, item.response) }
        }
    }

    /// Deferred work may answer (and so start a pipelined request that defers again): until none is left.
    private func runDeferred() {
        while !deferred.isEmpty {
            var batch = spareDeferred
            swap(&batch, &deferred)
            for work in batch { work() }
            batch.removeAll(keepingCapacity: true)
            spareDeferred = batch
            runLocalCompletions()
        }
    }

    private func deliver(_ token: UInt64, _ serial: UInt64, _ response: HTTPResponse) {
        let fd = Int(truncatingIfNeeded: token & 0xFFFF_FFFF)
        guard fd < connections.count, let connection = connections[fd], connection.token == token else { return }
        connection.complete(serial: serial, response: response)
    }

    private func drainMailbox() {
        _ = cepoll_eventfd_drain(wakeFD)
        var messages = spareMailbox
        spareMailbox = []
        mailbox.withLock { box in
            swap(&box, &messages)
            mailboxFilled.store(false, ordering: .relaxed)
        }
        defer {
            messages.removeAll(keepingCapacity: true)
            spareMailbox = messages
        }
        for message in messages {
            switch message {
            case .completion(let token, let serial, let response):
                deliver(token, serial, response)
            case .shutdown(let deadline):
                guard !isDraining else { continue }
                isDraining = true
                drainDeadline = deadline
                stopListening()
                for case let connection? in connections { connection.beginShutdown() }
            }
        }
    }

    private func sweep() {
        nextSweep = now + Self.sweepInterval
        if acceptPausedUntil != 0 && now >= acceptPausedUntil && listenFD >= 0 {
            acceptPausedUntil = 0
            _ = cepoll_add(epfd, listenFD, UInt32(CEPOLL_IN), Self.listenToken)
        }
        for case let connection? in connections { connection.checkDeadlines(now: now) }
    }

    // MARK: Connections

    private func acceptConnections() {
        var peer = [CChar](repeating: 0, count: 64)
        while listenFD >= 0 {
            let fd = cepoll_accept(listenFD, &peer, Int32(peer.count))
            if fd < 0 {
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
                    // Out of descriptors: stop polling the listener briefly instead of spinning on it.
                    _ = cepoll_remove(epfd, listenFD)
                    acceptPausedUntil = now + 100_000_000
                }
                return
            }
            guard shared.reserveConnection() else {
                refuseOverCapacity(fd)
                continue
            }
            guard let transport = SocketTransport.make(fd: fd, tls: shared.tls) else {
                shared.releaseConnection()
                Glibc.close(fd)
                continue
            }
            generation &+= 1
            let token = UInt64(UInt32(fd)) | (generation << 32 & 0x7FFF_FFFF_0000_0000)
            let remote = String(decoding: peer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let connection = Connection(fd: fd, token: token, loop: self, transport: transport, remoteAddress: remote, now: now)
            if Int(fd) >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: Int(fd) - connections.count + 1024))
            }
            connections[Int(fd)] = connection
            connectionCount += 1
            let interest = UInt32(CEPOLL_IN | CEPOLL_OUT | CEPOLL_RDHUP) | UInt32(bitPattern: Int32(CEPOLL_ET))
            if cepoll_add(epfd, fd, interest, token) != 0 {
                connection.close()
            }
        }
    }

    /// Past `maxConnections`: say so and close, rather than leave the client hanging.
    private func refuseOverCapacity(_ fd: Int32) {
        let reply = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        _ = reply.utf8.withContiguousStorageIfAvailable { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        Glibc.close(fd)
    }

    func connectionClosed(_ connection: Connection) {
        let fd = Int(connection.fd)
        guard fd < connections.count, connections[fd] === connection else { return }
        connections[fd] = nil
        connectionCount -= 1
        shared.releaseConnection()
    }

    private func stopListening() {
        guard listenFD >= 0 else { return }
        _ = cepoll_remove(epfd, listenFD)
        Glibc.close(listenFD)
        listenFD = -1
    }
}

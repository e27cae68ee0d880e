import CEpoll

/// One client connection, owned by exactly one event loop and touched only
/// on its thread. Requests are handled one at a time, so pipelined
/// responses leave in request order by construction.
final class Connection {
    private enum State {
        /// Waiting for (more of) a request head.
        case head
        /// Reading the body of the request whose head is pending.
        case body
        /// A handler owns the request; input is buffered, not parsed.
        case waiting
        /// The last response is queued; input is read and discarded until the
        /// peer closes, so closing cannot reset the response away.
        case draining
        case closed
    }

    private enum Deadline {
        case none, header, idle, body, drain
    }

    let fd: Int32
    let token: UInt64
    private unowned let loop: EventLoop
    private let transport: SocketTransport
    private let remoteAddress: String

    private var state: State = .head
    private var input: [UInt8] = []
    private var inputStart = 0
    private var output: [UInt8] = []
    private var outputStart = 0
    private var canRead = true
    private var canWrite = true
    private var peerClosed = false
    private var closeAfterFlush = false

    private var parser: RequestHeadParser
    private var pendingHead: RequestHead?
    private var bodyRemaining = 0
    private var chunkDecoder: ChunkedBodyDecoder?
    private var body: [UInt8] = []

    private var serial: UInt64 = 0
    private var keepAlive = true
    private var isHeadRequest = false
    private var acceptsGzip = false
    private var keepAliveHTTP10 = false

    private var deadlineKind: Deadline = .none
    private var deadline: UInt64 = 0
    private var writeDeadline: UInt64 = 0

    private static let acceptedCodings: Set<String> = ["gzip", "x-gzip", "identity"]

    init(fd: Int32, token: UInt64, loop: EventLoop, transport: SocketTransport, remoteAddress: String, now: UInt64) {
        self.fd = fd
        self.token = token
        self.loop = loop
        self.transport = transport
        self.remoteAddress = remoteAddress
        self.parser = RequestHeadParser(limits: loop.configuration.headLimits)
        // A new connection must send its first request within the header timeout.
        setDeadline(.header, now: now)
    }

    var isClosed: Bool { if case .closed = state { true } else { false } }

    /// Idle between requests with nothing buffered: safe to close on shutdown.
    var isIdle: Bool {
        if case .head = state, inputStart == input.count, outputStart == output.count { return true }
        return false
    }

    // MARK: Events

    func handle(events: UInt32) {
        if events & UInt32(CEPOLL_ERR) != 0 {
            close()
            return
        }
        if events & UInt32(CEPOLL_OUT) != 0 { canWrite = true }
        if events & UInt32(CEPOLL_IN | CEPOLL_RDHUP | CEPOLL_HUP) != 0 { canRead = true }
        // TLS may need to read to make progress on a write and vice versa.
        if transport.isSecure { canRead = true }
        if outputStart < output.count { flush() }
        readAvailable()
        process()
    }

    /// Delivers a handler's response, if it still belongs to the current request.
    func complete(serial: UInt64, response: HTTPResponse) {
        guard case .waiting = state, serial == self.serial else { return }
        let close = !keepAlive || loop.isDraining
        loop.encoder.encode(
            response, isHead: isHeadRequest, acceptsGzip: acceptsGzip, close: close,
            keepAliveHTTP10: keepAliveHTTP10 && !close, date: loop.date(), into: &output
        )
        if close {
            closeAfterFlush = true
            state = .draining
        } else {
            state = .head
            setDeadline(.idle, now: loop.now)
        }
        flush()
        if case .closed = state { return }
        // Requests pipelined behind this one may already be buffered.
        readAvailable()
        process()
    }

    func checkDeadlines(now: UInt64) {
        if writeDeadline != 0 && now >= writeDeadline {
            close()
            return
        }
        guard deadline != 0 && now >= deadline else { return }
        switch deadlineKind {
        case .header, .body:
            fail(status: .requestTimeout, detail: "the request was not received in time")
        case .idle, .drain, .none:
            close()
        }
    }

    /// Shutdown began: finish the current request, then close.
    func beginShutdown() {
        keepAlive = false
        if isIdle { return close() }
        // A connection lingering only to let its last response arrive needs no more time.
        if case .draining = state, outputStart == output.count { close() }
    }

    // MARK: Reading

    private func readAvailable() {
        let scratch = loop.scratch
        while canRead && !peerClosed {
            if case .closed = state { return }
            // While a handler runs, buffer only a bounded amount of pipelined input.
            if case .waiting = state, input.count - inputStart >= loop.configuration.headLimits.maxHeaderBytes { return }
            switch transport.read(into: scratch.baseAddress!, count: scratch.count) {
            case .bytes(let n):
                if case .draining = state {
                    continue
                }
                compactInput()
                input.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                // With edge-triggered epoll a short read means the socket is drained;
                // new data raises a new edge. TLS records do not allow that shortcut.
                if n < scratch.count, !transport.isSecure { canRead = false }
            case .wouldBlock:
                canRead = false
            case .closed:
                peerClosed = true
                canRead = false
            }
        }
    }

    private func compactInput() {
        if inputStart == input.count {
            input.removeAll(keepingCapacity: true)
            inputStart = 0
        } else if inputStart >= 16 * 1024 {
            input.removeFirst(inputStart)
            inputStart = 0
        }
    }

    private func process() {
        while true {
            switch state {
            case .closed:
                return
            case .draining:
                input.removeAll(keepingCapacity: true)
                inputStart = 0
                if peerClosed { close() }
                return
            case .waiting:
                return
            case .head:
                guard inputStart < input.count else {
                    if peerClosed { close() }
                    return
                }
                let outcome = input.withUnsafeBufferPointer { parser.parse(UnsafeBufferPointer(rebasing: $0[inputStart...])) }
                switch outcome {
                case .incomplete:
                    if deadlineKind == .idle { setDeadline(.header, now: loop.now) }
                    if peerClosed { close() }
                    return
                case .failure(let error):
                    fail(status: error.status, detail: error.detail)
                    return
                case .complete(let head, let consumed):
                    inputStart += consumed
                    parser.reset()
                    begin(head)
                }
            case .body:
                guard readBody() else {
                    if peerClosed { close() }
                    return
                }
                dispatch()
            }
        }
    }

    /// Validates framing and limits for a new head, then reads the body or dispatches.
    private func begin(_ head: RequestHead) {
        let framing: BodyFraming
        switch BodyFraming.of(head) {
        case .success(let value): framing = value
        case .failure(let error): return fail(status: error.status, detail: error.detail)
        }
        var expectsContinue = false
        if let expect = head.headers["expect"], head.isHTTP11 {
            guard expect.lowercased() == "100-continue" else {
                return fail(status: .expectationFailed, detail: HTTPParseError.unknownExpectation.detail)
            }
            expectsContinue = true
        }
        if head.headers.contains("content-encoding"),
           head.headers.tokens("content-encoding").contains(where: { !Self.acceptedCodings.contains($0) }) {
            return fail(status: .unsupportedMediaType, detail: HTTPParseError.unsupportedContentEncoding.detail)
        }
        pendingHead = head
        body = []
        switch framing {
        case .none:
            dispatch()
            return
        case .length(let length):
            // Refuse before reading a byte of the body.
            guard length <= loop.configuration.maxBodyBytes else {
                return fail(status: .contentTooLarge, detail: HTTPParseError.bodyTooLarge.detail)
            }
            bodyRemaining = length
            chunkDecoder = nil
            body.reserveCapacity(length)
        case .chunked:
            chunkDecoder = ChunkedBodyDecoder(
                maxBodyBytes: loop.configuration.maxBodyBytes,
                maxTrailerBytes: loop.configuration.headLimits.maxHeaderBytes,
                maxTrailerFields: loop.configuration.headLimits.maxHeaderFields
            )
        }
        state = .body
        setDeadline(.body, now: loop.now)
        if expectsContinue && inputStart == input.count {
            output.append(contentsOf: ResponseEncoder.continueLine)
            flush()
        }
    }

    /// Moves buffered bytes into the body; true once the body is complete.
    private func readBody() -> Bool {
        if var decoder = chunkDecoder {
            let outcome = input.withUnsafeBufferPointer { decoder.decode(UnsafeBufferPointer(rebasing: $0[inputStart...]), into: &body) }
            chunkDecoder = decoder
            switch outcome {
            case .needMore:
                inputStart = input.count
                return false
            case .done(let consumed):
                inputStart += consumed
                return true
            case .failure(let error):
                fail(status: error.status, detail: error.detail)
                return false
            }
        }
        let take = min(bodyRemaining, input.count - inputStart)
        body.append(contentsOf: input[inputStart..<(inputStart + take)])
        inputStart += take
        bodyRemaining -= take
        return bodyRemaining == 0
    }

    private func dispatch() {
        guard let head = pendingHead else { return }
        pendingHead = nil
        var content = body
        body = []
        if !content.isEmpty, head.headers.contains("content-encoding"),
           head.headers.tokens("content-encoding").contains(where: { $0 == "gzip" || $0 == "x-gzip" }) {
            do {
                content = try GzipCodec.decompress(content, limit: loop.configuration.maxDecompressedBodyBytes)
            } catch .limitExceeded {
                return fail(status: .contentTooLarge, detail: HTTPParseError.decompressedBodyTooLarge.detail)
            } catch {
                return fail(status: .badRequest, detail: HTTPParseError.invalidContentEncoding.detail)
            }
        }
        serial &+= 1
        state = .waiting
        deadline = 0
        deadlineKind = .none
        keepAlive = keepAlive && head.wantsKeepAlive
        keepAliveHTTP10 = !head.isHTTP11 && keepAlive
        isHeadRequest = head.method == "HEAD"
        acceptsGzip = head.headers.contains("accept-encoding") && ResponseEncoder.acceptsGzip(head.headers)
        let request = HTTPRequest(
            method: head.method, target: head.target, headers: head.headers, body: content,
            trailers: chunkDecoder?.trailers ?? HTTPHeaders(), versionMinor: head.versionMinor,
            remoteAddress: remoteAddress, isSecure: transport.isSecure
        )
        chunkDecoder = nil
        let loop = self.loop, token = self.token, serial = self.serial
        let sink = HTTPResponseSink(loop: loop) { response in loop.complete(token: token, serial: serial, response: response) }
        loop.responder.respond(to: request, sink: sink)
    }

    /// Answers an error the server detected itself, then closes.
    private func fail(status: HTTPStatus, detail: String) {
        if case .closed = state { return }
        pendingHead = nil
        chunkDecoder = nil
        body = []
        // A response may not be interleaved with one already under way.
        if case .waiting = state { return close() }
        loop.encoder.encode(
            .problem(status, detail: detail), isHead: false, acceptsGzip: false, close: true,
            keepAliveHTTP10: false, date: loop.date(), into: &output
        )
        closeAfterFlush = true
        state = .draining
        flush()
    }

    // MARK: Writing

    private func flush() {
        while outputStart < output.count && canWrite {
            let result = output.withUnsafeBytes { raw in
                transport.write(raw.baseAddress! + outputStart, count: raw.count - outputStart)
            }
            switch result {
            case .bytes(let n): outputStart += n
            case .wouldBlock: canWrite = false
            case .closed: return close()
            }
        }
        guard outputStart == output.count else {
            if writeDeadline == 0 { writeDeadline = loop.now + loop.configuration.writeTimeout.nanoseconds }
            return
        }
        output.removeAll(keepingCapacity: output.capacity <= 64 * 1024)
        outputStart = 0
        writeDeadline = 0
        if closeAfterFlush {
            closeAfterFlush = false
            transport.shutdownWrite()
            setDeadline(.drain, now: loop.now)
            // Lingering protects the response from a reset; a stopping server cannot wait for it.
            if peerClosed || loop.isDraining { close() }
        }
    }

    private func setDeadline(_ kind: Deadline, now: UInt64) {
        deadlineKind = kind
        let configuration = loop.configuration
        switch kind {
        case .none: deadline = 0
        case .header: deadline = now + configuration.headerTimeout.nanoseconds
        case .idle: deadline = now + configuration.idleTimeout.nanoseconds
        case .body: deadline = now + configuration.bodyTimeout.nanoseconds
        case .drain: deadline = now + 2_000_000_000
        }
    }

    func close() {
        if case .closed = state { return }
        state = .closed
        transport.close()
        loop.connectionClosed(self)
    }
}

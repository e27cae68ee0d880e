import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// Byte I/O on one non-blocking socket, in the clear or through TLS.
enum SocketTransport {
    case plain(Int32)
    case tls(Int32, OpaquePointer)

    /// The outcome of one read or write attempt.
    enum IOResult {
        case bytes(Int)
        case wouldBlock
        case closed
    }

    static func make(fd: Int32, tls: TLSContext?) -> SocketTransport? {
        guard let tls else { return .plain(fd) }
        guard let ssl = SSL_new(tls.context) else { return nil }
        SSL_set_fd(ssl, fd)
        SSL_set_accept_state(ssl)
        return .tls(fd, ssl)
    }

    var isSecure: Bool { if case .tls = self { true } else { false } }

    func read(into buffer: UnsafeMutableRawPointer, count: Int) -> IOResult {
        switch self {
        case .plain(let fd):
            let n = Glibc.read(fd, buffer, count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .closed }
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .wouldBlock : .closed
        case .tls(_, let ssl):
            ERR_clear_error()
            let n = SSL_read(ssl, buffer, Int32(clamping: count))
            if n > 0 { return .bytes(Int(n)) }
            return Self.classify(ssl, n)
        }
    }

    func write(_ buffer: UnsafeRawPointer, count: Int) -> IOResult {
        switch self {
        case .plain(let fd):
            let n = send(fd, buffer, count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .bytes(n) }
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .wouldBlock : .closed
        case .tls(_, let ssl):
            ERR_clear_error()
            let n = SSL_write(ssl, buffer, Int32(clamping: count))
            if n > 0 { return .bytes(Int(n)) }
            return Self.classify(ssl, n)
        }
    }

    /// Stops sending; the peer sees end of stream after the queued bytes.
    func shutdownWrite() {
        switch self {
        case .plain(let fd):
            Glibc.shutdown(fd, Int32(SHUT_WR))
        case .tls(let fd, let ssl):
            ERR_clear_error()
            SSL_shutdown(ssl)
            Glibc.shutdown(fd, Int32(SHUT_WR))
        }
    }

    func close() {
        switch self {
        case .plain(let fd):
            Glibc.close(fd)
        case .tls(let fd, let ssl):
            SSL_free(ssl)
            Glibc.close(fd)
        }
    }

    private static func classify(_ ssl: OpaquePointer, _ result: Int32) -> IOResult {
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: .wouldBlock
        default: .closed
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Every limit and timeout of the server, with the defaults it ships with.
public struct HTTPServerConfiguration: Sendable {
    /// Address to bind. Default `127.0.0.1`.
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks a free one. Default 8080.
    public var port: Int = 8080
    /// Event loops (one epoll instance and thread each). Default: one per core.
    public var eventLoops: Int = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    /// Open connections across all loops; further ones get 503 and are closed. Default 10,000.
    public var maxConnections: Int = 10_000
    /// Request line + header section (431), request target (414), field count (431).
    /// Defaults 16 KiB, 8 KiB, 100.
    public var headLimits = RequestHeadParser.Limits()
    /// Request body as received, before decompression (413, answered before reading it). Default 1 MiB.
    public var maxBodyBytes: Int = 1 << 20
    /// Request body after gzip decoding, the zip-bomb guard (413). Default 8 MiB.
    public var maxDecompressedBodyBytes: Int = 8 << 20
    /// From a request's first byte (or the connection's accept) until its head is complete (408). Default 10 s.
    public var headerTimeout: Duration = .seconds(10)
    /// Between requests on a keep-alive connection; the connection closes silently. Default 60 s.
    public var idleTimeout: Duration = .seconds(60)
    /// From the end of the head until the whole body has arrived (408). Default 30 s.
    public var bodyTimeout: Duration = .seconds(30)
    /// A response that the client does not read within this time closes the connection. Default 30 s.
    public var writeTimeout: Duration = .seconds(30)
    /// How long a graceful shutdown waits for in-flight requests. Default 10 s.
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// Smallest response body worth gzip-encoding. Default 1 KiB.
    public var gzipMinimumBytes: Int = 1024
    /// Serve HTTPS with this certificate and key. Default: plain HTTP.
    public var tls: TLSConfiguration?

    public init() {}
}

/// PEM files for TLS termination.
public struct TLSConfiguration: Sendable {
    /// Certificate chain, leaf first.
    public var certificatePath: String
    public var privateKeyPath: String

    public init(certificatePath: String, privateKeyPath: String) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
    }
}

extension Duration {
    /// Whole nanoseconds, for the monotonic clock arithmetic of the loops.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}

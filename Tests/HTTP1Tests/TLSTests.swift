import HTTPTestSupport
import COpenSSL
import Foundation
import HTTP1
import Testing

@Suite("TLS termination")
struct TLSTests {
    /// A throwaway self-signed certificate for `localhost`.
    static func makeCertificate() throws -> (directory: URL, cert: String, key: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mqlgate-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let process = try ChildProcess("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
        ])
        #expect(process.wait() == .exited(0))
        return (directory, cert, key)
    }

    /// Sends `request` over TLS, verifying the server against `trust`, and returns the raw reply.
    static func tlsExchange(port: Int, trust: String, request: String) throws -> String {
        let client = try RawClient(port: port)
        let context = try #require(SSL_CTX_new(TLS_client_method()))
        defer { SSL_CTX_free(context) }
        #expect(SSL_CTX_load_verify_locations(context, trust, nil) == 1)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        let ssl = try #require(SSL_new(context))
        defer { SSL_free(ssl) }
        SSL_set_fd(ssl, client.fd)
        _ = mqlgate_SSL_set_tlsext_host_name(ssl, "localhost")
        X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), "localhost", 0)
        guard SSL_connect(ssl) == 1 else { throw POSIXError(.EPROTO) }
        #expect(SSL_get_verify_result(ssl) == X509_V_OK)
        _ = request.withCString { SSL_write(ssl, $0, Int32(strlen($0))) }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = SSL_read(ssl, &buffer, Int32(buffer.count))
            if n <= 0 { break }
            reply += buffer[0..<Int(n)]
        }
        return String(decoding: reply, as: UTF8.self)
    }

    @Test func servesRequestsOverTLS() async throws {
        let (directory, cert, key) = try Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try TestServer(configure: { $0.tls = TLSConfiguration(certificatePath: cert, privateKeyPath: key) })
        let port = server.port
        let reply = try await offCooperativePool { try Self.tlsExchange(
            port: port, trust: cert,
            request: "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\nPOST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"
        ) }
        #expect(reply.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(reply.contains("\r\n\r\nhello"))
        #expect(reply.hasSuffix("\r\n\r\nabc"))
        await server.stop()
    }

    @Test func plainTextClientOnATLSPortGetsNoHTTPResponse() async throws {
        let (directory, cert, key) = try Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try TestServer(configure: { $0.tls = TLSConfiguration(certificatePath: cert, privateKeyPath: key) })
        let client = try server.client()
        client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(await client.readResponse() == nil)
        await server.stop()
    }

    @Test func missingCertificateFailsAtStart() {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.tls = TLSConfiguration(certificatePath: "/nonexistent/cert.pem", privateKeyPath: "/nonexistent/key.pem")
        let server = HTTPServer(configuration: configuration, responder: Router())
        #expect(throws: (any Error).self) { try server.start() }
    }
}

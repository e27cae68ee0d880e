import COpenSSL

/// An OpenSSL server context loaded from PEM files; one per server, shared
/// by every connection (OpenSSL contexts are safe to share once built).
final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer

    enum Failure: Error, CustomStringConvertible {
        case openSSL(String)
        var description: String {
            switch self { case .openSSL(let message): "TLS: \(message)" }
        }
    }

    init(_ configuration: TLSConfiguration) throws {
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw Failure.openSSL(Self.lastError()) }
        self.context = context
        _ = mqlgate_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION)
        _ = mqlgate_SSL_CTX_set_mode(context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        guard SSL_CTX_use_certificate_chain_file(context, configuration.certificatePath) == 1 else {
            throw Failure.openSSL("certificate \(configuration.certificatePath): \(Self.lastError())")
        }
        guard SSL_CTX_use_PrivateKey_file(context, configuration.privateKeyPath, SSL_FILETYPE_PEM) == 1 else {
            throw Failure.openSSL("private key \(configuration.privateKeyPath): \(Self.lastError())")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw Failure.openSSL("private key does not match the certificate")
        }
    }

    deinit { SSL_CTX_free(context) }

    static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "unknown error" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

import Foundation
import HTTP1
import Yams

/// Walks the YAML of `mqlgate.yaml`, filling a `ServiceConfiguration` and
/// collecting every problem with its line. Unknown keys are errors: a
/// misspelt limit must not silently fall back to its default.
struct ConfigurationReader {
    let file: String
    var issues: [ServiceConfiguration.Issue] = []

    mutating func fail(_ node: Node?, _ key: String, _ message: String) {
        issues.append(.init(file: file, line: node?.mark?.line ?? 1, key: key, message: message))
    }

    mutating func read(_ root: Node, into c: inout ServiceConfiguration) {
        guard let sections = mapping(root, "config", allowed: ["server", "tls", "storage", "auth", "rate_limit", "webhooks", "inbound", "forms", "logging", "breaches"]) else { return }
        if let server = sections["server"].flatMap({ mapping($0, "server", allowed: Self.serverKeys) }) {
            for (key, node) in server { applyServer(key, node.scalar?.string, node, to: &c) }
        }
        if let tls = sections["tls"].flatMap({ mapping($0, "tls", allowed: ["cert", "key"]) }) {
            let cert = optionalString(tls["cert"]), key = optionalString(tls["key"])
            applyTLS(cert: cert, key: key, node: sections["tls"], to: &c)
        }
        if let storage = sections["storage"].flatMap({ mapping($0, "storage", allowed: ["data_dir"]) }) {
            if let dir = optionalString(storage["data_dir"]) { c.dataDirectory = dir }
        }
        if let auth = sections["auth"].flatMap({ mapping($0, "auth", allowed: ["api_keys"]) }), let keys = auth["api_keys"] {
            c.apiKeys = strings(keys, "auth.api_keys")
        }
        if let limit = sections["rate_limit"].flatMap({ mapping($0, "rate_limit", allowed: ["per_key_per_second", "burst"]) }) {
            if let node = limit["per_key_per_second"] { c.rateLimitPerSecond = positive(node, "rate_limit.per_key_per_second") ?? c.rateLimitPerSecond }
            if let node = limit["burst"] { c.rateLimitBurst = positive(node, "rate_limit.burst") ?? c.rateLimitBurst }
        }
        if let logging = sections["logging"].flatMap({ mapping($0, "logging", allowed: ["level"]) }), let level = optionalString(logging["level"]) {
            applyLogLevel(level, node: logging["level"], to: &c)
        }
        if let breaches = sections["breaches"].flatMap({ mapping($0, "breaches", allowed: ["check_interval"]) }), let node = breaches["check_interval"] {
            c.breachCheckInterval = duration(node, "breaches.check_interval") ?? c.breachCheckInterval
        }
        if let inbound = sections["inbound"].flatMap({ mapping($0, "inbound", allowed: ["hubspot", "signed"]) }) {
            if let hubspot = inbound["hubspot"].flatMap({ mapping($0, "inbound.hubspot", allowed: ["client_secret"]) }) {
                c.hubspotClientSecret = optionalString(hubspot["client_secret"])
            }
            if let signed = inbound["signed"].flatMap({ mapping($0, "inbound.signed", allowed: ["secret"]) }) {
                c.inboundSecret = optionalString(signed["secret"])
            }
        }
        if let list = sections["webhooks"] {
            c.webhooks = sequence(list, "webhooks").compactMap { webhook($0) }
        }
        if let list = sections["forms"] {
            c.forms = sequence(list, "forms").compactMap { form($0) }
            var seen = Set<String>()
            for form in c.forms where !seen.insert(form.id).inserted {
                fail(list, "forms", "form id \"\(form.id)\" appears twice")
            }
        }
    }

    static let serverKeys = [
        "host", "port", "max_body", "max_decompressed_body", "header_timeout", "idle_timeout", "body_timeout", "write_timeout",
        "max_connections", "max_header_bytes", "max_target_bytes", "max_header_fields", "event_loops", "shutdown_grace",
    ]

    mutating func applyServer(_ key: String, _ value: String?, _ node: Node?, to c: inout ServiceConfiguration) {
        let name = "server.\(key)"
        guard let value, !value.isEmpty else { return fail(node, name, "needs a value") }
        switch key {
        case "host": c.http.host = value
        case "port":
            guard let port = Int(value), (0...65535).contains(port) else { return fail(node, name, "must be a port number 0–65535") }
            c.http.port = port
        case "max_body": if let v = ConfigValues.byteSize(value) { c.http.maxBodyBytes = v } else { fail(node, name, "must be a size such as 1MiB or 65536") }
        case "max_decompressed_body": if let v = ConfigValues.byteSize(value) { c.http.maxDecompressedBodyBytes = v } else { fail(node, name, "must be a size such as 8MiB") }
        case "max_header_bytes": if let v = ConfigValues.byteSize(value) { c.http.headLimits.maxHeaderBytes = v } else { fail(node, name, "must be a size such as 16KiB") }
        case "max_target_bytes": if let v = ConfigValues.byteSize(value) { c.http.headLimits.maxTargetBytes = v } else { fail(node, name, "must be a size such as 8KiB") }
        case "header_timeout": if let v = ConfigValues.duration(value) { c.http.headerTimeout = v } else { fail(node, name, Self.durationHint) }
        case "idle_timeout": if let v = ConfigValues.duration(value) { c.http.idleTimeout = v } else { fail(node, name, Self.durationHint) }
        case "body_timeout": if let v = ConfigValues.duration(value) { c.http.bodyTimeout = v } else { fail(node, name, Self.durationHint) }
        case "write_timeout": if let v = ConfigValues.duration(value) { c.http.writeTimeout = v } else { fail(node, name, Self.durationHint) }
        case "shutdown_grace": if let v = ConfigValues.duration(value) { c.http.shutdownGracePeriod = v } else { fail(node, name, Self.durationHint) }
        case "max_connections", "max_header_fields", "event_loops":
            guard let v = Int(value), v > 0 else { return fail(node, name, "must be a positive whole number") }
            if key == "max_connections" { c.http.maxConnections = v } else if key == "max_header_fields" { c.http.headLimits.maxHeaderFields = v } else { c.http.eventLoops = v }
        default: fail(node, name, "unknown key")
        }
    }

    static let durationHint = "must be a duration such as 500ms, 10s, 5m, 1h or 2d"

    mutating func applyTLS(cert: String?, key: String?, node: Node?, to c: inout ServiceConfiguration) {
        switch (cert, key) {
        case (nil, nil): c.http.tls = nil
        case let (cert?, key?): c.http.tls = TLSConfiguration(certificatePath: cert, privateKeyPath: key)
        default: fail(node, "tls", "cert and key go together")
        }
    }

    mutating func applyLogLevel(_ level: String, node: Node?, to c: inout ServiceConfiguration) {
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard levels.contains(level.lowercased()) else { return fail(node, "logging.level", "must be one of \(levels.joined(separator: ", "))") }
        c.logLevel = level.lowercased()
    }

    mutating func webhook(_ node: Node) -> ServiceConfiguration.Webhook? {
        guard let m = mapping(node, "webhooks", allowed: ["url", "secret", "events", "timeout"]) else { return nil }
        guard let url = optionalString(m["url"]), let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? "") else {
            fail(node, "webhooks.url", "needs an http(s) URL")
            return nil
        }
        guard let secret = optionalString(m["secret"]), secret.hasPrefix("whsec_"), Data(base64Encoded: String(secret.dropFirst(6))) != nil else {
            fail(m["secret"] ?? node, "webhooks.secret", "needs a Standard Webhooks secret: whsec_ followed by base64")
            return nil
        }
        let known = ["handoff.created", "handoff.sla_breached", "handoff.feedback"]
        var events = known
        if let list = m["events"] {
            events = strings(list, "webhooks.events")
            for event in events where !known.contains(event) { fail(list, "webhooks.events", "unknown event \(event); known: \(known.joined(separator: ", "))") }
        }
        let timeout = m["timeout"].flatMap { duration($0, "webhooks.timeout") } ?? .seconds(15)
        return .init(url: url, secret: secret, events: events, timeout: timeout)
    }

    mutating func form(_ node: Node) -> ServiceConfiguration.Form? {
        guard let m = mapping(node, "forms", allowed: ["id", "redirect", "allowed_origins", "honeypot", "fields"]) else { return nil }
        guard let id = optionalString(m["id"]), !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            fail(node, "forms.id", "needs an id of letters, digits, - and _")
            return nil
        }
        var fields: [String: String] = [:]
        if let map = m["fields"].flatMap({ mapping($0, "forms.fields", allowed: nil) }) {
            for (key, value) in map { fields[key] = value.scalar?.string ?? "" }
        }
        return .init(
            id: id, redirect: optionalString(m["redirect"]), allowedOrigins: m["allowed_origins"].map { strings($0, "forms.allowed_origins") } ?? [],
            honeypot: optionalString(m["honeypot"]), fields: fields
        )
    }

    /// `MQLGATE_<SECTION>_<KEY>` for every scalar, plus the short forms.
    mutating func applyEnvironment(_ env: [String: String], to c: inout ServiceConfiguration) {
        for key in Self.serverKeys {
            if let value = env["MQLGATE_SERVER_\(key.uppercased())"] { applyServer(key, value, nil, to: &c) }
        }
        if let host = env["MQLGATE_HOST"] { applyServer("host", host, nil, to: &c) }
        if let port = env["MQLGATE_PORT"] { applyServer("port", port, nil, to: &c) }
        if let dir = env["MQLGATE_DATA_DIR"] ?? env["MQLGATE_STORAGE_DATA_DIR"] { c.dataDirectory = dir }
        if let keys = env["MQLGATE_API_KEYS"] ?? env["MQLGATE_AUTH_API_KEYS"] {
            c.apiKeys = keys.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let cert = env["MQLGATE_TLS_CERT"], key = env["MQLGATE_TLS_KEY"]
        if cert != nil || key != nil {
            applyTLS(cert: cert ?? c.http.tls?.certificatePath, key: key ?? c.http.tls?.privateKeyPath, node: nil, to: &c)
        }
        if let value = env["MQLGATE_RATE_LIMIT_PER_KEY_PER_SECOND"] {
            if let v = Double(value), v > 0 { c.rateLimitPerSecond = v } else { fail(nil, "MQLGATE_RATE_LIMIT_PER_KEY_PER_SECOND", "must be a positive number") }
        }
        if let value = env["MQLGATE_RATE_LIMIT_BURST"] {
            if let v = Double(value), v > 0 { c.rateLimitBurst = v } else { fail(nil, "MQLGATE_RATE_LIMIT_BURST", "must be a positive number") }
        }
        if let value = env["MQLGATE_INBOUND_HUBSPOT_CLIENT_SECRET"] { c.hubspotClientSecret = value }
        if let value = env["MQLGATE_INBOUND_SIGNED_SECRET"] { c.inboundSecret = value }
        if let value = env["MQLGATE_LOGGING_LEVEL"] ?? env["MQLGATE_LOG_LEVEL"] { applyLogLevel(value, node: nil, to: &c) }
        if let value = env["MQLGATE_BREACHES_CHECK_INTERVAL"] {
            if let v = ConfigValues.duration(value) { c.breachCheckInterval = v } else { fail(nil, "MQLGATE_BREACHES_CHECK_INTERVAL", Self.durationHint) }
        }
    }

    // MARK: Node helpers

    mutating func mapping(_ node: Node, _ key: String, allowed: [String]?) -> [String: Node]? {
        if node.scalar.map({ ["", "~", "null"].contains($0.string) }) == true { return [:] }
        guard let mapping = node.mapping else {
            fail(node, key, "expected a mapping")
            return nil
        }
        var result: [String: Node] = [:]
        for (k, v) in mapping {
            guard let name = k.scalar?.string else { fail(k, key, "keys must be plain names"); continue }
            if let allowed, !allowed.contains(name) {
                fail(k, "\(key).\(name)", "unknown key; expected one of \(allowed.joined(separator: ", "))")
                continue
            }
            result[name] = v
        }
        return result
    }

    mutating func sequence(_ node: Node, _ key: String) -> [Node] {
        if let sequence = node.sequence { return Array(sequence) }
        if node.scalar.map({ ["", "~", "null"].contains($0.string) }) == true { return [] }
        fail(node, key, "expected a list")
        return []
    }

    mutating func strings(_ node: Node, _ key: String) -> [String] {
        sequence(node, key).compactMap { item in
            guard let text = item.scalar?.string else { fail(item, key, "expected text"); return nil }
            return text
        }
    }

    func optionalString(_ node: Node?) -> String? {
        guard let scalar = node?.scalar, !["", "~", "null"].contains(scalar.string) || scalar.style != .plain else { return nil }
        return scalar.string
    }

    mutating func positive(_ node: Node, _ key: String) -> Double? {
        guard let value = node.scalar.flatMap({ Double($0.string) }), value > 0 else { fail(node, key, "must be a positive number"); return nil }
        return value
    }

    mutating func duration(_ node: Node, _ key: String) -> Duration? {
        guard let value = node.scalar.flatMap({ ConfigValues.duration($0.string) }) else { fail(node, key, Self.durationHint); return nil }
        return value
    }
}

/// Sizes (`1MiB`, `512KiB`, `65536`) and durations (`500ms`, `10s`, `5m`, `1h`, `2d`) as written in the config.
enum ConfigValues {
    static func byteSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000), ("B", 1)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), number >= 0 else { return nil }
            return Int(number * Double(factor))
        }
        return Int(trimmed).flatMap { $0 >= 0 ? $0 : nil }
    }

    static func duration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, seconds) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count)), number >= 0, number.isFinite else { return nil }
            return .milliseconds(Int64(number * seconds * 1000))
        }
        return nil
    }
}

/// `multipart/form-data` (RFC 7578) bodies, as HTML forms send them.
public enum MultipartFormData {
    /// One part: its field name, optional file name and content.
    public struct Part: Sendable {
        public var name: String
        public var filename: String?
        public var contentType: String?
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public enum Failure: Error, Equatable {
        case missingBoundary
        case malformed(String)
    }

    /// The `boundary` parameter of a `multipart/form-data` content type.
    public static func boundary(of contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingOWS() }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = pair[1]
            if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { value = value.dropFirst().dropLast() }
            return value.isEmpty ? nil : String(value)
        }
        return nil
    }

    public static func parse(_ body: [UInt8], boundary: String) throws(Failure) -> [Part] {
        guard !boundary.isEmpty, boundary.utf8.count <= 200 else { throw .missingBoundary }
        let delimiter = Array("--\(boundary)".utf8)
        guard var cursor = find(delimiter, in: body, from: 0) else { throw .malformed("no opening boundary") }
        var parts: [Part] = []
        while true {
            cursor += delimiter.count
            // "--" after a delimiter closes the body.
            if cursor + 1 < body.count, body[cursor] == 0x2D, body[cursor + 1] == 0x2D { return parts }
            while cursor < body.count, body[cursor] == .space || body[cursor] == .tab { cursor += 1 }
            guard cursor + 1 < body.count, body[cursor] == .cr, body[cursor + 1] == .lf else { throw .malformed("boundary line must end with CRLF") }
            cursor += 2
            guard let headEnd = find([.cr, .lf, .cr, .lf], in: body, from: cursor) else { throw .malformed("part without a header section") }
            let headerText = String(decoding: body[cursor..<headEnd], as: UTF8.self)
            let contentStart = headEnd + 4
            guard let next = find([.cr, .lf] + delimiter, in: body, from: contentStart) else { throw .malformed("part not terminated") }
            var part = Part(name: "", filename: nil, contentType: nil, body: Array(body[contentStart..<next]))
            for line in headerText.split(separator: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { throw .malformed("malformed part header") }
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingOWS()
                if name == "content-disposition" {
                    for parameter in value.split(separator: ";").dropFirst() {
                        let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingOWS() }
                        guard pair.count == 2 else { continue }
                        var text = pair[1]
                        if text.hasPrefix("\"") && text.hasSuffix("\"") && text.count >= 2 { text = text.dropFirst().dropLast() }
                        switch pair[0].lowercased() {
                        case "name": part.name = String(text)
                        case "filename": part.filename = String(text)
                        default: break
                        }
                    }
                } else if name == "content-type" {
                    part.contentType = String(value)
                }
            }
            guard !part.name.isEmpty else { throw .malformed("part without a name") }
            parts.append(part)
            cursor = next + 2
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}

/// Byte-level normalisation of e-mail addresses and domain names for the
/// common, all-ASCII case. Every event and lead carries an address, and
/// Unicode scalar iteration over it cost more than parsing the whole JSON
/// document; these functions give the same answers as the general Unicode
/// paths in `Lead` for ASCII input, and decline (`nil`) anything else so
/// the caller falls back to those paths.
enum ASCIIAddress {
    /// `.some(nil)`: ASCII but not a valid address; `nil`: not ASCII, use the Unicode path.
    static func normalizedEmail(_ raw: String) -> String?? {
        var raw = raw
        let original = raw
        return raw.withUTF8 { bytes -> String?? in
            guard let (start, end) = trimmedASCII(bytes) else { return nil }
            let length = end - start
            guard length > 0, length <= 254 else { return .some(nil) }
            var at = -1
            for index in start..<end {
                switch bytes[index] {
                case UInt8(ascii: "@"):
                    // A second '@' would sit in the local part, which may not hold one.
                    guard at < 0 else { return .some(nil) }
                    at = index
                case 0..<0x21, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","):
                    // Inside the trimmed span any whitespace or control character is an error.
                    return .some(nil)
                default:
                    break
                }
            }
            guard at > start, at - start <= 64, at + 1 < end else { return .some(nil) }
            guard isDomainName(UnsafeBufferPointer(rebasing: bytes[(at + 1)..<end])) else { return .some(nil) }
            // Most addresses arrive normalised already: keep the string rather than copy it.
            if start == 0, end == bytes.count, !bytes.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) {
                return .some(original)
            }
            return .some(lowercased(UnsafeBufferPointer(rebasing: bytes[start..<end])))
        }
    }

    /// `https://www.Example.com/about` → `example.com`. `.some(nil)`: no domain name remains.
    static func normalizedDomain(_ raw: String) -> String?? {
        var raw = raw
        return raw.withUTF8 { bytes -> String?? in
            guard let (trimmedStart, trimmedEnd) = trimmedASCII(bytes) else { return nil }
            var start = trimmedStart, end = trimmedEnd
            if let scheme = schemeSeparator(in: bytes, from: start, to: end) { start = scheme + 3 }
            for index in start..<end {
                let byte = bytes[index]
                if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") || byte == UInt8(ascii: ":") {
                    end = index
                    break
                }
            }
            if end - start >= 4, lower(bytes[start]) == UInt8(ascii: "w"), lower(bytes[start + 1]) == UInt8(ascii: "w"),
               lower(bytes[start + 2]) == UInt8(ascii: "w"), bytes[start + 3] == UInt8(ascii: ".") {
                start += 4
            }
            if end > start, bytes[end - 1] == UInt8(ascii: ".") { end -= 1 }
            let domain = UnsafeBufferPointer(rebasing: bytes[start..<end])
            guard isDomainName(domain) else { return .some(nil) }
            return .some(lowercased(domain))
        }
    }

    /// At least two dot-separated labels of 1–63 letters, digits and inner hyphens, ≤ 253 bytes in all.
    static func isDomainName(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count <= 253 else { return false }
        var labels = 0, labelLength = 0
        var previous: UInt8 = UInt8(ascii: ".")
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard labelLength > 0, previous != UInt8(ascii: "-") else { return false }
                labels += 1
                labelLength = 0
            } else {
                let letterOrDigit = (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                guard letterOrDigit || (byte == UInt8(ascii: "-") && labelLength > 0) else { return false }
                labelLength += 1
                guard labelLength <= 63 else { return false }
            }
            previous = byte
        }
        guard labelLength > 0, previous != UInt8(ascii: "-") else { return false }
        return labels + 1 >= 2
    }

    /// The span without leading and trailing ASCII whitespace; `nil` when any byte is not ASCII.
    private static func trimmedASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> (Int, Int)? {
        for byte in bytes where byte >= 0x80 { return nil }
        var start = 0, end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return (start, end)
    }

    /// The Unicode White_Space characters below U+0080.
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    private static func lowercased(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { out in
            for (index, byte) in bytes.enumerated() { out[index] = lower(byte) }
            return bytes.count
        }
    }

    /// Where the first `://` starts.
    private static func schemeSeparator(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        guard end - start >= 3 else { return nil }
        for index in start...(end - 3)
        where bytes[index] == UInt8(ascii: ":") && bytes[index + 1] == UInt8(ascii: "/") && bytes[index + 2] == UInt8(ascii: "/") {
            return index
        }
        return nil
    }
}

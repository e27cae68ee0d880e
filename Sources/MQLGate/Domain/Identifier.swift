import Foundation

/// Server-assigned identifiers: a prefix, then 26 Crockford base32
/// characters of a 48-bit millisecond timestamp and 80 random bits (ULID
/// layout). They are URL-safe and sort by creation time, which is what
/// cursor pagination orders by.
enum Identifier {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    static func make(_ prefix: String, at milliseconds: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) -> String {
        var generator = SystemRandomNumberGenerator()
        let high = UInt64(UInt64(truncatingIfNeeded: milliseconds) & 0xFFFF_FFFF_FFFF) << 16 | UInt64(generator.next() as UInt16)
        let low = generator.next() as UInt64
        var out = [UInt8](repeating: 0, count: 26)
        // 128 bits as 26 five-bit groups, most significant first (the top 2 bits are zero).
        for index in 0..<26 {
            let shift = 125 - index * 5
            var value: UInt64
            if shift >= 64 {
                value = high >> UInt64(shift - 64)
            } else if shift > 59 {
                value = (high << UInt64(64 - shift)) | (low >> UInt64(shift))
            } else {
                value = low >> UInt64(shift)
            }
            value &= 31
            out[index] = alphabet[Int(value)]
        }
        return prefix + String(decoding: out, as: UTF8.self)
    }
}

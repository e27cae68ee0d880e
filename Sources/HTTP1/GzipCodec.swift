import CZlib

/// gzip encoding and bounded decoding over zlib.
public enum GzipCodec {
    public enum Failure: Error, Equatable {
        /// The input is not a valid gzip stream.
        case invalidData
        /// Decoding would exceed the caller's limit (a zip-bomb guard).
        case limitExceeded
    }

    /// Inflates one or more concatenated gzip members, refusing to produce
    /// more than `limit` bytes.
    public static func decompress(_ input: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        guard !input.isEmpty else { throw .invalidData }
        var stream = z_stream()
        guard mqlgate_inflateInit2(&stream, 15 + 16) == Z_OK else { throw .invalidData }
        defer { inflateEnd(&stream) }

        var output: [UInt8] = []
        output.reserveCapacity(min(limit, max(input.count * 4, 4096)))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var failure: Failure?
        input.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress!)
            stream.avail_in = uInt(inBuf.count)
            chunk.withUnsafeMutableBufferPointer { outBuf in
                while true {
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    let produced = outBuf.count - Int(stream.avail_out)
                    if output.count + produced > limit {
                        failure = .limitExceeded
                        return
                    }
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: outBuf[0..<produced]))
                    switch status {
                    case Z_STREAM_END:
                        // Another member may follow (RFC 1952 §2.2).
                        if stream.avail_in == 0 { return }
                        guard inflateReset(&stream) == Z_OK else { failure = .invalidData; return }
                    case Z_OK:
                        continue
                    case Z_BUF_ERROR where produced > 0:
                        continue
                    default:
                        // Z_BUF_ERROR with no progress means the input ended mid-stream.
                        failure = .invalidData
                        return
                    }
                }
            }
        }
        if let failure { throw failure }
        return output
    }

    /// Compresses `input` as a single gzip member.
    public static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        guard mqlgate_deflateInit2(&stream, level, 15 + 16) == Z_OK else { return input }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let written: Int = input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress ?? UnsafePointer(outBuf.baseAddress!))
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                _ = deflate(&stream, Z_FINISH)
                return outBuf.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(written...)
        return output
    }
}

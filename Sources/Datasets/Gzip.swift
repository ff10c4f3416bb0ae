// Inflating `.gz` files through the system's zlib, never past a limit the caller sets.
import CZlib
import Foundation

public enum Gzip {
    /// Inflates gzip data (several concatenated members allowed) to at most `limit` bytes.
    ///
    /// With `prefixOnly`, returns the first `limit` bytes (all of them if the data is shorter)
    /// and stops there. Otherwise data that inflates to more than `limit` bytes throws a
    /// `DatasetError` whose problem is `whenLarger`: memory never grows past `limit` + 1 bytes,
    /// whatever the input. Throws on truncated or corrupt input; bytes after the last member
    /// must be zeros (tape padding, which gzip itself accepts) or the file is refused.
    public static func inflate(_ input: [UInt8], file: String, limit: Int, prefixOnly: Bool = false,
                               whenLarger: @autoclosure () -> String = "inflates to more data than a file of its kind may hold") throws -> [UInt8] {
        guard input.count >= 18, input[0] == 0x1f, input[1] == 0x8b else {
            throw DatasetError(file: file, "is not gzip data (it does not start with the gzip magic bytes 1f 8b)",
                               hint: "if the file is uncompressed, drop the .gz from its name")
        }
        // Room for one byte past the limit, to see that the stream goes on.
        let cap = prefixOnly ? limit : limit + 1
        // The trailer holds the uncompressed size mod 2^32: a good first guess when plausible (a
        // damaged file's trailer is noise, so never trust it beyond 64x the input, nor the cap).
        let n = input.count
        let sizeHint = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        var output = [UInt8](repeating: 0, count: min(cap, max(1 << 16, min(sizeHint, 64 * n))))
        var produced = 0

        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError(file: file, "zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }

        try input.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress!)
            stream.avail_in = UInt32(n)
            while true {
                if produced == output.count {
                    if produced == cap {
                        if prefixOnly { return }
                        throw DatasetError(file: file, whenLarger(), hint: redownloadHint)
                    }
                    output.append(contentsOf: [UInt8](repeating: 0, count: min(output.count, cap - output.count)))
                }
                let status = output.withUnsafeMutableBufferPointer { outBuf -> Int32 in
                    stream.next_out = outBuf.baseAddress! + produced
                    stream.avail_out = UInt32(min(outBuf.count - produced, Int(UInt32.max)))
                    let s = CZlib.inflate(&stream, Z_NO_FLUSH)
                    produced = outBuf.count - Int(stream.avail_out)
                    return s
                }
                let consumed = n - Int(stream.avail_in)
                switch status {
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0 && stream.avail_out != 0:
                    throw DatasetError(file: file, "is truncated: the gzip stream ends early", hint: redownloadHint)
                case Z_BUF_ERROR:
                    continue  // the output was full; it grows at the top of the loop
                case Z_STREAM_END:
                    // Another member follows only if the gzip magic does.
                    if consumed + 2 <= n && inBuf[consumed] == 0x1f && inBuf[consumed + 1] == 0x8b {
                        inflateReset(&stream)
                        continue
                    }
                    if let garbage = inBuf[consumed...].firstIndex(where: { $0 != 0 }) {
                        throw DatasetError(file: file, "has \(n - consumed) bytes after its gzip data that are not gzip data (first at byte \(garbage))",
                                           hint: redownloadHint)
                    }
                    return
                default:
                    let why = stream.msg.map { String(cString: $0) } ?? "invalid data"
                    throw DatasetError(file: file, "is corrupt gzip data (\(why))", hint: redownloadHint)
                }
            }
        }
        if !prefixOnly && produced > limit { throw DatasetError(file: file, whenLarger(), hint: redownloadHint) }
        output.removeSubrange(produced...)
        return output
    }
}

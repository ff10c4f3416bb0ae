// NumPy's .npy format (numpy.lib.format, versions 1.0-3.0): the magic "\x93NUMPY", a version,
// a header length, a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (n,)}
// padded with spaces to a multiple of 64 bytes and ending in a newline, then the raw data.
// adam-bench reads float32 and float64 arrays in C order (any shape) and writes float32 vectors.
import Foundation

public enum NPY {
    /// A .npy array read as Float values in C order.
    public struct Array {
        public var shape: [Int]
        public var values: [Float]
        /// The file's dtype, e.g. "<f4".
        public var descr: String
    }

    /// Reads a float32 or float64 array. Every problem (not .npy, another dtype, Fortran order,
    /// a header that does not parse, fewer or more data bytes than the shape needs) is a
    /// DatasetError naming the file and what was expected.
    public static func read(_ path: String) throws -> Array { try parse(readBytes(path), path: path) }

    /// The file's bytes, or a DatasetError saying why they cannot be had.
    public static func readBytes(_ path: String) throws -> [UInt8] {
        do { return try FileInput.read(path, limit: FileInput.dataLimit) } catch {
            throw DatasetError(file: path, error.message, hint: error == .missing ? "write it with numpy.save(path, array)" : nil)
        }
    }

    public static func parse(_ bytes: [UInt8], path: String) throws -> Array {
        func fail(_ problem: String, hint: String? = nil) -> DatasetError { DatasetError(file: path, problem, hint: hint) }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard bytes.count >= 10, Swift.Array(bytes[0..<6]) == magic else {
            throw fail("is not a NumPy .npy file (it does not start with \\x93NUMPY)", hint: "write it with numpy.save(path, array)")
        }
        let major = bytes[6]
        let headerStart: Int, headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("is cut short inside its .npy header") }
            headerStart = 12
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        default:
            throw fail("is .npy format version \(major).\(bytes[7]); adam-bench reads versions 1.0 to 3.0")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw fail("is cut short inside its .npy header (it declares \(headerLength) header bytes)")
        }
        guard let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("has a .npy header that is not text")
        }
        guard let descr = stringValue(of: "descr", in: header) else { throw fail("has a .npy header without 'descr': \(header.trimmingCharacters(in: .whitespacesAndNewlines))") }
        guard let fortran = boolValue(of: "fortran_order", in: header) else { throw fail("has a .npy header without 'fortran_order'") }
        guard let shape = shapeValue(in: header) else { throw fail("has a .npy header without a readable 'shape'") }
        guard !fortran else {
            throw fail("holds a Fortran-order (column-major) array; adam-bench needs C order",
                       hint: "save numpy.ascontiguousarray(a) instead")
        }
        let itemSize: Int, double: Bool
        switch descr.dropFirst() {
        case "f4" where ["<", "|", "=", ">"].contains(descr.first!): itemSize = 4; double = false
        case "f8" where ["<", "|", "=", ">"].contains(descr.first!): itemSize = 8; double = true
        default:
            throw fail("has dtype '\(descr)'; adam-bench reads float32 ('<f4') or float64 ('<f8')", hint: "save a.astype(numpy.float32)")
        }
        let bigEndian = descr.first == ">"
        var count = 1
        for d in shape {
            let (c, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, d >= 0 else { throw fail("declares shape \(shape), which is too large") }
            count = c
        }
        let dataStart = headerStart + headerLength
        let available = bytes.count - dataStart
        let (needed, overflow) = count.multipliedReportingOverflow(by: itemSize)
        guard !overflow else { throw fail("declares shape \(shape), which is too large") }
        guard available >= needed else {
            throw fail("is truncated: shape \(shape) needs \(needed) data bytes, the file has \(available)")
        }
        guard available == needed else {
            throw fail("has \(available - needed) bytes after the \(needed) data bytes its shape \(shape) needs")
        }
        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                let at = dataStart + i * itemSize
                if double {
                    var bits = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                    bits = bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits)
                    values[i] = Float(Double(bitPattern: bits))
                } else {
                    var bits = raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)
                    bits = bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)
                    values[i] = Float(bitPattern: bits)
                }
            }
        }
        return Array(shape: shape, values: values, descr: descr)
    }

    /// A float32 vector ('<f4', shape (n,)) in format 1.0, header padded to 64 bytes.
    public static func encode(_ values: UnsafeBufferPointer<Float>) -> [UInt8] {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(values.count),), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
        let length = header.utf8.count
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += Swift.Array(header.utf8)
        out.reserveCapacity(out.count + 4 * values.count)
        for v in values {
            let b = v.bitPattern.littleEndian
            out += [UInt8(b & 0xFF), UInt8(b >> 8 & 0xFF), UInt8(b >> 16 & 0xFF), UInt8(b >> 24)]
        }
        return out
    }

    // MARK: - The header's dict literal

    /// The text after `'key':`, or nil.
    private static func valueText(of key: String, in header: String) -> Substring? {
        for quote in ["'", "\""] {
            if let r = header.range(of: "\(quote)\(key)\(quote)") {
                var rest = header[r.upperBound...].drop { $0 == " " }
                guard rest.first == ":" else { continue }
                rest = rest.dropFirst().drop { $0 == " " }
                return rest
            }
        }
        return nil
    }

    private static func stringValue(of key: String, in header: String) -> String? {
        guard let rest = valueText(of: key, in: header), let q = rest.first, q == "'" || q == "\"" else { return nil }
        let body = rest.dropFirst()
        guard let end = body.firstIndex(of: q) else { return nil }
        return String(body[..<end])
    }

    private static func boolValue(of key: String, in header: String) -> Bool? {
        guard let rest = valueText(of: key, in: header) else { return nil }
        if rest.hasPrefix("True") { return true }
        if rest.hasPrefix("False") { return false }
        return nil
    }

    private static func shapeValue(in header: String) -> [Int]? {
        guard let rest = valueText(of: "shape", in: header), rest.first == "(", let end = rest.firstIndex(of: ")") else { return nil }
        let inner = rest[rest.index(after: rest.startIndex)..<end]
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let d = Int(t.hasSuffix("L") ? String(t.dropLast()) : t), d >= 0 else { return nil }
            shape.append(d)
        }
        return shape
    }
}

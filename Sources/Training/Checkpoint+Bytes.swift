// Little-endian fields for checkpoint files: a writer into one pre-sized buffer and a reader
// whose every length is checked against what is left, so damage can never make it read past
// the end or allocate more than the file holds.
import Kernels

struct ByteWriter {
    var data: [UInt8] = []

    init(capacity: Int = 0) { data.reserveCapacity(capacity) }

    mutating func raw(_ b: UnsafeRawBufferPointer) { data.append(contentsOf: b) }
    mutating func bytes(_ b: [UInt8]) { data.append(contentsOf: b) }
    mutating func u32(_ x: UInt32) { withUnsafeBytes(of: x.littleEndian) { raw($0) } }
    mutating func u64(_ x: UInt64) { withUnsafeBytes(of: x.littleEndian) { raw($0) } }
    mutating func int(_ x: Int) { u64(UInt64(bitPattern: Int64(x))) }
    mutating func double(_ x: Double) { u64(x.bitPattern) }
    mutating func string(_ s: String) { u32(UInt32(s.utf8.count)); bytes(Array(s.utf8)) }
    /// A count, then the values' bytes (little-endian, as Float is stored on every platform
    /// adam-bench builds for).
    mutating func floats(_ v: FloatBuffer) {
        int(v.count)
        raw(UnsafeRawBufferPointer(start: v.base, count: 4 * v.count))
    }
    mutating func optional(_ x: Double?) {
        data.append(x == nil ? 0 : 1)
        double(x ?? 0)
    }
}

struct ByteReader {
    struct Short: Error {}
    let bytes: [UInt8]
    let end: Int
    var at = 0

    init(_ bytes: [UInt8], end: Int? = nil) {
        self.bytes = bytes
        self.end = end ?? bytes.count
    }

    var atEnd: Bool { at == end }

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0, n <= end - at else { throw Short() }
        defer { at += n }
        return Array(bytes[at..<(at + n)])
    }

    private mutating func load<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let n = MemoryLayout<T>.size
        guard n <= end - at else { throw Short() }
        defer { at += n }
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: T.self)) }
    }

    mutating func u32() throws -> UInt32 { try load(UInt32.self) }
    mutating func u64() throws -> UInt64 { try load(UInt64.self) }
    mutating func int() throws -> Int { Int(Int64(bitPattern: try u64())) }
    mutating func double() throws -> Double { Double(bitPattern: try u64()) }
    mutating func string() throws -> String {
        let n = Int(try u32())
        guard let s = String(bytes: try bytes(n), encoding: .utf8) else { throw Short() }
        return s
    }
    /// A count of items of at least `itemSize` bytes each, checked against what is left, so a
    /// damaged length can never make the reader allocate more than the file holds.
    mutating func count(_ itemSize: Int) throws -> Int {
        let n = try int()
        guard n >= 0, n <= (end - at) / itemSize else { throw Short() }
        return n
    }
    mutating func floats() throws -> [Float] {
        let n = try count(4)
        return try bytes(4 * n).withUnsafeBytes { raw in
            (0..<n).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
    mutating func optional() throws -> Double? {
        let flag = try bytes(1)[0]
        let x = try double()
        return flag == 0 ? nil : x
    }
}

// The IDX format of MNIST (LeCun et al.): a 4-byte magic number 00 00 TT NN (TT the element
// type, NN the number of dimensions), NN big-endian 32-bit sizes, then the elements.

public struct IDXArray: Equatable {
    public let dimensions: [Int]
    /// The elements, unsigned bytes in row-major order.
    public let bytes: [UInt8]
}

public enum IDX {
    static let unsignedByte: UInt8 = 0x08

    /// Checks the magic number, the element type, the dimensions and the byte count.
    public static func parse(_ b: [UInt8], file: String) throws -> IDXArray {
        guard b.count >= 4 else {
            throw DatasetError(file: file, "is too short to be an IDX file (\(b.count) bytes)", hint: redownloadHint)
        }
        let magic = b[0..<4].map { hex($0) }.joined()
        guard b[0] == 0, b[1] == 0, (1...4).contains(b[3]) else {
            throw DatasetError(file: file, "has magic number 0x\(magic), which is not IDX (expected 0x00000801 for labels or 0x00000803 for images)",
                               hint: "the download may have saved an error page instead of the data; " + redownloadHint)
        }
        guard b[2] == unsignedByte else {
            throw DatasetError(file: file, "holds IDX element type 0x\(hex(b[2])); adam-bench reads unsigned bytes (0x08) as MNIST stores them")
        }
        let rank = Int(b[3])
        let headerSize = 4 + 4 * rank
        guard b.count >= headerSize else {
            throw DatasetError(file: file, "is truncated inside its header (\(b.count) of \(headerSize) bytes)", hint: redownloadHint)
        }
        var dims: [Int] = []
        var expected = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let size = Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3])
            guard size > 0 else { throw DatasetError(file: file, "has dimension \(d) of size 0") }
            dims.append(size)
            let (product, overflow) = expected.multipliedReportingOverflow(by: size)
            guard !overflow, product <= 1 << 34 else {
                throw DatasetError(file: file, "declares an implausibly large array \(dims)", hint: redownloadHint)
            }
            expected = product
        }
        let actual = b.count - headerSize
        if actual < expected {
            throw DatasetError(file: file, "is truncated: its header declares \(dims.map(String.init).joined(separator: "x")) = \(expected) bytes of data but it holds \(actual)",
                               hint: redownloadHint)
        }
        if actual > expected {
            throw DatasetError(file: file, "has \(actual - expected) bytes after the \(expected) its header declares",
                               hint: redownloadHint)
        }
        return IDXArray(dimensions: dims, bytes: Array(b[headerSize...]))
    }

    private static func hex(_ x: UInt8) -> String {
        let s = String(x, radix: 16)
        return s.count == 1 ? "0" + s : s
    }
}

// The IDX format of MNIST (LeCun et al.): a 4-byte magic number 00 00 TT NN (TT the element
// type, NN the number of dimensions), NN big-endian 32-bit sizes, then the elements.

public struct IDXArray: Equatable {
    public let dimensions: [Int]
    /// The elements, unsigned bytes in row-major order.
    public let bytes: [UInt8]
}

public enum IDX {
    static let unsignedByte: UInt8 = 0x08
    /// The longest header: the magic and four dimensions.
    public static let maxHeaderSize = 20

    /// What a header declares: the dimensions and where the elements start.
    public struct Header: Equatable {
        public let dimensions: [Int]
        public let headerSize: Int
        public var elementCount: Int { dimensions.reduce(1, *) }
        public var totalSize: Int { headerSize + elementCount }
        var shape: String { dimensions.map(String.init).joined(separator: "x") }
    }

    static func kind(rank: Int) -> String {
        switch rank {
        case 1: return "a labels file (0x00000801)"
        case 3: return "an images file (0x00000803)"
        default: return "a \(rank)-dimensional IDX file"
        }
    }

    /// Checks the magic number, the element type and the dimensions from the first bytes of a
    /// file (`maxHeaderSize` is always enough). `rank`, when given, is the number of dimensions
    /// the caller expects: a labels file where images belong is named as such.
    public static func header(_ b: some Collection<UInt8>, file: String, rank expected: Int? = nil) throws -> Header {
        let b = Array(b.prefix(maxHeaderSize))
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
        if let expected, rank != expected {
            throw DatasetError(file: file, "has the magic number of \(kind(rank: rank)) where \(kind(rank: expected)) belongs",
                               hint: "the file names are mixed up, or the file is from another data set; check each file holds what its name says")
        }
        let headerSize = 4 + 4 * rank
        guard b.count >= headerSize else {
            throw DatasetError(file: file, "is truncated inside its header (\(b.count) of \(headerSize) bytes)", hint: redownloadHint)
        }
        var dims: [Int] = []
        var expectedCount = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let size = Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3])
            guard size > 0 else { throw DatasetError(file: file, "has dimension \(d) of size 0") }
            dims.append(size)
            let (product, overflow) = expectedCount.multipliedReportingOverflow(by: size)
            guard !overflow, product <= 1 << 34 else {
                throw DatasetError(file: file, "declares an implausibly large array \(dims)", hint: redownloadHint)
            }
            expectedCount = product
        }
        return Header(dimensions: dims, headerSize: headerSize)
    }

    /// The problem of a file holding more than its header declares.
    static func excess(_ h: Header, actual: Int?) -> String {
        let holds = actual.map { "it holds \($0 - h.headerSize)" } ?? "its data goes on beyond that"
        let declared = h.dimensions.count > 1 ? "\(h.shape) = \(h.elementCount)" : "\(h.elementCount)"
        return "has more data than its header declares: \(declared) bytes after the \(h.headerSize)-byte header, but \(holds)"
    }

    /// Checks the header and the byte count, and returns the array.
    public static func parse(_ b: [UInt8], file: String, rank: Int? = nil) throws -> IDXArray {
        let h = try header(b, file: file, rank: rank)
        let actual = b.count - h.headerSize
        if actual < h.elementCount {
            throw DatasetError(file: file, "is truncated: its header declares \(h.shape) = \(h.elementCount) bytes of data but it holds \(actual)",
                               hint: redownloadHint)
        }
        if actual > h.elementCount {
            throw DatasetError(file: file, excess(h, actual: b.count), hint: redownloadHint)
        }
        return IDXArray(dimensions: h.dimensions, bytes: Array(b[h.headerSize...]))
    }

    /// Reads an IDX file, raw or `.gz`. A compressed file is inflated no further than its header
    /// declares (and one byte to see that it ends there), whatever the stream holds.
    public static func load(_ path: String, rank: Int? = nil) throws -> (array: IDXArray, raw: [UInt8], content: [UInt8]) {
        let raw: [UInt8]
        do { raw = try FileInput.read(path, limit: FileInput.dataLimit) } catch {
            throw DatasetError(file: path, error.message, hint: error == .permission ? nil : "check the path and the data directory")
        }
        guard path.hasSuffix(".gz") else { return (try parse(raw, file: path, rank: rank), raw, raw) }
        let head = try Gzip.inflate(raw, file: path, limit: maxHeaderSize, prefixOnly: true)
        let h = try header(head, file: path, rank: rank)
        let content = try Gzip.inflate(raw, file: path, limit: h.totalSize, whenLarger: excess(h, actual: nil))
        return (try parse(content, file: path, rank: rank), raw, content)
    }

    private static func hex(_ x: UInt8) -> String {
        let s = String(x, radix: 16)
        return s.count == 1 ? "0" + s : s
    }
}

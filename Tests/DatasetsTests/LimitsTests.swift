// No input makes a loader allocate without bound (issue 9, class 1), and files of the wrong
// kind are named as such (class 10).
@testable import Datasets
import Foundation
import TestSupport
import Testing

/// Peak resident memory of this process so far, in bytes.
private func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}

/// Inflating obeys its limit for every size around it: the whole data when it fits, an error
/// when it does not, the first `limit` bytes as a prefix.
@Test func gzipLimitHoldsForEverySizeAroundIt() throws {
    var rng = SplitMix(seed: 7)
    for size in [0, 1, 2, 17, 100, 4095, 4096, 65_535, 65_536, 65_537, 200_001] {
        let data = (0..<size).map { _ in UInt8(rng.next() % 7) }
        let gz = Fixtures.gzip(data)
        for limit in Set([0, 1, size - 1, size, size + 1, size / 2, 2 * size + 3]).filter({ $0 >= 0 }).sorted() {
            if size <= limit {
                #expect(try Gzip.inflate(gz, file: "f.gz", limit: limit) == data, "size \(size) limit \(limit)")
            } else {
                expectDatasetError("more data", file: "f.gz") {
                    _ = try Gzip.inflate(gz, file: "f.gz", limit: limit, whenLarger: "has more data than allowed")
                }
            }
            #expect(try Gzip.inflate(gz, file: "f.gz", limit: limit, prefixOnly: true) == Array(data.prefix(limit)))
        }
    }
}

/// A bomb: 4 GiB of zeros in 256 concatenated members of 16 MiB (a few MB compressed). With a
/// limit of 1 MB it is refused at once and memory does not grow by more than a few megabytes;
/// before the limit, the loader doubled its buffer up to the whole 4 GiB.
@Test func gzipBombIsRefusedWithoutAllocating() throws {
    let member = Fixtures.gzip([UInt8](repeating: 0, count: 16 << 20))
    var bomb: [UInt8] = []
    bomb.reserveCapacity(member.count * 256)
    for _ in 0..<256 { bomb += member }
    let before = peakResidentBytes()
    expectDatasetError("more data than") { _ = try Gzip.inflate(bomb, file: "bomb.gz", limit: 1 << 20, whenLarger: "has more data than its header declares") }
    let growth = peakResidentBytes() - before
    #expect(growth < 256 << 20, "peak memory grew by \(growth) bytes")
}

/// The MNIST case of the report: a valid header for 10 images followed by far more zeros.
@Test func idxGzipWithMoreThanItsHeaderDeclaresIsRefused() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    try Fixtures.writeMNIST(to: dir.path, train: 10, test: 5, gzip: true)
    let header = Fixtures.idx(dimensions: [10, 28, 28], bytes: [])
    let file = dir.file("train-images-idx3-ubyte.gz")
    try Data(Fixtures.gzip(header + [UInt8](repeating: 0, count: 50 << 20))).write(to: URL(fileURLWithPath: file))
    expectDatasetError("has more data than its header declares: 10x28x28 = 7840 bytes after the 16-byte header", file: "train-images-idx3-ubyte.gz") {
        _ = try MNIST.load(directory: dir.path)
    }
    // One byte too many is found the same way; one too few is truncation.
    try Data(Fixtures.gzip(header + [UInt8](repeating: 0, count: 7841))).write(to: URL(fileURLWithPath: file))
    expectDatasetError("has more data than its header declares") { _ = try MNIST.load(directory: dir.path) }
    try Data(Fixtures.gzip(header + [UInt8](repeating: 0, count: 7839))).write(to: URL(fileURLWithPath: file))
    expectDatasetError("is truncated") { _ = try MNIST.load(directory: dir.path) }
}

@Test func gzipTrailingBytes() throws {
    let gz = Fixtures.gzip([1, 2, 3])
    // Zero padding (as tape archives leave) is accepted; anything else after the stream is not.
    #expect(try Gzip.inflate(gz + [0, 0, 0, 0], file: "f.gz", limit: 3) == [1, 2, 3])
    expectDatasetError("bytes after its gzip data that are not gzip data") {
        _ = try Gzip.inflate(gz + Array("garbage".utf8), file: "f.gz", limit: 100)
    }
}

@Test func labelsFileWhereImagesBelongIsNamed() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    try Fixtures.writeMNIST(to: dir.path, train: 10, test: 5)
    try FileManager.default.removeItem(atPath: dir.file("train-images-idx3-ubyte"))
    try FileManager.default.copyItem(atPath: dir.file("train-labels-idx1-ubyte"), toPath: dir.file("train-images-idx3-ubyte"))
    expectDatasetError("has the magic number of a labels file (0x00000801) where an images file (0x00000803) belongs",
                       file: "train-images-idx3-ubyte") { _ = try MNIST.load(directory: dir.path) }
}

/// Reading names what is wrong with a path: missing, a directory, a device, a FIFO, a symlink
/// loop, a dangling link, and a file beyond the limit of its kind.
@Test func fileInputNamesEveryKindOfPath() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    func failure(_ path: String, limit: Int = 1 << 20) -> FileInput.Failure? {
        do { _ = try FileInput.read(path, limit: limit); return nil } catch { return error }
    }
    #expect(failure(dir.file("none")) == .missing)
    #expect(failure(dir.path) == .directory)
    #expect(failure("/dev/null") == .notRegular("a character device"))
    #expect(failure("/dev/zero") == .notRegular("a character device"))
    #expect(mkfifo(dir.file("fifo"), 0o600) == 0)
    #expect(failure(dir.file("fifo")) == .notRegular("a named pipe (FIFO)"))
    #expect(symlink(dir.file("loop-b"), dir.file("loop-a")) == 0 && symlink(dir.file("loop-a"), dir.file("loop-b")) == 0)
    #expect(failure(dir.file("loop-a")) == .symlinkLoop)
    #expect(symlink(dir.file("gone"), dir.file("dangling")) == 0)
    #expect(failure(dir.file("dangling")) == .danglingSymlink)
    let ten = dir.write("0123456789", to: "ten")
    #expect(failure(ten, limit: 9) == .tooLarge(bytes: 10, limit: 9))
    #expect(try FileInput.read(ten, limit: 10) == Array("0123456789".utf8))
    #expect(try FileInput.read(dir.write("", to: "empty"), limit: 0) == [])
}

/// A tiny deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

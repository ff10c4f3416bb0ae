// The IDX and MNIST loaders on generated files: good ones in every spelling and compression,
// and every way a file can be wrong, each with an error that names the file.
@testable import Datasets
import Foundation
import TestSupport
import Testing

func expectDatasetError(_ fragment: String, file: String? = nil, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an error containing \"\(fragment)\"")
    } catch let e as DatasetError {
        #expect(e.description.contains(fragment), "\(e)")
        if let file { #expect(e.file.hasSuffix(file), "\(e)") }
    } catch {
        Issue.record("unexpected error \(error)")
    }
}

@Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
func mnistLoadsInEverySpellingAndCompression(_ c: (gzip: Bool, dotted: Bool)) throws {
    let dir = TemporaryDirectory()
    try Fixtures.writeMNIST(to: dir.path, train: 50, test: 20, gzip: c.gzip, dotted: c.dotted)
    let data = try MNIST.load(directory: dir.path)
    #expect(data.train.count == 50 && data.test.count == 20 && data.inputSize == 784 && data.classes == 10)
    let expected = Fixtures.images(count: 50, seed: 1)
    #expect(data.train.labels == expected.labels.map { Int32($0) })
    for i in [0, 100, 39_199] { #expect(data.train.x[i] == Float(expected.images[i]) / 255) }
    #expect(data.files.count == 4)
    // The content checksum is the same whatever the compression.
    let raw = SHA256.hex(Fixtures.idx(dimensions: [50], bytes: expected.labels))
    #expect(data.files[1].contentSHA256 == raw)
}

@Test func trainLimitAndBinarize() throws {
    let dir = TemporaryDirectory()
    try Fixtures.writeMNIST(to: dir.path, train: 50, test: 20)
    let data = try MNIST.load(directory: dir.path, options: .init(trainLimit: 10, binarize: true))
    #expect(data.train.count == 10 && data.test.count == 20)
    #expect(data.train.x.array.allSatisfy { $0 == 0 || $0 == 1 })
}

func writeSet(_ dir: TemporaryDirectory, images: [UInt8]? = nil, labels: [UInt8]? = nil) throws {
    try Fixtures.writeMNIST(to: dir.path, train: 20, test: 10)
    if let images { try Data(images).write(to: URL(fileURLWithPath: dir.file("train-images-idx3-ubyte"))) }
    if let labels { try Data(labels).write(to: URL(fileURLWithPath: dir.file("train-labels-idx1-ubyte"))) }
}

@Test func truncatedImagesAreRefused() throws {
    let dir = TemporaryDirectory()
    let good = Fixtures.idx(dimensions: [20, 28, 28], bytes: Fixtures.images(count: 20, seed: 1).images)
    try writeSet(dir, images: Array(good.dropLast(100)))
    expectDatasetError("is truncated: its header declares 20x28x28 = 15680 bytes of data but it holds 15580", file: "train-images-idx3-ubyte") {
        _ = try MNIST.load(directory: dir.path)
    }
}

@Test func wrongMagicIsRefused() throws {
    let dir = TemporaryDirectory()
    try writeSet(dir, images: Array("<html>not found</html>".utf8))
    expectDatasetError("magic number 0x3c68746d, which is not IDX", file: "train-images-idx3-ubyte") {
        _ = try MNIST.load(directory: dir.path)
    }
}

@Test func wrongElementTypeIsRefused() throws {
    let dir = TemporaryDirectory()
    var labels = Fixtures.idx(dimensions: [20], bytes: [UInt8](repeating: 1, count: 20))
    labels[2] = 0x0D
    try writeSet(dir, labels: labels)
    expectDatasetError("element type 0x0d", file: "train-labels-idx1-ubyte") { _ = try MNIST.load(directory: dir.path) }
}

@Test func extraBytesAreRefused() throws {
    let dir = TemporaryDirectory()
    try writeSet(dir, labels: Fixtures.idx(dimensions: [20], bytes: [UInt8](repeating: 1, count: 23)))
    expectDatasetError("has more data than its header declares: 20 bytes after the 8-byte header, but it holds 23") { _ = try MNIST.load(directory: dir.path) }
}

@Test func countMismatchIsRefused() throws {
    let dir = TemporaryDirectory()
    try writeSet(dir, labels: Fixtures.idx(dimensions: [19], bytes: [UInt8](repeating: 1, count: 19)))
    expectDatasetError("holds 19 labels but", file: "train-labels-idx1-ubyte") { _ = try MNIST.load(directory: dir.path) }
}

/// The boundary: label 10 with 10 classes is refused, label 9 accepted.
@Test func labelTenIsRefusedAndNineAccepted() throws {
    let dir = TemporaryDirectory()
    var labels = [UInt8](repeating: 9, count: 20)
    try writeSet(dir, labels: Fixtures.idx(dimensions: [20], bytes: labels))
    #expect(try MNIST.load(directory: dir.path).train.labels.allSatisfy { $0 == 9 })
    labels[19] = 10
    try writeSet(dir, labels: Fixtures.idx(dimensions: [20], bytes: labels))
    expectDatasetError("has label 10 at index 19; labels must be 0...9") { _ = try MNIST.load(directory: dir.path) }
}

@Test func badLabelIsRefused() throws {
    let dir = TemporaryDirectory()
    var labels = [UInt8](repeating: 3, count: 20)
    labels[7] = 12
    try writeSet(dir, labels: Fixtures.idx(dimensions: [20], bytes: labels))
    expectDatasetError("has label 12 at index 7; labels must be 0...9", file: "train-labels-idx1-ubyte") {
        _ = try MNIST.load(directory: dir.path)
    }
}

@Test func swappedFilesAreRefused() throws {
    let dir = TemporaryDirectory()
    try writeSet(dir, images: Fixtures.idx(dimensions: [20], bytes: [UInt8](repeating: 1, count: 20)))
    expectDatasetError("has the magic number of a labels file (0x00000801) where an images file (0x00000803) belongs") { _ = try MNIST.load(directory: dir.path) }
}

@Test func truncatedAndCorruptGzipAreRefused() throws {
    let dir = TemporaryDirectory()
    try Fixtures.writeMNIST(to: dir.path, train: 20, test: 10, gzip: true)
    let path = dir.file("train-images-idx3-ubyte.gz")
    let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    try Data(good.prefix(good.count / 2)).write(to: URL(fileURLWithPath: path))
    expectDatasetError("is truncated: the gzip stream ends early", file: "train-images-idx3-ubyte.gz") {
        _ = try MNIST.load(directory: dir.path)
    }
    var corrupt = good
    for i in 20..<60 { corrupt[i] ^= 0xA5 }
    try Data(corrupt).write(to: URL(fileURLWithPath: path))
    expectDatasetError("corrupt gzip data", file: "train-images-idx3-ubyte.gz") { _ = try MNIST.load(directory: dir.path) }
    try Data(Fixtures.idx(dimensions: [1], bytes: [1])).write(to: URL(fileURLWithPath: path))
    expectDatasetError("is not gzip data") { _ = try MNIST.load(directory: dir.path) }
}

@Test func missingFilesNameWhatWasLookedForAndHowToFetchIt() throws {
    let dir = TemporaryDirectory()
    expectDatasetError("does not exist") { _ = try MNIST.load(directory: dir.file("nowhere")) }
    expectDatasetError("make data") { _ = try MNIST.load(directory: dir.file("nowhere")) }
    try Fixtures.writeMNIST(to: dir.path, train: 5, test: 5)
    try FileManager.default.removeItem(atPath: dir.file("t10k-labels-idx1-ubyte"))
    expectDatasetError("has no t10k-labels-idx1-ubyte (also looked for t10k-labels-idx1-ubyte.gz, t10k-labels.idx1-ubyte") {
        _ = try MNIST.load(directory: dir.path)
    }
}

@Test func truncatedHeaderAndEmptyFile() {
    expectDatasetError("too short") { _ = try IDX.parse([0, 0], file: "f") }
    expectDatasetError("truncated inside its header") { _ = try IDX.parse([0, 0, 8, 3, 0, 0, 0, 1], file: "f") }
    expectDatasetError("dimension 0 of size 0") { _ = try IDX.parse([0, 0, 8, 1, 0, 0, 0, 0], file: "f") }
}

@Test func gzipHandlesConcatenatedMembers() throws {
    let joined = Fixtures.gzip([1, 2, 3]) + Fixtures.gzip([4, 5])
    #expect(try Gzip.inflate(joined, file: "x", limit: 5) == [1, 2, 3, 4, 5])
    let big = (0..<300_000).map { UInt8($0 % 251) }
    #expect(try Gzip.inflate(Fixtures.gzip(big), file: "x", limit: big.count) == big)
}

@Test func sha256KnownVectors() {
    #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    var h = SHA256()
    let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    h.update(Array(million[0..<333]))
    h.update(Array(million[333...]))
    #expect(h.finalize() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
}

// The CIFAR-10 loader on generated folders in the binary format: a full-size one, train_limit,
// the test file rules, and every way a batch can be wrong, each error naming the file.
@testable import Datasets
import Foundation
import TestSupport
import Testing

@Test func cifarLoadsTheBatchesInFileOrder() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    try Fixtures.writeCIFAR(to: dir.path, perBatch: 20, test: 30)
    let data = try CIFAR10.load(directory: dir.path, options: .init(recordsPerBatch: 20))
    #expect(data.train.count == 100 && data.test.count == 30 && data.inputSize == 3072 && data.classes == 10)
    // Record i of batch b is training example 20·(b − 1) + i; labels are i % 10 per batch.
    let batch3 = Fixtures.cifarRecords(count: 20, seed: 3)
    #expect(data.train.labels[47] == 7)
    for j in [0, 1023, 1024, 3071] { #expect(data.train.x[47 * 3072 + j] == Float(batch3[7 * 3073 + 1 + j]) / 255) }
    #expect(data.files.count == 6 && data.files[5].path.hasSuffix("test_batch.bin"))
    #expect(data.files[0].sha256 == SHA256.hex(Fixtures.cifarRecords(count: 20, seed: 1)))
}

@Test func cifarTrainingBatchesMustHoldTheOfficialTenThousand() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let records = Fixtures.cifarRecords(count: 10_000, seed: 1)
    let path = dir.file("data_batch_1.bin")
    try Data(records).write(to: URL(fileURLWithPath: path))
    let (images, labels, _) = try CIFAR10.readBatch(path, expectedRecords: CIFAR10.recordsPerBatch)
    #expect(images.count == 30_720_000 && labels.count == 10_000 && labels[9_999] == 9)
    try Data(records.dropLast(3073)).write(to: URL(fileURLWithPath: path))
    expectDatasetError("holds 9999 records; an official training batch holds 10000", file: "data_batch_1.bin") {
        _ = try CIFAR10.readBatch(path, expectedRecords: CIFAR10.recordsPerBatch)
    }
}

@Test func cifarTrainLimitAndTheTestFileRules() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    try Fixtures.writeCIFAR(to: dir.path, perBatch: 20, test: 0)
    // No test_batch.bin and none named: an empty test set.
    var data = try CIFAR10.load(directory: dir.path, options: .init(trainLimit: 45, recordsPerBatch: 20))
    #expect(data.train.count == 45 && data.test.count == 0 && data.files.count == 5)
    #expect(data.train.labels[44] == 4)  // batch 3, record 4
    try Data(Fixtures.cifarRecords(count: 12, seed: 4)).write(to: URL(fileURLWithPath: dir.file("test_batch_first1000.bin")))
    data = try CIFAR10.load(directory: dir.path, options: .init(test: "test_batch_first1000.bin", recordsPerBatch: 20))
    #expect(data.test.count == 12 && data.train.count == 100)
    expectDatasetError("is missing (named by dataset.test)", file: "nope.bin") {
        _ = try CIFAR10.load(directory: dir.path, options: .init(test: "nope.bin", recordsPerBatch: 20))
    }
}

@Test func cifarBatchErrorsNameTheFile() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let options = CIFAR10.Options(recordsPerBatch: 20)
    expectDatasetError("does not exist", file: "missing") { _ = try CIFAR10.load(directory: dir.file("missing"), options: options) }
    try Fixtures.writeCIFAR(to: dir.path, perBatch: 20)
    func damage(_ name: String, _ bytes: [UInt8], _ fragment: String) throws {
        let url = URL(fileURLWithPath: dir.file(name))
        let good = try Data(contentsOf: url)
        try Data(bytes).write(to: url)
        expectDatasetError(fragment, file: name) { _ = try CIFAR10.load(directory: dir.path, options: options) }
        try good.write(to: url)
    }
    let records = Fixtures.cifarRecords(count: 20, seed: 2)
    try damage("data_batch_2.bin", Array(records.dropLast(5)), "has 61455 bytes, not a multiple of the record size 3073")
    try damage("data_batch_2.bin", Array(records.prefix(3073 * 19)), "holds 19 records; an official training batch holds 20")
    try damage("data_batch_4.bin", [], "is empty")
    var badLabel = records
    badLabel[3073 * 6] = 10
    try damage("data_batch_5.bin", badLabel, "has label 10 in record 6 (byte offset 18438)")
    try damage("batches.meta.txt", Array("apple\naquarium_fish\n".utf8), "lists the classes apple, aquarium_fish")
    try FileManager.default.removeItem(atPath: dir.file("data_batch_3.bin"))
    expectDatasetError("is missing (the training set is data_batch_1.bin", file: "data_batch_3.bin") {
        _ = try CIFAR10.load(directory: dir.path, options: options)
    }
    // A directory where a batch belongs is named as such.
    try FileManager.default.createDirectory(atPath: dir.file("data_batch_3.bin"), withIntermediateDirectories: false)
    expectDatasetError("directory", file: "data_batch_3.bin") { _ = try CIFAR10.load(directory: dir.path, options: options) }
}

@Test func realCIFARTrainingBatchesMatchTheirPublishedHashes() throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data/cifar-10-batches-bin").standardized.path
    guard FileManager.default.fileExists(atPath: dir + "/data_batch_1.bin") else {
        print("skipped: the real CIFAR-10 is not at \(dir) (tests on generated files cover the loader)")
        return
    }
    let (images, labels, file) = try CIFAR10.readBatch(dir + "/data_batch_1.bin", expectedRecords: 10_000)
    #expect(file.sha256 == "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5")
    #expect(images.count == 30_720_000 && labels.count == 10_000)
    // The official first image is a frog (6), the second a truck (9).
    #expect(labels[0] == 6 && labels[1] == 9)
}

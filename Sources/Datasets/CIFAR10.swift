// CIFAR-10, binary version (Krizhevsky 2009): data_batch_1.bin … data_batch_5.bin and an optional
// test file; records of 1 label byte and 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each
// a 32 x 32 image row-major). Pixels / 255, kept in that (channel, row, column) order, which is
// PyTorch's NCHW for one image.
import Foundation
import Kernels

public enum CIFAR10 {
    public static let recordBytes = 1 + 3072
    public static let imageBytes = 3072
    /// Records in each official batch file.
    public static let recordsPerBatch = 10_000
    public static let trainFiles = (1...5).map { "data_batch_\($0).bin" }
    public static let defaultTest = "test_batch.bin"
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    public struct Options: Sendable, Equatable {
        /// Keep only the first N training examples (in file order: batch 1 first).
        public var trainLimit: Int? = nil
        /// The test file's name inside the folder; nil means `test_batch.bin` when present.
        public var test: String? = nil
        /// Records each training batch must hold: the official 10,000. Only tests change it, to
        /// read small generated folders; configs cannot.
        public var recordsPerBatch = CIFAR10.recordsPerBatch
        public init(trainLimit: Int? = nil, test: String? = nil, recordsPerBatch: Int = CIFAR10.recordsPerBatch) {
            self.trainLimit = trainLimit
            self.test = test
            self.recordsPerBatch = recordsPerBatch
        }
    }

    static let fetchHint = "run `make data` (it links ../shared/data/cifar-10-batches-bin when present), or download the binary version from https://www.cs.toronto.edu/~kriz/cifar.html and unpack it there; or pass --data-dir / set ADAM_BENCH_DATA"

    /// Loads and checks the five training batches and the test file. The test set is empty when
    /// no test file is named and `test_batch.bin` is absent.
    public static func load(directory: String, options: Options = Options()) throws -> Dataset {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw DatasetError(file: directory, "does not exist (looked for the CIFAR-10 binary batches data_batch_1.bin … data_batch_5.bin there)",
                               hint: fetchHint)
        }
        var files: [DataFile] = []
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        if FileInput.exists(path("batches.meta.txt")) { try checkMeta(path("batches.meta.txt")) }
        let limit = options.trainLimit ?? Int.max
        var trainImages: [UInt8] = [], trainLabels: [Int32] = []
        for name in trainFiles {
            let p = path(name)
            guard FileInput.exists(p) else {
                throw DatasetError(file: p, "is missing (the training set is data_batch_1.bin … data_batch_5.bin)", hint: fetchHint)
            }
            // Every file is read and checked (and hashed for the manifest), even past train_limit.
            let (images, labels, file) = try readBatch(p, expectedRecords: options.recordsPerBatch)
            files.append(file)
            let keep = min(labels.count, max(0, limit - trainLabels.count))
            trainImages += images[0..<(keep * imageBytes)]
            trainLabels += labels[0..<keep]
        }
        var testImages: [UInt8] = [], testLabels: [Int32] = []
        let testName = options.test ?? (FileInput.exists(path(defaultTest)) ? defaultTest : nil)
        if let testName {
            let p = testName.hasPrefix("/") ? testName : path(testName)
            guard FileInput.exists(p) else {
                throw DatasetError(file: p, "is missing (named by dataset.test)",
                                   hint: "give the name of a CIFAR-10 binary file in \(directory), for example test_batch_first1000.bin, or remove dataset.test")
            }
            let (images, labels, file) = try readBatch(p, expectedRecords: nil)
            files.append(file)
            testImages = images
            testLabels = labels
        }
        return Dataset(name: "cifar10", classes: 10, train: labeledData(trainImages, trainLabels),
                       test: labeledData(testImages, testLabels), files: files)
    }

    /// Reads one batch file: its images (count x 3072 bytes), labels and record. A training batch
    /// must hold exactly `expectedRecords`; a test file any positive whole number of records.
    public static func readBatch(_ path: String, expectedRecords: Int?) throws -> (images: [UInt8], labels: [Int32], file: DataFile) {
        let bytes: [UInt8]
        do { bytes = try FileInput.read(path, limit: FileInput.dataLimit) } catch {
            throw DatasetError(file: path, error.message, hint: fetchHint)
        }
        try check(bytes, path: path, expectedRecords: expectedRecords)
        let records = bytes.count / recordBytes
        var images = [UInt8](repeating: 0, count: records * imageBytes)
        var labels = [Int32](repeating: 0, count: records)
        bytes.withUnsafeBufferPointer { src in
            images.withUnsafeMutableBufferPointer { dst in
                for r in 0..<records {
                    labels[r] = Int32(src[r * recordBytes])
                    let from = src.baseAddress! + r * recordBytes + 1
                    (dst.baseAddress! + r * imageBytes).update(from: from, count: imageBytes)
                }
            }
        }
        let hash = SHA256.hex(bytes)
        return (images, labels, DataFile(path: path, sha256: hash, contentSHA256: hash))
    }

    /// Size and label checks on a batch file's bytes; every failure names the file.
    public static func check(_ bytes: [UInt8], path: String, expectedRecords: Int?) throws {
        guard !bytes.isEmpty else {
            throw DatasetError(file: path, "is empty; a CIFAR-10 batch holds records of \(recordBytes) bytes", hint: redownloadHint)
        }
        guard bytes.count % recordBytes == 0 else {
            let whole = bytes.count / recordBytes
            throw DatasetError(file: path, "has \(bytes.count) bytes, not a multiple of the record size \(recordBytes) (1 label + 3072 pixels): \(whole) whole records and \(bytes.count - whole * recordBytes) bytes over; the file is truncated or is not the binary version",
                               hint: "use the \"CIFAR-10 binary version\" (cifar-10-binary.tar.gz), not the Python or MATLAB one; " + redownloadHint)
        }
        let records = bytes.count / recordBytes
        if let expectedRecords, records != expectedRecords {
            throw DatasetError(file: path, "holds \(records) records; an official training batch holds \(expectedRecords)", hint: redownloadHint)
        }
        for r in 0..<records where bytes[r * recordBytes] > 9 {
            throw DatasetError(file: path, "has label \(bytes[r * recordBytes]) in record \(r) (byte offset \(r * recordBytes)); labels must be 0...9",
                               hint: "is this the CIFAR-100 binary version (2 label bytes per record)? " + redownloadHint)
        }
    }

    /// batches.meta.txt names the ten classes, one per line, in label order.
    static func checkMeta(_ path: String) throws {
        let bytes: [UInt8]
        do { bytes = try FileInput.read(path, limit: 1 << 20) } catch { throw DatasetError(file: path, error.message) }
        let names = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard names == classNames else {
            throw DatasetError(file: path, "lists the classes \(names.prefix(12).joined(separator: ", ")); CIFAR-10's are \(classNames.joined(separator: ", "))",
                               hint: "this folder does not hold CIFAR-10 (CIFAR-100 has other files); " + redownloadHint)
        }
    }

    static func labeledData(_ images: [UInt8], _ labels: [Int32]) -> LabeledData {
        let x = FloatBuffer(count: images.count)
        images.withUnsafeBufferPointer { src in
            for i in 0..<images.count { x.base[i] = Float(src[i]) / 255 }
        }
        return LabeledData(x: x, labels: labels, inputSize: imageBytes)
    }
}

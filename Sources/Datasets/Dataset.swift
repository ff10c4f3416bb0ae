// In-memory labelled data: features as one (count, inputSize) Float matrix, or as sparse rows
// (CSR) for bag-of-words and libsvm data, and Int32 labels.
import Kernels

public struct LabeledData: @unchecked Sendable {
    /// (count, inputSize), row-major; empty when the rows are sparse.
    public let x: FloatBuffer
    /// The rows in CSR form, for sparse data sets (then `x` is empty).
    public let sparse: SparseRows?
    public let labels: [Int32]
    public let inputSize: Int
    public var count: Int { labels.count }
    public var isSparse: Bool { sparse != nil }

    public init(x: FloatBuffer, labels: [Int32], inputSize: Int) {
        precondition(x.count == labels.count * inputSize)
        self.x = x
        self.sparse = nil
        self.labels = labels
        self.inputSize = inputSize
    }

    public init(sparse: SparseRows, labels: [Int32]) {
        precondition(sparse.count == labels.count)
        self.x = FloatBuffer(count: 0)
        self.sparse = sparse
        self.labels = labels
        self.inputSize = sparse.columns
    }

    /// Nonzeros per row on average (the dense width for dense data).
    public var meanNonzeros: Double {
        guard let sparse else { return Double(inputSize) }
        return count == 0 ? 0 : Double(sparse.nonzeros) / Double(count)
    }
}

/// A file a dataset was read from, for the manifest.
public struct DataFile: Sendable, Equatable {
    public let path: String
    /// SHA-256 of the bytes on disk.
    public let sha256: String
    /// SHA-256 after gzip decompression (equal to `sha256` for an uncompressed file): the
    /// checksum published for the dataset, whatever the file's compression.
    public let contentSHA256: String
    /// What the entry is when it is not a plain data file (a preprocessing cache: how it was made
    /// and how long it took). Recorded in the manifest, never part of a point's fingerprint.
    public let note: String?

    public init(path: String, sha256: String, contentSHA256: String, note: String? = nil) {
        self.path = path
        self.sha256 = sha256
        self.contentSHA256 = contentSHA256
        self.note = note
    }

    /// The manifest's record of the file.
    public var json: [(String, String)] {
        [("path", path), ("sha256", sha256), ("content_sha256", contentSHA256)] + (note.map { [("note", $0)] } ?? [])
    }
}

public struct Dataset: @unchecked Sendable {
    public let name: String
    public let classes: Int
    public let train: LabeledData
    public let test: LabeledData
    public let files: [DataFile]
    public var inputSize: Int { train.inputSize }

    public init(name: String, classes: Int, train: LabeledData, test: LabeledData, files: [DataFile]) {
        self.name = name
        self.classes = classes
        self.train = train
        self.test = test
        self.files = files
    }
}

extension Dataset {
    /// The same data with sparse rows stored dense (for comparing the dense path's speed).
    public func densified() -> Dataset {
        func dense(_ d: LabeledData) -> LabeledData {
            guard let rows = d.sparse else { return d }
            return LabeledData(x: rows.densified(), labels: d.labels, inputSize: d.inputSize)
        }
        return Dataset(name: name, classes: classes, train: dense(train), test: dense(test), files: files)
    }
}

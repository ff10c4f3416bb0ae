// IMDB movie reviews (Maas et al. 2011) as bag-of-words vectors: `imdb.vocab` (words by
// descending frequency) and `train/labeledBow.feat`, `test/labeledBow.feat` (raw or .gz), lines
// `rating idx:count ...` with idx counted from 0 as lines of the vocabulary. Features are the
// `vocabulary` most frequent words; label 1 for rating >= 7, 0 for rating <= 4.
import Foundation

public enum IMDB {
    /// How a word's count in a review becomes its feature.
    public enum Features: String, Sendable, CaseIterable {
        /// The count as in the file.
        case counts
        /// 1 where the word occurs (Figure 1's choice; see the README).
        case binary
        /// count x idf, idf = ln((1 + N) / (1 + df)) + 1 over the N training reviews, each row then
        /// scaled to unit Euclidean length (scikit-learn's smoothed tf-idf).
        case tfidf
    }

    public struct Options: Sendable, Equatable {
        public var vocabulary: Int
        public var features: Features
        public var trainLimit: Int?
        public init(vocabulary: Int = 10_000, features: Features = .binary, trainLimit: Int? = nil) {
            self.vocabulary = vocabulary
            self.features = features
            self.trainLimit = trainLimit
        }
    }

    static let fetchHint = "run `make data` (it links ../shared/data/aclImdb), or download aclImdb_v1.tar.gz from https://ai.stanford.edu/~amaas/data/sentiment/ and unpack it into the data directory"

    /// Loads the vocabulary and both feature files from `directory` (the aclImdb folder). The test
    /// file is optional: without it the test columns stay empty.
    public static func load(directory: String, options: Options = Options()) throws -> Dataset {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw DatasetError(file: directory, "does not exist (looked for IMDB's imdb.vocab and train/labeledBow.feat there)", hint: fetchHint)
        }
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        var files: [DataFile] = []
        let vocabPath = path("imdb.vocab")
        let vocabBytes: [UInt8]
        do { vocabBytes = try FileInput.read(vocabPath, limit: FileInput.configLimit * 4) } catch {
            throw DatasetError(file: vocabPath, error.message, hint: fetchHint)
        }
        let words = lineCount(vocabBytes)
        let vocabHash = SHA256.hex(vocabBytes)
        files.append(DataFile(path: vocabPath, sha256: vocabHash, contentSHA256: vocabHash))
        guard words > 0 else { throw DatasetError(file: vocabPath, "is empty; it should list the vocabulary, one word per line", hint: fetchHint) }
        guard options.vocabulary <= words else {
            throw DatasetError(file: vocabPath, "holds \(words) words, fewer than dataset.vocabulary = \(options.vocabulary)",
                               hint: "set dataset.vocabulary to at most \(words)")
        }
        let sparseOptions = SparseText.Options(indexBase: 0, columns: words, keepBelow: options.vocabulary, comments: false,
                                               qid: false, columnsName: "words of imdb.vocab (from 0)")
        guard let trainPath = locate(path("train/labeledBow.feat")) else {
            throw DatasetError(file: path("train/labeledBow.feat"), "is missing (also looked for labeledBow.feat.gz)", hint: fetchHint)
        }
        var train = try readFeatures(trainPath, options: sparseOptions, files: &files)
        if let limit = options.trainLimit, limit < train.labels.count {
            train = (train.rows.prefix(limit), Array(train.labels.prefix(limit)))
        }
        var test: (rows: SparseRows, labels: [Int32])? = nil
        if let testPath = locate(path("test/labeledBow.feat")) {
            test = try readFeatures(testPath, options: sparseOptions, files: &files)
        }
        let transform = Transform(options.features, training: train.rows)
        let trainData = LabeledData(sparse: transform.apply(train.rows), labels: train.labels)
        let testData = test.map { LabeledData(sparse: transform.apply($0.rows), labels: $0.labels) }
            ?? LabeledData(sparse: SparseRows(columns: options.vocabulary, rowStart: [0], indices: [], values: []), labels: [])
        return Dataset(name: "imdb", classes: 2, train: trainData, test: testData, files: files)
    }

    /// `name`, else `name.gz`; nil when neither exists.
    static func locate(_ name: String) -> String? {
        if FileInput.exists(name) { return name }
        if FileInput.exists(name + ".gz") { return name + ".gz" }
        return nil
    }

    /// Reads one labeledBow.feat file (raw or gzip): its rows and labels, and its record.
    static func readFeatures(_ path: String, options: SparseText.Options, files: inout [DataFile]) throws
        -> (rows: SparseRows, labels: [Int32]) {
        let (content, file) = try SparseText.readFile(path, hint: fetchHint)
        files.append(file)
        let parsed = try SparseText.parse(content, file: path, options: options)
        var labels = [Int32](repeating: 0, count: parsed.labels.count)
        for (i, token) in parsed.labels.enumerated() {
            guard let rating = Int(token), (1...10).contains(rating) else {
                throw DatasetError(file: path, "line \(parsed.lines[i]), column 1: \"\(token)\" is not a rating from 1 to 10")
            }
            if rating >= 7 { labels[i] = 1 } else if rating <= 4 { labels[i] = 0 } else {
                throw DatasetError(file: path, "line \(parsed.lines[i]), column 1: rating \(rating) is neither negative (<= 4) nor positive (>= 7); labeledBow.feat holds only polar reviews")
            }
        }
        return (parsed.rows, labels)
    }

    static func lineCount(_ bytes: [UInt8]) -> Int {
        var n = 0
        for b in bytes where b == UInt8(ascii: "\n") { n += 1 }
        if let last = bytes.last, last != UInt8(ascii: "\n") { n += 1 }
        return n
    }

    /// The feature transform, with the statistics of the training rows (tf-idf's document
    /// frequencies), applied alike to training and test rows.
    struct Transform {
        let features: Features
        let idf: [Float]

        init(_ features: Features, training rows: SparseRows) {
            self.features = features
            guard features == .tfidf else { idf = []; return }
            var df = [Int](repeating: 0, count: rows.columns)
            for j in rows.indices { df[Int(j)] += 1 }
            let n = Double(rows.count)
            idf = df.map { Float(Foundation.log((1 + n) / (1 + Double($0))) + 1) }
        }

        func apply(_ rows: SparseRows) -> SparseRows {
            var values = rows.values
            switch features {
            case .counts: break
            case .binary: for k in values.indices { values[k] = 1 }
            case .tfidf:
                for r in 0..<rows.count {
                    let span = rows.rowStart[r]..<rows.rowStart[r + 1]
                    var norm = 0.0
                    for k in span {
                        values[k] *= idf[Int(rows.indices[k])]
                        norm += Double(values[k]) * Double(values[k])
                    }
                    let scale = norm > 0 ? Float(1 / norm.squareRoot()) : 0
                    for k in span { values[k] *= scale }
                }
            }
            return SparseRows(columns: rows.columns, rowStart: rows.rowStart, indices: rows.indices, values: values)
        }
    }
}

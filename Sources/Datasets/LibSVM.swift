// Any data set in the svmlight / libsvm text format (rcv1, news20, a9a, ...): `label idx:value`
// lines, read sparse. Labels become classes by a given list, or in order of first appearance in
// the training file; numeric labels are compared as numbers ("+1", "1" and "1.0" are one class).
import Foundation

public enum LibSVM {
    public struct Options: Sendable, Equatable {
        /// Feature count: indices run indexBase ..< features + indexBase.
        public var features: Int
        /// 1 (libsvm's convention, the default) or 0.
        public var indexBase: Int
        /// The classes in order, as written in the file (nil: order of first appearance).
        public var labels: [String]?
        public var trainLimit: Int?
        public init(features: Int, indexBase: Int = 1, labels: [String]? = nil, trainLimit: Int? = nil) {
            self.features = features
            self.indexBase = indexBase
            self.labels = labels
            self.trainLimit = trainLimit
        }
    }

    /// Loads `train` and, when given, `test` (paths as resolved by the caller; raw or .gz).
    public static func load(train: String, test: String?, options: Options) throws -> Dataset {
        let sparse = SparseText.Options(indexBase: options.indexBase, columns: options.features)
        var files: [DataFile] = []
        let trainParsed = try read(train, sparse, files: &files)
        var classes: [String] = options.labels.map { $0.map(key) } ?? []
        let given = options.labels != nil
        func classify(_ parsed: SparseText.Parsed, file: String, learn: Bool) throws -> [Int32] {
            try parsed.labels.enumerated().map { i, token in
                let k = key(token)
                if let c = classes.firstIndex(of: k) { return Int32(c) }
                guard learn else {
                    let known = classes.map { "\"\($0)\"" }.joined(separator: ", ")
                    throw DatasetError(file: file, "line \(parsed.lines[i]), column 1: label \"\(token)\" is not one of the classes (\(known))",
                                       hint: given ? "add it to dataset.labels" : "a test label must occur in the training file")
                }
                classes.append(k)
                return Int32(classes.count - 1)
            }
        }
        var trainLabels = try classify(trainParsed, file: train, learn: !given)
        var trainRows = trainParsed.rows
        guard classes.count >= 2 else {
            throw DatasetError(file: train, "has a single label (\"\(classes.first ?? "")\"); a classifier needs at least two classes",
                               hint: "list the classes in dataset.labels if some only occur in the test file")
        }
        if let limit = options.trainLimit, limit < trainLabels.count {
            trainRows = trainRows.prefix(limit)
            trainLabels = Array(trainLabels.prefix(limit))
        }
        var testData = LabeledData(sparse: SparseRows(columns: options.features, rowStart: [0], indices: [], values: []), labels: [])
        if let test {
            let parsed = try read(test, sparse, files: &files)
            testData = LabeledData(sparse: parsed.rows, labels: try classify(parsed, file: test, learn: false))
        }
        return Dataset(name: "libsvm", classes: classes.count, train: LabeledData(sparse: trainRows, labels: trainLabels),
                       test: testData, files: files)
    }

    static func read(_ path: String, _ options: SparseText.Options, files: inout [DataFile]) throws -> SparseText.Parsed {
        guard FileInput.exists(path) else {
            throw DatasetError(file: path, "is missing", hint: "dataset.train and dataset.test name libsvm files, relative to the data directory or absolute")
        }
        let (content, file) = try SparseText.readFile(path, hint: "check the path in dataset.train / dataset.test")
        files.append(file)
        return try SparseText.parse(content, file: path, options: options)
    }

    /// A label's identity: the number it spells (so "+1" and "1" agree), else the text itself.
    public static func key(_ token: String) -> String {
        guard let v = Double(token), v.isFinite else { return token }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}

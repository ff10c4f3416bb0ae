// Sparse text data: the svmlight/libsvm format and IMDB's labeledBow.feat, from files generated
// here in the real formats. Every documented error names the file, the line and the column.
import Foundation
@testable import Datasets
import Testing
import TestSupport

private func parse(_ text: String, base: Int = 1, columns: Int = 10, keepBelow: Int? = nil) throws -> SparseText.Parsed {
    try SparseText.parse(Array(text.utf8), file: "f.txt", options: SparseText.Options(indexBase: base, columns: columns, keepBelow: keepBelow))
}

/// The problem text of the DatasetError `body` throws ("" when it throws none or another error).
private func problem(_ body: () throws -> Void) -> String {
    do { try body() } catch let e as DatasetError { return e.problem } catch { return "other error: \(error)" }
    return ""
}

@Test func libsvmLinesBecomeCSRRows() throws {
    let text = "# a comment line\n+1 1:0.5 3:2 10:-1 # trailing comment\r\n\n-1 qid:7 2:1e-3\t4:0\n1\n"
    let p = try parse(text)
    #expect(p.labels == ["+1", "-1", "1"])
    #expect(p.lines == [2, 4, 5])
    #expect(p.rows.rowStart == [0, 3, 4, 4])
    #expect(p.rows.indices == [0, 2, 9, 1])        // 1-based in the file, 0-based here; 4:0 left out
    #expect(p.rows.values == [0.5, 2, -1, 1e-3])
    #expect(p.rows.columns == 10)
    // Zero-based files, and a vocabulary cut that drops (not refuses) the columns beyond it.
    let cut = try parse("3 0:2 4:1 7:5\n", base: 0, columns: 10, keepBelow: 5)
    #expect(cut.rows.indices == [0, 4] && cut.rows.values == [2, 1] && cut.rows.columns == 5)
}

@Test func libsvmErrorsNameLineAndColumn() {
    let cases: [(String, String)] = [
        ("1 1:1\n1 3:\n", "line 2, column 3: index 3 has no value after its colon"),
        ("1 1:1 x:2\n", "line 1, column 7: \"x:2\" is not an index:value pair"),
        ("1 1:1 5\n", "line 1, column 7: \"5\" is not an index:value pair"),
        ("1 2:abc\n", "line 1, column 5: \"abc\" is not a finite number (the value of index 2)"),
        ("1 2:nan\n", "\"nan\" is not a finite number"),
        ("1 2:1e40\n", "\"1e40\" is not a finite number"),
        ("1 2:inf\n", "\"inf\" is not a finite number"),
        ("1 0:1\n", "line 1, column 3: index 0 is out of range: the features are numbered 1 to 10"),
        ("1 11:1\n", "index 11 is out of range: the features are numbered 1 to 10"),
        ("1 5:1 3:1\n", "line 1, column 7: index 3 comes after index 5; indices must increase along a line"),
        ("1 5:1 5:2\n", "index 5 comes after index 5"),
        ("1:2 3:4\n", "line 1, column 1: \"1:2\" is where the label belongs"),
        ("", "is empty"),
        ("# only a comment\n\n", "holds no examples"),
    ]
    for (text, expected) in cases {
        let got = problem { _ = try parse(text) }
        #expect(got.contains(expected), "\(text.debugDescription): \(got)")
    }
}

@Test func libsvmLabelsMapToClasses() throws {
    let dir = TemporaryDirectory()
    let train = dir.write("+1 1:1\n-1 2:1\n1 3:1\n-1.0 1:2\n", to: "train.txt")
    let test = dir.write("-1 1:1\n+1 2:2\n", to: "test.txt")
    let d = try LibSVM.load(train: train, test: test, options: LibSVM.Options(features: 3))
    #expect(d.classes == 2 && d.train.labels == [0, 1, 0, 1] && d.test.labels == [1, 0])  // order of first appearance
    #expect(d.train.isSparse && d.train.inputSize == 3 && d.files.count == 2)
    let given = try LibSVM.load(train: train, test: nil, options: LibSVM.Options(features: 3, labels: ["-1", "1"]))
    #expect(given.train.labels == [1, 0, 1, 0] && given.test.count == 0)
    let unknown = dir.write("2 1:1\n", to: "bad.txt")
    #expect(problem { _ = try LibSVM.load(train: train, test: unknown, options: LibSVM.Options(features: 3)) }
        .contains("line 1, column 1: label \"2\" is not one of the classes (\"1\", \"-1\")"))
    let single = dir.write("1 1:1\n1 2:1\n", to: "single.txt")
    #expect(problem { _ = try LibSVM.load(train: single, test: nil, options: LibSVM.Options(features: 3)) }.contains("has a single label"))
    #expect(problem { _ = try LibSVM.load(train: dir.file("none.txt"), test: nil, options: LibSVM.Options(features: 3)) }.contains("is missing"))
    // Gzip-compressed files read the same, and the manifest records both hashes.
    let gz = dir.file("train.txt.gz")
    try Data(Fixtures.gzip(Array("+1 1:1\n-1 2:1\n1 3:1\n-1.0 1:2\n".utf8))).write(to: URL(fileURLWithPath: gz))
    let z = try LibSVM.load(train: gz, test: nil, options: LibSVM.Options(features: 3))
    #expect(z.train.sparse!.values == d.train.sparse!.values && z.train.labels == d.train.labels)
    #expect(z.files[0].sha256 != z.files[0].contentSHA256 && z.files[0].contentSHA256 == d.files[0].sha256)
}

/// An aclImdb folder: a vocabulary of `words` words, and train/test labeledBow.feat files (the
/// test one gzip-compressed) holding `lines`.
private func writeIMDB(_ dir: TemporaryDirectory, words: Int = 6, train: [String], test: [String]? = nil) throws -> String {
    let root = dir.file("aclImdb")
    _ = dir.write((0..<words).map { "w\($0)" }.joined(separator: "\n") + "\n", to: "aclImdb/imdb.vocab")
    _ = dir.write(train.joined(separator: "\n") + "\n", to: "aclImdb/train/labeledBow.feat")
    if let test {
        try FileManager.default.createDirectory(atPath: dir.file("aclImdb/test"), withIntermediateDirectories: true)
        try Data(Fixtures.gzip(Array((test.joined(separator: "\n") + "\n").utf8)))
            .write(to: URL(fileURLWithPath: dir.file("aclImdb/test/labeledBow.feat.gz")))
    }
    return root
}

@Test func imdbRatingsVocabularyAndFeatures() throws {
    let dir = TemporaryDirectory()
    let root = try writeIMDB(dir, train: ["9 0:3 2:1 5:2", "1 1:2 4:4", "7 0:1"], test: ["4 3:1", "10 0:2 5:1"])
    let counts = try IMDB.load(directory: root, options: IMDB.Options(vocabulary: 5, features: .counts))
    #expect(counts.classes == 2 && counts.train.labels == [1, 0, 1] && counts.test.labels == [0, 1])
    #expect(counts.train.inputSize == 5)
    #expect(counts.train.sparse!.indices == [0, 2, 1, 4, 0])  // 5:2 is beyond the vocabulary of 5: dropped
    #expect(counts.train.sparse!.values == [3, 1, 2, 4, 1])
    #expect(counts.files.map { ($0.path as NSString).lastPathComponent } == ["imdb.vocab", "labeledBow.feat", "labeledBow.feat.gz"])
    let binary = try IMDB.load(directory: root, options: IMDB.Options(vocabulary: 5, features: .binary))
    #expect(binary.train.sparse!.values == [1, 1, 1, 1, 1])
    // tf-idf: word 0 is in 2 of 3 training reviews, idf ln(4/3) + 1; word 2 in 1, ln(4/2) + 1;
    // each row then has unit length.
    let tfidf = try IMDB.load(directory: root, options: IMDB.Options(vocabulary: 5, features: .tfidf))
    let a = 3 * (log(4.0 / 3) + 1), b = 1 * (log(2.0) + 1), norm = (a * a + b * b).squareRoot()
    let v = tfidf.train.sparse!.values
    #expect(abs(Double(v[0]) - a / norm) < 1e-6 && abs(Double(v[1]) - b / norm) < 1e-6)
    #expect(abs(Double(tfidf.train.sparse!.values[4]) - 1) < 1e-6)
    let limited = try IMDB.load(directory: root, options: IMDB.Options(vocabulary: 5, trainLimit: 2))
    #expect(limited.train.count == 2 && limited.test.count == 2)
}

@Test func imdbErrorsNameFileAndLine() throws {
    let dir = TemporaryDirectory()
    let neutral = try writeIMDB(dir, train: ["9 0:1", "5 1:1"])
    #expect(problem { _ = try IMDB.load(directory: neutral, options: IMDB.Options(vocabulary: 5)) }
        .contains("line 2, column 1: rating 5 is neither negative (<= 4) nor positive (>= 7)"))
    let dir2 = TemporaryDirectory()
    let beyond = try writeIMDB(dir2, train: ["9 0:1 6:1"])
    #expect(problem { _ = try IMDB.load(directory: beyond, options: IMDB.Options(vocabulary: 5)) }
        .contains("line 1, column 7: index 6 is out of range: the words of imdb.vocab (from 0) are numbered 0 to 5"))
    #expect(problem { _ = try IMDB.load(directory: beyond, options: IMDB.Options(vocabulary: 7)) }
        .contains("holds 6 words, fewer than dataset.vocabulary = 7"))
    let dir3 = TemporaryDirectory()
    let rating = try writeIMDB(dir3, train: ["x 0:1"])
    #expect(problem { _ = try IMDB.load(directory: rating, options: IMDB.Options(vocabulary: 5)) }.contains("\"x\" is not a rating from 1 to 10"))
    // A truncated .gz test file and a missing training file are named.
    let dir4 = TemporaryDirectory()
    let cut = try writeIMDB(dir4, train: ["9 0:1"], test: ["1 0:1", "2 1:1"])
    let gz = dir4.file("aclImdb/test/labeledBow.feat.gz")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: gz))
    try bytes.prefix(bytes.count - 6).write(to: URL(fileURLWithPath: gz))
    let e = problem { _ = try IMDB.load(directory: cut, options: IMDB.Options(vocabulary: 5)) }
    #expect(!e.isEmpty)
    try FileManager.default.removeItem(atPath: dir4.file("aclImdb/train/labeledBow.feat"))
    #expect(problem { _ = try IMDB.load(directory: cut, options: IMDB.Options(vocabulary: 5)) }.contains("is missing (also looked for labeledBow.feat.gz)"))
    #expect(problem { _ = try IMDB.load(directory: dir4.file("nowhere"), options: IMDB.Options()) }.contains("does not exist"))
}

@Test func sparseRowsRoundTripThroughDense() {
    var rng = RNGLike(seed: 3)
    let rows = 7, columns = 9
    var dense = [Float](repeating: 0, count: rows * columns)
    for i in dense.indices where rng.next() % 3 == 0 { dense[i] = Float(rng.next() % 100) / 10 - 5 }
    let s = dense.withUnsafeBufferPointer { SparseRows.fromDense($0.baseAddress!, rows: rows, columns: columns) }
    #expect(s.densified().array == dense)
    let lengths = (0..<rows).map { s.rowStart[$0 + 1] - s.rowStart[$0] }.sorted(by: >)
    #expect(s.maxNonzeros(rows: 3) == lengths.prefix(3).reduce(0, +))
    #expect(s.prefix(2).count == 2 && s.prefix(2).densified().array == Array(dense.prefix(2 * columns)))
}

/// A tiny generator for the fixture above (the Kernels RNG is not a dependency of this target).
private struct RNGLike {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }
}

@Test func realIMDBLoadsWhenPresent() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data/aclImdb").standardized.path
    guard FileManager.default.fileExists(atPath: root + "/imdb.vocab") else {
        print("skipped: real IMDB not found at \(root) (tests on generated files cover the loader)")
        return
    }
    let d = try IMDB.load(directory: root, options: IMDB.Options(vocabulary: 10_000, features: .binary))
    #expect(d.train.count == 25_000 && d.test.count == 25_000)
    #expect(d.train.labels.prefix(12_500).allSatisfy { $0 == 1 } && d.train.labels.suffix(12_500).allSatisfy { $0 == 0 })
    let perReview = Double(d.train.sparse!.nonzeros) / 25_000
    #expect(perReview > 100 && perReview < 200)
    #expect(d.files.count == 3)
}

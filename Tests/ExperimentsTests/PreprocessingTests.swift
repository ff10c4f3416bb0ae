// The dataset's `preprocess`: ZCA through its on-disk cache (computed once, then read back
// bit for bit; a damaged cache is recomputed), standardize, and CIFAR-10 end to end on the real
// files when they are present.
import Datasets
@testable import Config
@testable import Training
import Foundation
import Kernels
import TestSupport
import Testing

func smallImageSet(rows: Int, features d: Int, seed: UInt64) -> LabeledData {
    var rng = RNG(seed: seed)
    let x = FloatBuffer(count: rows * d)
    // Correlated features: a shared component plus noise, so the covariance is far from I.
    for r in 0..<rows {
        let shared = rng.uniform()
        for j in 0..<d { x.base[r * d + j] = shared * Float(j + 1) / Float(d) + 0.3 * rng.uniform() }
    }
    return LabeledData(x: x, labels: [Int32](repeating: 0, count: rows), inputSize: d)
}

@Test func zcaIsCachedByItsKeyAndReadBackBitForBit() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    func dataset() -> Dataset {
        Dataset(name: "t", classes: 10, train: smallImageSet(rows: 400, features: 12, seed: 1),
                test: smallImageSet(rows: 50, features: 12, seed: 2),
                files: [DataFile(path: "data_batch_1.bin", sha256: "aa", contentSHA256: "aa")])
    }
    var logged: [String] = []
    let first = try Preprocessing.apply(.zca(epsilon: 1e-5), to: dataset(), cache: dir.path, threads: 1) { logged.append($0) }
    #expect(logged.count == 1 && logged[0].contains("computing the ZCA matrix of 400 images x 12 features"))
    let record = first.files.last!
    #expect(record.path.hasPrefix(dir.path + "/zca-") && record.note!.contains("computed in"))
    #expect(record.sha256 == Preprocessing.cacheKey(dataset(), epsilon: 1e-5))
    // Whitened training features: mean 0, covariance near I (ε is small against the spectrum).
    let x = first.train.x.base
    var c01 = 0.0, c00 = 0.0
    for r in 0..<400 { c00 += Double(x[r * 12]) * Double(x[r * 12]); c01 += Double(x[r * 12]) * Double(x[r * 12 + 1]) }
    #expect(abs(c00 / 400 - 1) < 0.05 && abs(c01 / 400) < 0.05)
    // Second time: read from the cache, the same bits.
    logged = []
    let second = try Preprocessing.apply(.zca(epsilon: 1e-5), to: dataset(), cache: dir.path, threads: 1) { logged.append($0) }
    #expect(logged.isEmpty && second.files.last!.note!.contains("read from the cache"))
    #expect(second.train.x.array == first.train.x.array && second.test.x.array == first.test.x.array)
    #expect(second.files.last!.contentSHA256 == record.contentSHA256)
    // Another ε is another key; a damaged cache file is computed again, not trusted.
    #expect(Preprocessing.cacheKey(dataset(), epsilon: 1e-2) != record.sha256)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: record.path))
    bytes[100] ^= 0xFF
    try bytes.write(to: URL(fileURLWithPath: record.path))
    logged = []
    let third = try Preprocessing.apply(.zca(epsilon: 1e-5), to: dataset(), cache: dir.path, threads: 1) { logged.append($0) }
    #expect(logged.count == 1 && third.train.x.array == first.train.x.array)
    // An unwritable cache folder is a warning, not a failure.
    logged = []
    let blocked = dir.file("blocked")
    FileManager.default.createFile(atPath: blocked, contents: Data())
    let fourth = try Preprocessing.apply(.zca(epsilon: 1e-5), to: dataset(), cache: blocked + "/sub", threads: 1) { logged.append($0) }
    #expect(logged.contains { $0.contains("could not cache") } && fourth.files.last!.note!.contains("not cached"))
}

@Test func standardizeGivesEachChannelMeanZeroAndUnitVariance() throws {
    let train = smallImageSet(rows: 30, features: 3072, seed: 3)
    let data = try Preprocessing.apply(.standardize, to: Dataset(name: "t", classes: 10, train: train, test: smallImageSet(rows: 5, features: 3072, seed: 4), files: []),
                                       cache: "/nonexistent")
    for channel in 0..<3 {
        var s = 0.0, ss = 0.0
        for r in 0..<30 { for i in 0..<1024 { let v = Double(data.train.x[r * 3072 + channel * 1024 + i]); s += v; ss += v * v } }
        #expect(abs(s / 30720) < 1e-4 && abs(ss / 30720 - 1) < 1e-3)
    }
}

@Test func realCIFARTrainsACNNEndToEnd() throws {
    let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data").standardized.path
    guard FileManager.default.fileExists(atPath: shared + "/cifar-10-batches-bin/data_batch_1.bin") else {
        print("skipped: the real CIFAR-10 is not at \(shared)/cifar-10-batches-bin (the generated-file tests cover the loader)")
        return
    }
    let config = try ExperimentConfig.parse(JSON.parse("""
    {"name": "cifar-slice", "dataset": {"name": "cifar10", "train_limit": 64, "preprocess": "standardize"},
     "model": {"kind": "cnn", "conv": [4, 4, 4], "hidden": [8], "dropout": {"input": 0.2, "hidden": 0.5}},
     "training": {"epochs": 1, "batch_size": 32}, "arms": [{"name": "adam", "optimizer": "adam", "lr": 0.001}]}
    """))
    let problem = try config.loadProblem(dataDirectory: shared)
    guard case .supervised(let data, _, _) = problem else { Issue.record("not supervised"); return }
    // No test file named and no test_batch.bin there: no test set, and the test columns stay empty.
    #expect(data.train.count == 64 && data.test.count == 0 && data.files.count == 5)
    #expect(data.files[0].sha256 == "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5")
    let results = ExperimentRunner.train(config, problem: problem, threads: 2, progress: nil)
    let last = results[0].rows.last!
    #expect(results[0].status == .ok && last.trainLoss!.isFinite && last.evalTrainLoss!.isFinite)
    #expect(last.testLoss == nil && last.testAccuracy == nil)
}

/// pylearn2's global contrast normalisation written out for the test, on a copy: pixels back on
/// 0...255, each row centred and scaled to norm `scale` (a normaliser below 1e-8 taken as 1).
func referenceGCN(_ data: LabeledData, scale: Double) -> [[Double]] {
    let d = data.inputSize
    return (0..<data.count).map { r in
        let v = (0..<d).map { 255 * Double(data.x[r * d + $0]) }
        let mean = v.reduce(0, +) / Double(d)
        let c = v.map { $0 - mean }
        var s = c.reduce(0) { $0 + $1 * $1 }.squareRoot() / scale
        if s < 1e-8 { s = 1 }
        return c.map { $0 / s }
    }
}

@Test func gcnZCAWhitensTheContrastNormalisedImagesUpToTheFilterBias() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let n = 400, d = 12, epsilon = 0.1
    func dataset() -> Dataset {
        Dataset(name: "t", classes: 10, train: smallImageSet(rows: n, features: d, seed: 1), test: smallImageSet(rows: 50, features: d, seed: 2),
                files: [DataFile(path: "data_batch_1.bin", sha256: "aa", contentSHA256: "aa")])
    }
    let raw = dataset()
    let gcnTrain = referenceGCN(raw.train, scale: 55), gcnTest = referenceGCN(raw.test, scale: 55)
    var logged: [String] = []
    let out = try Preprocessing.apply(.gcnZCA(scale: 55, epsilon: epsilon), to: dataset(), cache: dir.path, threads: 1) { logged.append($0) }
    let record = out.files.last!
    #expect(logged.count == 1 && record.path.hasPrefix(dir.path + "/gcn-zca-"))
    #expect(record.sha256 == Preprocessing.cacheKey(raw, epsilon: epsilon, gcnScale: 55))
    #expect(record.note!.hasPrefix("global contrast normalisation (scale 55)") && record.note!.contains("ZCA whitening (filter bias 0.1), computed in"))
    let (mean, w) = Preprocessing.readCache(record.path, features: d)!
    // ZCA saw the contrast-normalised images: its mean is theirs.
    for j in 0..<d {
        let m = gcnTrain.reduce(0) { $0 + $1[j] } / Double(n)
        #expect(abs(Double(mean[j]) - m) < 1e-4 * 55, "mean[\(j)]")
    }
    // W = (C + εI)^(−1/2) for the covariance C of those images, so the whitened training set's
    // covariance W·C·W is I − ε·W²: the identity up to the filter bias (which matters here: GCN
    // leaves every image with mean 0, so C has a zero eigenvalue, and that direction ends at 0).
    var worst = 0.0, trace = 0.0
    for i in 0..<d {
        for j in 0..<d {
            var c = 0.0
            for r in 0..<n { c += Double(out.train.x[r * d + i]) * Double(out.train.x[r * d + j]) }
            c /= Double(n)
            var w2 = 0.0
            for k in 0..<d { w2 += Double(w[i * d + k]) * Double(w[k * d + j]) }
            worst = max(worst, abs(c + epsilon * w2 - (i == j ? 1 : 0)))
            if i == j { trace += c }
        }
    }
    #expect(worst < 2e-3, "worst deviation of C_w + εW² from I: \(worst)")
    #expect(trace > Double(d) - 1.5 && trace < Double(d) - 0.5, "one direction (the image mean) is empty: trace \(trace)")
    // A test image goes through the same two steps with the training set's statistics.
    for r in [0, 49] {
        for i in 0..<d {
            var e = 0.0
            for k in 0..<d { e += Double(w[i * d + k]) * (gcnTest[r][k] - Double(mean[k])) }
            #expect(abs(Double(out.test.x[r * d + i]) - e) < 1e-3, "test row \(r) feature \(i)")
        }
    }
    // Read back from the cache: no computation, the same bits.
    logged = []
    let again = try Preprocessing.apply(.gcnZCA(scale: 55, epsilon: epsilon), to: dataset(), cache: dir.path, threads: 1) { logged.append($0) }
    #expect(logged.isEmpty && again.files.last!.note!.contains("read from the cache"))
    #expect(again.train.x.array == out.train.x.array && again.test.x.array == out.test.x.array)
    // Another GCN scale is another matrix, computed and cached beside it.
    _ = try Preprocessing.apply(.gcnZCA(scale: 10, epsilon: epsilon), to: dataset(), cache: dir.path, threads: 1) { logged.append($0) }
    #expect(logged.count == 1)
}

@Test func theCacheKeyHoldsTheGCNSettingsAndPlainZCAKeysAreUnchanged() {
    let data = Dataset(name: "t", classes: 10, train: smallImageSet(rows: 20, features: 12, seed: 1), test: smallImageSet(rows: 2, features: 12, seed: 2),
                       files: [DataFile(path: "data_batch_1.bin", sha256: "aa", contentSHA256: "aa")])
    // Plain ZCA's key is the text it always was, so the ZCA matrices already cached stay valid.
    let text = "zca v1\naa\ntrain 20 x 12\nepsilon \(0.1.bitPattern)"
    #expect(Preprocessing.cacheKey(data, epsilon: 0.1) == SHA256.hex(Array(text.utf8)))
    let keys = [Preprocessing.cacheKey(data, epsilon: 0.1), Preprocessing.cacheKey(data, epsilon: 0.1, gcnScale: 55),
                Preprocessing.cacheKey(data, epsilon: 0.1, gcnScale: 54), Preprocessing.cacheKey(data, epsilon: 0.01, gcnScale: 55)]
    #expect(Set(keys).count == keys.count)
    #expect(Preprocessing.cacheKey(data, epsilon: 0.1, gcnScale: 55) == Preprocessing.cacheKey(data, epsilon: 0.1, gcnScale: 55))
}

@Test func gcnOfAGeneratedCIFARFileIsPylearn2sOnTheRawBytes() throws {
    // The loader's pixels are bytes / 255; pylearn2 normalised the bytes themselves. A generated
    // CIFAR-10 folder read through the loader: its contrast normalisation must match the formula
    // on the file's own bytes (a row of uniform bytes is far from the floor, so the pixel unit
    // must cancel exactly).
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    try Fixtures.writeCIFAR(to: dir.path, perBatch: 20, test: 5)
    let copy = try CIFAR10.load(directory: dir.path, options: .init(recordsPerBatch: 20))
    let d = 3072
    ContrastNormalization.global(copy.train.x.base, rows: copy.train.count, features: d, scale: 55, pixelScale: Preprocessing.pixelScale)
    let batch1 = Fixtures.cifarRecords(count: 20, seed: 1)
    for r in [0, 19] {
        let v = (0..<d).map { Double(batch1[r * 3073 + 1 + $0]) }
        let mean = v.reduce(0, +) / Double(d)
        let norm = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }.squareRoot()
        var worst = 0.0
        for j in 0..<d { worst = max(worst, abs(Double(copy.train.x[r * d + j]) - 55 * (v[j] - mean) / norm)) }
        #expect(worst < 1e-5, "row \(r)")
    }
    // Whitening 3072 features takes minutes in a debug build: the small sets above test the ZCA
    // step of gcn-zca.
}

@Test func gcnZCAsDefaultsAreInTheResolvedConfigAndTheFingerprint() throws {
    func config(_ dataset: String) throws -> ExperimentConfig {
        try ExperimentConfig.parse(JSON.parse("""
        {"name": "c", "dataset": {"name": "cifar10", \(dataset)}, "model": {"kind": "cnn", "conv": [2], "hidden": []},
         "training": {"epochs": 1}, "arms": [{"name": "a", "optimizer": "adam", "lr": 0.001}]}
        """))
    }
    let era = try config("\"preprocess\": \"gcn-zca\"")
    #expect(era.dataset == .cifar10(path: "cifar-10-batches-bin", test: nil, trainLimit: nil, preprocess: .gcnZCA(scale: 55, epsilon: 0.1)))
    let resolved = era.resolvedJSON.rendered().replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: " ", with: "")
    #expect(resolved.contains("\"preprocess\":\"gcn-zca\",\"gcn_scale\":55,\"zca_epsilon\":0.1"), "\(resolved)")
    #expect(try ExperimentConfig.parse(JSON.parse(era.resolvedJSON.rendered())).dataset == era.dataset)
    let fingerprints = try ["\"preprocess\": \"gcn-zca\"", "\"preprocess\": \"gcn-zca\", \"gcn_scale\": 50", "\"preprocess\": \"gcn-zca\", \"zca_epsilon\": 0.01",
                            "\"preprocess\": \"zca\""].map { c -> String in let x = try config(c); return x.fingerprint(x.arms[0], seed: 1, files: []) }
    #expect(Set(fingerprints).count == 4)
}

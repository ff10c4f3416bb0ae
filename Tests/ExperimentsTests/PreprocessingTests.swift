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

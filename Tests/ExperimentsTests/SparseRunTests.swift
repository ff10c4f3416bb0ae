// Whole runs on sparse data (libsvm files generated here): the same curves for any thread count,
// shuffled (rows gathered into the point's CSR copy) or in file order. That sparse and dense
// models agree is tested on the models themselves (NNTests/SparseModelTests).
import Datasets
@testable import Config
@testable import Results
@testable import Training
import Foundation
import Kernels
import TestSupport
import Testing

/// A libsvm file of `n` examples over `d` features (about a fifth nonzero) in two classes; also
/// returns the rows as dense values.
private func writeLibSVM(_ dir: TemporaryDirectory, name: String, n: Int, d: Int, seed: UInt64) -> (path: String, dense: [Float], labels: [Int32]) {
    var rng = RNG(seed: seed), lines: [String] = [], dense = [Float](repeating: 0, count: n * d), labels: [Int32] = []
    for r in 0..<n {
        let label = Int32(rng.below(2))
        var pairs: [String] = []
        for c in 0..<d where rng.uniform() < 0.2 {
            let v = Float(rng.below(5) + 1) * (label == 1 && c < d / 2 ? 1 : 0.5)
            dense[r * d + c] = v
            pairs.append("\(c + 1):\(v)")
        }
        labels.append(label)
        lines.append(([label == 1 ? "+1" : "-1"] + pairs).joined(separator: " "))
    }
    return (dir.write(lines.joined(separator: "\n") + "\n", to: name), dense, labels)
}

private func libsvmConfig(shuffle: Bool, dropout: Double, kind: String = "logistic-regression") -> String {
    let model = kind == "mlp" ? "\"kind\": \"mlp\", \"hidden\": [6], \"dropout\": {\"input\": \(dropout)}"
        : "\"kind\": \"logistic-regression\", \"dropout\": {\"input\": \(dropout)}"
    return """
    {"name": "sparse", "dataset": {"name": "libsvm", "train": "train.txt", "test": "test.txt", "features": 30, "labels": ["-1", "+1"]},
     "model": {\(model)},
     "training": {"epochs": 3, "batch_size": 8, "seed": 2, "shuffle": \(shuffle)},
     "arms": [{"name": "adam", "optimizer": "adam", "lr": 0.01}, {"name": "adagrad", "optimizer": "adagrad", "lr": 0.1}]}
    """
}

@Test(arguments: ["logistic-regression", "mlp"])
func sparseRunsAreTheSameForAnyThreadCount(_ kind: String) throws {
    let dir = TemporaryDirectory()
    _ = writeLibSVM(dir, name: "train.txt", n: 60, d: 30, seed: 1)
    _ = writeLibSVM(dir, name: "test.txt", n: 20, d: 30, seed: 2)
    for shuffle in [true, false] {
        let config = libsvmConfig(shuffle: shuffle, dropout: 0.5, kind: kind)
        let one = CurvesCSV.render(try run(config, dataDirectory: dir.path, threads: 1))
        #expect(one == CurvesCSV.render(try run(config, dataDirectory: dir.path, threads: 2)))
        #expect(one == CurvesCSV.render(try run(config, dataDirectory: dir.path, threads: 3)))
        #expect(one.split(separator: "\n").count == 1 + 2 * 4)
    }
}

@Test func aBadLibSVMFileIsNamedWithLineAndColumnAndExits3() throws {
    let dir = TemporaryDirectory()
    _ = dir.write("+1 1:1 2:1\n-1 3:1 2:5\n", to: "data/train.txt")
    let config = dir.write(libsvmConfig(shuffle: false, dropout: 0).replacingOccurrences(of: ", \"test\": \"test.txt\"", with: ""), to: "c.json")
    let out = try Binary.run(["run", config, "--data-dir", dir.file("data"), "--out", dir.file("out"), "--quiet"])
    #expect(out.status == 3)
    #expect(out.stderr.contains("train.txt: line 2, column 8: index 2 comes after index 3; indices must increase along a line"), "\(out.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.file("out/sparse/curves.csv")))
}

// A tiny CNN (one 3x3 convolution of 2 channels, ReLU, the 3x3/2 max-pool, a linear layer) on
// four 4x4 images, started from a .npy file: the loss before the step, the parameters after one
// full-batch SGD step and the loss after it, against a forward and backward pass written out
// here in Double, independently of the model code.
import Datasets
@testable import Config
@testable import Results
@testable import Training
import Foundation
import TestSupport
import Testing

let cnnPixels: [UInt8] = (0..<64).map { UInt8(($0 * 37 + 11) % 256) }
let cnnLabels: [UInt8] = [3, 0, 7, 3]

let handCNNConfig = """
{"name": "cnn-from-file", "dataset": {"name": "mnist", "path": "hand"},
 "model": {"kind": "cnn", "conv": [2], "kernel": 3, "pool": {"size": 3, "stride": 2}, "hidden": [], "init": {"from": "start.npy"}},
 "training": {"epochs": 1, "full_batch": true, "shuffle": false, "save_params": true},
 "arms": [{"name": "sgd", "optimizer": "sgd", "lr": 0.1}]}
"""

/// Mean cross-entropy of the network (PyTorch layout: conv1.weight 2x1x3x3, conv1.bias 2,
/// fc1.weight 10x8, fc1.bias 10) and its gradient.
func handCNNLossAndGradient(_ p: [Double]) -> (loss: Double, gradient: [Double]) {
    let cw = 0, cb = 18, fw = 20, fb = 100
    var g = [Double](repeating: 0, count: 110), loss = 0.0
    for n in 0..<4 {
        func pixel(_ y: Int, _ x: Int) -> Double {
            y < 0 || y > 3 || x < 0 || x > 3 ? 0 : Double(cnnPixels[n * 16 + y * 4 + x]) / 255
        }
        // conv (padding 1) and ReLU
        var a = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: 4), count: 4), count: 2)
        for o in 0..<2 { for y in 0..<4 { for x in 0..<4 {
            var s = p[cb + o]
            for ky in 0..<3 { for kx in 0..<3 { s += p[cw + o * 9 + ky * 3 + kx] * pixel(y + ky - 1, x + kx - 1) } }
            a[o][y][x] = max(0, s)
        } } }
        // 3x3 stride-2 max-pool with padding 1: windows rows/columns {-1,0,1} and {1,2,3}; the
        // first maximum in scan order wins.
        var flat = [Double](repeating: 0, count: 8), from = [(Int, Int, Int)](repeating: (0, 0, 0), count: 8)
        for o in 0..<2 { for oy in 0..<2 { for ox in 0..<2 {
            var best = -Double.infinity, at = (o, 0, 0)
            for y in max(0, 2 * oy - 1)...min(3, 2 * oy + 1) { for x in max(0, 2 * ox - 1)...min(3, 2 * ox + 1) where a[o][y][x] > best {
                best = a[o][y][x]; at = (o, y, x)
            } }
            flat[o * 4 + oy * 2 + ox] = best
            from[o * 4 + oy * 2 + ox] = at
        } } }
        let logits = (0..<10).map { k in p[fb + k] + (0..<8).reduce(0.0) { $0 + p[fw + k * 8 + $1] * flat[$1] } }
        let top = logits.max()!, total = logits.reduce(0.0) { $0 + exp($1 - top) }
        let label = Int(cnnLabels[n])
        loss += (top + log(total) - logits[label]) / 4
        let d = (0..<10).map { k in (exp(logits[k] - top) / total - (k == label ? 1 : 0)) / 4 }
        var dFlat = [Double](repeating: 0, count: 8)
        for k in 0..<10 {
            g[fb + k] += d[k]
            for j in 0..<8 { g[fw + k * 8 + j] += d[k] * flat[j]; dFlat[j] += d[k] * p[fw + k * 8 + j] }
        }
        for j in 0..<8 {
            let (o, y, x) = from[j]
            guard a[o][y][x] > 0 else { continue }
            g[cb + o] += dFlat[j]
            for ky in 0..<3 { for kx in 0..<3 { g[cw + o * 9 + ky * 3 + kx] += dFlat[j] * pixel(y + ky - 1, x + kx - 1) } }
        }
    }
    return (loss, g)
}

@Test func aCNNStartedFromAFileTakesTheSGDStepWorkedOutByHand() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    try FileManager.default.createDirectory(atPath: dir.file("hand"), withIntermediateDirectories: true)
    for stem in ["train", "t10k"] {
        try Data(Fixtures.idx(dimensions: [4, 4, 4], bytes: cnnPixels)).write(to: URL(fileURLWithPath: dir.file("hand/\(stem)-images-idx3-ubyte")))
        try Data(Fixtures.idx(dimensions: [4], bytes: cnnLabels)).write(to: URL(fileURLWithPath: dir.file("hand/\(stem)-labels-idx1-ubyte")))
    }
    let start = (0..<110).map { Float(sin(Double($0) * 0.7 + 1) * 0.6) }
    FileManager.default.createFile(atPath: dir.file("start.npy"), contents: Data(start.withUnsafeBufferPointer { NPY.encode($0) }))
    let config = try ExperimentConfig.load(dir.write(handCNNConfig, to: "cnn.json"))
    let problem = try config.loadProblem(dataDirectory: dir.path)
    #expect(ParameterTable.csv(config.parameterTable(problem: problem)) ==
        "name,shape,offset,count,init\nconv1.weight,2x1x3x3,0,18,file\nconv1.bias,2,18,2,file\nfc1.weight,10x8,20,80,file\nfc1.bias,10,100,10,file\n")
    try Points.run(config, problem: problem, shard: .all, outRoot: dir.file("out"), threads: 1, progress: nil)
    _ = try Points.collect(directory: dir.file("out/cnn-from-file"))

    let p0 = start.map(Double.init)
    let (loss0, g) = handCNNLossAndGradient(p0)
    let p1 = zip(p0, g).map { $0 - 0.1 * $1 }
    let saved = try NPY.read(dir.file("out/cnn-from-file/params/sgd-seed1.npy"))
    for i in 0..<110 { #expect(abs(Double(saved.values[i]) - p1[i]) < 1e-6, "parameter \(i)") }
    let rows = dir.read("out/cnn-from-file/curves.csv")!.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    #expect(abs(Double(rows[1][5])! - loss0) < 1e-6)
    #expect(abs(Double(rows[2][4])! - loss0) < 1e-6)
    #expect(abs(Double(rows[2][5])! - handCNNLossAndGradient(p1).loss) < 1e-6)
    // The gradient reaches the convolution: the step moved its weights.
    #expect((0..<18).contains { abs(g[$0]) > 1e-4 })
}

/// An arm's own dropout trains exactly what the model's dropout trains, and leaves the other
/// arms of the config without it (Figure 3 compares both in one config).
@Test func armDropoutEqualsModelDropoutAndStaysWithItsArm() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    try Fixtures.writeMNIST(to: dir.file("m"), train: 64, test: 16, rows: 6, cols: 6)
    func config(model: String, arms: String) -> String {
        """
        {"name": "d", "dataset": {"name": "mnist", "path": "m"},
         "model": {"kind": "cnn", "conv": [3], "kernel": 3, "hidden": [5]\(model)},
         "training": {"epochs": 2, "batch_size": 16, "log_every": 2}, "arms": [\(arms)]}
        """
    }
    let drop = "\"dropout\": {\"input\": 0.2, \"hidden\": 0.5}"
    let modelLevel = try run(config(model: ", " + drop, arms: "{\"name\": \"a\", \"optimizer\": \"adam\", \"lr\": 0.01}"),
                             dataDirectory: dir.path)
    let armLevel = try run(config(model: "", arms: """
        {"name": "plain", "optimizer": "adam", "lr": 0.01}, {"name": "a", "optimizer": "adam", "lr": 0.01, \(drop)}
        """), dataDirectory: dir.path)
    let plain = try run(config(model: "", arms: "{\"name\": \"plain\", \"optimizer\": \"adam\", \"lr\": 0.01}"), dataDirectory: dir.path)
    #expect(CurvesCSV.render([armLevel[1]]) == CurvesCSV.render(modelLevel))
    #expect(CurvesCSV.render([armLevel[0]]) == CurvesCSV.render(plain))
    #expect(CurvesCSV.render(plain) != CurvesCSV.render(modelLevel))
}

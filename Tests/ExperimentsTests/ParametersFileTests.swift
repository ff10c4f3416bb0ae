// Parameters in and out in PyTorch's order: `params` lists the tensors, `"init": {"from": ...}`
// starts from a .npy file, `save_params` writes the final parameters. Checked against a forward
// pass, backward pass and SGD step worked out here in Double, independently of the model code.
import Datasets
@testable import Config
@testable import Results
@testable import Training
import Foundation
import TestSupport
import Testing

/// Four 1x2-pixel training images (pixels byte / 255) with labels 3, 0, 7, 3.
let handPixels: [UInt8] = [51, 204, 255, 0, 102, 153, 0, 255]
let handLabels: [UInt8] = [3, 0, 7, 3]

func writeHandData(_ dir: TemporaryDirectory) throws {
    try FileManager.default.createDirectory(atPath: dir.file("hand"), withIntermediateDirectories: true)
    for (stem, images, labels) in [("train", handPixels, handLabels), ("t10k", handPixels, handLabels)] {
        try Data(Fixtures.idx(dimensions: [4, 1, 2], bytes: images)).write(to: URL(fileURLWithPath: dir.file("hand/\(stem)-images-idx3-ubyte")))
        try Data(Fixtures.idx(dimensions: [4], bytes: labels)).write(to: URL(fileURLWithPath: dir.file("hand/\(stem)-labels-idx1-ubyte")))
    }
}

let handMLPConfig = """
{"name": "from-file", "dataset": {"name": "mnist", "path": "hand"},
 "model": {"kind": "mlp", "hidden": [3], "init": {"from": "start.npy"}},
 "training": {"epochs": 1, "full_batch": true, "shuffle": false, "save_params": true},
 "arms": [{"name": "sgd", "optimizer": "sgd", "lr": 0.1}]}
"""

/// Mean softmax cross-entropy of the 2-3-10 ReLU MLP (PyTorch layout: fc1.weight 3x2, fc1.bias 3,
/// fc2.weight 10x3, fc2.bias 10) over the four images, and its gradient.
func handLossAndGradient(_ p: [Double]) -> (loss: Double, gradient: [Double]) {
    let w1 = 0, b1 = 6, w2 = 9, b2 = 39
    var g = [Double](repeating: 0, count: 49), loss = 0.0
    for r in 0..<4 {
        let x = [Double(handPixels[2 * r]) / 255, Double(handPixels[2 * r + 1]) / 255]
        let z = (0..<3).map { j in p[b1 + j] + p[w1 + 2 * j] * x[0] + p[w1 + 2 * j + 1] * x[1] }
        let h = z.map { max(0, $0) }
        let logits = (0..<10).map { k in p[b2 + k] + (0..<3).reduce(0.0) { $0 + p[w2 + 3 * k + $1] * h[$1] } }
        let top = logits.max()!
        let total = logits.reduce(0.0) { $0 + exp($1 - top) }
        let label = Int(handLabels[r])
        loss += (top + log(total) - logits[label]) / 4
        let d = (0..<10).map { k in (exp(logits[k] - top) / total - (k == label ? 1 : 0)) / 4 }
        for k in 0..<10 {
            g[b2 + k] += d[k]
            for j in 0..<3 { g[w2 + 3 * k + j] += d[k] * h[j] }
        }
        for j in 0..<3 where z[j] > 0 {
            let dz = (0..<10).reduce(0.0) { $0 + d[$1] * p[w2 + 3 * $1 + j] }
            g[b1 + j] += dz
            g[w1 + 2 * j] += dz * x[0]
            g[w1 + 2 * j + 1] += dz * x[1]
        }
    }
    return (loss, g)
}

@Test func anMLPStartedFromAFileTakesTheSGDStepWorkedOutByHand() throws {
    let dir = TemporaryDirectory()
    try writeHandData(dir)
    let start = (0..<49).map { Float(sin(Double($0) + 1) * 0.5) }
    FileManager.default.createFile(atPath: dir.file("start.npy"), contents: Data(start.withUnsafeBufferPointer { NPY.encode($0) }))
    let config = try ExperimentConfig.load(dir.write(handMLPConfig, to: "from-file.json"))
    #expect(ParameterTable.csv(config.parameterTable()) ==
        "name,shape,offset,count,init\nfc1.weight,3x784,0,2352,file\nfc1.bias,3,2352,3,file\nfc2.weight,10x3,2355,30,file\nfc2.bias,10,2385,10,file\n")
    let problem = try config.loadProblem(dataDirectory: dir.path)
    #expect(ParameterTable.csv(config.parameterTable(problem: problem)) ==
        "name,shape,offset,count,init\nfc1.weight,3x2,0,6,file\nfc1.bias,3,6,3,file\nfc2.weight,10x3,9,30,file\nfc2.bias,10,39,10,file\n")
    #expect(problem.dataFiles.last?.path == dir.file("start.npy"))
    try Points.run(config, problem: problem, shard: .all, outRoot: dir.file("out"), threads: 1, progress: nil)
    _ = try Points.collect(directory: dir.file("out/from-file"))

    let p0 = start.map(Double.init)
    let (loss0, g) = handLossAndGradient(p0)
    let p1 = zip(p0, g).map { $0 - 0.1 * $1 }
    let saved = try NPY.read(dir.file("out/from-file/params/sgd-seed1.npy"))
    #expect(saved.shape == [49])
    for i in 0..<49 { #expect(abs(Double(saved.values[i]) - p1[i]) < 1e-6, "parameter \(i)") }
    let rows = dir.read("out/from-file/curves.csv")!.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    #expect(rows.count == 3)
    #expect(abs(Double(rows[1][5])! - loss0) < 1e-6)   // iteration 0: evaluation at the file's parameters
    #expect(abs(Double(rows[2][4])! - loss0) < 1e-6)   // the step's own minibatch loss, before its update
    #expect(abs(Double(rows[2][5])! - handLossAndGradient(p1).loss) < 1e-6)
    // The manifest names the file and its checksum, so the start is traceable.
    #expect(dir.read("out/from-file/manifest.json")!.contains(dir.file("start.npy")))
}

@Test func aStartingFileOfTheWrongSizeOrKindIsRefusedByName() throws {
    let dir = TemporaryDirectory()
    try writeHandData(dir)
    let config = try ExperimentConfig.load(dir.write(handMLPConfig, to: "from-file.json"))
    for (bytes, expected) in [([Float](repeating: 0, count: 48).withUnsafeBufferPointer { NPY.encode($0) }, "holds 48 values (shape [48]) but the model has 49 parameters"),
                              (Array("nonsense".utf8), "is not a NumPy .npy file")] {
        FileManager.default.createFile(atPath: dir.file("start.npy"), contents: Data(bytes))
        do {
            _ = try config.loadProblem(dataDirectory: dir.path)
            Issue.record("accepted")
        } catch let e as DatasetError {
            #expect(e.file == dir.file("start.npy") && e.description.contains(expected), "\(e)")
        }
    }
    try? FileManager.default.removeItem(atPath: dir.file("start.npy"))
    #expect(throws: DatasetError.self) { try config.loadProblem(dataDirectory: dir.path) }
    // A changed starting file is part of a point's fingerprint.
    let a = config.fingerprint(config.arms[0], seed: 1, files: [DataFile(path: "s", sha256: "1", contentSHA256: "1")])
    let b = config.fingerprint(config.arms[0], seed: 1, files: [DataFile(path: "s", sha256: "2", contentSHA256: "2")])
    #expect(a != b)
}

@Test(arguments: [
    ("{\"from\": \"\"}", "model.init.from"),
    ("{\"file\": \"x.npy\"}", "model.init.from"),
    ("{\"from\": \"x.npy\", \"scale\": 2}", "model.init.scale"),
    ("7", "model.init"),
])
func initObjectErrorsNameTheirPath(_ c: (String, String)) throws {
    let json = handMLPConfig.replacingOccurrences(of: "{\"from\": \"start.npy\"}", with: c.0)
    do {
        _ = try ExperimentConfig.parse(JSON.parse(json))
        Issue.record("accepted \(c.0)")
    } catch let e as ConfigError {
        #expect(e.path == c.1, "\(e)")
    }
}

/// The memory estimate's closed-form parameter count equals the built model's, for each kind.
@Test func memoryEstimateCountsParametersAsTheModelsDo() throws {
    let models = ["{\"kind\": \"logistic-regression\"}", "{\"kind\": \"mlp\", \"hidden\": [7]}",
                  "{\"kind\": \"mlp\", \"hidden\": [13, 5, 3]}", "{\"kind\": \"vae\", \"hidden\": [9], \"latent\": 4}"]
    for model in models {
        let config = try ExperimentConfig.parse(JSON.parse("""
        {"name": "m", "dataset": {"name": "mnist", "path": "m"}, "model": \(model),
         "training": {"epochs": 1}, "arms": [{"name": "a", "optimizer": "adam", "lr": 0.001}]}
        """))
        let m = config.model!
        let built = makeModel(m, inputSize: 37, classes: 6, maxBatch: 1, threads: 1).parameterCount
        #expect(MemoryEstimate.shape(m, inputSize: 37, classes: 6).parameters == Double(built), "\(model)")
    }
    for (model, inputSize) in [("{\"kind\": \"cnn\", \"conv\": [64, 64, 128], \"hidden\": [1000]}", 3072),
                               ("{\"kind\": \"cnn\", \"conv\": [5, 3], \"kernel\": 3, \"hidden\": [], \"pool\": {\"size\": 2, \"stride\": 2, \"pad\": 0}}", 784)] {
        let config = try ExperimentConfig.parse(JSON.parse("""
        {"name": "m", "dataset": {"name": "mnist", "path": "m"}, "model": \(model),
         "training": {"epochs": 1}, "arms": [{"name": "a", "optimizer": "adam", "lr": 0.001}]}
        """))
        let built = makeModel(config.model!, inputSize: inputSize, classes: 10, maxBatch: 1, threads: 1).parameterCount
        #expect(MemoryEstimate.shape(config.model!, inputSize: inputSize, classes: 10).parameters == Double(built), "\(model)")
    }
    #expect(MemoryEstimate.format(1.5e9) == "1.5 GB" && MemoryEstimate.format(999) == "999 bytes")
    #expect(MemoryEstimate.formatCount(2674) == "2674" && MemoryEstimate.formatCount(1e18) == "1e+18")
}

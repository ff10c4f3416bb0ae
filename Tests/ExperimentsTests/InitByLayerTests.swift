// `"init": {"normal": {LAYER: STD, ...}}`: the layer names the config checks are the models' own,
// each layer's weights are drawn with its own σ from the same stream as a single-σ Gaussian,
// biases start at zero, the resolved config (and so every point's fingerprint) and `params` show
// the σ of each layer, and every mistake is an error naming its JSON path and the valid layers.
@testable import Config
@testable import Results
@testable import Training
import Foundation
import Kernels
import NN
import TestSupport
import Testing

/// A CIFAR-10 CNN config with `init` as given.
func cnnConfig(init initJSON: String) -> String {
    """
    {"name": "era", "dataset": {"name": "cifar10"},
     "model": {"kind": "cnn", "conv": [4, 4, 8], "hidden": [6], "init": \(initJSON)},
     "training": {"epochs": 1}, "arms": [{"name": "adam", "optimizer": "adam", "lr": 0.001}]}
    """
}

let eraInit = "{\"normal\": {\"conv1\": 1e-4, \"conv2\": 0.01, \"conv3\": 0.01, \"fc1\": 0.01, \"fc2\": 0.01}}"

@Test func layerNamesAreTheModelsOwnForEveryKind() throws {
    let models = ["{\"kind\": \"logistic-regression\"}", "{\"kind\": \"mlp\", \"hidden\": [7, 5]}",
                  "{\"kind\": \"cnn\", \"conv\": [2, 3], \"kernel\": 3, \"hidden\": []}",
                  "{\"kind\": \"cnn\", \"conv\": [2], \"kernel\": 3, \"hidden\": [4, 4]}", "{\"kind\": \"vae\", \"hidden\": [9], \"latent\": 4}"]
    for model in models {
        let config = try ExperimentConfig.parse(JSON.parse("""
        {"name": "m", "dataset": {"name": "mnist", "path": "m"}, "model": \(model),
         "training": {"epochs": 1}, "arms": [{"name": "a", "optimizer": "adam", "lr": 0.001}]}
        """))
        var fromLayout: [String] = []
        for entry in config.parameterTable() {
            let layer = String(entry.name.prefix { $0 != "." })
            if fromLayout.last != layer { fromLayout.append(layer) }
        }
        #expect(config.model!.layerNames == fromLayout, "\(model)")
    }
}

@Test func eachLayersWeightsAreDrawnWithItsOwnSigmaFromTheSameStream() throws {
    let config = try ExperimentConfig.parse(JSON.parse(cnnConfig(init: eraInit)))
    let m = config.model!
    #expect(m.initialization == .normalByLayer(["conv1": 1e-4, "conv2": 0.01, "conv3": 0.01, "fc1": 0.01, "fc2": 0.01]))
    let model = makeModel(m, inputSize: 3072, classes: 10, maxBatch: 1, threads: 1)
    let n = model.parameterCount
    var byLayer = [Float](repeating: .nan, count: n), unit = [Float](repeating: .nan, count: n)
    var rng = RNG(seed: 5, stream: .initialization)
    model.initialize(&byLayer, m.initialization, rng: &rng)
    rng = RNG(seed: 5, stream: .initialization)
    model.initialize(&unit, .normal(std: 1), rng: &rng)
    let sigma = ["conv1": 1e-4, "conv2": 0.01, "conv3": 0.01, "fc1": 0.01, "fc2": 0.01]
    for v in model.layout.views {
        for i in v.offset..<(v.offset + v.count) {
            if v.isWeight {
                // The same normal draw z, scaled by the layer's σ (one rounding each way).
                let expected = Double(unit[i]) * sigma[v.layer]!
                #expect(abs(Double(byLayer[i]) - expected) <= 1e-6 * abs(expected) + 1e-12, "\(v.name)[\(i - v.offset)]")
            } else {
                #expect(byLayer[i] == 0, "\(v.name) starts at zero")
            }
        }
    }
    // Every σ equal is exactly the single-σ Gaussian.
    var same = [Float](repeating: .nan, count: n), single = [Float](repeating: .nan, count: n)
    rng = RNG(seed: 5, stream: .initialization)
    model.initialize(&same, .normalByLayer(Dictionary(uniqueKeysWithValues: m.layerNames.map { ($0, 0.01) })), rng: &rng)
    rng = RNG(seed: 5, stream: .initialization)
    model.initialize(&single, .normal(std: 0.01), rng: &rng)
    #expect(same == single)
}

@Test func theResolvedConfigFingerprintAndParamsShowEachLayersSigma() throws {
    let config = try ExperimentConfig.parse(JSON.parse(cnnConfig(init: eraInit)))
    let rendered = config.resolvedJSON.rendered()
    #expect(rendered.contains("\"init\": {\"normal\": {\"conv1\": 0.0001, \"conv2\": 0.01, \"conv3\": 0.01, \"fc1\": 0.01, \"fc2\": 0.01}}")
            || rendered.replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: " ", with: "")
                .contains("\"init\":{\"normal\":{\"conv1\":0.0001,\"conv2\":0.01,\"conv3\":0.01,\"fc1\":0.01,\"fc2\":0.01}}"), "\(rendered)")
    // The resolved config parses back to the same config.
    let again = try ExperimentConfig.parse(JSON.parse(rendered))
    #expect(again.model == config.model)
    // Another σ for one layer is another point.
    let other = try ExperimentConfig.parse(JSON.parse(cnnConfig(init: eraInit.replacingOccurrences(of: "1e-4", with: "1e-3"))))
    #expect(config.fingerprint(config.arms[0], seed: 1, files: []) != other.fingerprint(other.arms[0], seed: 1, files: []))
    let glorot = try ExperimentConfig.parse(JSON.parse(cnnConfig(init: "\"glorot-uniform\"")))
    #expect(config.fingerprint(config.arms[0], seed: 1, files: []) != glorot.fingerprint(glorot.arms[0], seed: 1, files: []))
    // params: each weight with its layer's σ, biases zeros.
    #expect(ParameterTable.csv(config.parameterTable()) == """
        name,shape,offset,count,init
        conv1.weight,4x3x5x5,0,300,normal(0.0001)
        conv1.bias,4,300,4,zeros
        conv2.weight,4x4x5x5,304,400,normal(0.01)
        conv2.bias,4,704,4,zeros
        conv3.weight,8x4x5x5,708,800,normal(0.01)
        conv3.bias,8,1508,8,zeros
        fc1.weight,6x128,1516,768,normal(0.01)
        fc1.bias,6,2284,6,zeros
        fc2.weight,10x6,2290,60,normal(0.01)
        fc2.bias,10,2350,10,zeros

        """)
    let table = try ExperimentConfig.parse(JSON.parse(cnnConfig(init: "\"glorot-uniform\""))).parameterTable()
    #expect(table.map(\.initialization) == ["glorot-uniform", "zeros", "glorot-uniform", "zeros", "glorot-uniform", "zeros",
                                             "glorot-uniform", "zeros", "glorot-uniform", "zeros"])
}

@Test func paramsPrintsTheInitColumnAsAUserRunsIt() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    _ = dir.write(cnnConfig(init: eraInit), to: "era.json")
    let out = try Binary.run(["params", "era.json", "--data-dir", "nothing-here"], directory: dir.path)
    #expect(out.status == 0, "\(out.stderr)")
    #expect(out.stdout.hasPrefix("name,shape,offset,count,init\nconv1.weight,4x3x5x5,0,300,normal(0.0001)\nconv1.bias,4,300,4,zeros\n"))
}

@Test(arguments: [
    ("{\"normal\": {\"conv1\": 1e-4, \"conv2\": 0.01, \"conv3\": 0.01, \"fc1\": 0.01}}", "model.init.normal",
     "has no standard deviation for layer fc2: every layer must be named (layers of this cnn: conv1, conv2, conv3, fc1, fc2)"),
    ("{\"normal\": {\"conv1\": 1e-4, \"conv2\": 0.01, \"conv3\": 0.01, \"conv4\": 0.01, \"fc1\": 0.01, \"fc2\": 0.01}}", "model.init.normal.conv4",
     "is not a layer of this cnn (layers of this cnn: conv1, conv2, conv3, fc1, fc2); did you mean \"conv1\"?"),
    ("{\"normal\": {\"conv1\": 0, \"conv2\": 0.01, \"conv3\": 0.01, \"fc1\": 0.01, \"fc2\": 0.01}}", "model.init.normal.conv1", "must be > 0, got 0"),
    ("{\"normal\": {\"conv1\": \"1e-4\", \"conv2\": 0.01, \"conv3\": 0.01, \"fc1\": 0.01, \"fc2\": 0.01}}", "model.init.normal.conv1", "must be a number, got a string"),
    ("{\"normal\": 0.01}", "model.init.normal", "must be an object of standard deviations by layer, e.g. {\"conv1\": 0.01} (layers of this cnn: conv1, conv2, conv3, fc1, fc2)"),
    ("{\"normal\": {}, \"from\": \"x.npy\"}", "model.init", "give either \"normal\" (a standard deviation per layer) or \"from\" (a file), not both"),
    ("{\"normal\": {\"conv1\": 1e-4, \"conv2\": 0.01, \"conv3\": 0.01, \"fc1\": 0.01, \"fc2\": 0.01}, \"std\": 1}", "model.init.std", "unknown key for model.init"),
    ("\"gaussian\"", "model.init", "must be one of zeros, glorot-uniform, normal, {\"normal\": {LAYER: STD, ...}} or {\"from\": \"FILE.npy\"}, got \"gaussian\""),
])
func perLayerInitErrorsNameTheirPathAndTheLayers(_ c: (String, String, String)) throws {
    do {
        _ = try ExperimentConfig.parse(JSON.parse(cnnConfig(init: c.0)))
        Issue.record("accepted \(c.0)")
    } catch let e as ConfigError {
        #expect(e.path == c.1 && e.message.hasPrefix(c.2), "\(e)")
    }
}

@Test func aModelStdBesideThePerLayerFormIsRefused() throws {
    let json = cnnConfig(init: eraInit).replacingOccurrences(of: "\"hidden\": [6],", with: "\"hidden\": [6], \"std\": 0.01,")
    do {
        _ = try ExperimentConfig.parse(JSON.parse(json))
        Issue.record("accepted")
    } catch let e as ConfigError {
        #expect(e.path == "model.std" && e.message == "only applies to \"init\": \"normal\"", "\(e)")
    }
}

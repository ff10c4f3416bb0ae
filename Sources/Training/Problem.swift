// What an experiment trains on: a dataset with a model, or a synthetic objective.
import Config
import Datasets
import Foundation
import Kernels
import NN
import Results

/// Parameters read from `"init": {"from": FILE.npy}`, checked against the model's size.
public struct StartingPoint: Sendable {
    public let file: DataFile
    public let values: [Float]
}

public enum Problem: @unchecked Sendable {
    case supervised(Dataset, ModelConfig, start: StartingPoint?)
    case objective(Objective)
    /// Results merged from point files: only the data files' record remains.
    case stored([DataFile])

    public var dataFiles: [DataFile] {
        switch self {
        case .supervised(let d, _, let start): return d.files + (start.map { [$0.file] } ?? [])
        case .stored(let files): return files
        case .objective: return []
        }
    }
}

extension ExperimentConfig {
    /// Loads the data the config names from `dataDirectory` (DatasetError when missing or malformed).
    public func loadProblem(dataDirectory: String) throws -> Problem {
        switch dataset {
        case .idx(let name, let path, let limit, let binarize):
            let dir = path.hasPrefix("/") ? path : (dataDirectory as NSString).appendingPathComponent(path)
            let data = try MNIST.load(directory: dir, datasetName: name,
                                      options: MNIST.Options(trainLimit: limit, binarize: binarize))
            return .supervised(data, model!, start: try model!.initFrom.map { try loadStart($0, data: data) })
        case .cifar10(let path, let test, let limit, let preprocess):
            let dir = path.hasPrefix("/") ? path : (dataDirectory as NSString).appendingPathComponent(path)
            var data = try CIFAR10.load(directory: dir, options: CIFAR10.Options(trainLimit: limit, test: test))
            try checkImageModel(data)
            data = try Preprocessing.apply(preprocess, to: data, cache: Preprocessing.cacheDirectory())
            return .supervised(data, model!, start: try model!.initFrom.map { try loadStart($0, data: data) })
        case .imdb(let path, let vocabulary, let features, let limit):
            let dir = path.hasPrefix("/") ? path : (dataDirectory as NSString).appendingPathComponent(path)
            let data = try IMDB.load(directory: dir, options: IMDB.Options(vocabulary: vocabulary, features: features, trainLimit: limit))
            return .supervised(data, model!, start: try model!.initFrom.map { try loadStart($0, data: data) })
        case .libsvm(let train, let test, let features, let base, let labels, let limit):
            func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : (dataDirectory as NSString).appendingPathComponent(p) }
            let data = try LibSVM.load(train: resolve(train), test: test.map(resolve),
                                       options: LibSVM.Options(features: features, indexBase: base, labels: labels, trainLimit: limit))
            return .supervised(data, model!, start: try model!.initFrom.map { try loadStart($0, data: data) })
        case .quadratic(let a, let b, let initial, let noise):
            return .objective(Quadratic(curvatures: a, targets: b, initial: initial.map { Float($0) }, noise: noise))
        case .rosenbrock(let a, let b, let initial):
            return .objective(Rosenbrock(a: a, b: b, initial: initial.map { Float($0) }))
        }
    }

    /// A cnn needs images: refuses data whose rows are not (channels, side, side).
    func checkImageModel(_ data: Dataset) throws {
        guard model?.kind == .cnn else { return }
        guard imageShape(inputSize: data.inputSize) != nil else {
            throw ConfigError(file: source, path: "model.kind", "cnn needs images, but \(data.name) rows have \(data.inputSize) features")
        }
    }

    /// The file of `"init": {"from": ...}`: relative to the config file's folder.
    public func resolvedInitPath(_ file: String) -> String {
        if file.hasPrefix("/") || source.isEmpty { return file }
        return ((source as NSString).deletingLastPathComponent as NSString).appendingPathComponent(file)
    }

    /// Reads the starting parameters and checks their count against the model (exit 3 if wrong).
    func loadStart(_ file: String, data: Dataset) throws -> StartingPoint {
        let path = resolvedInitPath(file)
        let bytes = try NPY.readBytes(path)
        let array = try NPY.parse(bytes, path: path)
        // The closed-form count: building the model here would allocate it before the memory check.
        let count = MemoryEstimate.shape(self.model!, inputSize: data.inputSize, classes: data.classes).parameters
        guard Double(array.values.count) == count else {
            throw DatasetError(file: path, "holds \(array.values.count) values (shape \(array.shape)) but the model has \(MemoryEstimate.formatCount(count)) parameters",
                               hint: "`adam-bench params \(source.isEmpty ? "CONFIG" : source)` lists the tensors in the order the file must hold them")
        }
        let hash = SHA256.hex(bytes)
        return StartingPoint(file: DataFile(path: path, sha256: hash, contentSHA256: hash), values: array.values)
    }

    /// Minibatch size actually used: the whole training set with `full_batch`.
    func batchSize(trainCount: Int) -> Int { training.fullBatch ? trainCount : min(training.batchSize, trainCount) }

    public func iterationsPerEpoch(trainCount: Int) -> Int {
        dataset.isSynthetic ? 1 : (trainCount + batchSize(trainCount: trainCount) - 1) / batchSize(trainCount: trainCount)
    }
}

/// Builds the model a config names, with scratch for minibatches up to `maxBatch`.
public func makeModel(_ m: ModelConfig, inputSize: Int, classes: Int, maxBatch: Int, threads: Int) -> Model {
    switch m.kind {
    case .logisticRegression:
        return LogisticRegression(inputSize: inputSize, classes: classes, maxBatch: maxBatch, inputDropout: m.inputDropout,
                                  threads: threads)
    case .mlp:
        return MLP(inputSize: inputSize, hidden: m.hidden, classes: classes, activation: m.activation,
                   inputDropout: m.inputDropout, hiddenDropout: m.hiddenDropout, maxBatch: maxBatch, threads: threads)
    case .vae:
        return VAE(inputSize: inputSize, hidden: m.hidden[0], latent: m.latent, activation: m.activation,
                   maxBatch: maxBatch, threads: threads)
    case .cnn:
        let image = imageShape(inputSize: inputSize) ?? (1, 1, inputSize)
        return CNN(channels: image.channels, height: image.height, width: image.width, conv: m.conv, kernel: m.kernel,
                   pool: MaxPool(size: m.poolSize, stride: m.poolStride, pad: m.poolPad), hidden: m.hidden, classes: classes,
                   inputDropout: m.inputDropout, hiddenDropout: m.hiddenDropout, maxBatch: maxBatch, threads: threads,
                   algorithm: m.convAlgorithm)
    }
}

/// The image shape of a row of `inputSize` features: CIFAR-10's 3 x 32 x 32, or one square channel
/// (MNIST's 1 x 28 x 28); nil when neither.
public func imageShape(inputSize: Int) -> (channels: Int, height: Int, width: Int)? {
    if inputSize == 3072 { return (3, 32, 32) }
    let side = Int(Double(inputSize).squareRoot().rounded())
    return side * side == inputSize && side > 0 ? (1, side, side) : nil
}

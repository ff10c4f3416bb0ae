// An experiment config: the data, the model, how to train, and the arms (one optimizer setting
// each) to compare. Parsed once, strictly, with every default applied; `resolvedJSON` is the
// config as it actually ran, written next to the results.
import Foundation
import NN
import Optim
import Datasets

public enum DatasetConfig: Sendable, Equatable {
    /// MNIST or Fashion-MNIST IDX files in `path` (relative to the data directory).
    case idx(name: String, path: String, trainLimit: Int?, binarize: Bool)
    /// CIFAR-10's binary batches in `path`; `test` names the test file (nil: test_batch.bin when
    /// present, else no test set).
    case cifar10(path: String, test: String?, trainLimit: Int?, preprocess: Preprocess)
    /// IMDB bag-of-words in `path` (aclImdb): the `vocabulary` most frequent words as `features`.
    case imdb(path: String, vocabulary: Int, features: IMDB.Features, trainLimit: Int?)
    /// svmlight/libsvm files (relative to the data directory, or absolute).
    case libsvm(train: String, test: String?, features: Int, indexBase: Int, labels: [String]?, trainLimit: Int?)
    case quadratic(curvatures: [Double], targets: [Double], initial: [Double], noise: Double)
    case rosenbrock(a: Double, b: Double, initial: [Double])

    public var name: String {
        switch self {
        case .idx(let name, _, _, _): return name
        case .cifar10: return "cifar10"
        case .imdb: return "imdb"
        case .libsvm: return "libsvm"
        case .quadratic: return "quadratic"
        case .rosenbrock: return "rosenbrock"
        }
    }
    public var isSynthetic: Bool {
        switch self {
        case .idx, .cifar10, .imdb, .libsvm: return false
        case .quadratic, .rosenbrock: return true
        }
    }

    /// Whether examples are held as sparse rows (CSR) rather than dense vectors.
    public var isSparse: Bool {
        switch self {
        case .imdb, .libsvm: return true
        default: return false
        }
    }

    /// `train_limit`, for the data sets that take one.
    public var trainLimit: Int? {
        switch self {
        case .idx(_, _, let limit, _), .cifar10(_, _, let limit, _), .imdb(_, _, _, let limit),
             .libsvm(_, _, _, _, _, let limit): return limit
        case .quadratic, .rosenbrock: return nil
        }
    }
}

/// How images are transformed before training, with statistics of the training set only.
public enum Preprocess: Sendable, Equatable {
    case none
    /// Per-channel mean and standard deviation.
    case standardize
    /// ZCA whitening: x ← W·(x − mean), W = U·(S + ε)^(−1/2)·Uᵀ of the pixel covariance.
    case zca(epsilon: Double)
    /// pylearn2's CIFAR-10 recipe: global contrast normalisation of each image (its mean
    /// subtracted, then its norm set to `scale`), then ZCA with filter bias ε on the result.
    case gcnZCA(scale: Double, epsilon: Double)

    public var name: String {
        switch self {
        case .none: return "none"
        case .standardize: return "standardize"
        case .zca: return "zca"
        case .gcnZCA: return "gcn-zca"
        }
    }

    public static let names = ["none", "standardize", "zca", "gcn-zca"]

    /// ε of ZCA when the config gives none: 0.1 on pixels scaled to [0, 1] (see the README).
    public static let defaultZCAEpsilon = 0.1
    /// gcn-zca's defaults, pylearn2's: images scaled to norm 55 (pixel RMS about 1), filter bias 0.1.
    public static let defaultGCNScale = 55.0
    public static let defaultGCNZCAEpsilon = 0.1
}

public enum ModelKind: String, Sendable, CaseIterable {
    case logisticRegression = "logistic-regression"
    case mlp, cnn, vae

    /// Kinds this version can train; the others are reserved names with a clear error.
    public static let available: [ModelKind] = [.logisticRegression, .mlp, .cnn, .vae]
}

public struct ModelConfig: Sendable, Equatable {
    public var kind: ModelKind
    public var l2: Double
    public var initialization: Initialization
    /// MLP only: hidden widths, activation and dropout rates (input, hidden).
    public var hidden: [Int] = []
    public var activation: Activation = .relu
    public var inputDropout: Double = 0
    public var hiddenDropout: Double = 0
    /// CNN only: output channels of each convolution, the (odd) kernel size, and the max-pool
    /// after each convolution. `hidden` holds the fully connected widths.
    public var conv: [Int] = []
    public var kernel: Int = 5
    public var poolSize: Int = 3, poolStride: Int = 2, poolPad: Int = 1
    /// How the convolutions are computed (`ConvAlgorithm`: direct, winograd, or auto by layer
    /// shape). Part of the resolved config and so of every point's fingerprint (Winograd rounds
    /// differently from the direct sums); "direct", the default, is written by leaving it out, so
    /// the CNN points trained before the choice existed keep their fingerprints.
    public var convAlgorithm: ConvAlgorithm = .direct
    /// VAE only: the latent dimension (hidden holds the one hidden width of encoder and decoder).
    public var latent: Int = 0
    /// `"init": {"from": "FILE.npy"}`: every arm and seed starts from this file's parameters
    /// (PyTorch's order, see `adam-bench params`). The path as written; relative paths are
    /// resolved against the config file's folder.
    public var initFrom: String? = nil
}

extension ModelConfig {
    /// The model's layers by the names of its tensors up to the dot (`conv1` for `conv1.weight`),
    /// in parameter order: what `"init": {"normal": {...}}` must name. The models build their
    /// parameter layouts with these names; a test holds the two together for every kind.
    public static func layerNames(kind: ModelKind, convolutions: Int, hidden: Int) -> [String] {
        let dense = (1...(hidden + 1)).map { "fc\($0)" }
        switch kind {
        case .logisticRegression: return ["linear"]
        case .mlp: return dense
        case .cnn: return (0..<convolutions).map { "conv\($0 + 1)" } + dense
        case .vae: return ["enc1", "enc2", "dec1", "dec2"]
        }
    }

    public var layerNames: [String] { Self.layerNames(kind: kind, convolutions: conv.count, hidden: hidden.count) }
}

public struct TrainingConfig: Sendable, Equatable {
    public var epochs: Int
    public var batchSize: Int
    public var seeds: [UInt64]
    public var shuffle: Bool
    /// Log a row every this many iterations; 0 logs only at evaluation points.
    public var logEvery: Int
    public var evalEveryEpochs: Int
    public var fullBatch: Bool
    /// Save a checkpoint of each running point every this many epochs; 0 never. It changes how
    /// much an interruption costs, never the results, so it is not part of a point's fingerprint.
    public var checkpointEveryEpochs: Int = 1
    /// Write each point's final parameters to OUT/<name>/params/<arm>-seed<N>.npy.
    public var saveParams: Bool = false
}

public struct ArmConfig: Sendable, Equatable {
    public var name: String
    public var optimizer: String
    /// Every hyperparameter of the optimizer, defaults filled in, lr included.
    public var hyperparameters: Hyperparameters
    public var schedule: Schedule
    public var averaging: AveragingKind?
    /// `"dropout": {"input": p, "hidden": q}` on an arm: the model's dropout for this arm only, so
    /// one config can compare arms with and without dropout (Figure 3). nil: the model's.
    public var dropout: ArmDropout? = nil

    /// The base learning rate (NaN for SFO, which has none).
    public var lr: Double {
        if case .number(let x)? = hyperparameters["lr"] { return x }
        return .nan
    }

    /// The model this arm trains: the config's, with the arm's dropout when it sets one.
    public func model(_ m: ModelConfig) -> ModelConfig {
        guard let dropout else { return m }
        var changed = m
        changed.inputDropout = dropout.input
        changed.hiddenDropout = dropout.hidden
        return changed
    }
}

public struct ArmDropout: Sendable, Equatable {
    public var input: Double
    public var hidden: Double
}

public struct ExperimentConfig: Sendable, Equatable {
    public var name: String
    public var description: String
    public var dataset: DatasetConfig
    public var model: ModelConfig?
    public var training: TrainingConfig
    public var arms: [ArmConfig]
    /// How `adam-bench plot` draws the results; nil when the config has no "plot" object.
    public var plot: PlotSettings? = nil
    /// A grid over one arm's hyperparameters (section 6); nil for a plain comparison.
    public var sweep: SweepConfig? = nil
    /// A grid every arm runs, reporting its best point (section 6).
    public var tune: TuneConfig? = nil
    /// The paper's claims about these results, checked by `adam-bench report`.
    public var claims: [Claim] = []
    /// Other set-ups of the same figure, each a config of its own (Config/Variants.swift).
    public var variants: [Variant] = []
    /// The file it was read from.
    public var source: String
}

// MARK: - Parsing

extension ExperimentConfig {
    /// `features` of a bag-of-words data set.
    static func parseFeatures(_ r: inout ObjectReader, default value: IMDB.Features) throws -> IMDB.Features {
        guard let name = try r.string("features") else { return value }
        guard let f = IMDB.Features(rawValue: name) else {
            let all = IMDB.Features.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw ConfigError(path: "dataset.features", "must be one of \(all), got \"\(name)\"")
        }
        return f
    }
}

extension ExperimentConfig {
    /// The most epochs a config or --epochs may ask for: far beyond any experiment of the paper,
    /// and small enough that iterations, epochs and points multiply without overflow.
    public static let maxEpochs = 1_000_000

    /// Reads and parses a config file; with `resolvingVariants`, also each variant's config
    /// (whose experiment names say where their results are).
    public static func load(_ path: String, resolvingVariants: Bool = true) throws -> ExperimentConfig {
        let bytes: [UInt8]
        do { bytes = try FileInput.read(path, limit: FileInput.configLimit) } catch {
            throw ConfigError(file: path, path: "", error == .missing ? "no such config file" : error.message)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(file: path, path: "", "is not UTF-8 text")
        }
        do {
            var config = try parse(JSON.parse(text), source: path)
            if resolvingVariants { try config.resolveVariants(configPath: path) }
            return config
        } catch let e as JSONSyntaxError {
            throw ConfigError(file: path, path: "", "invalid JSON at \(e)")
        } catch var e as ConfigError {
            e.file = path
            throw e
        }
    }

    public static func parse(_ json: JSON, source: String = "") throws -> ExperimentConfig {
        var root = try ObjectReader(json, path: "")
        guard let name = try root.string("name") else { throw root.missing("name", "is required (it names the results folder)") }
        try checkName(name, path: "name")
        let description = try root.string("description") ?? ""
        guard let datasetJSON = root.raw("dataset") else { throw root.missing("dataset", "is required") }
        let dataset = try parseDataset(datasetJSON)
        var model: ModelConfig? = nil
        if let m = root.raw("model") {
            if dataset.isSynthetic {
                throw ConfigError(path: "model", "must be left out: \(dataset.name) is a synthetic objective whose parameters sit in \"dataset\"")
            }
            model = try parseModel(m)
            if dataset.isSparse, let kind = model?.kind, kind != .logisticRegression && kind != .mlp {
                // Sparse rows go into a first layer that multiplies them as they are.
                throw ConfigError(path: "model.kind", "\(kind.rawValue) needs dense inputs, but \(dataset.name) rows are sparse; use logistic-regression or mlp")
            }
        } else if !dataset.isSynthetic {
            throw root.missing("model", "is required for dataset \(dataset.name) (e.g. {\"kind\": \"logistic-regression\"})")
        }
        guard let trainingJSON = root.raw("training") else { throw root.missing("training", "is required") }
        let training = try parseTraining(trainingJSON, synthetic: dataset.isSynthetic)
        guard let armsJSON = root.raw("arms") else { throw root.missing("arms", "is required: a list of optimizer settings") }
        guard case .array(let items) = armsJSON, !items.isEmpty else {
            throw ConfigError(path: "arms", "must be a non-empty array of arms")
        }
        var arms: [ArmConfig] = []
        for (i, item) in items.enumerated() {
            let arm = try parseArm(item, path: "arms[\(i)]")
            if let d = arm.dropout {
                guard let kind = model?.kind, kind != .vae else {
                    throw ConfigError(path: "arms[\(i)].dropout", "applies only to logistic regression, an mlp or a cnn (it sets the model's dropout for this arm)")
                }
                if kind == .logisticRegression && d.hidden != 0 {
                    throw ConfigError(path: "arms[\(i)].dropout.hidden", "does not apply: logistic regression has no hidden layer (only \"input\")")
                }
            }
            if arms.contains(where: { $0.name == arm.name }) {
                throw ConfigError(path: "arms[\(i)].name", "\"\(arm.name)\" is already the name of another arm; arm names must be unique")
            }
            arms.append(arm)
        }
        for (i, arm) in arms.enumerated() where arm.optimizer == "sfo" {
            guard let m = model else {
                throw ConfigError(path: "arms[\(i)].optimizer", "sfo needs a dataset with a model: its subfunctions are blocks of the training set")
            }
            if (m.inputDropout > 0 || m.hiddenDropout > 0) && (arm.dropout.map { $0.input > 0 || $0.hidden > 0 } ?? true) {
                throw ConfigError(path: "arms[\(i)].optimizer", "sfo needs deterministic subfunctions, but the model has dropout; give this arm \"dropout\": {\"input\": 0, \"hidden\": 0} or remove the model's dropout")
            }
            if training.fullBatch { throw ConfigError(path: "training.full_batch", "does not apply to sfo, which makes its own subfunctions") }
        }
        let plot = try root.raw("plot").map(PlotSettings.parse)
        let sweep = try root.raw("sweep").map { try SweepConfig.parse($0, arms: arms, epochs: training.epochs) }
        let tune = try root.raw("tune").map { try TuneConfig.parse($0, arms: arms, training: training) }
        if sweep != nil && tune != nil { throw ConfigError(path: "tune", "cannot be combined with \"sweep\" in one config") }
        let claims = try root.raw("claims").map {
            try Claim.parseList($0, arms: claimArms(arms, sweep: sweep), epochs: training.epochs, sweep: sweep, plot: plot)
        } ?? []
        let variants = try root.raw("variants").map { try Variant.parseList($0, primary: name) } ?? []
        try root.finish("an experiment", allowed: ["name", "description", "dataset", "model", "training", "arms", "plot", "sweep", "tune", "claims", "variants"])
        return ExperimentConfig(name: name, description: description, dataset: dataset, model: model,
                                training: training, arms: arms, plot: plot, sweep: sweep, tune: tune, claims: claims, variants: variants,
                                source: source)
    }

    static let datasetNames = ["mnist", "fashion-mnist", "cifar10", "imdb", "libsvm", "quadratic", "rosenbrock"]

    static func parseDataset(_ json: JSON) throws -> DatasetConfig {
        var r = try ObjectReader(json, path: "dataset")
        guard let name = try r.string("name") else {
            throw ConfigError(path: "dataset.name", "is required (one of \(datasetNames.joined(separator: ", ")))")
        }
        switch name {
        case "mnist", "fashion-mnist":
            let path = try r.string("path") ?? name
            guard !path.isEmpty else { throw ConfigError(path: "dataset.path", "must not be empty") }
            let limit = try r.int("train_limit", min: 1)
            let binarize = try r.bool("binarize") ?? false
            try r.finish("dataset \(name)", allowed: ["name", "path", "train_limit", "binarize"])
            return .idx(name: name, path: path, trainLimit: limit, binarize: binarize)
        case "quadratic":
            guard let curvatures = try r.numbers("curvatures") else {
                throw ConfigError(path: "dataset.curvatures", "is required: the a_i of f = 1/2 sum a_i (theta_i - b_i)^2")
            }
            guard !curvatures.isEmpty else { throw ConfigError(path: "dataset.curvatures", "must not be empty") }
            for (i, a) in curvatures.enumerated() where a < 0 {
                throw ConfigError(path: "dataset.curvatures[\(i)]", "must be >= 0 (a convex quadratic), got \(formatConfigNumber(a))")
            }
            let targets = try r.numbers("targets") ?? Array(repeating: 0, count: curvatures.count)
            guard targets.count == curvatures.count else {
                throw ConfigError(path: "dataset.targets", "has \(targets.count) values but curvatures has \(curvatures.count)")
            }
            guard let initial = try r.numbers("init") else { throw ConfigError(path: "dataset.init", "is required: the starting point") }
            guard initial.count == curvatures.count else {
                throw ConfigError(path: "dataset.init", "has \(initial.count) values but curvatures has \(curvatures.count)")
            }
            let noise = try r.number("noise") ?? 0
            guard noise >= 0 else { throw ConfigError(path: "dataset.noise", "must be >= 0, got \(formatConfigNumber(noise))") }
            try r.finish("dataset quadratic", allowed: ["name", "curvatures", "targets", "init", "noise"])
            return .quadratic(curvatures: curvatures, targets: targets, initial: initial, noise: noise)
        case "rosenbrock":
            let a = try r.number("a") ?? 1
            let b = try r.number("b") ?? 100
            let initial = try r.numbers("init") ?? [-1.5, 2]
            guard initial.count == 2 else { throw ConfigError(path: "dataset.init", "must hold 2 values [x0, y0], got \(initial.count)") }
            try r.finish("dataset rosenbrock", allowed: ["name", "a", "b", "init"])
            return .rosenbrock(a: a, b: b, initial: initial)
        case "cifar10":
            let path = try r.string("path") ?? "cifar-10-batches-bin"
            guard !path.isEmpty else { throw ConfigError(path: "dataset.path", "must not be empty") }
            let test = try r.string("test")
            if let test, test.isEmpty { throw ConfigError(path: "dataset.test", "must not be empty (leave it out to use test_batch.bin when present)") }
            let limit = try r.int("train_limit", min: 1)
            let preprocess: Preprocess
            // SPEC section 4 spells it "whiten": "zca" | "none"; the Figure 3 issue "preprocess".
            if r.has("whiten") && r.has("preprocess") {
                throw ConfigError(path: "dataset.whiten", "give either \"preprocess\" or \"whiten\", not both")
            }
            let key = r.has("whiten") ? "whiten" : "preprocess"
            let name = try r.string(key) ?? "none"
            switch name {
            case "none": preprocess = .none
            case "standardize": preprocess = .standardize
            case "zca": preprocess = .zca(epsilon: try r.number("zca_epsilon") ?? Preprocess.defaultZCAEpsilon)
            case "gcn-zca":
                let scale = try r.number("gcn_scale") ?? Preprocess.defaultGCNScale
                guard scale > 0 else {
                    throw ConfigError(path: "dataset.gcn_scale", "must be > 0 (each image's norm after contrast normalisation), got \(formatConfigNumber(scale))")
                }
                preprocess = .gcnZCA(scale: scale, epsilon: try r.number("zca_epsilon") ?? Preprocess.defaultGCNZCAEpsilon)
            default:
                throw ConfigError(path: "dataset.\(key)", "must be one of \(Preprocess.names.map { "\"\($0)\"" }.joined(separator: ", ")), got \"\(name)\"")
            }
            switch preprocess {
            case .zca(let e), .gcnZCA(_, let e):
                guard e > 0 && e.isFinite else {
                    throw ConfigError(path: "dataset.zca_epsilon", "must be > 0 (it is added to the covariance's eigenvalues), got \(formatConfigNumber(e))")
                }
            case .none, .standardize:
                if r.has("zca_epsilon") { throw ConfigError(path: "dataset.zca_epsilon", "only applies to \"\(key)\": \"zca\" or \"gcn-zca\"") }
            }
            if preprocess.name != "gcn-zca" && r.has("gcn_scale") {
                throw ConfigError(path: "dataset.gcn_scale", "only applies to \"\(key)\": \"gcn-zca\"")
            }
            try r.finish("dataset cifar10", allowed: ["name", "path", "test", "train_limit", "preprocess", "whiten", "zca_epsilon", "gcn_scale"])
            return .cifar10(path: path, test: test, trainLimit: limit, preprocess: preprocess)
        case "imdb":
            let path = try r.string("path") ?? "aclImdb"
            guard !path.isEmpty else { throw ConfigError(path: "dataset.path", "must not be empty") }
            let vocabulary = try r.int("vocabulary", min: 1, max: 1 << 31 - 1) ?? 10_000
            let features = try parseFeatures(&r, default: .binary)
            let limit = try r.int("train_limit", min: 1)
            try r.finish("dataset imdb", allowed: ["name", "path", "vocabulary", "features", "train_limit"])
            return .imdb(path: path, vocabulary: vocabulary, features: features, trainLimit: limit)
        case "libsvm":
            guard let train = try r.string("train") else {
                throw r.missing("train", "is required: the training file in svmlight/libsvm format (label index:value ...)")
            }
            guard !train.isEmpty else { throw ConfigError(path: "dataset.train", "must not be empty") }
            let test = try r.string("test")
            if let test, test.isEmpty { throw ConfigError(path: "dataset.test", "must not be empty (leave it out for no test set)") }
            guard let features = try r.int("features", min: 1, max: 1 << 31 - 1) else {
                throw r.missing("features", "is required: the number of features (the largest index, counted from index_base)")
            }
            let base = try r.int("index_base", min: 0, max: 1) ?? 1
            var labels: [String]? = nil
            if let raw = r.raw("labels") {
                guard case .array(let items) = raw, items.count >= 2 else {
                    throw ConfigError(path: "dataset.labels", "must be an array of at least two labels (numbers or strings), the classes in order")
                }
                labels = try items.enumerated().map { i, item in
                    switch item {
                    case .string(let s) where !s.isEmpty: return s
                    case .number(let x) where x.isFinite: return formatConfigNumber(x)
                    default: throw ConfigError(path: "dataset.labels[\(i)]", "must be a number or a non-empty string, got \(item.typeName)")
                    }
                }
                let keys = labels!.map(LibSVM.key)
                if let dup = keys.indices.first(where: { keys[..<$0].contains(keys[$0]) }) {
                    throw ConfigError(path: "dataset.labels[\(dup)]", "\"\(labels![dup])\" is listed twice")
                }
            }
            let limit = try r.int("train_limit", min: 1)
            try r.finish("dataset libsvm", allowed: ["name", "train", "test", "features", "index_base", "labels", "train_limit"])
            return .libsvm(train: train, test: test, features: features, indexBase: base, labels: labels, trainLimit: limit)
        default:
            var message = "unknown dataset \"\(name)\" (expected one of \(datasetNames.joined(separator: ", ")))"
            if let near = closest(name, in: datasetNames) { message = "unknown dataset \"\(name)\"; did you mean \"\(near)\"?" }
            throw ConfigError(path: "dataset.name", message)
        }
    }
}

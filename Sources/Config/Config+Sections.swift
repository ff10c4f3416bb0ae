// Parsing the sections of a config: the model, training, each arm with its schedule and
// averaging. Every default is applied here, once; every error names its JSON path.
import Foundation
import NN
import Optim

extension ExperimentConfig {
    static func parseModel(_ json: JSON) throws -> ModelConfig {
        var r = try ObjectReader(json, path: "model")
        guard let kindName = try r.string("kind") else {
            throw ConfigError(path: "model.kind", "is required (one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let kind = ModelKind(rawValue: kindName) else {
            var message = "unknown model \"\(kindName)\" (expected one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")))"
            if let near = closest(kindName, in: ModelKind.allCases.map(\.rawValue)) { message += "; did you mean \"\(near)\"?" }
            throw ConfigError(path: "model.kind", message)
        }
        guard ModelKind.available.contains(kind) else {
            throw ConfigError(path: "model.kind", "\"\(kindName)\" is part of the spec but not supported by this version of adam-bench yet")
        }
        let l2 = try r.number("l2") ?? 0
        guard l2 >= 0 else { throw ConfigError(path: "model.l2", "must be >= 0, got \(formatConfigNumber(l2))") }
        var hidden: [Int] = [], activation = Activation.relu, inputDropout = 0.0, hiddenDropout = 0.0, latent = 0
        if kind == .vae {
            if let list = r.raw("hidden") {
                guard case .array(let items) = list, items.count == 1 else {
                    throw ConfigError(path: "model.hidden", "must be one width for a vae (encoder and decoder), e.g. [500]")
                }
                hidden = [try ObjectReader.int(items[0], path: "model.hidden[0]", min: 1)]
            } else {
                hidden = [500]
            }
            latent = try r.int("latent", min: 1) ?? 50
            let name = try r.string("activation") ?? "softplus"
            guard let act = Activation(rawValue: name) else {
                throw ConfigError(path: "model.activation", "must be one of \(Activation.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\"")
            }
            activation = act
        }
        var conv: [Int] = [], kernel = 5, poolSize = 3, poolStride = 2, poolPad = 1
        var convAlgorithm = ConvAlgorithm.direct
        if kind == .cnn {
            guard let list = r.raw("conv") else {
                throw ConfigError(path: "model.conv", "is required for a cnn: the output channels of each convolution, e.g. [64, 64, 128]")
            }
            guard case .array(let items) = list, !items.isEmpty else {
                throw ConfigError(path: "model.conv", "must be a non-empty array of channel counts")
            }
            conv = try items.enumerated().map { try ObjectReader.int($1, path: "model.conv[\($0)]", min: 1, max: 1 << 16) }
            kernel = try r.int("kernel", min: 1, max: 31) ?? 5
            guard kernel % 2 == 1 else {
                throw ConfigError(path: "model.kernel", "must be odd (stride 1 with \"same\" padding (kernel - 1) / 2), got \(kernel)")
            }
            if let p = r.raw("pool") {
                var pr = try ObjectReader(p, path: "model.pool")
                poolSize = try pr.int("size", min: 1, max: 31) ?? 3
                poolStride = try pr.int("stride", min: 1, max: 31) ?? 2
                poolPad = try pr.int("pad", min: 0, max: 15) ?? poolSize / 2
                guard poolPad * 2 <= poolSize else {
                    throw ConfigError(path: "model.pool.pad", "must be at most half the window (PyTorch's rule), got \(poolPad) for size \(poolSize)")
                }
                try pr.finish("pool", allowed: ["size", "stride", "pad"])
            }
            if let name = try r.string("conv_algorithm") {
                guard let algorithm = ConvAlgorithm(rawValue: name) else {
                    throw ConfigError(path: "model.conv_algorithm", "must be one of \(ConvAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\"")
                }
                if algorithm == .winograd && !WinogradTransform.supports(kernel: kernel) {
                    throw ConfigError(path: "model.conv_algorithm", "winograd serves kernels 3, 5 and 7, not \(kernel): use \"auto\" or \"direct\"")
                }
                convAlgorithm = algorithm
            }
        }
        if kind == .mlp || kind == .cnn {
            let example = kind == .mlp ? "[1000, 1000]" : "[1000]"
            guard let list = r.raw("hidden") else {
                throw ConfigError(path: "model.hidden", "is required for \(kind == .mlp ? "an" : "a") \(kind.rawValue): the fully connected hidden widths, e.g. \(example)")
            }
            guard case .array(let items) = list, kind == .cnn || !items.isEmpty else {
                throw ConfigError(path: "model.hidden", kind == .mlp ? "must be a non-empty array of widths" : "must be an array of widths ([] for none)")
            }
            hidden = try items.enumerated().map { try ObjectReader.int($1, path: "model.hidden[\($0)]", min: 1) }
            let name = try r.string("activation") ?? "relu"
            guard let act = Activation(rawValue: name) else {
                throw ConfigError(path: "model.activation", "must be one of \(Activation.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\"")
            }
            if kind == .cnn && act != .relu {
                throw ConfigError(path: "model.activation", "must be \"relu\" for a cnn (the network of Figure 3), got \"\(name)\"")
            }
            activation = act
            if let d = r.raw("dropout") { (inputDropout, hiddenDropout) = try parseDropout(d, path: "model.dropout") }
        }
        if kind == .logisticRegression, let d = r.raw("dropout") {
            // Dropout noise on the input features (Figure 1, right: 50% on IMDB's bag of words).
            (inputDropout, hiddenDropout) = try parseDropout(d, path: "model.dropout")
            if hiddenDropout != 0 {
                throw ConfigError(path: "model.dropout.hidden", "does not apply: logistic regression has no hidden layer (only \"input\")")
            }
        }
        let layers = ModelConfig.layerNames(kind: kind, convolutions: conv.count, hidden: hidden.count)
        let (initialization, initFrom) = try parseInit(r.raw("init"), std: r.raw("std"), kind: kind, layers: layers)
        let extra = kind == .logisticRegression ? ["dropout"] : kind == .mlp ? ["hidden", "activation", "dropout"] : kind == .cnn ? ["conv", "kernel", "pool", "conv_algorithm", "hidden", "activation", "dropout"]
            : kind == .vae ? ["hidden", "latent", "activation"] : []
        try r.finish("model \(kind.rawValue)", allowed: ["kind", "l2", "init", "std"] + extra)
        return ModelConfig(kind: kind, l2: l2, initialization: initialization, hidden: hidden, activation: activation,
                           inputDropout: inputDropout, hiddenDropout: hiddenDropout, conv: conv, kernel: kernel,
                           poolSize: poolSize, poolStride: poolStride, poolPad: poolPad, convAlgorithm: convAlgorithm, latent: latent, initFrom: initFrom)
    }

    /// `"init"`: a name (normal with the model's `std`), `{"normal": {LAYER: STD, ...}}` naming
    /// every layer of `layers`, or `{"from": "FILE.npy"}`.
    static func parseInit(_ json: JSON?, std stdJSON: JSON?, kind: ModelKind, layers: [String]) throws -> (Initialization, from: String?) {
        let forms = "zeros, glorot-uniform, normal, {\"normal\": {LAYER: STD, ...}} or {\"from\": \"FILE.npy\"}"
        let layerList = "layers of this \(kind.rawValue): \(layers.joined(separator: ", "))"
        var name = kind == .logisticRegression ? "zeros" : "glorot-uniform"
        var result: (Initialization, from: String?)? = nil
        switch json {
        case nil: break
        case .string(let s)?: name = s
        case let object?:
            guard case .object = object else { throw ConfigError(path: "model.init", "must be one of \(forms), got \(object.typeName)") }
            var ir = try ObjectReader(object, path: "model.init")
            if ir.has("normal") && ir.has("from") {
                throw ConfigError(path: "model.init", "give either \"normal\" (a standard deviation per layer) or \"from\" (a file), not both")
            }
            if let perLayer = ir.raw("normal") {
                guard case .object(let pairs) = perLayer else {
                    throw ConfigError(path: "model.init.normal", "must be an object of standard deviations by layer, e.g. {\"\(layers[0])\": 0.01} (\(layerList))")
                }
                var stds: [String: Double] = [:]
                for (layer, value) in pairs {
                    guard layers.contains(layer) else {
                        var message = "is not a layer of this \(kind.rawValue) (\(layerList))"
                        if let near = closest(layer, in: layers) { message += "; did you mean \"\(near)\"?" }
                        throw ConfigError(path: "model.init.normal.\(layer)", message)
                    }
                    let std = try ObjectReader.number(value, path: "model.init.normal.\(layer)")
                    guard std > 0 else { throw ConfigError(path: "model.init.normal.\(layer)", "must be > 0, got \(formatConfigNumber(std))") }
                    stds[layer] = std
                }
                if let missing = layers.first(where: { stds[$0] == nil }) {
                    throw ConfigError(path: "model.init.normal", "has no standard deviation for layer \(missing): every layer must be named (\(layerList))")
                }
                result = (.normalByLayer(stds), nil)
            } else {
                guard let file = try ir.string("from"), !file.isEmpty else {
                    throw ConfigError(path: "model.init.from", "is required: a NumPy .npy file of the parameters (see `adam-bench params CONFIG`)")
                }
                result = (kind == .logisticRegression ? .zeros : .glorotUniform, file)
            }
            try ir.finish("model.init", allowed: ["normal", "from"])
        }
        if let stdJSON {
            guard result == nil && name == "normal" else { throw ConfigError(path: "model.std", "only applies to \"init\": \"normal\"") }
            let std = try ObjectReader.number(stdJSON, path: "model.std")
            guard std > 0 else { throw ConfigError(path: "model.std", "must be > 0, got \(formatConfigNumber(std))") }
            return (.normal(std: std), nil)
        }
        if let result { return result }
        switch name {
        case "zeros": return (.zeros, nil)
        case "glorot-uniform": return (.glorotUniform, nil)
        case "normal": return (.normal(std: 0.01), nil)
        default: throw ConfigError(path: "model.init", "must be one of \(forms), got \"\(name)\"")
        }
    }

    /// `{"input": p, "hidden": q}`, each in [0, 1), missing ones 0.
    static func parseDropout(_ json: JSON, path: String) throws -> (input: Double, hidden: Double) {
        var dr = try ObjectReader(json, path: path)
        let input = try dr.number("input") ?? 0
        let hidden = try dr.number("hidden") ?? 0
        for (key, p) in [("input", input), ("hidden", hidden)] where !(p >= 0 && p < 1) {
            throw ConfigError(path: "\(path).\(key)", "must be in [0, 1), got \(formatConfigNumber(p))")
        }
        try dr.finish("dropout", allowed: ["input", "hidden"])
        return (input, hidden)
    }

    static func parseTraining(_ json: JSON, synthetic: Bool) throws -> TrainingConfig {
        var r = try ObjectReader(json, path: "training")
        guard let epochs = try r.int("epochs", min: 1, max: ExperimentConfig.maxEpochs) else {
            throw ConfigError(path: "training.epochs", "is required" + (synthetic ? " (for a synthetic objective, one epoch is one iteration)" : ""))
        }
        var seeds: [UInt64] = [1]
        if let seed = try r.int("seed", min: 0) { seeds = [UInt64(seed)] }
        if let list = r.raw("seeds") {
            if r.has("seed") { throw ConfigError(path: "training.seeds", "give either \"seed\" or \"seeds\", not both") }
            guard case .array(let items) = list, !items.isEmpty else {
                throw ConfigError(path: "training.seeds", "must be a non-empty array of whole numbers")
            }
            seeds = try items.enumerated().map { UInt64(try ObjectReader.int($1, path: "training.seeds[\($0)]", min: 0)) }
            if Set(seeds).count != seeds.count { throw ConfigError(path: "training.seeds", "must not repeat a seed") }
        }
        let logEvery = try r.int("log_every", min: 0) ?? 0
        let evalEvery = try r.int("eval_every_epochs", min: 1) ?? 1
        var batchSize = 128, shuffle = true, fullBatch = false
        if synthetic {
            for key in ["batch_size", "shuffle", "full_batch"] where r.has(key) {
                throw ConfigError(path: "training.\(key)", "does not apply to a synthetic objective (always full batch); remove it")
            }
            fullBatch = true
        } else {
            batchSize = try r.int("batch_size", min: 1, max: 1 << 31) ?? 128
            shuffle = try r.bool("shuffle") ?? true
            fullBatch = try r.bool("full_batch") ?? false
        }
        // A synthetic objective's epoch is one iteration: checkpointing each would cost more than
        // rerunning it, so they checkpoint only when asked.
        let checkpointEvery = try r.int("checkpoint_every_epochs", min: 0) ?? (synthetic ? 0 : 1)
        let saveParams = try r.bool("save_params") ?? false
        try r.finish("training", allowed: ["epochs", "batch_size", "seed", "seeds", "shuffle", "log_every", "eval_every_epochs",
                                           "full_batch", "checkpoint_every_epochs", "save_params"])
        return TrainingConfig(epochs: epochs, batchSize: batchSize, seeds: seeds, shuffle: shuffle,
                              logEvery: logEvery, evalEveryEpochs: evalEvery, fullBatch: fullBatch,
                              checkpointEveryEpochs: checkpointEvery, saveParams: saveParams)
    }

    static func parseArm(_ json: JSON, path: String) throws -> ArmConfig {
        var r = try ObjectReader(json, path: path)
        guard let optimizerName = try r.string("optimizer") else {
            throw ConfigError(path: "\(path).optimizer", "is required (one of \(Optimizers.names.joined(separator: ", ")))")
        }
        guard let spec = Optimizers.named(optimizerName) else {
            var message = "unknown optimizer \"\(optimizerName)\" (expected one of \(Optimizers.names.joined(separator: ", ")))"
            if let near = closest(optimizerName, in: Optimizers.names) { message += "; did you mean \"\(near)\"?" }
            throw ConfigError(path: "\(path).optimizer", message)
        }
        let name = try r.string("name") ?? optimizerName
        try checkName(name, path: "\(path).name")
        var values: [(name: String, value: HyperValue)] = []
        for h in spec.hyperparameters {
            let key = "\(path).\(h.name)"
            var given: HyperValue? = nil
            if let raw = r.raw(h.name) {
                guard let v = HyperValue(json: raw) else { throw ConfigError(path: key, "must be \(h.domain.summary), got \(raw.typeName)") }
                given = v
            }
            guard let value = given ?? h.defaultValue else {
                throw ConfigError(path: key, "is required for \(optimizerName) (it has no default)")
            }
            if let problem = h.domain.check(value) { throw ConfigError(path: key, problem) }
            values.append((h.name, value))
        }
        let schedule = try r.raw("schedule").map { try parseSchedule($0, path: "\(path).schedule") } ?? .constant
        let averaging = try r.raw("averaging").map { try parseAveraging($0, path: "\(path).averaging") }
        let dropout = try r.raw("dropout").map { d in try parseDropout(d, path: "\(path).dropout") }
        try r.finish("optimizer \(optimizerName)",
                     allowed: ["name", "optimizer"] + spec.hyperparameters.map(\.name) + ["schedule", "averaging", "dropout"])
        if !spec.isStepper {
            // SFO: whole numbers, and nothing that makes a subfunction non-deterministic or
            // assumes a step per minibatch.
            for key in ["subfunctions", "history", "init_active"] {
                if case .number(let x)? = values.first(where: { $0.name == key })?.value, x != x.rounded() || x > 1e6 {
                    throw ConfigError(path: "\(path).\(key)", "must be a whole number up to 1000000, got \(formatConfigNumber(x))")
                }
            }
            if schedule != .constant { throw ConfigError(path: "\(path).schedule", "does not apply to sfo (it has no learning rate)") }
            if averaging != nil { throw ConfigError(path: "\(path).averaging", "does not apply to sfo") }
            if let d = dropout, d.input > 0 || d.hidden > 0 {
                throw ConfigError(path: "\(path).dropout", "must be 0: SFO needs deterministic subfunctions (dropout makes each evaluation random)")
            }
        }
        return ArmConfig(name: name, optimizer: optimizerName, hyperparameters: Hyperparameters(values),
                         schedule: schedule, averaging: averaging, dropout: dropout.map { ArmDropout(input: $0.input, hidden: $0.hidden) })
    }

    static func parseSchedule(_ json: JSON, path: String) throws -> Schedule {
        var r = try ObjectReader(json, path: path)
        let kind = try r.string("kind") ?? "constant"
        let result: Schedule
        switch kind {
        case "constant":
            result = .constant
        case "inverse-sqrt":
            let per = try r.string("per") ?? "iteration"
            guard let unit = ScheduleUnit(rawValue: per) else {
                throw ConfigError(path: "\(path).per", "must be \"iteration\" or \"epoch\", got \"\(per)\"")
            }
            result = .inverseSqrt(per: unit)
        default:
            throw ConfigError(path: "\(path).kind", "must be \"constant\" or \"inverse-sqrt\", got \"\(kind)\"")
        }
        try r.finish("schedule \(kind)", allowed: kind == "constant" ? ["kind"] : ["kind", "per"])
        return result
    }

    static func parseAveraging(_ json: JSON, path: String) throws -> AveragingKind {
        if case .string(let s) = json {
            switch s {
            case "polyak": return .polyak
            case "ema": return .ema(beta: 0.999)
            default: throw ConfigError(path: path, "must be \"ema\", \"polyak\" or an object {\"kind\": ...}, got \"\(s)\"")
            }
        }
        var r = try ObjectReader(json, path: path)
        let kind = try r.string("kind") ?? ""
        switch kind {
        case "ema":
            let beta = try r.number("beta") ?? 0.999
            guard beta > 0 && beta < 1 else { throw ConfigError(path: "\(path).beta", "must be in (0, 1), got \(formatConfigNumber(beta))") }
            try r.finish("averaging ema", allowed: ["kind", "beta"])
            return .ema(beta: beta)
        case "polyak":
            try r.finish("averaging polyak", allowed: ["kind"])
            return .polyak
        default:
            throw ConfigError(path: "\(path).kind", "must be \"ema\" or \"polyak\"")
        }
    }
}

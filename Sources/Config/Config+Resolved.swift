// The config as it actually runs: every default filled in and the command line's overrides
// applied. Written into manifest.json so a result can always be traced to its exact settings.
import NN
import Optim

/// Command-line changes to a config for quick runs (`--epochs`, `--seed`, `--arms`).
public struct ConfigOverrides: Sendable, Equatable {
    public var epochs: Int? = nil
    public var seed: UInt64? = nil
    public var arms: [String]? = nil
    public init(epochs: Int? = nil, seed: UInt64? = nil, arms: [String]? = nil) {
        self.epochs = epochs
        self.seed = seed
        self.arms = arms
    }

    /// The options as given on the command line, for messages.
    var flags: String {
        var parts: [String] = []
        if let epochs { parts.append("--epochs \(epochs)") }
        if let seed { parts.append("--seed \(seed)") }
        if let arms { parts.append("--arms " + arms.joined(separator: ",")) }
        return parts.joined(separator: " ")
    }
}

extension ExperimentConfig {
    public func applying(_ o: ConfigOverrides) throws -> ExperimentConfig {
        var notes: [String] = []
        return try applying(o, notes: &notes)
    }

    /// The config with the command line's overrides applied, valid as a whole before anything
    /// trains: what the overrides leave out goes with it (a sweep whose arm is not run, the arm
    /// grids of arms not run, read epochs beyond --epochs), and a claim about an arm not run or
    /// an epoch not reached is left out with a note in `notes` (it could never be checked). The
    /// result reads back as it is, so the points/config.json and manifest.json it is recorded in
    /// can always be collected and reported.
    public func applying(_ o: ConfigOverrides, notes: inout [String]) throws -> ExperimentConfig {
        var c = self
        if let e = o.epochs {
            c.training.epochs = e
            c.sweep?.readEpochs.removeAll { $0 > e }
            // A shorter run keeps the rungs before its end and ranks there last; a window longer
            // than the run is the whole run.
            if let rungs = c.tune?.halving?.rungs { c.tune?.halving?.rungs = rungs.filter { $0 < e } + [e] }
            if let k = c.tune?.select.epochs { c.tune?.select.epochs = min(k, e) }
        }
        if let s = o.seed { c.training.seeds = [s] }
        if let names = o.arms {
            for n in names where !arms.contains(where: { $0.name == n }) {
                throw ConfigError(file: source, path: "",
                                  "--arms: no arm named \"\(n)\" (this config has \(arms.map(\.name).joined(separator: ", ")))")
            }
            c.arms = arms.filter { names.contains($0.name) }
            if let sweep = c.sweep, !names.contains(sweep.arm) { c.sweep = nil }
            if var tune = c.tune {
                tune.armGrids.removeAll { !names.contains($0.arm) }
                // The shared grid goes when every arm left has its own.
                if c.arms.allSatisfy({ arm in tune.armGrids.contains { $0.arm == arm.name } }) { tune.grid = [] }
                c.tune = tune
            }
        }
        var kept: [Claim] = []
        for (i, claim) in c.claims.enumerated() {
            if let why = c.whyClaimCannotBeChecked(claim, overrides: o) {
                notes.append("\(source): claims[\(i)] (\(claim.kind.rawValue)\(claim.series.isEmpty ? "" : " " + claim.series.joined(separator: ", "))) is left out of this run: \(why)")
            } else {
                kept.append(claim)
            }
        }
        c.claims = kept
        do {
            _ = try ExperimentConfig.parse(c.resolvedJSON, source: source)
        } catch let e as ConfigError {
            throw ConfigError(file: source, path: e.path,
                              "\(e.message) (with \(o.flags)); run without those options or change the config")
        }
        return c
    }

    public var resolvedJSON: JSON {
        var root: [(String, JSON)] = [("name", .string(name)), ("description", .string(description))]
        root.append(("dataset", datasetJSON))
        if let m = model {
            var pairs: [(String, JSON)] = [("kind", .string(m.kind.rawValue)), ("l2", .number(m.l2))]
            if let file = m.initFrom {
                pairs.append(("init", .object([("from", .string(file))])))
            } else {
                switch m.initialization {
                case .normalByLayer(let stds):
                    pairs.append(("init", .object([("normal", .object(m.layerNames.compactMap { layer in stds[layer].map { (layer, .number($0)) } }))])))
                case .normal(let std):
                    pairs += [("init", .string(m.initialization.name)), ("std", .number(std))]
                case .zeros, .glorotUniform:
                    pairs.append(("init", .string(m.initialization.name)))
                }
            }
            if m.kind == .vae {
                pairs += [("hidden", .array(m.hidden.map { .number(Double($0)) })), ("latent", .number(Double(m.latent))),
                          ("activation", .string(m.activation.rawValue))]
            }
            if m.kind == .cnn {
                pairs += [("conv", .array(m.conv.map { .number(Double($0)) })), ("kernel", .number(Double(m.kernel))),
                          ("pool", .object([("size", .number(Double(m.poolSize))), ("stride", .number(Double(m.poolStride))),
                                            ("pad", .number(Double(m.poolPad)))]))]
                if m.convAlgorithm != .direct { pairs.append(("conv_algorithm", .string(m.convAlgorithm.rawValue))) }
            }
            // A logistic regression's input dropout (IMDB) changes its results like any setting;
            // written only when set, so the fingerprints of those without it stay as they were.
            if m.kind == .logisticRegression && m.inputDropout > 0 {
                pairs.append(("dropout", .object([("input", .number(m.inputDropout))])))
            }
            if m.kind == .mlp || m.kind == .cnn {
                pairs += [("hidden", .array(m.hidden.map { .number(Double($0)) })), ("activation", .string(m.activation.rawValue)),
                          ("dropout", .object([("input", .number(m.inputDropout)), ("hidden", .number(m.hiddenDropout))]))]
            }
            root.append(("model", .object(pairs)))
        }
        var t: [(String, JSON)] = [("epochs", .number(Double(training.epochs)))]
        if !dataset.isSynthetic {
            t += [("batch_size", .number(Double(training.batchSize))), ("shuffle", .bool(training.shuffle)),
                  ("full_batch", .bool(training.fullBatch))]
        }
        t += [("seeds", .array(training.seeds.map { .number(Double($0)) })),
              ("log_every", .number(Double(training.logEvery))),
              ("eval_every_epochs", .number(Double(training.evalEveryEpochs))),
              ("checkpoint_every_epochs", .number(Double(training.checkpointEveryEpochs))),
              ("save_params", .bool(training.saveParams))]
        root.append(("training", .object(t)))
        root.append(("arms", .array(arms.map(\.resolvedJSON))))
        if let sweep { root.append(("sweep", sweep.json)) }
        if let tune { root.append(("tune", tune.json)) }
        if let plot { root.append(("plot", plot.json)) }
        if !claims.isEmpty { root.append(("claims", .array(claims.map(\.json)))) }
        if !variants.isEmpty { root.append(("variants", .array(variants.map(\.json)))) }
        return .object(root)
    }

    private var datasetJSON: JSON {
        switch dataset {
        case .idx(let name, let path, let limit, let binarize):
            var d: [(String, JSON)] = [("name", .string(name)), ("path", .string(path))]
            if let limit { d.append(("train_limit", .number(Double(limit)))) }
            d.append(("binarize", .bool(binarize)))
            return .object(d)
        case .cifar10(let path, let test, let limit, let preprocess):
            var d: [(String, JSON)] = [("name", .string("cifar10")), ("path", .string(path))]
            if let test { d.append(("test", .string(test))) }
            if let limit { d.append(("train_limit", .number(Double(limit)))) }
            d.append(("preprocess", .string(preprocess.name)))
            switch preprocess {
            case .zca(let e): d.append(("zca_epsilon", .number(e)))
            case .gcnZCA(let scale, let e): d += [("gcn_scale", .number(scale)), ("zca_epsilon", .number(e))]
            case .none, .standardize: break
            }
            return .object(d)
        case .imdb(let path, let vocabulary, let features, let limit):
            var d: [(String, JSON)] = [("name", .string("imdb")), ("path", .string(path)),
                                       ("vocabulary", .number(Double(vocabulary))), ("features", .string(features.rawValue))]
            if let limit { d.append(("train_limit", .number(Double(limit)))) }
            return .object(d)
        case .libsvm(let train, let test, let features, let base, let labels, let limit):
            var d: [(String, JSON)] = [("name", .string("libsvm")), ("train", .string(train))]
            if let test { d.append(("test", .string(test))) }
            d.append(("features", .number(Double(features))))
            d.append(("index_base", .number(Double(base))))
            if let labels { d.append(("labels", .array(labels.map(JSON.string)))) }
            if let limit { d.append(("train_limit", .number(Double(limit)))) }
            return .object(d)
        case .quadratic(let a, let b, let initial, let noise):
            return .object([("name", .string("quadratic")), ("curvatures", .array(a.map(JSON.number))),
                            ("targets", .array(b.map(JSON.number))), ("init", .array(initial.map(JSON.number))),
                            ("noise", .number(noise))])
        case .rosenbrock(let a, let b, let initial):
            return .object([("name", .string("rosenbrock")), ("a", .number(a)), ("b", .number(b)),
                            ("init", .array(initial.map(JSON.number)))])
        }
    }
}

extension ArmConfig {
    public var resolvedJSON: JSON {
        var pairs: [(String, JSON)] = [("name", .string(name)), ("optimizer", .string(optimizer))]
        for (key, value) in hyperparameters.values { pairs.append((key, value.json)) }
        switch schedule {
        case .constant: pairs.append(("schedule", .object([("kind", .string("constant"))])))
        case .inverseSqrt(let per):
            pairs.append(("schedule", .object([("kind", .string("inverse-sqrt")), ("per", .string(per.rawValue))])))
        }
        switch averaging {
        case nil: break
        case .ema(let beta)?: pairs.append(("averaging", .object([("kind", .string("ema")), ("beta", .number(beta))])))
        case .polyak?: pairs.append(("averaging", .object([("kind", .string("polyak"))])))
        }
        if let d = dropout { pairs.append(("dropout", .object([("input", .number(d.input)), ("hidden", .number(d.hidden))]))) }
        return .object(pairs)
    }
}

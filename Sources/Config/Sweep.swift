// Hyperparameter sweeps (SPEC section 6): the Cartesian grid over one arm's hyperparameters, each
// point run as its own arm named from its values, e.g. adam[beta1=0,lr=1e-05]. Points can run in
// many processes (`sweep --shard I/N`), each into its own file under OUT/<name>/points/, and
// `collect` merges them into the curves.csv and summary.csv one process would have written.
import Datasets
import Foundation
import Optim

public struct SweepConfig: Sendable, Equatable {
    /// The arm whose hyperparameters are swept; it is replaced by the grid's points.
    public var arm: String
    public var grid: [GridAxis]
    /// Epochs at which summary.csv reads eval_train_loss and test_loss (Figure 4: 10 and 100).
    public var readEpochs: [Int]

    package static func parse(_ json: JSON, arms: [ArmConfig], epochs: Int) throws -> SweepConfig {
        var r = try ObjectReader(json, path: "sweep")
        guard let armName = try r.string("arm") else { throw ConfigError(path: "sweep.arm", "is required: the name of the arm to sweep") }
        guard let base = arms.first(where: { $0.name == armName }) else {
            throw ConfigError(path: "sweep.arm", "no arm named \"\(armName)\" (arms: \(arms.map(\.name).joined(separator: ", ")))")
        }
        let grid = try parseGrid(r.raw("grid"), path: "sweep.grid") { key in
            [try hyperparameter(key, of: base, path: "sweep.grid.\(key)")]
        }
        var readEpochs: [Int] = []
        if let list = r.raw("read_epochs") {
            guard case .array(let items) = list else { throw ConfigError(path: "sweep.read_epochs", "must be an array of epochs") }
            readEpochs = try items.enumerated().map { try ObjectReader.int($1, path: "sweep.read_epochs[\($0)]", min: 1) }
            for (i, e) in readEpochs.enumerated() where e > epochs {
                throw ConfigError(path: "sweep.read_epochs[\(i)]", "is \(e) but training.epochs is \(epochs)")
            }
        }
        try r.finish("sweep", allowed: ["arm", "grid", "read_epochs"])
        return SweepConfig(arm: armName, grid: grid, readEpochs: readEpochs)
    }

    var json: JSON {
        .object([("arm", .string(arm)), ("grid", gridJSON(grid)), ("read_epochs", .array(readEpochs.map { .number(Double($0)) }))])
    }

    /// Every point of the grid as an arm, the first key varying slowest.
    func points(of base: ArmConfig) -> [ArmConfig] {
        var result: [ArmConfig] = [base]
        var names: [[String]] = [[]]
        for axis in grid {
            var nextArms: [ArmConfig] = [], nextNames: [[String]] = []
            for (arm, name) in zip(result, names) {
                for v in axis.values {
                    var a = arm
                    a.hyperparameters.values = a.hyperparameters.values.map { $0.name == axis.key ? ($0.name, v) : $0 }
                    nextArms.append(a)
                    nextNames.append(name + ["\(axis.key)=\(v)"])
                }
            }
            result = nextArms
            names = nextNames
        }
        return zip(result, names).map { arm, name in
            var a = arm
            a.name = "\(base.name)[\(name.joined(separator: ","))]"
            return a
        }
    }
}

extension ExperimentConfig {
    /// The arms that actually run: the swept arm replaced by its grid's points, in place.
    public var runArms: [ArmConfig] {
        if let tune { return Tuner.points(self, tune) }
        guard let sweep else { return arms }
        return arms.flatMap { $0.name == sweep.arm ? sweep.points(of: $0) : [$0] }
    }

    /// What a point's result depends on: data (and a starting-parameter file), model, training and
    /// the point's own arm and seed. A point file or checkpoint with another fingerprint is never
    /// reused. How often checkpoints are taken does not change results and is left out, as are the
    /// claims, the variants and the plot, which only say how results are read.
    package func fingerprint(_ arm: ArmConfig, seed: UInt64, files: [DataFile]) -> String {
        var c = self
        c.arms = [arm]
        c.training.seeds = [seed]
        c.description = ""
        c.sweep = nil
        c.tune = nil
        c.plot = nil
        c.claims = []
        c.variants = []
        c.training.checkpointEveryEpochs = 0
        let text = c.resolvedJSON.rendered() + files.map(\.contentSHA256).joined(separator: ",") + AdamBench.version
        return SHA256.hex(Array(text.utf8))
    }
}

// Tuning (SPEC section 6), as the paper did: "hyperparameters searched over a dense grid, best
// shown". Every arm runs the grid; curves.csv and summary.csv report each arm's best point under
// the arm's own name, and tuning.csv keeps the whole grid.
import Optim

public struct TuneConfig: Sendable, Equatable {
    public var grid: [GridAxis]
    /// A summary.csv column; accuracy is maximised, everything else minimised.
    public var select: String

    static let selectable = ["final_train_loss", "final_eval_train_loss", "final_test_loss", "final_test_accuracy",
                             "best_train_loss", "best_eval_train_loss", "best_test_loss", "best_test_accuracy"]

    static func parse(_ json: JSON, arms: [ArmConfig]) throws -> TuneConfig {
        var r = try ObjectReader(json, path: "tune")
        guard let gridJSON = r.raw("grid"), case .object(let pairs) = gridJSON, !pairs.isEmpty else {
            throw ConfigError(path: "tune.grid", "is required: an object of hyperparameter: [values], e.g. {\"lr\": [1e-4, 1e-3]}")
        }
        var grid: [GridAxis] = []
        for (key, valuesJSON) in pairs {
            guard case .array(let items) = valuesJSON, !items.isEmpty else {
                throw ConfigError(path: "tune.grid.\(key)", "must be a non-empty array of values")
            }
            var values: [HyperValue] = []
            for (i, item) in items.enumerated() {
                switch item {
                case .number(let x): values.append(.number(x))
                case .bool(let b): values.append(.flag(b))
                case .string(let s): values.append(.choice(s))
                default: throw ConfigError(path: "tune.grid.\(key)[\(i)]", "must be a number, boolean or string, got \(item.typeName)")
                }
            }
            // Every arm's optimizer must take the key, with every value in range.
            for arm in arms {
                let spec = Optimizers.named(arm.optimizer)!
                guard let h = spec.hyperparameters.first(where: { $0.name == key }) else {
                    throw ConfigError(path: "tune.grid.\(key)", "is not a hyperparameter of \(arm.optimizer) (arm \(arm.name)); tune only keys every arm's optimizer takes")
                }
                for (i, v) in values.enumerated() {
                    if let problem = h.domain.check(v) { throw ConfigError(path: "tune.grid.\(key)[\(i)]", problem) }
                }
            }
            grid.append(GridAxis(key: key, values: values))
        }
        let select = try r.string("select") ?? "final_eval_train_loss"
        guard selectable.contains(select) else {
            throw ConfigError(path: "tune.select", "must be one of \(selectable.joined(separator: ", ")), got \"\(select)\"")
        }
        try r.finish("tune", allowed: ["grid", "select"])
        return TuneConfig(grid: grid, select: select)
    }

    var json: JSON {
        .object([("grid", SweepConfig(arm: "", grid: grid, readEpochs: []).json["grid"]!), ("select", .string(select))])
    }
}

public enum Tuner {
    /// Every grid point of every arm, named like sweep points: adam[lr=0.001].
    public static func points(_ config: ExperimentConfig, _ tune: TuneConfig) -> [ArmConfig] {
        config.arms.flatMap { SweepConfig(arm: $0.name, grid: tune.grid, readEpochs: []).points(of: $0) }
    }

    /// Picks each arm's best point. `all` holds the results of `points` in order, seeds innermost.
    /// Returns the best points' results renamed to their arms, and the grid's summary rows.
    public static func select(_ config: ExperimentConfig, _ tune: TuneConfig, all: [ArmResult]) -> [ArmResult] {
        let seeds = config.training.seeds.count
        let perArm = tune.grid.reduce(1) { $0 * $1.values.count }
        let maximise = tune.select.hasSuffix("accuracy")
        var chosen: [ArmResult] = []
        for (a, arm) in config.arms.enumerated() {
            var best: (score: Double, index: Int)? = nil
            for p in 0..<perArm {
                let results = (0..<seeds).map { all[(a * perArm + p) * seeds + $0] }
                // A point that diverged for any seed, or has no value, ranks last.
                let values = results.map { score($0, tune.select) }
                guard results.allSatisfy({ $0.status == .ok }), values.allSatisfy({ $0 != nil && $0!.isFinite }) else { continue }
                let mean = values.map { $0! }.reduce(0, +) / Double(seeds)
                let key = maximise ? -mean : mean
                if best == nil || key < best!.score { best = (key, a * perArm + p) }
            }
            let index = best?.index ?? a * perArm  // all diverged: report the first point, diverged
            for s in 0..<seeds {
                var r = all[index * seeds + s]
                r.arm.name = arm.name
                chosen.append(r)
            }
        }
        return chosen
    }

    /// The value of a summary column for one result (as SummaryCSV computes it).
    static func score(_ r: ArmResult, _ column: String) -> Double? {
        let parts = column.split(separator: "_", maxSplits: 1).map(String.init)
        guard let measure = SummaryCSV.measures.first(where: { $0.name == parts[1] }) else { return nil }
        let values = r.rows.compactMap(measure.value).filter { !$0.isNaN }
        if parts[0] == "final" { return r.rows.last { measure.value($0) != nil }.flatMap(measure.value) }
        return measure.higherIsBetter ? values.max() : values.min()
    }
}

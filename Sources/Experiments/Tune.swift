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
        // Every arm's optimizer must take each key, with every value in its range.
        let grid = try parseGrid(r.raw("grid"), path: "tune.grid") { key in
            try arms.map { arm in
                guard let h = Optimizers.named(arm.optimizer)!.hyperparameters.first(where: { $0.name == key }) else {
                    throw ConfigError(path: "tune.grid.\(key)", "is not a hyperparameter of \(arm.optimizer) (arm \(arm.name)); tune only keys every arm's optimizer takes")
                }
                return h
            }
        }
        let select = try r.string("select") ?? "final_eval_train_loss"
        guard selectable.contains(select) else {
            throw ConfigError(path: "tune.select", "must be one of \(selectable.joined(separator: ", ")), got \"\(select)\"")
        }
        try r.finish("tune", allowed: ["grid", "select"])
        return TuneConfig(grid: grid, select: select)
    }

    var json: JSON {
        .object([("grid", gridJSON(grid)), ("select", .string(select))])
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

    /// The value of a summary column ("final_…" or "best_…") for one result, as summary.csv has it.
    static func score(_ r: ArmResult, _ column: String) -> Double? {
        let parts = column.split(separator: "_", maxSplits: 1).map(String.init)
        guard let m = SummaryCSV.measures.first(where: { $0.name == parts[1] }) else { return nil }
        return parts[0] == "final" ? SummaryCSV.final(r, m) : SummaryCSV.bestRow(r, m).flatMap(m.value)
    }
}

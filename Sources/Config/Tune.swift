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

    package static func parse(_ json: JSON, arms: [ArmConfig]) throws -> TuneConfig {
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
}

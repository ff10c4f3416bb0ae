// Tuning (SPEC section 6), as the paper did: "hyperparameters searched over a dense grid, best
// shown". Every arm runs the grid; curves.csv and summary.csv report each arm's best point under
// the arm's own name, and tuning.csv keeps the whole grid.
import Optim

public struct TuneConfig: Sendable, Equatable {
    /// The grid every arm runs, unless it has its own in `armGrids` (empty when every arm has).
    public var grid: [GridAxis]
    /// Grids of single arms, in the config's order: optimizers whose good rates lie decades
    /// apart (AdaDelta near 1, Adam near 1e-4) each get their own.
    public var armGrids: [ArmGrid] = []
    /// A summary.csv column; accuracy is maximised, everything else minimised.
    public var select: String

    public struct ArmGrid: Sendable, Equatable {
        public var arm: String
        public var grid: [GridAxis]
    }

    /// The grid the arm named `arm` runs.
    public func grid(for arm: String) -> [GridAxis] {
        armGrids.first(where: { $0.arm == arm })?.grid ?? grid
    }

    static let selectable = ["final_train_loss", "final_eval_train_loss", "final_test_loss", "final_test_accuracy",
                             "best_train_loss", "best_eval_train_loss", "best_test_loss", "best_test_accuracy"]

    package static func parse(_ json: JSON, arms: [ArmConfig]) throws -> TuneConfig {
        var r = try ObjectReader(json, path: "tune")
        var armGrids: [ArmGrid] = []
        if let perArm = r.raw("arm_grids") {
            guard case .object(let pairs) = perArm, !pairs.isEmpty else {
                throw ConfigError(path: "tune.arm_grids", "must be an object of arm name: grid, e.g. {\"adam\": {\"lr\": [1e-4, 1e-3]}}")
            }
            for (name, gridJSON) in pairs {
                guard let arm = arms.first(where: { $0.name == name }) else {
                    throw ConfigError(path: "tune.arm_grids.\(name)", "no arm named \"\(name)\" (arms: \(arms.map(\.name).joined(separator: ", ")))")
                }
                let grid = try parseGrid(gridJSON, path: "tune.arm_grids.\(name)") { key in
                    [try hyperparameter(key, of: arm, path: "tune.arm_grids.\(name).\(key)")]
                }
                armGrids.append(ArmGrid(arm: name, grid: grid))
            }
        }
        // The shared grid: every arm without its own grid runs it, so its keys must suit each of them.
        let shared = arms.filter { arm in !armGrids.contains(where: { $0.arm == arm.name }) }
        var grid: [GridAxis] = []
        if shared.isEmpty, r.raw("grid") != nil {
            throw ConfigError(path: "tune.grid", "is used by no arm: every arm has its own grid in tune.arm_grids; remove it or an arm's entry")
        }
        if !shared.isEmpty {
            grid = try parseGrid(r.raw("grid"), path: "tune.grid") { key in
                try shared.map { arm in
                    try hyperparameter(key, of: arm, path: "tune.grid.\(key)",
                                       hint: "; tune.grid takes only keys every arm without its own grid takes (arm \(arm.name)): give the arm its own in tune.arm_grids")
                }
            }
        }
        let select = try r.string("select") ?? "final_eval_train_loss"
        guard selectable.contains(select) else {
            throw ConfigError(path: "tune.select", "must be one of \(selectable.joined(separator: ", ")), got \"\(select)\"")
        }
        try r.finish("tune", allowed: ["grid", "arm_grids", "select"])
        return TuneConfig(grid: grid, armGrids: armGrids, select: select)
    }

    var json: JSON {
        var pairs: [(String, JSON)] = []
        if !grid.isEmpty { pairs.append(("grid", gridJSON(grid))) }
        if !armGrids.isEmpty { pairs.append(("arm_grids", .object(armGrids.map { ($0.arm, gridJSON($0.grid)) }))) }
        pairs.append(("select", .string(select)))
        return .object(pairs)
    }
}

public enum Tuner {
    /// Every grid point of every arm, named like sweep points: adam[lr=0.001].
    public static func points(_ config: ExperimentConfig, _ tune: TuneConfig) -> [ArmConfig] {
        config.arms.flatMap { SweepConfig(arm: $0.name, grid: tune.grid(for: $0.name), readEpochs: []).points(of: $0) }
    }
}

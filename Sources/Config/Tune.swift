// Tuning (SPEC section 6), as the paper did: "hyperparameters searched over a dense grid, best
// shown". Every arm runs the grid; curves.csv and summary.csv report each arm's best point under
// the arm's own name, and tuning.csv keeps the whole grid. The point is chosen by a declared rule
// (a statistic of one curve column over a window of epochs), optionally by successive halving.
import Optim

public struct TuneConfig: Sendable, Equatable {
    /// The grid every arm runs, unless it has its own in `armGrids` (empty when every arm has).
    public var grid: [GridAxis]
    /// Grids of single arms, in the config's order: optimizers whose good rates lie decades
    /// apart (AdaDelta near 1, Adam near 1e-4) each get their own.
    public var armGrids: [ArmGrid] = []
    /// How points are ranked; accuracy is maximised, everything else minimised.
    public var select: SelectionRule
    /// Successive halving over the grid; nil runs every point to the horizon.
    public var halving: Halving? = nil

    public struct ArmGrid: Sendable, Equatable {
        public var arm: String
        public var grid: [GridAxis]
    }

    /// The grid the arm named `arm` runs.
    public func grid(for arm: String) -> [GridAxis] {
        armGrids.first(where: { $0.arm == arm })?.grid ?? grid
    }

    package static func parse(_ json: JSON, arms: [ArmConfig], training: TrainingConfig) throws -> TuneConfig {
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
        let select = try r.raw("select").map { try SelectionRule.parse($0, path: "tune.select", epochs: training.epochs) } ?? .default
        let halving = try r.raw("halving").map { try Halving.parse($0, training: training) }
        if halving != nil, let i = arms.firstIndex(where: { $0.optimizer == "sfo" }) {
            throw ConfigError(path: "tune.halving", "cannot stop arms[\(i)] (\(arms[i].name)) at a rung: sfo's state is not checkpointed, so its points cannot resume; tune it without halving in a config of its own")
        }
        try r.finish("tune", allowed: ["grid", "arm_grids", "select", "halving"])
        return TuneConfig(grid: grid, armGrids: armGrids, select: select, halving: halving)
    }

    var json: JSON {
        var pairs: [(String, JSON)] = []
        if !grid.isEmpty { pairs.append(("grid", gridJSON(grid))) }
        if !armGrids.isEmpty { pairs.append(("arm_grids", .object(armGrids.map { ($0.arm, gridJSON($0.grid)) }))) }
        pairs.append(("select", select.json))
        if let halving { pairs.append(("halving", halving.json)) }
        return .object(pairs)
    }
}

/// How `tune` ranks the points of an arm's grid: one statistic of one curve column over a window
/// of epochs, averaged over seeds. A point that diverged in the window, or has a value there that
/// is not finite, ranks last; ties go to the first point in grid order.
public struct SelectionRule: Sendable, Equatable, CustomStringConvertible {
    public enum Statistic: String, Sendable, CaseIterable {
        /// The column's last logged value (summary.csv's final_…).
        case last
        /// The column's best logged value (summary.csv's best_…).
        case best
        /// The mean of the values logged in the last `epochs` epochs.
        case meanLast = "mean_last"
        /// The mean of log(value) over every logged epoch after epoch 0 (for accuracy, of the value).
        case meanLog = "mean_log"
    }

    /// A curve column: train_loss, eval_train_loss, test_loss or test_accuracy.
    public var column: String
    public var statistic: Statistic
    /// The window of `mean_last`, in epochs (nil for the other statistics).
    public var epochs: Int? = nil

    public init(column: String, statistic: Statistic, epochs: Int? = nil) {
        (self.column, self.statistic, self.epochs) = (column, statistic, epochs)
    }

    /// The rule of configs that name none: the last evaluated training loss.
    public static let `default` = SelectionRule(column: "eval_train_loss", statistic: .last)
    public static let columns = ["train_loss", "eval_train_loss", "test_loss", "test_accuracy"]
    /// The window of `mean_last` the report shows beside a rule that has none.
    public static let defaultWindow = 10

    /// Accuracy is maximised, losses minimised.
    public var maximises: Bool { column.hasSuffix("accuracy") }

    /// The summary.csv column that holds the same statistic (final_… or best_…), nil for the means.
    public var summaryColumn: String? {
        switch statistic {
        case .last: return "final_\(column)"
        case .best: return "best_\(column)"
        case .meanLast, .meanLog: return nil
        }
    }

    /// The rule in words: "last eval_train_loss", "mean train_loss over the last 10 epochs",
    /// "mean log train_loss over all epochs".
    public var description: String {
        switch statistic {
        case .last: return "last \(column)"
        case .best: return "best \(column)"
        case .meanLast: return "mean \(column) over the last \(epochs ?? Self.defaultWindow) epochs"
        case .meanLog: return maximises ? "mean \(column) over all epochs" : "mean log \(column) over all epochs"
        }
    }

    /// A short name for table headers and manifests: last, best, mean_last_10, mean_log.
    public var name: String {
        statistic == .meanLast ? "mean_last_\(epochs ?? Self.defaultWindow)" : statistic.rawValue
    }

    /// The rules a reader compares a pick against: the last value, the mean of the last `window`
    /// epochs and the mean log over all epochs, all of this rule's column.
    public var alternatives: [SelectionRule] {
        [SelectionRule(column: column, statistic: .last),
         SelectionRule(column: column, statistic: .meanLast, epochs: statistic == .meanLast ? epochs : Self.defaultWindow),
         SelectionRule(column: column, statistic: .meanLog)]
    }

    /// "final_eval_train_loss" style strings for `last` and `best` (the form configs have always
    /// had), an object for the means.
    public var json: JSON {
        if let summaryColumn { return .string(summaryColumn) }
        var pairs: [(String, JSON)] = [("column", .string(column)), ("statistic", .string(statistic.rawValue))]
        if let epochs { pairs.append(("epochs", .number(Double(epochs)))) }
        return .object(pairs)
    }

    /// `"final_eval_train_loss"` (a summary column: final_ or best_ and a curve column) or
    /// `{"column": "train_loss", "statistic": "mean_last", "epochs": 10}`.
    package static func parse(_ json: JSON, path: String, epochs horizon: Int) throws -> SelectionRule {
        let statistics = Statistic.allCases.map(\.rawValue).joined(separator: ", ")
        if case .string(let text) = json {
            for (prefix, statistic) in [("final_", Statistic.last), ("best_", .best)] where text.hasPrefix(prefix) {
                let column = String(text.dropFirst(prefix.count))
                if columns.contains(column) { return SelectionRule(column: column, statistic: statistic) }
            }
            let forms = columns.flatMap { ["final_\($0)", "best_\($0)"] }.joined(separator: ", ")
            throw ConfigError(path: path, "must be one of \(forms), or an object {\"column\": C, \"statistic\": S} with S one of \(statistics); got \"\(text)\"")
        }
        guard case .object = json else {
            throw ConfigError(path: path, "must be a summary column such as \"final_eval_train_loss\" or an object {\"column\": C, \"statistic\": S, \"epochs\": K}, got \(json.typeName)")
        }
        var r = try ObjectReader(json, path: path)
        guard let column = try r.string("column") else {
            throw r.missing("column", "is required: one of \(columns.joined(separator: ", "))")
        }
        guard columns.contains(column) else {
            throw ConfigError(path: "\(path).column", "must be one of \(columns.joined(separator: ", ")), got \"\(column)\"")
        }
        guard let name = try r.string("statistic") else {
            throw r.missing("statistic", "is required: one of \(statistics)")
        }
        guard let statistic = Statistic(rawValue: name) else {
            throw ConfigError(path: "\(path).statistic", "must be one of \(statistics), got \"\(name)\"")
        }
        var window: Int? = nil
        if statistic == .meanLast {
            guard r.has("epochs") else { throw r.missing("epochs", "is required with mean_last: the window, in epochs (e.g. 10)") }
            window = try r.int("epochs", min: 1, max: horizon)
        } else if r.has("epochs") {
            throw ConfigError(path: "\(path).epochs", "applies only to the statistic mean_last (the window it averages over); remove it")
        }
        try r.finish(path, allowed: ["column", "statistic", "epochs"])
        return SelectionRule(column: column, statistic: statistic, epochs: window)
    }
}

/// Successive halving (Jamieson & Talwalkar 2016; Hyperband's inner loop): every point of an
/// arm's grid trains to the first rung, the best `keep` fraction by the selection rule (at least
/// one) continues from its checkpoint to the next rung, and so on; the last rung is the horizon,
/// so the survivors' runs are the figure's runs.
public struct Halving: Sendable, Equatable {
    /// Epochs at which points are ranked, strictly increasing; the last is training.epochs.
    public var rungs: [Int]
    /// The fraction of a rung's points that go on to the next.
    public var keep: Double

    public init(rungs: [Int], keep: Double) { (self.rungs, self.keep) = (rungs, keep) }

    /// How many of `n` points go on: ceil(keep x n), at least 1 (a product within 1e-9 of a whole
    /// number counts as that number, so 0.3 x 10 keeps 3, not 4).
    public func kept(of n: Int) -> Int {
        max(1, min(n, Int((keep * Double(n) - 1e-9).rounded(.up))))
    }

    var json: JSON {
        .object([("rungs", .array(rungs.map { .number(Double($0)) })), ("keep", .number(keep))])
    }

    static func parse(_ json: JSON, training: TrainingConfig) throws -> Halving {
        var r = try ObjectReader(json, path: "tune.halving")
        guard let list = r.raw("rungs") else {
            throw r.missing("rungs", "is required: the epochs at which points are ranked, e.g. [5, 15, \(training.epochs)] (the last is training.epochs)")
        }
        guard case .array(let items) = list, !items.isEmpty else {
            throw ConfigError(path: "tune.halving.rungs", "must be a non-empty array of epochs, e.g. [5, 15, \(training.epochs)]")
        }
        var rungs: [Int] = []
        for (i, item) in items.enumerated() {
            let path = "tune.halving.rungs[\(i)]"
            let e = try ObjectReader.int(item, path: path, min: 1, max: training.epochs)
            if let previous = rungs.last, e <= previous {
                throw ConfigError(path: path, "is \(e), not more than the rung before it (\(previous)): rungs must increase strictly")
            }
            if e < training.epochs && e % training.evalEveryEpochs != 0 {
                throw ConfigError(path: path, "is \(e), not an evaluated epoch (training.eval_every_epochs is \(training.evalEveryEpochs)): a rung ranks the curves where they are evaluated; use a multiple of \(training.evalEveryEpochs)")
            }
            rungs.append(e)
        }
        guard rungs.last == training.epochs else {
            throw ConfigError(path: "tune.halving.rungs[\(rungs.count - 1)]", "is \(rungs.last!) but the last rung must be training.epochs (\(training.epochs)): the survivors of the last rung are the figure's runs")
        }
        guard let keep = try r.number("keep") else {
            throw r.missing("keep", "is required: the fraction of each rung's points that go on, e.g. 0.5")
        }
        guard keep > 0 && keep <= 1 else {
            throw ConfigError(path: "tune.halving.keep", "must be in (0, 1], got \(formatConfigNumber(keep))")
        }
        try r.finish("tune.halving", allowed: ["rungs", "keep"])
        return Halving(rungs: rungs, keep: keep)
    }
}

public enum Tuner {
    /// Every grid point of every arm, named like sweep points: adam[lr=0.001].
    public static func points(_ config: ExperimentConfig, _ tune: TuneConfig) -> [ArmConfig] {
        config.arms.flatMap { SweepConfig(arm: $0.name, grid: tune.grid(for: $0.name), readEpochs: []).points(of: $0) }
    }
}

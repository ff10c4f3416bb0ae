// Tuning's report: each arm's best grid point by the declared rule (SPEC section 6).
import Config
import Foundation
import Optim

/// One arm's pick from its grid: the point, its score by the `select` rule, and each searched key
/// whose chosen value is the smallest or largest its grid has: there the optimum may lie beyond
/// the grid, and the rule "every optimum inside its grid" asks for the next value.
public struct TuneChoice: Sendable, Equatable {
    public var arm: String
    /// The grid point's name, e.g. adam[lr=0.0003].
    public var point: String
    /// The `select` column's value, the mean over seeds; nil when every point diverged.
    public var score: Double?
    public var edges: [Edge]

    public struct Edge: Sendable, Equatable {
        public var key: String
        public var value: Double
        /// "smallest" or "largest".
        public var side: String
        /// The grid's values of `key`, in config order.
        public var grid: [Double]
        /// Where the grid is in the config: tune.grid.lr or tune.arm_grids.adam.lr.
        public var path: String
    }

    /// What to do about each edge, for stderr.
    public var warnings: [String] {
        edges.map { e in
            let beyond = e.side == "smallest" ? "a smaller" : "a larger"
            return "tune: \(arm)'s best point \(point) has \(e.key) = \(HyperValue.number(e.value)), the \(e.side) value of its grid "
                + "(\(e.grid.map { HyperValue.number($0).description }.joined(separator: ", "))): the optimum may lie beyond it; "
                + "add \(beyond) value to \(e.path) and run again (finished points are reused)"
        }
    }
}

extension Tuner {
    /// Each arm's best point by the declared rule, and where it sits in its grid. `all` holds
    /// the results of `points` in order, seeds innermost.
    public static func choose(_ config: ExperimentConfig, _ tune: TuneConfig, all: [ArmResult]) -> [(choice: TuneChoice, index: Int)] {
        let seeds = config.training.seeds.count
        let maximise = tune.select.hasSuffix("accuracy")
        let points = Tuner.points(config, tune)
        var chosen: [(choice: TuneChoice, index: Int)] = []
        var first = 0  // the arm's first point
        for arm in config.arms {
            let grid = tune.grid(for: arm.name)
            let perArm = grid.reduce(1) { $0 * $1.values.count }
            var best: (key: Double, mean: Double, index: Int)? = nil
            for p in first..<(first + perArm) {
                let results = (0..<seeds).map { all[p * seeds + $0] }
                // A point that diverged for any seed, or has no value, ranks last.
                let values = results.map { score($0, tune.select) }
                guard results.allSatisfy({ $0.status == .ok }), values.allSatisfy({ $0 != nil && $0!.isFinite }) else { continue }
                let mean = values.map { $0! }.reduce(0, +) / Double(seeds)
                let key = maximise ? -mean : mean
                if best == nil || key < best!.key { best = (key, mean, p) }
            }
            let index = best?.index ?? first  // all diverged: report the first point, diverged
            let ownGrid = tune.armGrids.contains { $0.arm == arm.name }
            var edges: [TuneChoice.Edge] = []
            if best != nil {
                for axis in grid {
                    let numbers = axis.values.compactMap { v -> Double? in if case .number(let x) = v { return x } else { return nil } }
                    guard numbers.count >= 2, numbers.count == axis.values.count,
                          case .number(let x)? = points[index].hyperparameters[axis.key] else { continue }
                    let side = x == numbers.min() ? "smallest" : x == numbers.max() ? "largest" : nil
                    if let side {
                        edges.append(.init(key: axis.key, value: x, side: side, grid: numbers,
                                           path: ownGrid ? "tune.arm_grids.\(arm.name).\(axis.key)" : "tune.grid.\(axis.key)"))
                    }
                }
            }
            chosen.append((TuneChoice(arm: arm.name, point: points[index].name, score: best?.mean, edges: edges), index))
            first += perArm
        }
        return chosen
    }

    /// Each arm's pick, and its best point's results (every seed) renamed to the arm: what
    /// curves.csv and summary.csv show.
    public static func select(_ config: ExperimentConfig, _ tune: TuneConfig, all: [ArmResult]) -> (shown: [ArmResult], choices: [TuneChoice]) {
        let seeds = config.training.seeds.count
        let picks = choose(config, tune, all: all)
        let shown = picks.flatMap { choice, index in
            (0..<seeds).map { s in
                var r = all[index * seeds + s]
                r.arm.name = choice.arm
                return r
            }
        }
        return (shown, picks.map(\.choice))
    }

    /// The value of a summary column ("final_…" or "best_…") for one result, as summary.csv has it.
    static func score(_ r: ArmResult, _ column: String) -> Double? {
        let parts = column.split(separator: "_", maxSplits: 1).map(String.init)
        guard let m = SummaryCSV.measures.first(where: { $0.name == parts[1] }) else { return nil }
        return parts[0] == "final" ? SummaryCSV.final(r, m) : SummaryCSV.bestRow(r, m).flatMap(m.value)
    }
}

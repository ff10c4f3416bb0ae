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
    /// How long the pick has led: the first logged epoch from which, at every logged epoch to the
    /// end, the rule applied to the curves so far picks this point (nil with no score). A pick that
    /// leads only near the end depends on the horizon; SPEC section 6.
    public var bestSince: Double? = nil
    /// The point the rule picks at the logged epoch before `bestSince` (nil when the pick leads
    /// from the first logged epoch).
    public var bestBefore: String? = nil

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

    /// The pick in one line, for stderr: "tune: adam picks adam[lr=0.0001] (0.01063), the pick
    /// from epoch 166 on (adam[lr=0.0003] before)".
    public var summary: String {
        var line = "tune: \(arm) picks \(point) (\(score.map { String(format: "%.6g", $0) } ?? "every point diverged"))"
        if let bestSince {
            line += ", the pick from epoch \(HyperValue.number(bestSince)) on"
            if let bestBefore { line += " (\(bestBefore) before)" }
        }
        return line
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
                guard let mean = mean(tune, all: all, seeds: seeds, point: p) else { continue }
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
            var choice = TuneChoice(arm: arm.name, point: points[index].name, score: best?.mean, edges: edges)
            if best != nil {
                let lead = leadSince(tune, all: all, seeds: seeds, candidates: Array(first..<(first + perArm)), chosen: index)
                choice.bestSince = lead.since
                choice.bestBefore = lead.before.map { points[$0].name }
            }
            chosen.append((choice, index))
            first += perArm
        }
        return chosen
    }

    /// A point's `select` value averaged over its seeds, on the rows up to `epoch` (all rows
    /// when nil); nil when any seed diverged or has no finite value: such a point ranks last.
    static func mean(_ tune: TuneConfig, all: [ArmResult], seeds: Int, point p: Int, through epoch: Double? = nil) -> Double? {
        var sum = 0.0
        for s in 0..<seeds {
            var r = all[p * seeds + s]
            guard r.status == .ok else { return nil }
            if let epoch { r.rows = r.rows.filter { $0.epoch <= epoch } }
            guard let v = score(r, tune.select), v.isFinite else { return nil }
            sum += v
        }
        return sum / Double(seeds)
    }

    /// The first logged epoch from which the rule, applied to every point's curve cut at each
    /// later logged epoch, keeps picking `chosen` among `candidates` (points the rule leaves out
    /// stay out), and the point it picks just before. A tie with the best is no change of lead
    /// (at epoch 0 every point has the same loss).
    static func leadSince(_ tune: TuneConfig, all: [ArmResult], seeds: Int, candidates: [Int], chosen: Int) -> (since: Double?, before: Int?) {
        let sign = tune.select.hasSuffix("accuracy") ? -1.0 : 1.0
        let eligible = candidates.filter { mean(tune, all: all, seeds: seeds, point: $0) != nil }
        guard let measure = measure(tune.select) else { return (nil, nil) }
        let epochs = all[chosen * seeds].rows.filter { measure.value($0) != nil }.map(\.epoch)
        var since: Double? = nil
        for epoch in epochs.reversed() {
            let keys = eligible.compactMap { p in mean(tune, all: all, seeds: seeds, point: p, through: epoch).map { (key: sign * $0, point: p) } }
            guard let best = keys.min(by: { $0.key < $1.key }) else { return (since, nil) }
            if keys.first(where: { $0.point == chosen })?.key != best.key { return (since, best.point) }
            since = epoch
        }
        return (since, nil)
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
        guard let m = measure(column) else { return nil }
        return column.hasPrefix("final_") ? SummaryCSV.final(r, m) : SummaryCSV.bestRow(r, m).flatMap(m.value)
    }

    /// The measure a summary column ("final_…" or "best_…") reads.
    static func measure(_ column: String) -> SummaryCSV.Measure? {
        let parts = column.split(separator: "_", maxSplits: 1).map(String.init)
        return parts.count == 2 ? SummaryCSV.measures.first { $0.name == parts[1] } : nil
    }
}

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
    /// The pick of each of the declared rule's alternatives (the last value, the mean of the last
    /// epochs, the mean log over all epochs, of the same column) among the same points: whether
    /// the choice depends on the rule.
    public var byRule: [RulePick] = []

    public struct RulePick: Sendable, Equatable {
        public var rule: SelectionRule
        /// The point the rule picks; nil when every point diverged.
        public var point: String?
        public var score: Double?
    }

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
    /// the results of `points` in order, seeds innermost. With successive halving, each arm picks
    /// among the points that reached its last rung.
    public static func choose(_ config: ExperimentConfig, _ tune: TuneConfig, all: [ArmResult],
                              halving: HalvingRecord? = nil) -> [(choice: TuneChoice, index: Int)] {
        let seeds = config.training.seeds.count
        let points = Tuner.points(config, tune)
        let result = { (i: Int) in all[i] }
        var chosen: [(choice: TuneChoice, index: Int)] = []
        var first = 0  // the arm's first point
        for (a, arm) in config.arms.enumerated() {
            let grid = tune.grid(for: arm.name)
            let perArm = grid.reduce(1) { $0 * $1.values.count }
            let candidates = halving?.arms[a].finalists ?? Array(first..<(first + perArm))
            let best = rank(candidates, tune.select, seeds: seeds, result: result).first { $0.score != nil }
            let index = best?.point ?? candidates[0]  // all diverged: report the first point, diverged
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
            var choice = TuneChoice(arm: arm.name, point: points[index].name, score: best?.score, edges: edges)
            if best != nil {
                let lead = leadSince(tune.select, all: all, seeds: seeds, candidates: candidates, chosen: index)
                choice.bestSince = lead.since
                choice.bestBefore = lead.before.map { points[$0].name }
            }
            choice.byRule = tune.select.alternatives.map { rule in
                let top = rank(candidates, rule, seeds: seeds, result: result).first { $0.score != nil }
                return TuneChoice.RulePick(rule: rule, point: top.map { points[$0.point].name }, score: top?.score)
            }
            chosen.append((choice, index))
            first += perArm
        }
        return chosen
    }

    /// `points` (indices into `points(config, tune)`) best first by `rule` applied to the rows up
    /// to `epoch` (all rows when nil), each with its score, the mean over its seeds. Points
    /// without a score (a seed diverged, or a value in the window is not finite) come last; ties
    /// and those keep grid order, so the ranking is the same on every run.
    static func rank(_ points: [Int], _ rule: SelectionRule, seeds: Int, through epoch: Double? = nil,
                     result: (Int) -> ArmResult) -> [(point: Int, score: Double?)] {
        let scored = points.map { p in (point: p, score: mean(rule, seeds: seeds, point: p, through: epoch, result: result)) }
        let sign = rule.maximises ? -1.0 : 1.0
        return scored.sorted { a, b in
            switch (a.score, b.score) {
            case (let x?, let y?): return sign * x != sign * y ? sign * x < sign * y : a.point < b.point
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.point < b.point
            }
        }
    }

    /// A point's score averaged over its seeds, on the rows up to `epoch` (all rows when nil);
    /// nil when any seed has none: such a point ranks last.
    static func mean(_ rule: SelectionRule, seeds: Int, point p: Int, through epoch: Double? = nil,
                     result: (Int) -> ArmResult) -> Double? {
        var sum = 0.0
        for s in 0..<seeds {
            guard let v = score(result(p * seeds + s), rule, through: epoch) else { return nil }
            sum += v
        }
        return sum / Double(seeds)
    }

    /// One result's score by `rule` on its rows up to `epoch` (all rows when nil): nil when it
    /// diverged by then, has no value of the column, or has a value in the window that is not
    /// finite (for mean_log of a loss, or negative). The window of `mean_last k` is the logged
    /// epochs in (E − k, E], E the last logged one; that of `mean_log` every logged epoch after 0
    /// (epoch 0 is the same for every point of a seed). A loss of 0 counts as the smallest positive
    /// Float in mean_log, so a curve that reaches 0 ranks first rather than not at all.
    public static func score(_ result: ArmResult, _ rule: SelectionRule, through epoch: Double? = nil) -> Double? {
        let r = epoch.map { result.through($0) } ?? result
        guard r.status == .ok, let m = measure(rule.column) else { return nil }
        switch rule.statistic {
        case .last:
            guard let v = SummaryCSV.final(r, m), v.isFinite else { return nil }
            return v
        case .best:
            guard let v = SummaryCSV.bestRow(r, m).flatMap(m.value), v.isFinite else { return nil }
            return v
        case .meanLast, .meanLog:
            let logged = r.rows.compactMap { row in m.value(row).map { (epoch: row.epoch, value: $0) } }.filter { $0.epoch > 0 }
            guard let end = logged.last?.epoch else { return nil }
            let k = Double(rule.epochs ?? SelectionRule.defaultWindow)
            let window = rule.statistic == .meanLast ? logged.filter { $0.epoch > end - k } : logged
            var sum = 0.0
            for (_, v) in window {
                guard v.isFinite else { return nil }
                if rule.statistic == .meanLog && !rule.maximises {
                    guard v >= 0 else { return nil }
                    sum += log(max(v, Double(Float.leastNonzeroMagnitude)))
                } else {
                    sum += v
                }
            }
            return sum / Double(window.count)
        }
    }

    /// The first logged epoch from which the rule, applied to every point's curve cut at each
    /// later logged epoch, keeps picking `chosen` among `candidates` (points the rule leaves out
    /// stay out), and the point it picks just before. A tie with the best is no change of lead
    /// (at epoch 0 every point has the same loss).
    static func leadSince(_ rule: SelectionRule, all: [ArmResult], seeds: Int, candidates: [Int], chosen: Int) -> (since: Double?, before: Int?) {
        let sign = rule.maximises ? -1.0 : 1.0
        let result = { (i: Int) in all[i] }
        let eligible = candidates.filter { mean(rule, seeds: seeds, point: $0, result: result) != nil }
        guard let measure = measure(rule.column) else { return (nil, nil) }
        let epochs = all[chosen * seeds].rows.filter { measure.value($0) != nil }.map(\.epoch)
        var since: Double? = nil
        for epoch in epochs.reversed() {
            let keys = eligible.compactMap { p in mean(rule, seeds: seeds, point: p, through: epoch, result: result).map { (key: sign * $0, point: p) } }
            guard let best = keys.min(by: { $0.key < $1.key }) else { return (since, nil) }
            if keys.first(where: { $0.point == chosen })?.key != best.key { return (since, best.point) }
            since = epoch
        }
        return (since, nil)
    }

    /// Each arm's pick, and its best point's results (every seed) renamed to the arm: what
    /// curves.csv and summary.csv show.
    public static func select(_ config: ExperimentConfig, _ tune: TuneConfig, all: [ArmResult],
                              halving: HalvingRecord? = nil) -> (shown: [ArmResult], choices: [TuneChoice]) {
        let seeds = config.training.seeds.count
        let picks = choose(config, tune, all: all, halving: halving)
        let shown = picks.flatMap { choice, index in
            (0..<seeds).map { s in
                var r = all[index * seeds + s]
                r.arm.name = choice.arm
                return r
            }
        }
        return (shown, picks.map(\.choice))
    }

    /// The measure of a curve column (train_loss, eval_train_loss, test_loss, test_accuracy).
    static func measure(_ column: String) -> SummaryCSV.Measure? {
        SummaryCSV.measures.first { $0.name == column }
    }
}

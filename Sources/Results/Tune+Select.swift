// Tuning's report: each arm's best grid point by the declared rule (SPEC section 6).
import Config
import Foundation

extension Tuner {
    /// Picks each arm's best point. `all` holds the results of `points` in order, seeds innermost.
    /// Returns the best points' results renamed to their arms, and the grid's summary rows.
    public static func select(_ config: ExperimentConfig, _ tune: TuneConfig, all: [ArmResult]) -> [ArmResult] {
        let seeds = config.training.seeds.count
        let maximise = tune.select.hasSuffix("accuracy")
        var chosen: [ArmResult] = []
        var first = 0  // the arm's first point
        for arm in config.arms {
            let perArm = tune.grid(for: arm.name).reduce(1) { $0 * $1.values.count }
            var best: (score: Double, index: Int)? = nil
            for p in first..<(first + perArm) {
                let results = (0..<seeds).map { all[p * seeds + $0] }
                // A point that diverged for any seed, or has no value, ranks last.
                let values = results.map { score($0, tune.select) }
                guard results.allSatisfy({ $0.status == .ok }), values.allSatisfy({ $0 != nil && $0!.isFinite }) else { continue }
                let mean = values.map { $0! }.reduce(0, +) / Double(seeds)
                let key = maximise ? -mean : mean
                if best == nil || key < best!.score { best = (key, p) }
            }
            let index = best?.index ?? first  // all diverged: report the first point, diverged
            for s in 0..<seeds {
                var r = all[index * seeds + s]
                r.arm.name = arm.name
                chosen.append(r)
            }
            first += perArm
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

// The CSV files of a run. Numbers print in the shortest form that reads back to the same Float,
// missing values as empty cells, so files diff cleanly across runs and machines.
import Config
import Optim

public enum CurvesCSV {
    public static let header = "arm,seed,epoch,iteration,train_loss,eval_train_loss,test_loss,test_accuracy"

    public static func render(_ results: [ArmResult]) -> String {
        var out = header + "\n"
        for r in results {
            for row in r.rows {
                out += [field(r.arm.name), String(r.seed), cell(row.epoch), String(row.iteration), cell(row.trainLoss),
                        cell(row.evalTrainLoss), cell(row.testLoss), cell(row.testAccuracy)].joined(separator: ",") + "\n"
            }
        }
        return out
    }
}

func cell(_ x: Double?) -> String { x.map { formatNumber(Float($0)) } ?? "" }

extension CurveRow {
    /// The row as curves.csv prints it and a point file reads it back: a curve taken from a
    /// checkpoint (which keeps full doubles) then ranks exactly as the same curve from a point file.
    public var asPrinted: CurveRow {
        func printed(_ x: Double?) -> Double? { x.map { Double(cell($0)) ?? .nan } }
        return CurveRow(epoch: printed(epoch)!, iteration: iteration, trainLoss: printed(trainLoss), evalTrainLoss: printed(evalTrainLoss),
                        testLoss: printed(testLoss), testAccuracy: printed(testAccuracy))
    }
}

/// A text field, quoted (RFC 4180) when it holds a comma, a quote or a line break: sweep arms
/// are named like adam[beta1=0,lr=1e-05].
func field(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

public enum SummaryCSV {
    typealias Measure = (name: String, value: @Sendable (CurveRow) -> Double?, higherIsBetter: Bool)
    static let measures: [Measure] = [
        ("train_loss", { $0.trainLoss }, false),
        ("eval_train_loss", { $0.evalTrainLoss }, false),
        ("test_loss", { $0.testLoss }, false),
        ("test_accuracy", { $0.testAccuracy }, true),
    ]

    /// The last value of a measure in an arm's curve.
    static func final(_ r: ArmResult, _ m: Measure) -> Double? {
        r.rows.last { m.value($0) != nil }.flatMap(m.value)
    }

    /// The row with the best value of a measure (lowest loss, highest accuracy; NaN ignored,
    /// the first on ties).
    static func bestRow(_ r: ArmResult, _ m: Measure) -> CurveRow? {
        var best: CurveRow? = nil
        for candidate in r.rows {
            guard let v = m.value(candidate), !v.isNaN else { continue }
            if let b = best.flatMap(m.value) {
                if m.higherIsBetter ? v > b : v < b { best = candidate }
            } else {
                best = candidate
            }
        }
        return best
    }

    /// The hyperparameter columns: every key any arm has, in first-seen order.
    static func hyperparameterColumns(_ results: [ArmResult]) -> [String] {
        var keys: [String] = []
        for r in results { for (k, _) in r.arm.hyperparameters.values where !keys.contains(k) { keys.append(k) } }
        return keys
    }

    /// The statistics over seeds that follow an arm's rows when it ran more than one seed, each a
    /// row with the statistic's name in the seed column (README, "Results").
    public static let aggregates = ["mean", "sd", "min", "max"]

    /// The table without its rows of seed aggregates: the rows whose seed is a number.
    public static func seedRows(_ table: CSVTable) -> CSVTable {
        guard let s = table.header.firstIndex(of: "seed") else { return table }
        return CSVTable(header: table.header, rows: table.rows.filter { UInt64($0[s]) != nil })
    }

    /// With `readEpochs`, eval_train_loss and test_loss at those epochs get columns too
    /// (empty when the arm stopped before); `extra` columns (a name and a cell per result) go last.
    /// With `aggregates`, an arm that ran several seeds gets, after its seeds' rows, a row per
    /// statistic (mean, sd, min, max) over its seeds of every number column; a run of one seed
    /// per arm prints exactly as without them.
    public static func render(_ results: [ArmResult], readEpochs: [Int] = [], extra: [(name: String, cells: [String])] = [],
                              aggregates: Bool = false) -> String {
        let hyper = hyperparameterColumns(results)
        var header = ["arm", "seed", "status", "diverged_at_iteration", "iterations", "final_epoch"]
        for m in measures { header.append("final_\(m.name)") }
        for m in measures { header += ["best_\(m.name)", "best_\(m.name)_epoch"] }
        for e in readEpochs { header += ["eval_train_loss_epoch_\(e)", "test_loss_epoch_\(e)"] }
        header += ["optimizer", "schedule", "averaging"] + hyper + extra.map(\.name)
        var out = header.joined(separator: ",") + "\n"
        var rows: [[String]] = []
        for (i, r) in results.enumerated() {
            var row = [field(r.arm.name), String(r.seed)]
            switch r.status {
            case .ok: row += ["ok", ""]
            case .diverged(let t): row += ["diverged", String(t)]
            }
            let last = r.rows.last
            row += [String(last?.iteration ?? 0), cell(last?.epoch)]
            for m in measures { row.append(cell(final(r, m))) }
            for m in measures {
                let best = bestRow(r, m)
                row += [cell(best.flatMap(m.value)), cell(best?.epoch)]
            }
            for e in readEpochs {
                let at = r.rows.first { $0.evalTrainLoss != nil && abs($0.epoch - Double(e)) < 1e-9 }
                row += [cell(at?.evalTrainLoss), cell(at?.testLoss)]
            }
            row += [r.arm.optimizer, r.arm.schedule.name, r.arm.averaging?.name ?? "none"]
            row += hyper.map { r.arm.hyperparameters[$0]?.description ?? "" }
            row += extra.map { $0.cells[i] }
            out += row.joined(separator: ",") + "\n"
            rows.append(row)
            if aggregates, i + 1 == results.count || results[i + 1].arm.name != r.arm.name {
                // The arm's seeds are consecutive (results are in arm, then seed order).
                let group = rows
                if group.count > 1 {
                    let diverged = results[(i + 1 - group.count)...i].filter { $0.status != .ok }.count
                    for line in aggregateRows(group, header: header, diverged: diverged) { out += line.joined(separator: ",") + "\n" }
                }
                rows = []
            }
        }
        return out
    }

    /// The rows of statistics over an arm's seed rows (each as printed): a column of numbers
    /// gets its mean, sample standard deviation (n - 1), min and max over the seeds, computed from
    /// the printed values so that anyone can redo them from the file; a column where a seed has
    /// no value stays empty, and NaN in any seed makes every statistic NaN. status says "ok" or
    /// "diverged in k of n"; text columns (optimizer, schedule, hyperparameters) are the arm's.
    static func aggregateRows(_ group: [[String]], header: [String], diverged: Int) -> [[String]] {
        let numeric: Set<String> = Set(header.filter { name in
            name == "iterations" || name == "final_epoch" || name.hasPrefix("final_") || name.hasPrefix("best_") || name.contains("_epoch_")
        })
        return aggregates.map { statistic in
            header.indices.map { c -> String in
                let name = header[c]
                if name == "seed" { return statistic }
                if name == "status" { return diverged == 0 ? "ok" : "diverged in \(diverged) of \(group.count)" }
                if name == "diverged_at_iteration" { return "" }
                guard numeric.contains(name) else { return group[0][c] }
                let values = group.compactMap { Double($0[c]) }
                guard values.count == group.count else { return "" }
                return cell(seedStatistic(statistic, values))
            }
        }
    }

    /// mean, sd (sample, n - 1), min or max of `values`; NaN when any value is NaN.
    static func seedStatistic(_ statistic: String, _ values: [Double]) -> Double {
        if values.contains(where: \.isNaN) { return .nan }
        let mean = values.reduce(0, +) / Double(values.count)
        switch statistic {
        case "mean": return mean
        case "sd": return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        case "min": return values.min()!
        default: return values.max()!
        }
    }
}

public enum TimingsCSV {
    public static let header = "arm,seed,epoch,wall_seconds,train_seconds,eval_seconds,checkpoint_seconds,examples_per_second"

    public static func render(_ results: [ArmResult]) -> String {
        var out = header + "\n"
        for r in results {
            for t in r.timings {
                let rate = t.trainSeconds > 0 ? Double(t.examples) / t.trainSeconds : 0
                out += "\(field(r.arm.name)),\(r.seed),\(t.epoch),\(fixed(t.wallSeconds, 4)),\(fixed(t.trainSeconds, 4)),\(fixed(t.evalSeconds, 4)),\(fixed(t.checkpointSeconds, 6)),\(fixed(rate, 1))\n"
            }
        }
        return out
    }
}

/// x with `digits` decimals (timing figures only; never results).
func fixed(_ x: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let r = (x * scale).rounded() / scale
    var s = String(r)
    if let dot = s.firstIndex(of: "."), s.distance(from: dot, to: s.endIndex) - 1 < digits {
        s += String(repeating: "0", count: digits - (s.distance(from: dot, to: s.endIndex) - 1))
    }
    return s
}

// Checking a config's claims (Config/Claims.swift) on a results folder's curves.csv and
// summary.csv: PASS or FAIL with the numbers behind it, or NO DATA when the results do not reach
// the epoch a claim reads (a run still in progress).
import Config
import Foundation

public struct ClaimOutcome: Sendable, Equatable {
    public enum Verdict: String, Sendable { case pass = "PASS", fail = "FAIL", noData = "NO DATA" }
    public let verdict: Verdict
    /// The numbers behind the verdict, e.g. "adam 0.00183 is 4th of 5; lowest sgd-nesterov 0.00029".
    public let evidence: String
}

public struct ClaimChecker {
    let curves: CSVTable
    let summary: CSVTable?
    /// timings.csv, for claims on the wall-time axis.
    var timings: CSVTable? = nil
    let arms: [String]
    let defaultColumn: String
    /// A sweep's grid (each key's values as summary.csv prints them), so that a claim on a run
    /// still in progress waits for every point it selects instead of judging the first few.
    var grid: [(key: String, values: [String])] = []

    /// `arms`: every arm of the run in order; `defaultColumn`: the plot's column; `grid`: a
    /// sweep's grid (empty: every point is taken to be in summary.csv).
    public init(curves: CSVTable, summary: CSVTable?, timings: CSVTable? = nil, arms: [String], defaultColumn: String,
                grid: [(key: String, values: [String])] = []) {
        self.curves = curves
        self.summary = summary
        self.timings = timings
        self.arms = arms
        self.defaultColumn = defaultColumn
        self.grid = grid
    }

    public func check(_ claim: Claim) -> ClaimOutcome {
        switch claim.kind {
        case .lowest, .highest: return extreme(claim)
        case .order: return order(claim)
        case .range: return range(claim)
        case .reachesFirst: return reachesFirst(claim)
        case .neverDiverges: return neverDiverges(claim)
        case .bestPoint: return bestPoint(claim)
        case .breaksDown: return breaksDown(claim)
        }
    }

    // MARK: - Curves

    /// The mean over seeds of `column` for `arm` at `epoch`; nil when no row has it.
    func value(_ arm: String, epoch: Int, column: String) -> Double? {
        guard let a = curves.header.firstIndex(of: "arm"), let e = curves.header.firstIndex(of: "epoch"),
              let c = curves.header.firstIndex(of: column) else { return nil }
        var sum = 0.0, count = 0
        for row in curves.rows where row[a] == arm && Double(row[e]) == Double(epoch) {
            guard let v = Double(row[c]) else { continue }
            sum += v
            count += 1
        }
        return count > 0 ? sum / Double(count) : nil
    }

    /// (epoch, value) of `arm` in epoch order, seeds averaged per epoch.
    func curve(_ arm: String, column: String) -> [(epoch: Double, value: Double)] {
        guard let a = curves.header.firstIndex(of: "arm"), let e = curves.header.firstIndex(of: "epoch"),
              let c = curves.header.firstIndex(of: column) else { return [] }
        var sums: [Double: (Double, Int)] = [:]
        for row in curves.rows where row[a] == arm {
            guard let x = Double(row[e]), let v = Double(row[c]) else { continue }
            let s = sums[x] ?? (0, 0)
            sums[x] = (s.0 + v, s.1 + 1)
        }
        return sums.keys.sorted().map { ($0, sums[$0]!.0 / Double(sums[$0]!.1)) }
    }

    func extreme(_ claim: Claim) -> ClaimOutcome {
        let column = claim.column ?? defaultColumn, epoch = claim.epoch!, arm = claim.series[0]
        let pool = claim.among.isEmpty ? arms : Array(Set(claim.among + [arm])).sorted { arms.firstIndex(of: $0) ?? 0 < arms.firstIndex(of: $1) ?? 0 }
        let values = pool.compactMap { a in value(a, epoch: epoch, column: column).map { (a, $0) } }
        guard let mine = values.first(where: { $0.0 == arm })?.1 else {
            return ClaimOutcome(verdict: .noData, evidence: "no \(column) for \(arm) at epoch \(epoch)")
        }
        let low = claim.kind == .lowest
        // Rank: 1 + how many arms are strictly better; ties share the better rank.
        let ranked = values.sorted { low ? $0.1 < $1.1 : $0.1 > $1.1 }
        let rank = 1 + values.filter { low ? $0.1 < mine : $0.1 > mine }.count
        let word = low ? "lowest" : "highest"
        let missing = pool.count - values.count
        let note = missing > 0 ? " (\(missing) arm(s) without a value at epoch \(epoch))" : ""
        if rank == 1 {
            let next = ranked.first { $0.0 != arm }
            return ClaimOutcome(verdict: .pass, evidence: "\(arm) \(fmt(mine)) is \(word) of \(values.count)" +
                                (next.map { "; next \($0.0) \(fmt($0.1))" } ?? "") + note)
        }
        let best = ranked[0]
        return ClaimOutcome(verdict: .fail, evidence: "\(arm) \(fmt(mine)) is \(ordinal(rank)) of \(values.count); \(word) \(best.0) \(fmt(best.1))" + note)
    }

    func order(_ claim: Claim) -> ClaimOutcome {
        let column = claim.column ?? defaultColumn, epoch = claim.epoch!
        var pairs: [(String, Double)] = []
        for a in claim.series {
            guard let v = value(a, epoch: epoch, column: column) else {
                return ClaimOutcome(verdict: .noData, evidence: "no \(column) for \(a) at epoch \(epoch)")
            }
            pairs.append((a, v))
        }
        let text = pairs.map { "\($0.0) \(fmt($0.1))" }.joined(separator: ", ")
        let ordered = zip(pairs, pairs.dropFirst()).allSatisfy { $0.1 <= $1.1 }
        if ordered { return ClaimOutcome(verdict: .pass, evidence: "at epoch \(epoch): \(text)") }
        let actual = pairs.sorted { $0.1 < $1.1 }.map(\.0).joined(separator: " < ")
        return ClaimOutcome(verdict: .fail, evidence: "at epoch \(epoch): \(text); the order is \(actual)")
    }

    func range(_ claim: Claim) -> ClaimOutcome {
        let column = claim.column ?? defaultColumn, epoch = claim.epoch!, arm = claim.series[0]
        guard let v = value(arm, epoch: epoch, column: column) else {
            return ClaimOutcome(verdict: .noData, evidence: "no \(column) for \(arm) at epoch \(epoch)")
        }
        let inside = (claim.min.map { v >= $0 } ?? true) && (claim.max.map { v <= $0 } ?? true)
        let bounds = "[\(claim.min.map(fmt) ?? "-inf"), \(claim.max.map(fmt) ?? "inf")]"
        return ClaimOutcome(verdict: inside ? .pass : .fail,
                            evidence: "\(arm) \(fmt(v)) at epoch \(epoch) is \(inside ? "inside" : "outside") \(bounds)")
    }

    func reachesFirst(_ claim: Claim) -> ClaimOutcome {
        let column = claim.column ?? defaultColumn, target = claim.target!
        let a = claim.series[0], b = claim.series[1]
        var ca = curve(a, column: column), cb = curve(b, column: column)
        guard !ca.isEmpty, !cb.isEmpty else {
            return ClaimOutcome(verdict: .noData, evidence: "no \(column) curve for \(ca.isEmpty ? a : b)")
        }
        let wall = claim.x == "wall_seconds"
        if wall {
            guard let ta = wallClock(a), let tb = wallClock(b) else {
                return ClaimOutcome(verdict: .noData, evidence: "no timings.csv with wall_seconds for \(a) and \(b)")
            }
            // Each epoch's point at the arm's measured time to the end of that epoch.
            ca = ca.compactMap { p in ta(p.epoch).map { ($0, p.value) } }
            cb = cb.compactMap { p in tb(p.epoch).map { ($0, p.value) } }
        }
        let ea = ca.first { $0.value <= target }?.epoch, eb = cb.first { $0.value <= target }?.epoch
        func when(_ arm: String, _ e: Double?, _ c: [(epoch: Double, value: Double)]) -> String {
            e.map { wall ? "\(arm) after \(fmt($0.rounded())) s" : "\(arm) at epoch \(fmt($0))" }
                ?? "\(arm) never (lowest \(fmt(c.map(\.value).min() ?? .nan)))"
        }
        let text = "\(column) <= \(fmt(target)): \(when(a, ea, ca)), \(when(b, eb, cb))"
        switch (ea, eb) {
        case (let x?, let y?): return ClaimOutcome(verdict: x <= y ? .pass : .fail, evidence: text)
        case (.some, nil): return ClaimOutcome(verdict: .pass, evidence: text)
        default: return ClaimOutcome(verdict: .fail, evidence: text)
        }
    }

    func neverDiverges(_ claim: Claim) -> ClaimOutcome {
        let pool = claim.series.isEmpty ? arms : claim.series
        var diverged: [String] = [], missing: [String] = []
        if let summary, let a = summary.header.firstIndex(of: "arm"), let s = summary.header.firstIndex(of: "status") {
            for arm in pool {
                let rows = summary.rows.filter { $0[a] == arm }
                if rows.isEmpty { missing.append(arm) }
                if rows.contains(where: { $0[s] == "diverged" }) { diverged.append(arm) }
            }
        } else {
            missing = pool
        }
        if !diverged.isEmpty {
            return ClaimOutcome(verdict: .fail, evidence: "diverged: \(diverged.joined(separator: ", "))")
        }
        if !missing.isEmpty { return ClaimOutcome(verdict: .noData, evidence: "no summary for \(missing.joined(separator: ", "))") }
        return ClaimOutcome(verdict: .pass, evidence: "\(pool.count) of \(pool.count) arm(s) finished without a non-finite loss")
    }

    /// Epoch → the arm's wall seconds to the end of that epoch (timings.csv: per-epoch
    /// wall_seconds summed, seeds averaged; epoch 0 is 0 s).
    func wallClock(_ arm: String) -> ((Double) -> Double?)? {
        guard let timings, let a = timings.header.firstIndex(of: "arm"), let e = timings.header.firstIndex(of: "epoch"),
              let w = timings.header.firstIndex(of: "wall_seconds") else { return nil }
        var perEpoch: [Double: (Double, Int)] = [:]
        for row in timings.rows where row[a] == arm {
            guard let epoch = Double(row[e]), let seconds = Double(row[w]) else { continue }
            let s = perEpoch[epoch] ?? (0, 0)
            perEpoch[epoch] = (s.0 + seconds, s.1 + 1)
        }
        guard !perEpoch.isEmpty else { return nil }
        var cumulative: [Double: Double] = [0: 0], total = 0.0
        for epoch in perEpoch.keys.sorted() {
            total += perEpoch[epoch]!.0 / Double(perEpoch[epoch]!.1)
            cumulative[epoch] = total
        }
        return { cumulative[$0] }
    }

    // MARK: - Sweeps (summary.csv)

    /// Summary rows whose hyperparameter columns match `selection` and that reached `epoch`, with
    /// their loss there (nil for a diverged point), and the row's arm name. A point still running
    /// (an empty cell, status ok) has not reached it and is left out.
    func points(_ selection: [(key: String, value: String)], epoch: Int, column: String) -> [(arm: String, row: [String], loss: Double?)]? {
        guard let summary, let a = summary.header.firstIndex(of: "arm"),
              let c = summary.header.firstIndex(of: "\(column)_epoch_\(epoch)") else { return nil }
        let status = summary.header.firstIndex(of: "status")
        var result: [(arm: String, row: [String], loss: Double?)] = []
        for row in summary.rows {
            let matches = selection.allSatisfy { key, value in
                guard let i = summary.header.firstIndex(of: key) else { return false }
                return same(row[i], value)
            }
            guard matches else { continue }
            let diverged = status.map { row[$0] == "diverged" } ?? false
            guard diverged || !row[c].isEmpty else { continue }
            let loss = Double(row[c]).flatMap { $0.isFinite ? $0 : nil }
            result.append((row[a], row, diverged ? nil : loss))
        }
        return result
    }

    /// A hyperparameter value as summary.csv prints it against one as a claim writes it.
    func same(_ a: String, _ b: String) -> Bool {
        if let x = Double(a), let y = Double(b) { return x == y }
        return a == b
    }

    /// How many of the grid's points `selection` picks (nil without a grid).
    func expectedCount(_ selection: [(key: String, value: String)]) -> Int? {
        guard !grid.isEmpty else { return nil }
        return grid.reduce(1) { n, axis in
            guard let chosen = selection.first(where: { $0.key == axis.key }) else { return n * axis.values.count }
            return axis.values.contains { same($0, chosen.value) } ? n : 0
        }
    }

    /// NO DATA when fewer of the selected points reached `epoch` than the grid has (a run in progress).
    func waiting(_ found: Int, _ selection: [(key: String, value: String)], epoch: Int) -> ClaimOutcome? {
        guard let expected = expectedCount(selection), found < expected else { return nil }
        return ClaimOutcome(verdict: .noData, evidence: "\(found) of \(expected) points with \(describe(selection)) have reached epoch \(epoch)")
    }

    func describe(_ selection: [(key: String, value: String)]) -> String {
        selection.isEmpty ? "all points" : selection.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }

    func bestPoint(_ claim: Claim) -> ClaimOutcome {
        let column = claim.column ?? "eval_train_loss", epoch = claim.epoch!, key = claim.hyperparameter!
        guard let pts = points(claim.selection, epoch: epoch, column: column), let summary,
              let k = summary.header.firstIndex(of: key) else {
            return ClaimOutcome(verdict: .noData, evidence: "summary.csv has no \(column)_epoch_\(epoch) or \(key) column")
        }
        if let wait = waiting(pts.count, claim.selection, epoch: epoch) { return wait }
        let finite = pts.compactMap { p in p.loss.map { (p.row[k], $0) } }
        guard let best = finite.min(by: { $0.1 < $1.1 }) else {
            return ClaimOutcome(verdict: .noData, evidence: "no finished point with \(describe(claim.selection))")
        }
        let value = Double(best.0) ?? .nan
        let inside = (claim.min.map { value >= $0 } ?? true) && (claim.max.map { value <= $0 } ?? true)
        let bounds = "[\(claim.min.map(fmt) ?? "-inf"), \(claim.max.map(fmt) ?? "inf")]"
        return ClaimOutcome(verdict: inside ? .pass : .fail,
                            evidence: "best of \(finite.count) points (\(describe(claim.selection))) at epoch \(epoch): \(key)=\(best.0), \(column) \(fmt(best.1)); \(inside ? "inside" : "outside") \(bounds)")
    }

    func breaksDown(_ claim: Claim) -> ClaimOutcome {
        let column = claim.column ?? "eval_train_loss", epoch = claim.epoch!
        guard let bad = points(claim.selection, epoch: epoch, column: column),
              let good = points(claim.holds, epoch: epoch, column: column) else {
            return ClaimOutcome(verdict: .noData, evidence: "summary.csv has no \(column)_epoch_\(epoch) column")
        }
        if let wait = waiting(bad.count, claim.selection, epoch: epoch) ?? waiting(good.count, claim.holds, epoch: epoch) { return wait }
        for (pts, selection) in [(bad, claim.selection), (good, claim.holds)] where pts.isEmpty {
            return ClaimOutcome(verdict: .noData, evidence: "no point with \(describe(selection)) has reached epoch \(epoch)")
        }
        guard let goodBest = good.compactMap(\.loss).min() else {
            return ClaimOutcome(verdict: .fail, evidence: "every point with \(describe(claim.holds)) diverged too")
        }
        let diverged = bad.filter { $0.loss == nil }.count
        guard let badBest = bad.compactMap(\.loss).min() else {
            return ClaimOutcome(verdict: .pass, evidence: "all \(bad.count) points with \(describe(claim.selection)) diverged; best with \(describe(claim.holds)) \(fmt(goodBest))")
        }
        let ratio = badBest / goodBest
        let text = "best with \(describe(claim.selection)) \(fmt(badBest))" + (diverged > 0 ? " (\(diverged) of \(bad.count) diverged)" : "") +
            ", with \(describe(claim.holds)) \(fmt(goodBest)): ratio \(String(format: "%.3f", ratio)) (needs > \(fmt(claim.factor)))"
        return ClaimOutcome(verdict: ratio > claim.factor ? .pass : .fail, evidence: text)
    }
}

/// Four significant digits, as the report's tables show numbers.
func fmt(_ x: Double) -> String {
    if x == x.rounded() && abs(x) < 1e6 { return String(Int(x)) }
    let text = String(format: "%.4g", x)
    return text
}

func ordinal(_ n: Int) -> String {
    let suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th" : ["th", "st", "nd", "rd", "th", "th", "th", "th", "th", "th"][n % 10]
    return "\(n)\(suffix)"
}

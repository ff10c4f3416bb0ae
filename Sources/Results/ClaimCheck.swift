// Checking a config's claims (Config/Claims.swift) on a results folder's curves.csv and
// summary.csv: PASS or FAIL with the numbers behind it, or NO DATA when the results do not reach
// the epoch a claim reads (a run still in progress). With several seeds a claim is decided on the
// seed mean (curves averaged per epoch, a sweep point's losses over its seeds) and also checked on
// each seed alone, so the verdict says in how many seeds it holds.
import Config
import Foundation

public struct ClaimOutcome: Sendable, Equatable {
    public enum Verdict: String, Sendable { case pass = "PASS", fail = "FAIL", noData = "NO DATA" }
    public let verdict: Verdict
    /// The numbers behind the verdict, e.g. "adam 0.00183 is 4th of 5; lowest sgd-nesterov 0.00029".
    public let evidence: String
    /// With several seeds: in how many the claim holds on that seed's results alone.
    public var seeds: SeedCount? = nil

    public init(verdict: Verdict, evidence: String, seeds: SeedCount? = nil) {
        (self.verdict, self.evidence, self.seeds) = (verdict, evidence, seeds)
    }
}

/// A claim checked seed by seed: it holds in `holds` of `total` seeds; `noData` of them could
/// not be judged (their run has not reached the claim's epoch); `failing` names the others.
public struct SeedCount: Sendable, Equatable {
    public var holds: Int
    public var total: Int
    public var noData: Int
    public var failing: [String]

    /// "holds in 2 of 3 seeds (fails in seed 2)".
    public var text: String {
        var t = "holds in \(holds) of \(total) seeds"
        var notes: [String] = []
        if !failing.isEmpty { notes.append("fails in seed\(failing.count > 1 ? "s" : "") \(failing.joined(separator: ", "))") }
        if noData > 0 { notes.append("\(noData) without data") }
        if !notes.isEmpty { t += " (" + notes.joined(separator: "; ") + ")" }
        return t
    }

    /// Whether the seeds that could be judged disagree with each other, or with the mean's verdict.
    public func disagrees(with mean: ClaimOutcome.Verdict) -> Bool {
        let judged = total - noData
        guard judged > 0 else { return false }
        if holds > 0 && holds < judged { return true }
        return mean != .noData && (mean == .pass) != (holds == judged)
    }
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
    /// The paper's values of the config's figure, on our epoch axis (paper-values claims).
    var paper: PaperValues? = nil
    /// The seeds of the results, in order (empty: no seed column).
    let seeds: [String]

    /// `arms`: every arm of the run in order; `defaultColumn`: the plot's column; `grid`: a
    /// sweep's grid (empty: every point is taken to be in summary.csv); `paper`: the paper's
    /// values for paper-values claims. summary.csv's rows of seed aggregates are left out: every
    /// statistic here is worked out from the seeds' own rows.
    public init(curves: CSVTable, summary: CSVTable?, timings: CSVTable? = nil, arms: [String], defaultColumn: String,
                grid: [(key: String, values: [String])] = [], paper: PaperValues? = nil) {
        self.curves = curves
        self.summary = summary.map(SummaryCSV.seedRows)
        self.timings = timings
        self.arms = arms
        self.defaultColumn = defaultColumn
        self.grid = grid
        self.paper = paper
        var seeds: [String] = []
        if let s = curves.header.firstIndex(of: "seed") {
            for row in curves.rows where !seeds.contains(row[s]) { seeds.append(row[s]) }
        }
        if seeds.isEmpty, let summary = self.summary, let s = summary.header.firstIndex(of: "seed") {
            for row in summary.rows where !seeds.contains(row[s]) { seeds.append(row[s]) }
        }
        self.seeds = seeds
    }

    /// The same results restricted to one seed.
    func only(seed: String) -> ClaimChecker {
        func filter(_ t: CSVTable?) -> CSVTable? {
            guard let t, let s = t.header.firstIndex(of: "seed") else { return t }
            return CSVTable(header: t.header, rows: t.rows.filter { $0[s] == seed })
        }
        return ClaimChecker(curves: filter(curves)!, summary: filter(summary), timings: filter(timings), arms: arms,
                            defaultColumn: defaultColumn, grid: grid, paper: paper)
    }

    /// The claim decided on the seed mean; with several seeds, also how many seeds it holds in.
    public func check(_ claim: Claim) -> ClaimOutcome {
        var outcome = checkMean(claim)
        guard seeds.count > 1 else { return outcome }
        var count = SeedCount(holds: 0, total: seeds.count, noData: 0, failing: [])
        for seed in seeds {
            switch only(seed: seed).checkMean(claim).verdict {
            case .pass: count.holds += 1
            case .fail: count.failing.append(seed)
            case .noData: count.noData += 1
            }
        }
        outcome.seeds = count
        return outcome
    }

    func checkMean(_ claim: Claim) -> ClaimOutcome {
        switch claim.kind {
        case .lowest, .highest: return extreme(claim)
        case .order: return order(claim)
        case .range: return range(claim)
        case .ratio: return claim.epoch == nil ? ratioOverWindow(claim) : ratio(claim)
        case .reachesFirst: return reachesFirst(claim)
        case .reachRatio: return reachRatio(claim)
        case .neverDiverges: return neverDiverges(claim)
        case .bestPoint: return bestPoint(claim)
        case .breaksDown: return claim.atLeast == nil && claim.atMost == nil ? breaksDown(claim) : breaksDownCount(claim)
        case .timeRatio: return timeRatio(claim)
        case .paperValues: return paperValues(claim)
        }
    }

    // MARK: - Curves

    /// The mean over seeds of `column` for `arm` at `epoch`; nil when no row has it.
    func value(_ arm: String, epoch: Int, column: String) -> Double? { value(arm, epoch: Double(epoch), column: column) }

    func value(_ arm: String, epoch: Double, column: String) -> Double? {
        guard let a = curves.header.firstIndex(of: "arm"), let e = curves.header.firstIndex(of: "epoch"),
              let c = curves.header.firstIndex(of: column) else { return nil }
        var sum = 0.0, count = 0
        for row in curves.rows where row[a] == arm && Double(row[e]) == epoch {
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
        let ok = inside(v, claim)
        return ClaimOutcome(verdict: ok ? .pass : .fail,
                            evidence: "\(arm) \(fmt(v)) at epoch \(epoch) is \(ok ? "inside" : "outside") \(bounds(claim))")
    }

    /// "[1.2, inf]" for a claim's min and max.
    func bounds(_ claim: Claim) -> String { "[\(claim.min.map(fmt) ?? "-inf"), \(claim.max.map(fmt) ?? "inf")]" }

    func inside(_ v: Double, _ claim: Claim) -> Bool {
        (claim.min.map { v >= $0 } ?? true) && (claim.max.map { v <= $0 } ?? true)
    }

    func ratio(_ claim: Claim) -> ClaimOutcome {
        let column = claim.column ?? defaultColumn, epoch = claim.epoch!
        let a = claim.series[0], b = claim.series[1]
        guard let va = value(a, epoch: epoch, column: column), let vb = value(b, epoch: epoch, column: column) else {
            return ClaimOutcome(verdict: .noData, evidence: "no \(column) for \(value(a, epoch: epoch, column: column) == nil ? a : b) at epoch \(epoch)")
        }
        let r = va / vb
        let ok = r.isFinite && inside(r, claim)
        return ClaimOutcome(verdict: ok ? .pass : .fail,
                            evidence: "at epoch \(epoch): \(a) \(fmt(va)) / \(b) \(fmt(vb)) = \(ratioText(r)), \(ok ? "inside" : "outside") \(bounds(claim))")
    }

    /// The ratio's geometric mean over a window: exp of the mean of log(series / other) over
    /// every logged epoch after 0 in [from, to] where both arms have a value, so a ratio that
    /// holds at one end only is diluted by the rest of the run.
    func ratioOverWindow(_ claim: Claim) -> ClaimOutcome {
        let column = claim.column ?? defaultColumn, a = claim.series[0], b = claim.series[1]
        let lo = claim.from ?? 0, hi = claim.to ?? .infinity
        let other = Dictionary(curve(b, column: column).map { ($0.epoch, $0.value) }, uniquingKeysWith: { x, _ in x })
        var logs: [Double] = [], epochs: [Double] = [], least = Double.infinity, most = -Double.infinity
        for p in curve(a, column: column) where p.epoch > 0 && p.epoch >= lo && p.epoch <= hi {
            guard let v = other[p.epoch] else { continue }
            let r = p.value / v
            logs.append(Foundation.log(r))
            epochs.append(p.epoch)
            least = Swift.min(least, r)
            most = Swift.max(most, r)
        }
        guard let first = epochs.first, let last = epochs.last else {
            return ClaimOutcome(verdict: .noData, evidence: "no epoch where both \(a) and \(b) have \(column) in the window")
        }
        let r = Foundation.exp(logs.reduce(0, +) / Double(logs.count))
        let ok = r.isFinite && inside(r, claim)
        return ClaimOutcome(verdict: ok ? .pass : .fail,
                            evidence: "\(a) / \(b) over \(logs.count) logged epochs (\(fmt(first)) to \(fmt(last))): geometric mean \(ratioText(r)) "
                                + "(from \(ratioText(least)) to \(ratioText(most))), \(ok ? "inside" : "outside") \(bounds(claim))")
    }

    /// Each arm's mean wall seconds per epoch (timings.csv, every epoch of every seed), series / other.
    func timeRatio(_ claim: Claim) -> ClaimOutcome {
        let a = claim.series[0], b = claim.series[1]
        func perEpoch(_ arm: String) -> Double? {
            guard let timings, let i = timings.header.firstIndex(of: "arm"), let w = timings.header.firstIndex(of: "wall_seconds") else { return nil }
            let seconds = timings.rows.filter { $0[i] == arm }.compactMap { Double($0[w]) }
            return seconds.isEmpty ? nil : seconds.reduce(0, +) / Double(seconds.count)
        }
        guard let ta = perEpoch(a), let tb = perEpoch(b) else {
            return ClaimOutcome(verdict: .noData, evidence: "no timings.csv with wall_seconds for \(a) and \(b)")
        }
        let r = ta / tb
        let ok = r.isFinite && inside(r, claim)
        return ClaimOutcome(verdict: ok ? .pass : .fail,
                            evidence: "wall seconds per epoch: \(a) \(fmt(ta)), \(b) \(fmt(tb)): \(ratioText(r)), \(ok ? "inside" : "outside") \(bounds(claim))")
    }

    /// Whether `value` has reached `target`: at or below it, at or above it for accuracy.
    func reached(_ value: Double, _ target: Double, column: String) -> Bool {
        column.hasSuffix("accuracy") ? value >= target : value <= target
    }

    /// The arm's time to `target` (first logged epoch after 0 where the seed-mean curve reaches it;
    /// with x wall_seconds that epoch's measured time), nil when it never does; NO DATA when the arm
    /// has no curve (or no timings on the wall-time axis).
    func timeToReach(_ arm: String, target: Double, column: String, x: String) -> (time: Double?, lowest: Double)? {
        let c = curve(arm, column: column).filter { $0.epoch > 0 }
        guard !c.isEmpty else { return nil }
        let best = column.hasSuffix("accuracy") ? c.map(\.value).max()! : c.map(\.value).min()!
        guard let hit = c.first(where: { reached($0.value, target, column: column) }) else { return (nil, best) }
        guard x == "wall_seconds" else { return (hit.epoch, best) }
        guard let clock = wallClock(arm) else { return nil }
        return clock(hit.epoch).map { ($0, best) }
    }

    func reachRatio(_ claim: Claim) -> ClaimOutcome {
        let column = claim.column ?? defaultColumn, target = claim.target!, wall = claim.x == "wall_seconds"
        let a = claim.series[0], b = claim.series[1]
        guard let ta = timeToReach(a, target: target, column: column, x: claim.x),
              let tb = timeToReach(b, target: target, column: column, x: claim.x) else {
            return ClaimOutcome(verdict: .noData, evidence: wall ? "no \(column) curve or timings.csv for \(a) and \(b)" : "no \(column) curve for \(a) and \(b)")
        }
        func when(_ arm: String, _ t: (time: Double?, lowest: Double)) -> String {
            t.time.map { wall ? "\(arm) after \(fmt($0.rounded())) s" : "\(arm) at epoch \(fmt($0))" } ?? "\(arm) never (\(column.hasSuffix("accuracy") ? "highest" : "lowest") \(fmt(t.lowest)))"
        }
        let text = "\(column) \(column.hasSuffix("accuracy") ? ">=" : "<=") \(fmt(target)): \(when(a, ta)), \(when(b, tb))"
        let r: Double
        switch (ta.time, tb.time) {
        case (let x?, let y?): r = x / y
        case (nil, .some): r = .infinity
        case (.some, nil): r = 0
        case (nil, nil): return ClaimOutcome(verdict: .fail, evidence: text + "; neither reaches it")
        }
        let ok = inside(r, claim)
        return ClaimOutcome(verdict: ok ? .pass : .fail, evidence: text + "; ratio \(ratioText(r)), \(ok ? "inside" : "outside") \(bounds(claim))")
    }

    /// Our curve against the paper's points of the same series, each at our epoch = the paper's x
    /// + the shift: a point agrees when ours lies within a factor `tolerance` of the paper's (a
    /// point above the paper's axis, when ours is at least its axis limit / tolerance).
    func paperValues(_ claim: Claim) -> ClaimOutcome {
        let column = claim.column ?? defaultColumn, arm = claim.series[0], t = claim.tolerance!
        guard let paper else { return ClaimOutcome(verdict: .noData, evidence: "no paper values (paper/figures.csv, or report --paper)") }
        let window = paper.points(of: arm).filter { $0.epoch >= (claim.from ?? -.infinity) && $0.epoch <= (claim.to ?? .infinity) }
        guard !window.isEmpty else {
            return ClaimOutcome(verdict: .noData, evidence: "the paper has no point of \(arm)" + (claim.from != nil || claim.to != nil ? " in the window" : ""))
        }
        var compared = 0, outside: [String] = [], beyond = 0, lo = Double.infinity, hi = -Double.infinity
        for p in window {
            guard let ours = value(arm, epoch: p.epoch, column: column) else { beyond += 1; continue }
            compared += 1
            if let theirs = p.value {
                let r = ours / theirs
                lo = Swift.min(lo, r)
                hi = Swift.max(hi, r)
                if !(r >= 1 / t && r <= t) { outside.append("epoch \(fmt(p.epoch)) \(fmt(ours)) / \(fmt(theirs)) = \(ratioText(r))") }
            } else if let limit = p.above, !(ours >= limit / t) {
                outside.append("epoch \(fmt(p.epoch)) \(fmt(ours)) below the paper's > \(fmt(limit))")
            }
        }
        guard compared > 0 else {
            return ClaimOutcome(verdict: .noData, evidence: "no \(column) for \(arm) at any of the paper's \(window.count) epochs")
        }
        var text = "\(compared - outside.count) of \(compared) points within x\(fmt(t))"
        if lo <= hi { text += " (ours / paper \(ratioText(lo)) to \(ratioText(hi)))" }
        if !outside.isEmpty { text += "; outside: " + outside.prefix(3).joined(separator: ", ") + (outside.count > 3 ? ", …" : "") }
        if beyond > 0 { text += "; \(beyond) paper point(s) without ours" }
        return ClaimOutcome(verdict: outside.isEmpty ? .pass : .fail, evidence: text)
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

    /// The sweep's points whose hyperparameter columns match `selection` and that reached `epoch`
    /// in every seed, in file order: the point's name (summary.csv's arm), its first seed's row,
    /// and its loss there averaged over the seeds (nil when a seed diverged before `epoch` or
    /// has a value there that is not finite). A point still running in a seed (an empty cell,
    /// status ok) has not reached it and is left out.
    func points(_ selection: [(key: String, value: String)], epoch: Int, column: String) -> [(arm: String, row: [String], loss: Double?)]? {
        guard let summary, let a = summary.header.firstIndex(of: "arm"),
              let c = summary.header.firstIndex(of: "\(column)_epoch_\(epoch)") else { return nil }
        let status = summary.header.firstIndex(of: "status")
        var order: [String] = [], rows: [String: [[String]]] = [:]
        for row in summary.rows {
            let matches = selection.allSatisfy { key, value in
                guard let i = summary.header.firstIndex(of: key) else { return false }
                return sameValue(row[i], value)
            }
            guard matches else { continue }
            if rows[row[a]] == nil { order.append(row[a]) }
            rows[row[a], default: []].append(row)
        }
        var result: [(arm: String, row: [String], loss: Double?)] = []
        for name in order {
            let seedRows = rows[name]!
            guard seedRows.count >= Swift.max(1, seeds.count) else { continue }
            var sum = 0.0, diverged = false, reachedAll = true
            for row in seedRows {
                if row[c].isEmpty {
                    // Diverged before the epoch, or still running.
                    if status.map({ row[$0] == "diverged" }) ?? false { diverged = true } else { reachedAll = false }
                } else if let v = Double(row[c]), v.isFinite {
                    sum += v
                } else {
                    diverged = true
                }
            }
            guard reachedAll else { continue }
            result.append((name, seedRows[0], diverged ? nil : sum / Double(seedRows.count)))
        }
        return result
    }

    /// How many of the grid's points `selection` picks (nil without a grid).
    func expectedCount(_ selection: [(key: String, value: String)]) -> Int? {
        guard !grid.isEmpty else { return nil }
        return grid.reduce(1) { n, axis in
            guard let chosen = selection.first(where: { $0.key == axis.key }) else { return n * axis.values.count }
            return axis.values.contains { sameValue($0, chosen.value) } ? n : 0
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
        let ok = claim.bestIs.map { sameValue(best.0, $0) } ?? inside(Double(best.0) ?? .nan, claim)
        let wanted = claim.bestIs.map { "\(ok ? "is" : "is not") \($0)" } ?? "\(ok ? "inside" : "outside") \(bounds(claim))"
        return ClaimOutcome(verdict: ok ? .pass : .fail,
                            evidence: "best of \(finite.count) points (\(describe(claim.selection))) at epoch \(epoch): \(key)=\(best.0), \(column) \(fmt(best.1)); \(wanted)")
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

extension ClaimChecker {
    /// "Breaks down" as counts: each point `where` selects is paired with its counterpart, the
    /// point with the same hyperparameters but `holds`' values; it breaks down when it diverged
    /// and its counterpart did not, or ended above `factor` times its counterpart's loss. Holds
    /// when at least `at_least` (or at most `at_most`) of the selected points break down.
    func breaksDownCount(_ claim: Claim) -> ClaimOutcome {
        let column = claim.column ?? "eval_train_loss", epoch = claim.epoch!, k = claim.atLeast ?? claim.atMost!
        guard let summary, let bad = points(claim.selection, epoch: epoch, column: column),
              let all = points([], epoch: epoch, column: column) else {
            return ClaimOutcome(verdict: .noData, evidence: "summary.csv has no \(column)_epoch_\(epoch) column")
        }
        if let wait = waiting(bad.count, claim.selection, epoch: epoch) { return wait }
        guard !bad.isEmpty else {
            return ClaimOutcome(verdict: .noData, evidence: "no point with \(describe(claim.selection)) has reached epoch \(epoch)")
        }
        // The keys that tell points apart: the grid's, else every column that is not a result.
        let results: Set<String> = ["arm", "seed", "status", "diverged_at_iteration", "iterations", "optimizer", "schedule", "averaging", "cut_at_epoch"]
        let keys: [String] = grid.isEmpty
            ? summary.header.filter { !results.contains($0) && !$0.hasPrefix("final_") && !$0.hasPrefix("best_") && !$0.contains("_epoch_") }
            : grid.map(\.key)
        let index = Dictionary(keys.compactMap { k in summary.header.firstIndex(of: k).map { (k, $0) } }, uniquingKeysWith: { a, _ in a })
        let differing = keys.filter { key in !claim.selection.contains { $0.key == key } }
        func label(_ row: [String]) -> String {
            differing.compactMap { key in index[key].map { "\(key)=\(row[$0])" } }.joined(separator: ", ")
        }
        var broken: [String] = [], unmatched = 0
        for p in bad {
            let counterpart = all.first { q in
                keys.allSatisfy { key in
                    guard let i = index[key] else { return true }
                    let wanted = claim.holds.first { $0.key == key }?.value ?? p.row[i]
                    return sameValue(q.row[i], wanted)
                }
            }
            guard let q = counterpart else { unmatched += 1; continue }
            switch (p.loss, q.loss) {
            case (nil, .some): broken.append("\(label(p.row)) diverged")
            case (let x?, let y?) where x > claim.factor * y: broken.append("\(label(p.row)) \(ratioText(x / y))")
            default: break
            }
        }
        if unmatched > 0, let wait = waiting(0, claim.holds, epoch: epoch) { return wait }
        let judged = bad.count - unmatched
        var text = "\(broken.count) of \(judged) points with \(describe(claim.selection)) diverged or ended above \(fmt(claim.factor)) x "
            + "their counterparts with \(describe(claim.holds)) at epoch \(epoch) (needs at \(claim.atLeast != nil ? "least" : "most") \(k))"
        if !broken.isEmpty { text += ": " + broken.prefix(4).joined(separator: "; ") + (broken.count > 4 ? "; …" : "") }
        if unmatched > 0 { text += "; \(unmatched) without a counterpart that reached epoch \(epoch)" }
        let holds = claim.atLeast != nil ? broken.count >= k : broken.count <= k
        return ClaimOutcome(verdict: holds ? .pass : .fail, evidence: text)
    }
}

/// A ratio with three significant digits ("1.37x"); "inf" and "0" as such.
func ratioText(_ r: Double) -> String {
    if r.isInfinite { return "inf" }
    if r.isNaN { return "nan" }
    return String(format: "%.3g", r) + "x"
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

// `adam-bench report`: one Markdown section per results folder, for a researcher who wants one
// answer per figure: the plot (ours, with the paper's values as markers), the paper's claims
// checked on our numbers, ours against the paper's at the paper's epochs, the choices the config
// made, and where the numbers came from.
import Config
import Datasets
import Foundation

public enum Report {
    public struct Section: Sendable {
        public let name: String
        public let markdown: String
        public let panels: [PlotPanel]
        public let outcomes: [(claim: Claim, outcome: ClaimOutcome)]
        /// The training time of every point, summed (one core each), from the manifest.
        public var computeSeconds: Double = 0
    }

    /// The report section of `directory`; `image` is the plot's path as the Markdown links it.
    public static func section(directory: String, paper: CSVTable?, image: String) throws -> Section {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        try OutputFiles.checkNoInterruptedCommit(in: directory)
        let manifest = try readManifest(path("manifest.json"))
        guard let configJSON = manifest["config"] else {
            throw OutputError(path: path("manifest.json"), problem: "has no config; is it an adam-bench results folder?")
        }
        let config: ExperimentConfig
        do { config = try ExperimentConfig.parse(configJSON, source: path("manifest.json")) } catch let e as ConfigError {
            throw OutputError(path: path("manifest.json"), problem: "holds a config this version cannot read: \(e)")
        }
        let curves = try CSVTable.read(path("curves.csv"))
        let summary = try? CSVTable.read(path("summary.csv"))
        let timings = try? CSVTable.read(path("timings.csv"))
        let settings = config.plot ?? PlotSettings()
        let panels = try ResultsPlot.figurePanels(directory: directory, paper: paper, epoch: nil) { _ in }
        // A tuned run's results carry each arm's chosen point under the arm's own name.
        let arms = config.tune == nil ? config.runArms.map(\.name) : config.arms.map(\.name)
        let grid = config.sweep?.grid.map { (key: $0.key, values: $0.values.map(\.description)) } ?? []
        let checker = ClaimChecker(curves: curves, summary: summary, timings: timings, arms: arms, defaultColumn: settings.column,
                                   grid: grid)
        let outcomes = config.claims.map { ($0, checker.check($0)) }

        var md: [String] = ["## \(config.name)", ""]
        if !config.description.isEmpty { md += [config.description, ""] }
        md += ["![\(config.name)](\(image))", ""]
        if let figure = settings.paperFigure, paper != nil {
            md += ["Lines: ours. Markers: the paper's Figure \(figure), read off its plot (`paper/figures.csv`)" +
                   (settings.paperShift != 0 ? ", drawn at our epoch = the paper's + \(fmt(settings.paperShift))" : "") + ".", ""]
        }

        // Claims (a tuned run that has picked nothing yet, a partial run, has none to check).
        let picked = chosenArms(manifest, config)
        md += ["**The paper's claims, checked**", ""]
        if outcomes.isEmpty {
            md += [config.tune != nil && picked == nil ? "The claims wait until every grid point is done and each arm has its pick (this is a partial run)."
                           : "This config states no claims.", ""]
        } else {
            md += ["| claim | the paper says | verdict | evidence |", "| --- | --- | --- | --- |"]
            for (claim, outcome) in outcomes {
                md.append("| \(cell(describe(claim, settings: settings))) | \(cell(claim.quote.isEmpty ? "" : "\u{201C}\(claim.quote)\u{201D}")) | **\(outcome.verdict.rawValue)** | \(cell(outcome.evidence)) |")
            }
            md.append("")
        }

        // Ours against the paper at the paper's epochs.
        if let paper, let figure = settings.paperFigure, config.sweep == nil {
            let table = comparison(paper: paper, figure: figure, shift: settings.paperShift, checker: checker,
                                   arms: arms, column: settings.column, lastEpoch: config.training.epochs)
            if !table.isEmpty {
                md += ["**Ours against the paper** (\(settings.column.replacingOccurrences(of: "_", with: " ")); ours / paper)", ""] + table + [""]
            }
        }

        // Choices: each arm's resolved settings.
        md += ["**Choices**", "", "| arm | optimizer | settings |", "| --- | --- | --- |"]
        for arm in picked ?? config.arms {
            // A sweep's arm, and a tuned arm not picked yet (a partial run), show each searched
            // key's grid in place of its single value.
            let swept = config.sweep.flatMap { $0.arm == arm.name ? $0.grid : nil } ?? (picked == nil ? config.tune?.grid(for: arm.name) : nil) ?? []
            let hypers = arm.hyperparameters.values.map { h in
                swept.first { $0.key == h.name }.map { "\(h.name) {\($0.values.map(\.description).joined(separator: ", "))}" } ?? "\(h.name) \(h.value)"
            }.joined(separator: ", ")
            var extra: [String] = ["schedule \(arm.schedule.name)"]
            if let a = arm.averaging { extra.append("averaging \(a.name)") }
            if let d = arm.dropout { extra.append("dropout \(fmt(d.input)) input, \(fmt(d.hidden)) hidden") }
            md.append("| \(cell(arm.name)) | \(arm.optimizer) | \(cell(([hypers] + extra).filter { !$0.isEmpty }.joined(separator: "; "))) |")
        }
        md += tuningTable(manifest, config)
        let t = config.training
        md += ["", "Training: \(t.epochs) epochs" + (config.dataset.isSynthetic ? "" : ", batch \(t.batchSize)") +
               ", seeds \(t.seeds.map(String.init).joined(separator: ", ")).", ""]

        // Provenance.
        var provenance: [String] = []
        if case .string(let v)? = manifest["adam_bench_version"] { provenance.append("adam-bench \(v)") }
        if case .string(let cpu)? = manifest["cpu"] { provenance.append(cpu) }
        // A merge (collect) trains nothing and records 0 threads: the points' own threads are not kept.
        if case .number(let th)? = manifest["threads"] { provenance.append(th > 0 ? "\(Int(th)) thread(s)" : "merged from its points by collect") }
        if case .string(let s)? = manifest["started"], case .string(let f)? = manifest["finished"] { provenance.append("\(s) to \(f)") }
        var compute = 0.0
        if case .array(let entries)? = manifest["arms"] {
            for e in entries { if case .number(let w)? = e["wall_seconds"] { compute += w } }
        }
        if case .number(let w)? = manifest["wall_seconds"] { provenance.append("wall time \(duration(w)) (this merge or run)") }
        provenance.append("compute \(duration(compute)) summed over points")
        md += ["**Provenance**: " + provenance.joined(separator: "; ") + "."]
        if case .array(let files)? = manifest["data_files"], !files.isEmpty {
            let list = files.compactMap { f -> String? in
                guard case .string(let p)? = f["path"], case .string(let h)? = f["sha256"] else { return nil }
                return "`\(p)` \(h.prefix(12))…"
            }
            md += ["Data (SHA-256): " + list.joined(separator: ", ") + "."]
        }
        md.append("")
        var section = Section(name: config.name, markdown: md.joined(separator: "\n"), panels: panels, outcomes: outcomes)
        section.computeSeconds = compute
        return section
    }

    /// The arms whose curves the results hold: every arm that ran, for a tuned run each arm's
    /// chosen grid point (the manifest's "tuning"), so the choices are the settings plotted; for
    /// a sweep, the config's arms, the swept one once with its grid. Nil for a tuned run that has
    /// picked nothing yet (a partial run): its arms are shown with their grids.
    static func chosenArms(_ manifest: JSON, _ config: ExperimentConfig) -> [ArmConfig]? {
        if config.sweep != nil { return config.arms }
        guard config.tune != nil else { return config.runArms }
        guard case .array(let picks)? = manifest["tuning"]?["arms"], !picks.isEmpty else { return nil }
        let byName = Dictionary(config.runArms.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return picks.compactMap { pick in
            guard case .string(let chosen)? = pick["chosen"] else { return nil }
            return byName[chosen]
        }
    }

    /// A tuned run's picks (the manifest's "tuning"): each arm's chosen point, its score, its grid,
    /// and whether the pick lies inside the grid, where the rule wants it; then which point each
    /// other rule would have picked, and with successive halving every rung's ranking.
    static func tuningTable(_ manifest: JSON, _ config: ExperimentConfig) -> [String] {
        guard let tune = config.tune, case .array(let picks)? = manifest["tuning"]?["arms"], !picks.isEmpty else { return [] }
        let rule = tune.select, heading = rule.summaryColumn ?? rule.name
        let what = rule.summaryColumn.map { "`\($0)`" } ?? "\(rule) (`\(rule.name)`)"
        var md = ["", "**Tuning**: each arm's point with the \(rule.maximises ? "highest" : "lowest") "
                  + "\(what), averaged over seeds; the whole grid is in tuning.csv. "
                  + "The last column says from which epoch on the same rule, applied to the curves up to each logged epoch, keeps this pick.", "",
                  "| arm | chosen | \(heading) | grid | inside the grid | the pick leads |", "| --- | --- | --- | --- | --- | --- |"]
        var byRule: [(arm: String, chosen: String, picks: [JSON])] = []
        for pick in picks {
            guard case .string(let arm)? = pick["arm"], case .string(let chosen)? = pick["chosen"] else { continue }
            var score: Double? = nil
            if case .number(let x)? = pick["score"] { score = x }
            let grid = tune.grid(for: arm).map { "\($0.key) \($0.values.map(\.description).joined(separator: ", "))" }.joined(separator: "; ")
            var edges: [String] = []
            if case .array(let list)? = pick["at_grid_edge"] {
                for e in list {
                    if case .string(let key)? = e["key"], case .number(let v)? = e["value"], case .string(let side)? = e["side"] {
                        edges.append("\(key) \(fmt(v)) is the \(side) value")
                    }
                }
            }
            let inside = score == nil ? "no point converged" : edges.isEmpty ? "yes" : "**no**: " + edges.joined(separator: "; ")
            // Since when the rule, cut at each logged epoch, picks the same point (older manifests lack it).
            var lead = "–"
            if case .number(let since)? = pick["best_since_epoch"] {
                lead = "from epoch \(fmt(since)) of \(config.training.epochs)"
                if case .string(let before)? = pick["best_before"] { lead += "; \(before) before" }
            }
            md.append("| \(cell(arm)) | \(cell(chosen)) | \(score.map(fmt) ?? "diverged") | \(cell(grid)) | \(cell(inside)) | \(cell(lead)) |")
            if case .array(let list)? = pick["by_rule"], !list.isEmpty { byRule.append((arm, chosen, list)) }
        }
        // Whether the choice depends on the rule (older manifests lack it).
        if let first = byRule.first {
            let headers = first.picks.map { p -> String in if case .string(let d)? = p["describe"] { return d }; return "?" }
            md += ["", "**The pick under each rule** (the same points\(tune.halving == nil ? "" : ": those that reached the last rung")"
                   + "; in bold where it differs from the pick above):", "",
                   "| arm | " + headers.map(cell).joined(separator: " | ") + " |", "| --- |" + String(repeating: " --- |", count: headers.count)]
            for (arm, chosen, list) in byRule {
                let cells = list.map { p -> String in
                    guard case .string(let point)? = p["chosen"] else { return "every point diverged" }
                    let score: String
                    if case .number(let x)? = p["score"] { score = " (\(fmt(x)))" } else { score = "" }
                    return point == chosen ? cell(point) + score : "**\(cell(point))**" + score
                }
                md.append("| \(cell(arm)) | " + cells.joined(separator: " | ") + " |")
            }
        }
        md += halvingTable(manifest, config)
        return md
    }

    /// Successive halving (the manifest's "tuning.halving"): a row per grid point, a column per
    /// rung with the point's score and rank there; "cut" where it stopped.
    static func halvingTable(_ manifest: JSON, _ config: ExperimentConfig) -> [String] {
        guard let tune = config.tune, let h = tune.halving, let record = manifest["tuning"]?["halving"],
              case .array(let arms)? = record["arms"] else { return [] }
        var md = ["", "**Successive halving**: rungs at epochs \(h.rungs.map(String.init).joined(separator: ", ")); at each rung but the last, "
                  + "the best ceil(\(fmt(h.keep)) × n) of an arm's n points by the rule (at least 1) go on from their checkpoints, the others stop "
                  + "there (tuning.csv: cut_at_epoch). Each cell: the rule's value on the curves up to that epoch, averaged over seeds, and the rank.", "",
                  "| arm | point | " + h.rungs.map { "epoch \($0)" }.joined(separator: " | ") + " |",
                  "| --- | --- |" + String(repeating: " --- |", count: h.rungs.count)]
        let order = Tuner.points(config, tune).map(\.name)
        for arm in arms {
            guard case .string(let name)? = arm["arm"], case .array(let rungs)? = arm["rungs"] else { continue }
            // Each point's cell at each rung it was ranked at.
            var cells: [String: [String]] = [:]
            for (r, rung) in rungs.enumerated() {
                guard case .array(let ranking)? = rung["ranking"] else { continue }
                for (i, entry) in ranking.enumerated() {
                    guard case .string(let point)? = entry["point"] else { continue }
                    var text = "–"
                    if case .number(let x)? = entry["score"] { text = fmt(x) } else { text = "no score" }
                    text += " (\(i + 1))"
                    if entry["kept"] == .bool(false) { text += ", **cut**" }
                    cells[point, default: Array(repeating: "", count: h.rungs.count)][r] = text
                }
            }
            for point in order where cells[point] != nil {
                md.append("| \(cell(name)) | \(cell(point)) | " + cells[point]!.map { $0.isEmpty ? "" : cell($0) }.joined(separator: " | ") + " |")
            }
        }
        return md
    }

    /// The claims table's first column: what is checked, in words.
    static func describe(_ c: Claim, settings: PlotSettings) -> String {
        let column = c.column ?? (c.kind.isSweep ? "eval_train_loss" : settings.column)
        switch c.kind {
        case .lowest, .highest:
            return "\(c.series[0]) \(c.kind.rawValue) \(column) at epoch \(c.epoch!)" + (c.among.isEmpty ? "" : " among \(c.among.joined(separator: ", "))")
        case .order: return "\(c.series.joined(separator: " < ")) in \(column) at epoch \(c.epoch!)"
        case .range: return "\(c.series[0]) \(column) at epoch \(c.epoch!) in [\(c.min.map(fmt) ?? "-inf"), \(c.max.map(fmt) ?? "inf")]"
        case .reachesFirst:
            return "\(c.series[0]) reaches \(column) \(fmt(c.target!)) no later than \(c.series[1])" + (c.x == "wall_seconds" ? " in wall time" : "")
        case .neverDiverges: return c.series.isEmpty ? "no arm diverges" : "\(c.series.joined(separator: ", ")) never diverge(s)"
        case .bestPoint:
            return "best \(c.hyperparameter!) (\(c.selection.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))) at epoch \(c.epoch!) in [\(c.min.map(fmt) ?? "-inf"), \(c.max.map(fmt) ?? "inf")]"
        case .breaksDown:
            return "\(c.selection.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")) breaks down where \(c.holds.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")) holds (epoch \(c.epoch!))"
        }
    }

    /// Rows "| epoch | arm ours / paper | … |" at up to six of the paper's epochs that we also have,
    /// then the two ends side by side (ours at `lastEpoch`, each series' last value in the paper)
    /// unless the last row already shows both: what a run ends at is what its claims are about.
    static func comparison(paper: CSVTable, figure: String, shift: Double, checker: ClaimChecker, arms: [String], column: String,
                           lastEpoch: Int) -> [String] {
        guard let f = paper.header.firstIndex(of: "figure"), let s = paper.header.firstIndex(of: "series"),
              let x = paper.header.firstIndex(of: "x"), let y = paper.header.firstIndex(of: "y") else { return [] }
        var values: [String: [Double: Double]] = [:], order: [String] = []
        for row in paper.rows where row[f] == figure {
            let name = row[s].replacingOccurrences(of: "+", with: "-")
            guard arms.contains(name), let xv = Double(row[x]), let yv = Double(row[y]) else { continue }
            if values[name] == nil { order.append(name); values[name] = [:] }
            values[name]![xv] = yv
        }
        guard !order.isEmpty else { return [] }
        // Our epochs that are whole numbers, with a paper value for some series.
        var epochs = Set<Double>()
        for series in values.values { for key in series.keys { epochs.insert(key + shift) } }
        // Prefer epochs where the most series have both values (the paper leaves out points above its axis).
        var coverage: [(epoch: Double, count: Int)] = []
        for e in epochs.sorted() where e == e.rounded() && e >= 0 {
            let n = order.filter { values[$0]![e - shift] != nil && checker.value($0, epoch: Int(e), column: column) != nil }.count
            if n > 0 { coverage.append((e, n)) }
        }
        let most = coverage.map(\.count).max() ?? 0
        let candidates = coverage.filter { $0.count == most }.map(\.epoch)
        guard !candidates.isEmpty else { return [] }
        let picks = candidates.count <= 6 ? candidates : (0..<6).map { candidates[$0 * (candidates.count - 1) / 5] }
        var rows = ["| epoch | " + order.joined(separator: " | ") + " |", "| --- |" + String(repeating: " --- |", count: order.count)]
        for e in picks {
            let cells = order.map { name -> String in
                let ours = checker.value(name, epoch: Int(e), column: column).map(fmt) ?? "–"
                let theirs = values[name]![e - shift].map(fmt) ?? "–"
                return "\(ours) / \(theirs)"
            }
            rows.append("| \(Int(e)) | " + cells.joined(separator: " | ") + " |")
        }
        let paperEnd = order.compactMap { values[$0]!.keys.max() }.max()!
        if picks.last != Double(lastEpoch) || Double(lastEpoch) - shift != paperEnd {
            let cells = order.map { name -> String in
                let ours = checker.value(name, epoch: lastEpoch, column: column).map(fmt) ?? "–"
                let series = values[name]!, x = series.keys.max()!
                return "\(ours) / \(fmt(series[x]!))" + (x == paperEnd ? "" : " (at \(fmt(x)))")
            }
            rows.append("| end: ours \(lastEpoch), paper \(fmt(paperEnd)) | " + cells.joined(separator: " | ") + " |")
        }
        return rows
    }

    static func readManifest(_ path: String) throws -> JSON {
        let bytes: [UInt8]
        do { bytes = try FileInput.read(path, limit: FileInput.configLimit) } catch { throw OutputError(path: path, problem: error.message) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw OutputError(path: path, problem: "is not UTF-8 text") }
        do { return try JSON.parse(text) } catch { throw OutputError(path: path, problem: "is not valid JSON: \(error)") }
    }

    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        if seconds < 3600 { return String(format: "%.1f min", seconds / 60) }
        return String(format: "%.1f h", seconds / 3600)
    }

    /// The whole report: a title, a summary table of verdicts per figure, then each section.
    /// The first line of a report.
    public static let title = "# adam-bench reproduction report"

    public static func document(_ sections: [Section]) -> String {
        var md = [title, "",
                  "Generated by `adam-bench report` from the committed results; each section's claims come from its config's `claims`.", "",
                  "| results | claims | PASS | FAIL | NO DATA | compute (summed over points) |", "| --- | --- | --- | --- | --- | --- |"]
        for s in sections {
            let count = { (v: ClaimOutcome.Verdict) in s.outcomes.filter { $0.outcome.verdict == v }.count }
            md.append("| \(s.name) | \(s.outcomes.count) | \(count(.pass)) | \(count(.fail)) | \(count(.noData)) | \(duration(s.computeSeconds)) |")
        }
        md.append("")
        return (md + sections.map(\.markdown)).joined(separator: "\n")
    }
}

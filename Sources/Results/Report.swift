// `adam-bench report`: one Markdown section per results folder, for a researcher who wants one
// answer per figure: the plot (ours, with the paper's values as markers), the paper's text checked
// on our numbers (on the seed mean, with the seeds that agree counted) and, apart, the agreement
// with its plotted values, ours against the paper's at the paper's epochs, each claim under each
// variant of the set-up, the choices the config made, and where the numbers came from.
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
        /// How many seeds each arm ran.
        public var seeds: Int = 1
    }

    /// A results folder as the report reads it.
    struct Results {
        let manifest: JSON
        let config: ExperimentConfig
        let curves: CSVTable
        let summary: CSVTable?
        let timings: CSVTable?

        init(directory: String) throws {
            func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
            manifest = try readManifest(path("manifest.json"))
            guard let configJSON = manifest["config"] else {
                throw OutputError(path: path("manifest.json"), problem: "has no config; is it an adam-bench results folder?")
            }
            do { config = try ExperimentConfig.parse(configJSON, source: path("manifest.json")) } catch let e as ConfigError {
                throw OutputError(path: path("manifest.json"), problem: "holds a config this version cannot read: \(e)")
            }
            curves = try CSVTable.read(path("curves.csv"))
            summary = try? CSVTable.read(path("summary.csv"))
            timings = try? CSVTable.read(path("timings.csv"))
        }

        /// The arms whose curves the results hold (a tuned run's under the arm's own name).
        var arms: [String] { config.tune == nil ? config.runArms.map(\.name) : config.arms.map(\.name) }

        /// The training time of every point, summed (one core each): the manifest's wall seconds per point.
        var computeSeconds: Double {
            var total = 0.0
            if case .array(let entries)? = manifest["arms"] {
                for e in entries { if case .number(let w)? = e["wall_seconds"] { total += w } }
            }
            return total
        }

        func checker(column: String, paper: PaperValues?) -> ClaimChecker {
            let grid = config.sweep?.grid.map { (key: $0.key, values: $0.values.map(\.description)) } ?? []
            return ClaimChecker(curves: curves, summary: summary, timings: timings, arms: arms, defaultColumn: column, grid: grid, paper: paper)
        }
    }

    /// The report section of `directory`; `image` is the plot's path as the Markdown links it.
    public static func section(directory: String, paper: CSVTable?, image: String) throws -> Section {
        try OutputFiles.checkNoInterruptedCommit(in: directory)
        let results = try Results(directory: directory)
        let manifest = results.manifest, config = results.config
        let settings = config.plot ?? PlotSettings()
        let panels = try ResultsPlot.figurePanels(directory: directory, paper: paper, epoch: nil) { _ in }
        let arms = results.arms
        let paperValues = paper.flatMap { table in settings.paperFigure.map { PaperValues(table, figure: $0, shift: settings.paperShift) } }
        let checker = results.checker(column: settings.column, paper: paperValues)
        let outcomes = config.claims.map { ($0, checker.check($0)) }
        let seeds = checker.seeds.count

        var md: [String] = ["## \(config.name)", ""]
        if !config.description.isEmpty { md += [config.description, ""] }
        md += ["![\(config.name)](\(image))", ""]
        var legend: [String] = []
        if let figure = settings.paperFigure, paper != nil {
            legend.append("Lines: ours. Markers: the paper's Figure \(figure), read off its plot (`paper/figures.csv`)" +
                          (settings.paperShift != 0 ? ", drawn at our epoch = the paper's + \(fmt(settings.paperShift))" : "") + ".")
        }
        if seeds > 1 { legend.append("Each arm is the mean of its \(seeds) seeds, with a band from the lowest to the highest seed.") }
        if !legend.isEmpty { md += [legend.joined(separator: " "), ""] }

        // Claims (a tuned run that has picked nothing yet, a partial run, has none to check).
        let picked = chosenArms(manifest, config)
        let text = outcomes.filter { !$0.0.kind.isAgreement }, agreement = outcomes.filter { $0.0.kind.isAgreement }
        md += ["**The paper's text, checked**" + (seeds > 1 ? " (each claim decided on the mean of the \(seeds) seeds; \"seeds\": in how many it holds alone)" : ""), ""]
        if text.isEmpty {
            md += [config.tune != nil && picked == nil ? "The claims wait until every grid point is done and each arm has its pick (this is a partial run)."
                           : "This config states no claims of the paper's text.", ""]
        } else {
            md += ["| claim | the paper says | read as | verdict |" + (seeds > 1 ? " seeds |" : "") + " evidence |",
                   "| --- | --- | --- | --- |" + (seeds > 1 ? " --- |" : "") + " --- |"]
            for (claim, outcome) in text {
                md.append("| \(cell(describe(claim, settings: settings))) | \(cell(claim.quote.isEmpty ? "" : "\u{201C}\(claim.quote)\u{201D}")) | \(cell(claim.reading)) | **\(outcome.verdict.rawValue)** |"
                          + (seeds > 1 ? " \(cell(seedCell(outcome))) |" : "") + " \(cell(outcome.evidence)) |")
            }
            md.append("")
            md += disagreement(text.map(\.1))
        }
        if !agreement.isEmpty {
            md += ["**Agreement with the paper's plotted values** (our \(settings.column.replacingOccurrences(of: "_", with: " ")) against the paper's points, "
                   + "at our epoch = the paper's x + \(fmt(settings.paperShift)); the text asserts none of these levels, so these rows say how close the curves are, not whether the method works)", "",
                   "| series | tolerance | epochs | verdict |" + (seeds > 1 ? " seeds |" : "") + " evidence |",
                   "| --- | --- | --- | --- |" + (seeds > 1 ? " --- |" : "") + " --- |"]
            for (claim, outcome) in agreement {
                let window = claim.from == nil && claim.to == nil ? "all" : "\(claim.from.map(fmt) ?? "0") to \(claim.to.map(fmt) ?? "end")"
                md.append("| \(cell(claim.series[0])) | x\(fmt(claim.tolerance!)) | \(window) | **\(outcome.verdict.rawValue)** |"
                          + (seeds > 1 ? " \(cell(seedCell(outcome))) |" : "") + " \(cell(outcome.evidence)) |")
            }
            md.append("")
            md += disagreement(agreement.map(\.1))
        }

        // Ours against the paper at the paper's epochs.
        if let paperValues, config.sweep == nil {
            let table = comparison(paper: paperValues, checker: checker, arms: arms, column: settings.column, lastEpoch: config.training.epochs)
            if !table.isEmpty {
                md += ["**Ours against the paper** (\(settings.column.replacingOccurrences(of: "_", with: " ")); ours / paper)", ""] + table + [""]
            }
        }

        md += robustness(directory: directory, results: results, seeds: seeds, outcomes: outcomes, settings: settings, paper: paperValues)

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
        let compute = results.computeSeconds
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
        section.seeds = Swift.max(1, seeds)
        return section
    }

    /// The seeds cell of a claim: "3 of 3", and when they disagree, which seeds fail.
    static func seedCell(_ outcome: ClaimOutcome) -> String {
        guard let s = outcome.seeds else { return "" }
        var text = "\(s.holds) of \(s.total)"
        if s.disagrees(with: outcome.verdict) { text = "**\(text): seeds disagree**" }
        if !s.failing.isEmpty && s.holds > 0 { text += " (fails in \(s.failing.joined(separator: ", ")))" }
        if s.noData > 0 { text += " (\(s.noData) without data)" }
        return text
    }

    /// A line under a claims table naming the claims on which the seeds disagree (none: nothing).
    static func disagreement(_ outcomes: [ClaimOutcome]) -> [String] {
        let split = outcomes.filter { $0.seeds?.disagrees(with: $0.verdict) ?? false }
        guard !split.isEmpty else { return [] }
        return ["Seeds disagree on \(split.count) of \(outcomes.count) of these claims: their verdict on the mean is not every seed's verdict, "
                + "so one run could have shown either.", ""]
    }

    /// Each claim under the primary set-up and under each variant (Config/Variants.swift) whose
    /// results folder, beside this one, exists; and each set-up's compute.
    static func robustness(directory: String, results: Results, seeds: Int, outcomes: [(claim: Claim, outcome: ClaimOutcome)],
                           settings: PlotSettings, paper: PaperValues?) -> [String] {
        let variants = results.config.variants
        guard !variants.isEmpty, !outcomes.isEmpty else { return [] }
        let parent = (directory as NSString).deletingLastPathComponent
        var columns: [(name: String, outcomes: [ClaimOutcome]?, compute: Double?, seeds: Int)] =
            [("primary", outcomes.map(\.outcome), results.computeSeconds, Swift.max(1, seeds))]
        var notes: [String] = []
        for v in variants {
            guard let experiment = v.experiment else {
                columns.append((v.name, nil, nil, 0))
                notes.append("\(v.name): its experiment name is not recorded (rerun or collect the primary with this version)")
                continue
            }
            let folder = (parent as NSString).appendingPathComponent(experiment)
            guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("manifest.json")),
                  let variant = try? Results(directory: folder) else {
                columns.append((v.name, nil, nil, 0))
                notes.append("\(v.name) (`\(v.config)`): no results in \(folder) yet")
                continue
            }
            let checker = variant.checker(column: settings.column, paper: paper)
            columns.append((v.name, outcomes.map { checker.check($0.claim) }, variant.computeSeconds, Swift.max(1, checker.seeds.count)))
        }
        var md = ["**Robustness**: each claim under the primary set-up and under each variant of it (a config of its own, "
                  + "whose results sit beside these; verdicts on the seed mean, with the seeds in which the claim holds)", "",
                  "| claim | " + columns.map { cell($0.name) }.joined(separator: " | ") + " |",
                  "| --- |" + String(repeating: " --- |", count: columns.count)]
        for (i, (claim, _)) in outcomes.enumerated() {
            let cells = columns.map { column -> String in
                guard let list = column.outcomes else { return "no results" }
                let o = list[i]
                var text = o.verdict.rawValue
                if let s = o.seeds { text += " (\(s.holds) of \(s.total))" }
                return text
            }
            md.append("| \(cell(describe(claim, settings: settings))) | " + cells.joined(separator: " | ") + " |")
        }
        md.append("| seeds | " + columns.map { $0.outcomes == nil ? "–" : String($0.seeds) }.joined(separator: " | ") + " |")
        md.append("| compute (core-hours) | " + columns.map { $0.compute.map { String(format: "%.2f", $0 / 3600) } ?? "–" }.joined(separator: " | ") + " |")
        md.append("")
        let configs = variants.map { "\($0.name): `\($0.config)`" }.joined(separator: "; ")
        md += ["Variants: \(configs)." + (notes.isEmpty ? "" : " " + notes.joined(separator: "; ") + "."), ""]
        return md
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

    /// The claims table's first column: what is checked, in words. An epoch of ours names the
    /// paper's x it faces when the plot is aligned with the paper's by a shift.
    static func describe(_ c: Claim, settings: PlotSettings) -> String {
        let column = c.column ?? (c.kind.isSweep ? "eval_train_loss" : settings.column)
        let at = c.epoch.map { e in
            "epoch \(e)" + (settings.paperFigure != nil && settings.paperShift != 0 && !c.kind.isSweep ? " (the paper's \(fmt(Double(e) - settings.paperShift)))" : "")
        } ?? ""
        func band() -> String { "[\(c.min.map(fmt) ?? "-inf"), \(c.max.map(fmt) ?? "inf")]" }
        func selection(_ s: [(key: String, value: String)]) -> String { s.isEmpty ? "all points" : s.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") }
        switch c.kind {
        case .lowest, .highest:
            return "\(c.series[0]) \(c.kind.rawValue) \(column) at \(at)" + (c.among.isEmpty ? "" : " among \(c.among.joined(separator: ", "))")
        case .order: return "\(c.series.joined(separator: " < ")) in \(column) at \(at)"
        case .range: return "\(c.series[0]) \(column) at \(at) in \(band())"
        case .ratio:
            if c.epoch == nil {
                let window = "epochs \(fmt(c.from ?? 0)) to \(c.to.map(fmt) ?? "the end")"
                return "\(c.series[0]) / \(c.series[1]) \(column), geometric mean over \(window), in \(band())"
            }
            return "\(c.series[0]) / \(c.series[1]) \(column) at \(at) in \(band())"
        case .timeRatio: return "wall seconds per epoch: \(c.series[0]) / \(c.series[1]) in \(band())"
        case .reachesFirst:
            return "\(c.series[0]) reaches \(column) \(fmt(c.target!)) no later than \(c.series[1])" + (c.x == "wall_seconds" ? " in wall time" : "")
        case .reachRatio:
            return "\(c.x == "wall_seconds" ? "seconds" : "epochs") to reach \(column) \(fmt(c.target!)): \(c.series[0]) / \(c.series[1]) in \(band())"
        case .neverDiverges: return c.series.isEmpty ? "no arm diverges" : "\(c.series.joined(separator: ", ")) never diverge(s)"
        case .bestPoint:
            return "best \(c.hyperparameter!) (\(selection(c.selection))) at epoch \(c.epoch!) " + (c.bestIs.map { "is \($0)" } ?? "in \(band())")
        case .breaksDown:
            if let k = c.atLeast ?? c.atMost {
                return "at \(c.atLeast != nil ? "least" : "most") \(k) points with \(selection(c.selection)) diverge or end above \(fmt(c.factor)) x their counterparts with \(selection(c.holds)) (epoch \(c.epoch!))"
            }
            return "\(selection(c.selection)) breaks down where \(selection(c.holds)) holds (epoch \(c.epoch!))"
        case .paperValues:
            return "\(c.series[0]) \(column) within x\(fmt(c.tolerance!)) of the paper's points"
        }
    }

    /// Rows "| epoch | arm ours / paper | … |" at up to six of the paper's epochs that we also have,
    /// then the two ends side by side (ours at `lastEpoch`, each series' last value in the paper)
    /// unless the last row already shows both: what a run ends at is what its claims are about.
    /// Epochs are ours; the paper's point at x faces our epoch x + the shift.
    static func comparison(paper: PaperValues, checker: ClaimChecker, arms: [String], column: String, lastEpoch: Int) -> [String] {
        let shift = paper.shift
        // Each series' plotted values by the paper's x (points above the axis have none).
        var values: [String: [Double: Double]] = [:], order: [String] = []
        for (name, _, points) in paper.series where arms.contains(name) {
            let known = points.compactMap { p in p.value.map { (p.epoch - shift, $0) } }
            guard !known.isEmpty else { continue }
            order.append(name)
            values[name] = Dictionary(known, uniquingKeysWith: { _, last in last })
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
                  "Generated by `adam-bench report` from the committed results; each section's claims come from its config's `claims`: "
                  + "the paper's text, checked (PASS, FAIL, NO DATA), and agreement with the paper's plotted values.", "",
                  "| results | seeds | text claims | PASS | FAIL | NO DATA | plotted values agree | compute (summed over points) |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for s in sections {
            let text = s.outcomes.filter { !$0.claim.kind.isAgreement }.map(\.outcome.verdict)
            let agreement = s.outcomes.filter { $0.claim.kind.isAgreement }.map(\.outcome.verdict)
            let count = { (v: ClaimOutcome.Verdict) in text.filter { $0 == v }.count }
            let agree = agreement.isEmpty ? "–" : "\(agreement.filter { $0 == .pass }.count) of \(agreement.count)"
            md.append("| \(s.name) | \(s.seeds) | \(text.count) | \(count(.pass)) | \(count(.fail)) | \(count(.noData)) | \(agree) | \(duration(s.computeSeconds)) |")
        }
        md.append("")
        return (md + sections.map(\.markdown)).joined(separator: "\n")
    }
}

// From a results folder (curves.csv, summary.csv, manifest.json) to a plot panel.
import Config
import Datasets
import Foundation

public enum ResultsPlot {
    /// Reads a results folder. `override` changes the config's plot settings.
    public static func panel(directory: String, override: (inout PlotSettings) -> Void) throws -> PlotPanel {
        try panels(directory: directory, override: override)[0]
    }

    /// The panels of a results folder: one, or one per entry of the config's `plot.panels`.
    public static func panels(directory: String, override: (inout PlotSettings) -> Void) throws -> [PlotPanel] {
        let settings = self.settings(directory: directory)
        guard !settings.panels.isEmpty else { return [try onePanel(directory: directory, override: override)] }
        return try settings.panels.map { entry in
            var panel = try onePanel(directory: directory) { s in
                s = s.applying(entry)
                override(&s)
            }
            if let title = entry.title { panel.title = title }
            return panel
        }
    }

    /// The panels `plot` draws for a results folder: a sweep's grid of small panels, or the
    /// config's panels with the paper's values (figures.csv rows of `paperFigure`, default the
    /// config's `plot.paper_figure`) beside ours. `adjustSweep` changes a sweep's panels.
    public static func figurePanels(directory: String, paper: CSVTable?, paperFigure: String? = nil, epoch: Int?,
                                    adjustSweep: (inout PlotPanel) -> Void = { _ in },
                                    override: (inout PlotSettings) -> Void) throws -> [PlotPanel] {
        try OutputFiles.checkNoInterruptedCommit(in: directory)
        if let sweep = try sweepPanels(directory: directory, epoch: epoch, paper: paper) {
            return sweep.map { var p = $0; adjustSweep(&p); return p }
        }
        let settings = self.settings(directory: directory)
        return try panels(directory: directory, override: override).map { panel in
            var panel = panel
            // The paper's values are per epoch (not drawn on a wall-time axis) and in the units of
            // the plot's own column (not drawn on a panel of another column, as Figure 2 (a)'s
            // loss without dropout).
            let paperUnits = panel.yLabel == settings.column.replacingOccurrences(of: "_", with: " ")
            if let paper, panel.xLabel != "seconds", paperUnits, let figure = paperFigure ?? settings.paperFigure {
                addPaper(paper, figure: figure, shift: settings.paperShift, to: &panel)
            }
            return panel
        }
    }

    /// The plot settings of the config a results folder ran (defaults when it has none).
    public static func settings(directory: String) -> PlotSettings {
        let path = (directory as NSString).appendingPathComponent("manifest.json")
        guard let data = try? FileInput.read(path, limit: FileInput.configLimit),
              let text = String(validating: data, as: UTF8.self), let manifest = try? JSON.parse(text),
              let plot = manifest["config"]?["plot"] else { return PlotSettings() }
        return (try? PlotSettings.parse(plot)) ?? PlotSettings()
    }

    /// Adds the paper's curves of `figure` (rows of figures.csv) beside ours, each in the colour of
    /// the arm of the same name ("adagrad+dropout" matches the arm "adagrad-dropout"), its x moved
    /// by `shift` epochs.
    public static func addPaper(_ table: CSVTable, figure: String, shift: Double, to panel: inout PlotPanel) {
        let paper = PaperValues(table, figure: figure, shift: shift)
        let ours = panel.series.map { PaperValues.armName($0.name) }
        for (name, label, points) in paper.series {
            // A point above the paper's axis (no value) is a gap.
            var series = PlotSeries(name: "paper: \(label)", points: points.map { ($0.epoch, $0.value ?? .nan) })
            series.reference = true
            series.matches = ours.firstIndex(of: name)
            panel.series.append(series)
        }
    }

    static func onePanel(directory: String, override: (inout PlotSettings) -> Void) throws -> PlotPanel {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        let curves = try CSVTable.read(path("curves.csv"))
        var settings = PlotSettings()
        var title = (directory as NSString).lastPathComponent
        if let data = try? FileInput.read(path("manifest.json"), limit: FileInput.configLimit),
           let text = String(validating: data, as: UTF8.self), let manifest = try? JSON.parse(text) {
            if case .string(let name)? = manifest["config"]?["name"] { title = name }
            if let plot = manifest["config"]?["plot"] { settings = (try? PlotSettings.parse(plot)) ?? settings }
        }
        override(&settings)
        let wallClock = settings.x == "wall_seconds"
        guard let armColumn = curves.header.firstIndex(of: "arm"), let seedColumn = curves.header.firstIndex(of: "seed"),
              let xColumn = curves.header.firstIndex(of: wallClock ? "epoch" : settings.x) else {
            throw OutputError(path: path("curves.csv"), problem: "lacks the arm, seed or \(settings.x) column; is it an adam-bench curves file?")
        }
        // Wall seconds: each arm's measured time to the end of each epoch (timings.csv), linear
        // within an epoch for rows logged mid-epoch.
        var elapsed: [String: [Double]] = [:]
        if wallClock {
            let timings = try CSVTable.read(path("timings.csv"))
            guard let a = timings.header.firstIndex(of: "arm"), let sd = timings.header.firstIndex(of: "seed"),
                  let e = timings.header.firstIndex(of: "epoch"), let w = timings.header.firstIndex(of: "wall_seconds") else {
                throw OutputError(path: path("timings.csv"), problem: "lacks the arm, seed, epoch or wall_seconds column")
            }
            for row in timings.rows {
                guard let epoch = Int(row[e]), let wall = Double(row[w]) else { continue }
                var list = elapsed["\(row[a])/\(row[sd])", default: [0]]
                while list.count < epoch { list.append(list.last!) }
                list.append(list.last! + wall)
                elapsed["\(row[a])/\(row[sd])"] = list
            }
        }
        func xValue(_ text: String, key: String) -> Double? {
            guard let v = Double(text) else { return nil }
            guard wallClock else { return v }
            guard let list = elapsed[key], !list.isEmpty else { return nil }
            let whole = Int(v.rounded(.down))
            if whole >= list.count - 1 { return list.last! }
            return list[whole] + (v - Double(whole)) * (list[whole + 1] - list[whole])
        }
        guard let yColumn = curves.header.firstIndex(of: settings.column) else {
            throw OutputError(path: path("curves.csv"), problem: "has no column \(settings.column) (it has \(curves.header.joined(separator: ", ")))")
        }
        var diverged = Set<String>()
        if let summary = try? CSVTable.read(path("summary.csv")), let s = summary.header.firstIndex(of: "status"),
           let a = summary.header.firstIndex(of: "arm"), let sd = summary.header.firstIndex(of: "seed") {
            for row in summary.rows where row[s] == "diverged" { diverged.insert("\(row[a])/\(row[sd])") }
        }
        // Each arm's rows per seed, in file order.
        var arms: [String] = [], seedsOf: [String: [String]] = [:], rows: [String: [(key: String, x: Double, y: Double)]] = [:]
        for row in curves.rows {
            let arm = row[armColumn], seed = row[seedColumn], key = "\(arm)/\(seed)"
            if seedsOf[arm] == nil { arms.append(arm); seedsOf[arm] = [] }
            if !seedsOf[arm]!.contains(seed) { seedsOf[arm]!.append(seed); rows[key] = [] }
            guard !row[yColumn].isEmpty, let x = xValue(row[xColumn], key: key), let y = Double(row[yColumn]) else { continue }
            rows[key]!.append((row[xColumn], x, y))
        }
        // One series per arm: its curve, or with several seeds their mean with a band from the
        // lowest to the highest seed (README, "Checking results: diff, plot, golden curves").
        let series = arms.map { arm -> PlotSeries in
            let seeds = seedsOf[arm]!
            let anyDiverged = seeds.contains { diverged.contains("\(arm)/\($0)") }
            guard seeds.count > 1 else { return PlotSeries(name: arm, points: rows["\(arm)/\(seeds[0])"]!.map { ($0.x, $0.y) }, diverged: anyDiverged) }
            return seedBand(arm, seeds.map { rows["\(arm)/\($0)"]! }, diverged: anyDiverged)
        }
        var panel = PlotPanel(title: title, xLabel: settings.x == "epoch" ? "epochs" : wallClock ? "seconds" : "iterations",
                              yLabel: settings.column.replacingOccurrences(of: "_", with: " "), logY: settings.logY, series: series)
        panel.yMin = settings.yMin
        panel.yMax = settings.yMax
        panel.xMin = settings.xMin
        panel.xMax = settings.xMax
        return panel
    }
}

extension ResultsPlot {
    /// An arm run with several seeds as one series: at each logged x (matched by the x column's
    /// text, so the same iteration of every seed) the mean of the seeds' values, and a band from
    /// their minimum to their maximum. Where a seed has no finite value (it diverged or stopped
    /// earlier) the line and band break, so a mean over fewer seeds is never drawn. On the
    /// wall-time axis x is the seeds' mean time.
    static func seedBand(_ arm: String, _ seeds: [[(key: String, x: Double, y: Double)]], diverged: Bool) -> PlotSeries {
        var keys: [String] = [], xs: [String: [Double]] = [:], ys: [String: [Double]] = [:]
        for rows in seeds {
            for r in rows {
                if xs[r.key] == nil { keys.append(r.key) }
                xs[r.key, default: []].append(r.x)
                ys[r.key, default: []].append(r.y)
            }
        }
        var points: [(x: Double, y: Double)] = [], band: [(x: Double, lo: Double, hi: Double)] = []
        for key in keys.sorted(by: { Double($0) ?? 0 < Double($1) ?? 0 }) {
            let x = xs[key]!.reduce(0, +) / Double(xs[key]!.count), values = ys[key]!
            guard values.count == seeds.count, values.allSatisfy(\.isFinite) else {
                points.append((x, .nan))
                band.append((x, .nan, .nan))
                continue
            }
            points.append((x, values.reduce(0, +) / Double(values.count)))
            band.append((x, values.min()!, values.max()!))
        }
        var series = PlotSeries(name: arm, points: points, diverged: diverged)
        series.band = band
        series.seeds = seeds.count
        return series
    }

    /// The Figure 4 layout for a sweep over lr: loss at `epoch` (default: every read epoch, side
    /// by side; seeds averaged) against log10(lr), a line per value of `lineKey` (default
    /// bias_correction: corrected red, uncorrected green, as the paper), one small panel per
    /// combination of the other varied hyperparameters; with two or more of them the first picks
    /// the row (the paper: a row per β1, columns β2 after 10 then after 100 epochs). With `paper`,
    /// the config's plot.paper_figure points of each panel are drawn as markers. Diverged or missing points
    /// break the lines. Returns nil when the folder holds no sweep over lr.
    public static func sweepPanels(directory: String, epoch: Int?, lineKey: String = "bias_correction",
                                   paper: CSVTable? = nil) throws -> [PlotPanel]? {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        guard let data = try? FileInput.read(path("manifest.json"), limit: FileInput.configLimit), let text = String(validating: data, as: UTF8.self),
              let manifest = try? JSON.parse(text), let configJSON = manifest["config"],
              let config = try? ExperimentConfig.parse(configJSON), let sweep = config.sweep,
              sweep.grid.contains(where: { $0.key == "lr" }) else { return nil }
        let summary = try CSVTable.read(path("summary.csv"))
        // Every read epoch side by side (the paper: 10, then 100), unless one is asked for.
        let epochs = epoch.map { [$0] } ?? (sweep.readEpochs.isEmpty ? [config.training.epochs] : sweep.readEpochs)
        var yIndex: [Int: Int] = [:]
        for e in epochs {
            let column = "eval_train_loss_epoch_\(e)"
            guard let i = summary.header.firstIndex(of: column) else {
                throw OutputError(path: path("summary.csv"), problem: "has no column \(column); the sweep reads epochs \(sweep.readEpochs)")
            }
            yIndex[e] = i
        }
        // With two or more other keys the first one picks the row (the paper: a row per beta1),
        // the rest and the epoch the column.
        let panelKeys = sweep.grid.map(\.key).filter { $0 != "lr" && $0 != lineKey }
        let rowKey = panelKeys.count >= 2 ? panelKeys[0] : nil
        let columnKeys = rowKey == nil ? panelKeys : Array(panelKeys.dropFirst())
        func value(_ row: [String], _ key: String) -> String { summary.header.firstIndex(of: key).map { row[$0] } ?? "" }
        struct Key: Hashable { let row: String, epoch: Int, column: String }
        var panels: [Key: [String: [(x: Double, y: Double)]]] = [:]
        var rowOrder: [String] = [], columnOrder: [String] = [], lineOrder: [String] = []
        for row in SummaryCSV.seedRows(summary).rows {
            // Only the swept arm's points; other arms of the config are not part of the grid.
            guard value(row, "arm").hasPrefix("\(sweep.arm)["), let lr = Double(value(row, "lr")), lr > 0 else { continue }
            let rowName = rowKey.map { "\($0) = \(value(row, $0))" } ?? ""
            let columnName = columnKeys.map { "\($0) = \(value(row, $0))" }.joined(separator: ", ")
            let line = sweep.grid.contains(where: { $0.key == lineKey }) ? "\(lineKey) = \(value(row, lineKey))" : "adam"
            if !rowOrder.contains(rowName) { rowOrder.append(rowName) }
            if !columnOrder.contains(columnName) { columnOrder.append(columnName) }
            if !lineOrder.contains(line) { lineOrder.append(line) }
            for e in epochs {
                let cell = row[yIndex[e]!]
                panels[Key(row: rowName, epoch: e, column: columnName), default: [:]][line, default: []]
                    .append((log10(lr), cell.isEmpty ? Double.nan : (Double(cell) ?? .nan)))
            }
        }
        var result: [PlotPanel] = []
        for (r, rowName) in rowOrder.enumerated() {
            for e in epochs {
                for columnName in columnOrder {
                    guard let lines = panels[Key(row: rowName, epoch: e, column: columnName)] else { continue }
                    var series = lineOrder.map { line -> PlotSeries in
                        // Seeds of one point are averaged; if any seed diverged the point is a gap, so a
                        // breakdown is never hidden by the mean.
                        let raw = lines[line] ?? []
                        var xs: [Double] = []
                        for p in raw where !xs.contains(p.x) { xs.append(p.x) }
                        let points = xs.sorted().map { x -> (x: Double, y: Double) in
                            let ys = raw.filter { $0.x == x }.map(\.y)
                            return (x, ys.contains { !$0.isFinite } ? .nan : ys.reduce(0, +) / Double(ys.count))
                        }
                        var s = PlotSeries(name: line, points: points)
                        // The paper's colours: bias-corrected red, uncorrected green.
                        if line == "bias_correction = true" { s.color = "#d62728" }
                        if line == "bias_correction = false" { s.color = "#2ca02c" }
                        return s
                    }
                    let names = [rowName, columnName].filter { !$0.isEmpty }.joined(separator: ", ")
                    if let paper, let figure = config.plot?.paperFigure {
                        series += paperPoints(paper, figure: figure, panel: "epochs=\(e) " + names.replacingOccurrences(of: " = ", with: "=")
                                                .replacingOccurrences(of: ", ", with: " "), lines: series)
                    }
                    var panel = PlotPanel(title: (names.isEmpty ? config.name : names) + (epochs.count > 1 ? ", \(e) epochs" : ""),
                                          xLabel: "log10(learning rate)", yLabel: "loss after \(e) epochs",
                                          logY: config.plot?.logY ?? false, series: series)
                    panel.yMin = config.plot?.yMin
                    panel.yMax = config.plot?.yMax
                    if rowKey != nil { panel.gridRow = r }
                    result.append(panel)
                }
            }
        }
        return result
    }

    /// The paper's points of one Figure 4 panel (figures.csv: panel "epochs=10 beta1=0.9 beta2=0.99",
    /// series "bias_correction=true", x the step size), as markers at log10(x) in the colour of
    /// our line of the same setting.
    static func paperPoints(_ table: CSVTable, figure: String, panel: String, lines: [PlotSeries]) -> [PlotSeries] {
        guard let f = table.header.firstIndex(of: "figure"), let pn = table.header.firstIndex(of: "panel"),
              let s = table.header.firstIndex(of: "series"), let x = table.header.firstIndex(of: "x"),
              let y = table.header.firstIndex(of: "y") else { return [] }
        var order: [String] = [], points: [String: [(x: Double, y: Double)]] = [:]
        for row in table.rows where row[f] == figure && row[pn] == panel {
            guard let xv = Double(row[x]), xv > 0, let yv = Double(row[y]) else { continue }
            if points[row[s]] == nil { order.append(row[s]); points[row[s]] = [] }
            points[row[s]]!.append((log10(xv), yv))
        }
        return order.map { name in
            var series = PlotSeries(name: "paper: \(name)", points: points[name]!)
            series.reference = true
            series.matches = lines.firstIndex { $0.name.replacingOccurrences(of: " = ", with: "=") == name }
            return series
        }
    }
}

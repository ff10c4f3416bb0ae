// `adam-bench plot RESULT_DIR... [-o FILE.svg] [--column C] [--log-y|--linear-y] [--x epoch|iteration|wall_seconds] [--paper FIGURES.csv [--paper-figure F]]`
import Config
import Results
import Training
import Foundation

enum PlotCommand {
    static func main(_ args: [String]) throws -> ExitStatus {
        let a = try Arguments(args, valued: ["-o", "--out", "--column", "--x", "--y-min", "--y-max", "--epoch", "--paper", "--paper-figure"],
                              switches: ["--log-y", "--linear-y"])
        guard !a.positional.isEmpty else { throw UsageError("plot takes one or more results folders, e.g. adam-bench plot results/mnist-logreg") }
        if a.has("--log-y") && a.has("--linear-y") { throw UsageError("give --log-y or --linear-y, not both") }
        if let c = a.value("--column"), !["train_loss", "eval_train_loss", "test_loss", "test_accuracy"].contains(c) {
            throw UsageError("--column: must be train_loss, eval_train_loss, test_loss or test_accuracy, got '\(c)'")
        }
        if let x = a.value("--x"), !["epoch", "iteration", "wall_seconds"].contains(x) {
            throw UsageError("--x: must be epoch, iteration or wall_seconds, got '\(x)'")
        }
        func bound(_ flag: String) throws -> Double? {
            guard let t = a.value(flag) else { return nil }
            guard let v = Double(t), v.isFinite else { throw UsageError("\(flag): must be a number, got '\(t)'") }
            return v
        }
        let yMin = try bound("--y-min"), yMax = try bound("--y-max")
        let output = a.value("-o") ?? a.value("--out")
        let override = { (s: inout PlotSettings) in
            if let c = a.value("--column") { s.column = c }
            if a.has("--log-y") { s.logY = true }
            if a.has("--linear-y") { s.logY = false }
            if let x = a.value("--x") { s.x = x }
            if let yMin { s.yMin = yMin }
            if let yMax { s.yMax = yMax }
        }
        let epoch = try a.int("--epoch", min: 1)
        var panels: [(String, PlotPanel)] = []
        // The paper's values (figures.csv), drawn beside ours.
        var paper: CSVTable? = nil
        if let file = a.value("--paper") {
            do { paper = try CSVTable.read(file) } catch let e as OutputError {
                printErr("adam-bench: error: --paper: \(e)")
                return .data
            }
        }
        do {
            for dir in a.positional {
                // A sweep over lr gets the Figure 4 layout: a small panel per β1, β2.
                let adjust = { (p: inout PlotPanel) in
                    if let yMin { p.yMin = yMin }
                    if let yMax { p.yMax = yMax }
                    if a.has("--log-y") { p.logY = true }
                }
                panels += try ResultsPlot.figurePanels(directory: dir, paper: paper, paperFigure: a.value("--paper-figure"),
                                                       epoch: epoch, adjustSweep: adjust, override: override).map { (dir, $0) }
            }
        } catch let e as OutputError {
            printErr("adam-bench: error: \(e)")
            return .data
        }
        if let output {
            // All folders side by side in one file, as the paper's multi-panel figures.
            try OutputFiles.writeAtomically(SVGPlot.render(panels.map(\.1)), to: output)
            printErr("wrote \(output)")
        } else {
            for dir in a.positional {
                let path = (dir as NSString).appendingPathComponent("plot.svg")
                try OutputFiles.writeAtomically(SVGPlot.render(panels.filter { $0.0 == dir }.map(\.1)), to: path)
                printErr("wrote \(path)")
            }
        }
        return .success
    }
}

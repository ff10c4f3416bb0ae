// `diff` on equal and differing files, and `plot` producing well-formed SVG for every kind of result.
@testable import Config
@testable import Results
@testable import Training
import Foundation
import FoundationXML
import TestSupport
import Testing

let expectedCurves = """
arm,seed,epoch,iteration,train_loss,eval_train_loss,test_loss,test_accuracy
adam,1,0,0,,2.3,2.3,0.1
adam,1,1,10,0.5,0.4,0.45,0.9
sgd,1,0,0,,2.3,2.3,0.1
sgd,1,1,10,nan,,,
"""

func table(_ text: String) throws -> CSVTable { try CSVTable.parse(text, path: "t.csv") }

@Test func equalFilesAreEqual() throws {
    let d = ResultsDiff.compare(expected: try table(expectedCurves), actual: try table(expectedCurves), rtol: 0, atol: 0)
    #expect(d.isEqual && d.keyColumns == ["arm", "seed", "iteration"] && d.comparedCells == 20)
}

@Test func differencesWithinAndBeyondTolerance() throws {
    let actual = try table(expectedCurves.replacingOccurrences(of: "adam,1,1,10,0.5,0.4", with: "adam,1,1,10,0.5001,0.4"))
    #expect(!ResultsDiff.compare(expected: try table(expectedCurves), actual: actual, rtol: 0, atol: 0).isEqual)
    #expect(ResultsDiff.compare(expected: try table(expectedCurves), actual: actual, rtol: 1e-3, atol: 0).isEqual)
    let d = ResultsDiff.compare(expected: try table(expectedCurves), actual: actual, rtol: 1e-5, atol: 0)
    #expect(d.differences.count == 1)
    let diff = d.differences[0]
    #expect(diff.key == "arm=adam seed=1 iteration=10" && diff.column == "train_loss")
    #expect(abs(diff.relativeError! - 2e-4) < 1e-9)
    let report = d.report(expectedPath: "e.csv", actualPath: "a.csv", rtol: 1e-5, atol: 0)
    #expect(report.contains("arm=adam seed=1 iteration=10 train_loss: expected 0.5, actual 0.5001 (relative error 0.0002)"))
    #expect(report.contains("1 of 20 cells differ beyond rtol 1e-05, atol 0.0"))
}

@Test func nanAndEmptyCellsAreExplicit() throws {
    // NaN equals NaN, empty equals empty; NaN against a number or empty against a value differs.
    let nanToNumber = try table(expectedCurves.replacingOccurrences(of: "sgd,1,1,10,nan,,,", with: "sgd,1,1,10,0.3,,,"))
    let emptyToValue = try table(expectedCurves.replacingOccurrences(of: "sgd,1,1,10,nan,,,", with: "sgd,1,1,10,nan,0.2,,"))
    let e = try table(expectedCurves)
    #expect(ResultsDiff.compare(expected: e, actual: nanToNumber, rtol: 1, atol: 1).differences.map(\.column) == ["train_loss"])
    let d = ResultsDiff.compare(expected: e, actual: emptyToValue, rtol: 1, atol: 1)
    #expect(d.differences.map(\.column) == ["eval_train_loss"])
    #expect(d.report(expectedPath: "e", actualPath: "a", rtol: 1, atol: 1).contains("expected (empty), actual 0.2"))
}

@Test func missingAndExtraRowsAndChangedHeader() throws {
    let lines = expectedCurves.split(separator: "\n").map(String.init)
    let missing = try table(lines.filter { !$0.hasPrefix("sgd,1,0,0") }.joined(separator: "\n"))
    let d = ResultsDiff.compare(expected: try table(expectedCurves), actual: missing, rtol: 0, atol: 0)
    #expect(d.missingRows == ["arm=sgd seed=1 iteration=0"] && !d.isEqual)
    let reverse = ResultsDiff.compare(expected: missing, actual: try table(expectedCurves), rtol: 0, atol: 0)
    #expect(reverse.extraRows == ["arm=sgd seed=1 iteration=0"])
    let renamed = try table(expectedCurves.replacingOccurrences(of: "test_accuracy", with: "test_acc"))
    let h = ResultsDiff.compare(expected: try table(expectedCurves), actual: renamed, rtol: 0, atol: 0)
    #expect(h.missingColumns == ["test_accuracy"] && h.extraColumns == ["test_acc"])
    #expect(h.report(expectedPath: "e", actualPath: "a", rtol: 0, atol: 0).hasPrefix("header differs: missing in a: test_accuracy. not in e: test_acc."))
}

@Test func summaryFilesAreKeyedByArmAndSeed() throws {
    #expect(ResultsDiff.keys(["arm", "seed", "status", "final_epoch"]) == ["arm", "seed"])
    #expect(ResultsDiff.keys(["arm", "seed", "epoch", "wall_seconds"]) == ["arm", "seed", "epoch"])
}

@Test func malformedCSVIsRefused() {
    #expect(throws: OutputError.self) { try CSVTable.parse("a,b\n1,2,3\n", path: "x") }
    #expect(throws: OutputError.self) { try CSVTable.parse("", path: "x") }
}

/// Parses SVG text as XML: well-formed or not.
func isWellFormedXML(_ text: String) -> Bool {
    XMLParser(data: Data(text.utf8)).parse()
}

@Test(arguments: [false, true])
func plotsAreWellFormedSVGWithEveryArm(_ logY: Bool) throws {
    let dir = TemporaryDirectory()
    _ = dir.write(expectedCurves, to: "r/curves.csv")
    _ = dir.write("arm,seed,status\nadam,1,ok\nsgd,1,diverged\n", to: "r/summary.csv")
    _ = dir.write("{\"config\": {\"name\": \"a<b & c\", \"plot\": {\"column\": \"test_loss\"}}}", to: "r/manifest.json")
    let panel = try ResultsPlot.panel(directory: dir.file("r")) { $0.logY = logY; $0.column = "eval_train_loss" }
    #expect(panel.title == "a<b & c" && panel.series.map(\.name) == ["adam", "sgd"])
    #expect(panel.series[1].diverged && panel.logY == logY)
    let svg = SVGPlot.render([panel, panel])
    #expect(isWellFormedXML(svg))
    #expect(svg.contains(">adam</text>") && svg.contains(">sgd (diverged)</text>") && svg.contains("a&lt;b &amp; c"))
    #expect(logY ? svg.contains("10<tspan") : !svg.contains("10<tspan"))
}

@Test func plotsSurviveNaNInfinityAndEmptySeries() {
    let series = [PlotSeries(name: "x", points: [(0, 1), (1, .nan), (2, .infinity), (3, 0.5), (4, -1)], diverged: true),
                  PlotSeries(name: "empty", points: [])]
    for logY in [false, true] {
        let svg = SVGPlot.render([PlotPanel(title: "t", xLabel: "epochs", yLabel: "loss", logY: logY, series: series)])
        #expect(isWellFormedXML(svg) && !svg.contains("nan") && !svg.contains("inf"))
    }
    #expect(SVGPlot.niceStep(0.37) == 0.5 && SVGPlot.niceStep(12) == 10 && SVGPlot.tickLabel(0.30000000000000004) == "0.3")
}

@Test func plotSettingsComeFromTheConfig() throws {
    let ok = try PlotSettings.parse(JSON.parse("{\"column\": \"test_loss\", \"log_y\": true, \"y_min\": 0.01}"))
    #expect(ok.column == "test_loss" && ok.logY && ok.yMin == 0.01)
    for (json, path) in [("{\"column\": \"loss\"}", "plot.column"), ("{\"log_y\": true, \"y_min\": 0}", "plot.y_min"),
                         ("{\"y_min\": 2, \"y_max\": 1}", "plot.y_max"), ("{\"logy\": true}", "plot.logy")] {
        do { _ = try PlotSettings.parse(JSON.parse(json)); Issue.record("accepted \(json)") } catch let e as ConfigError { #expect(e.path == path) }
    }
}

/// Axis computation terminates with a handful of finite ticks inside the axis for every finite
/// input (issue 9, class 4): constant, huge, tiny, denormal, negative and mixed ranges, on
/// linear and log axes, through the whole renderer (a curve of 1e16s used to hang it).
@Test func axesTerminateWithFewTicksForEveryFiniteRange() {
    var values: [Double] = [0, -0.0, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
    for e in stride(from: -320, through: 308, by: 7) {
        let x = pow(10, Double(e))
        values += [x, -x, x * 1.7, x.nextUp]
    }
    var cases = 0
    for lo in values {
        for hi in [lo, lo.nextUp, lo * (1 + 1e-15), lo + 1, lo * 2, -lo, 1e16, 3] where hi.isFinite {
            for (roundLo, roundHi) in [(true, true), (false, false)] {
                let axis = SVGPlot.linearAxis(lo, hi, ticks: 5, roundLo: roundLo, roundHi: roundHi)
                #expect(axis.lo.isFinite && axis.hi.isFinite && axis.lo < axis.hi, "\(lo) \(hi): \(axis.lo) \(axis.hi)")
                #expect((2...21).contains(axis.ticks.count) && axis.ticks.allSatisfy { $0.isFinite }, "\(lo) \(hi): \(axis.ticks.count)")
                cases += 1
            }
        }
    }
    #expect(cases > 1000)
    // The renderer on the shapes of the report: a diverged quadratic's 1e16s, constant curves.
    for ys in [[1e16, 1e16, 1e16], [1e16, 2e16, 5e17], [0.25, 0.25], [1e-310, 1e-310], [-3e300, 3e300], [1e300, 1e300]] {
        let series = [PlotSeries(name: "q", points: ys.enumerated().map { (Double($0.offset), $0.element) }, diverged: false)]
        for logY in [false, true] {
            let svg = SVGPlot.render([PlotPanel(title: "t", xLabel: "epochs", yLabel: "loss", logY: logY, series: series)])
            #expect(isWellFormedXML(svg), "\(ys)")
        }
    }
}

/// RFC 4180 (issue 9, class 9): CRLF or LF, quoted fields with commas, doubled quotes and line
/// breaks, a last line with or without its line end all read to the same table.
@Test func csvIsReadAsRFC4180() throws {
    let lf = "arm,seed,note\nadam,1,\"a, b\"\nsgd,2,\"say \"\"hi\"\"\nthen go\"\n"
    let expected = [["adam", "1", "a, b"], ["sgd", "2", "say \"hi\"\nthen go"]]
    for text in [lf, lf.replacingOccurrences(of: "\n", with: "\r\n"), String(lf.dropLast()),
                 String(lf.replacingOccurrences(of: "\n", with: "\r\n").dropLast())] {  // "\r\n" is one Character
        let t = try table(text)
        // A CRLF inside a quoted field is kept as written; compare with line ends normalised.
        #expect(t.header == ["arm", "seed", "note"])
        #expect(t.rows.map { $0.map { $0.replacingOccurrences(of: "\r\n", with: "\n") } } == expected, "\(text.debugDescription)")
    }
    // Python's csv module writes CRLF: a whole curves file so written diffs equal to ours.
    let crlf = try table(expectedCurves.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n")
    #expect(ResultsDiff.compare(expected: try table(expectedCurves), actual: crlf, rtol: 0, atol: 0).isEqual)
    for (bad, fragment) in [("a,b\n1,\"2\n", "line 2 has a quoted field that is never closed"),
                            ("a,b\n1,\"2\"x\n", "line 2 has text after the closing quote"),
                            ("a,b\n1,2\"3\n", "line 2 has a quote inside an unquoted field"),
                            ("a,b\n\"1\n2\",3\n4\n", "line 4 has 1 cells but the header has 2")] {
        do { _ = try table(bad); Issue.record("accepted \(bad.debugDescription)") } catch let e as OutputError {
            #expect(e.problem.contains(fragment), "\(e)")
        }
    }
}

/// A key that repeats (issue 9, class 8) is matched in order of appearance: a file never
/// differs from itself, and a changed second occurrence is named as such.
@Test func repeatedKeysAreMatchedInOrderOfAppearance() throws {
    let twice = expectedCurves + "\nadam,1,1,10,0.7,0.6,0.65,0.8"
    let t = try table(twice)
    #expect(ResultsDiff.compare(expected: t, actual: t, rtol: 0, atol: 0).isEqual)
    let changed = try table(twice.replacingOccurrences(of: "0.7,0.6,0.65,0.8", with: "0.7,0.6,0.65,0.81"))
    let d = ResultsDiff.compare(expected: t, actual: changed, rtol: 0, atol: 0)
    #expect(d.differences.map(\.key) == ["arm=adam seed=1 iteration=10 (occurrence 2)"] && d.differences[0].column == "test_accuracy")
    let once = ResultsDiff.compare(expected: t, actual: try table(expectedCurves), rtol: 0, atol: 0)
    #expect(once.missingRows == ["arm=adam seed=1 iteration=10 (occurrence 2)"])
}

/// The relative error is measured against the expected value (mutation: against the actual).
@Test func relativeErrorIsAgainstTheExpectedValue() throws {
    let e = try table("arm,seed,iteration,x\na,1,0,1\n"), a = try table("arm,seed,iteration,x\na,1,0,1.5\n")
    #expect(!ResultsDiff.compare(expected: e, actual: a, rtol: 0.4, atol: 0).isEqual)  // 0.5 / 1 > 0.4
    #expect(ResultsDiff.compare(expected: e, actual: a, rtol: 0.5, atol: 0).isEqual)
    #expect(ResultsDiff.compare(expected: a, actual: e, rtol: 0.34, atol: 0).isEqual)  // 0.5 / 1.5 < 0.34
}

@Test func panelsAndThePapersValuesFollowTheConfig() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    _ = dir.write("""
    arm,seed,epoch,iteration,train_loss,eval_train_loss,test_loss,test_accuracy
    adam-dropout,1,1,10,2.0,,,
    adam-dropout,1,2,20,1.0,,,
    adam-dropout,1,5,50,0.1,,,
    adagrad,1,1,10,2.5,,,
    adagrad,1,5,50,0.5,,,

    """, to: "r/curves.csv")
    _ = dir.write("""
    {"config": {"name": "fig", "plot": {"column": "train_loss", "paper_figure": "3", "paper_shift": 1,
     "panels": [{"title": "first 3 epochs", "x_max": 3, "log_y": false}, {"title": "all", "log_y": true}]}}}
    """, to: "r/manifest.json")
    let panels = try ResultsPlot.panels(directory: dir.file("r")) { _ in }
    #expect(panels.map(\.title) == ["first 3 epochs", "all"])
    #expect(panels[0].xMax == 3 && !panels[0].logY && panels[1].xMax == nil && panels[1].logY)
    let paper = try CSVTable.parse("""
    figure,panel,series,x,y,above
    3,CIFAR,adam+dropout,0,2.2,
    3,CIFAR,adam+dropout,1,,2.5
    3,CIFAR,sgd-nesterov,0,2.1,
    2a,MNIST,adam,0,9,

    """, path: "figures.csv")
    var panel = panels[1]
    ResultsPlot.addPaper(paper, figure: "3", shift: 1, to: &panel)
    #expect(panel.series.map(\.name) == ["adam-dropout", "adagrad", "paper: adam+dropout", "paper: sgd-nesterov"])
    let reference = panel.series[2]
    #expect(reference.reference && reference.matches == 0 && panel.series[3].matches == nil)
    // Shifted one epoch right; a point above the paper's axis is a gap.
    #expect(reference.points.count == 2 && reference.points[0].x == 1 && reference.points[0].y == 2.2 && reference.points[1].y.isNaN)
    let svg = SVGPlot.render([panels[0], panel])
    #expect(isWellFormedXML(svg) && svg.contains(">paper: adam+dropout</text>") && svg.contains(">first 3 epochs</text>"))
    // The reference line has its arm's colour (the first palette entry), dashed.
    #expect(svg.contains("stroke=\"#4e79a7\" stroke-dasharray=\"4,3\""))
    for (json, path) in [("{\"panels\": []}", "plot.panels"), ("{\"panels\": [{\"x_min\": 3, \"x_max\": 1}]}", "plot.panels[0].x_max"),
                         ("{\"panels\": [{\"logy\": true}]}", "plot.panels[0].logy")] {
        do { _ = try PlotSettings.parse(JSON.parse(json)); Issue.record("accepted \(json)") } catch let e as ConfigError { #expect(e.path == path) }
    }
}

@Test func aPanelCanPlotAgainstEachArmsMeasuredWallTime() throws {
    let dir = TemporaryDirectory()
    _ = dir.write("""
    arm,seed,epoch,iteration,train_loss,eval_train_loss,test_loss,test_accuracy
    adam,1,0,0,,2.0,,
    adam,1,1,10,,1.0,,
    adam,1,1.5,15,,0.8,,
    adam,1,2,20,,0.5,,
    sfo,1,0,0,,2.0,,
    sfo,1,1,25,,0.7,,

    """, to: "r/curves.csv")
    _ = dir.write("""
    arm,seed,epoch,wall_seconds,train_seconds,eval_seconds,checkpoint_seconds,examples_per_second
    adam,1,1,2.0,1.5,0.5,0,100
    adam,1,2,3.0,2.5,0.5,0,100
    sfo,1,1,10.0,9,1,0,30

    """, to: "r/timings.csv")
    _ = dir.write("""
    {"config": {"name": "fig", "plot": {"column": "eval_train_loss", "panels": [{"title": "epochs"}, {"title": "time", "x": "wall_seconds"}]}}}
    """, to: "r/manifest.json")
    let panels = try ResultsPlot.panels(directory: dir.file("r")) { _ in }
    #expect(panels[0].xLabel == "epochs" && panels[1].xLabel == "seconds")
    // Cumulative seconds at each epoch's end, linear inside an epoch (1.5 -> 2 + 0.5 x 3).
    #expect(panels[1].series[0].points.map(\.x) == [0, 2, 3.5, 5])
    #expect(panels[1].series[1].points.map(\.x) == [0, 10])
    do { _ = try PlotSettings.parse(JSON.parse("{\"x\": \"seconds\"}")); Issue.record("accepted x seconds") } catch let e as ConfigError {
        #expect(e.path == "plot.x" && e.message.contains("wall_seconds"))
    }
}

/// The legend goes to the inside corner that hides the fewest curves (ours before the paper's),
/// then the least ink, then top right, top left, bottom right, bottom left.
@Test func legendTakesTheCornerThatHidesLeast() {
    let plot = (x: 0.0, y: 0.0, width: 400.0, height: 300.0)
    func corner(_ lines: [(points: [(x: Double, y: Double)], weight: Int)]) -> (x: Double, y: Double) {
        SVGPlot.legendCorner(width: 100, height: 60, plot: plot, lines: lines)
    }
    let topRight = (x: 292.0, y: 8.0), topLeft = (x: 8.0, y: 8.0), bottomRight = (x: 292.0, y: 232.0)
    #expect(corner([]) == topRight)
    // Our curve from bottom left to top right: the top left is free.
    #expect(corner([(points: [(0, 300), (400, 0)], weight: 4)]) == topLeft)
    // Ours along the top; the paper's along the bottom: the paper's is hidden rather than ours.
    #expect(corner([(points: [(0, 20), (400, 20)], weight: 4), (points: [(0, 280), (400, 280)], weight: 1)]) == bottomRight)
    // Two paper curves under the top right and one under each other corner: the least ink
    // decides among those (the bottom right's 20-pixel stub).
    let lines: [(points: [(x: Double, y: Double)], weight: Int)] = [
        (points: [(250, 20), (400, 20)], weight: 1), (points: [(250, 40), (400, 40)], weight: 1),
        (points: [(0, 280), (90, 280)], weight: 1), (points: [(0, 30), (60, 30)], weight: 1),
        (points: [(380, 280), (400, 280)], weight: 1)]
    #expect(corner(lines) == bottomRight)
}

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

// The selection rule of `tune`: every statistic on curves made by hand (values that pass, and
// diverged, NaN, infinite, zero and negative ones), the ranking's order and ties, the config's
// forms and errors, the pick under every rule in the manifest and the report, and the committed
// tuned results re-collected byte for byte under the default rule.
@testable import Config
@testable import Results
@testable import Training
import Foundation
import Optim
import TestSupport
import Testing

/// A one-seed result whose eval_train_loss (or test_accuracy) at epochs 0, 1, 2, … is `values`.
func handCurve(_ values: [Double], status: ArmStatus = .ok, accuracy: Bool = false, name: String = "p") -> ArmResult {
    let rows = values.enumerated().map { e, v in
        CurveRow(epoch: Double(e), iteration: e, trainLoss: nil, evalTrainLoss: accuracy ? nil : v, testLoss: nil,
                 testAccuracy: accuracy ? v : nil)
    }
    let arm = ArmConfig(name: name, optimizer: "sgd", hyperparameters: Hyperparameters([]), schedule: .constant)
    return ArmResult(arm: arm, seed: 1, rows: rows, status: status, timings: [], wallSeconds: 0)
}

let last = SelectionRule(column: "eval_train_loss", statistic: .last)
let best = SelectionRule(column: "eval_train_loss", statistic: .best)
func meanLast(_ k: Int) -> SelectionRule { SelectionRule(column: "eval_train_loss", statistic: .meanLast, epochs: k) }
let meanLog = SelectionRule(column: "eval_train_loss", statistic: .meanLog)

struct StatisticCase: CustomStringConvertible, Sendable {
    var curve: [Double]
    var status: ArmStatus = .ok
    var rule: SelectionRule
    var through: Double? = nil
    var accuracy = false
    var expected: Double?
    var description: String {
        let window = through.map { "through epoch \($0)" } ?? "all rows"
        return "\(rule.name) of \(curve) (\(status)), \(window)"
    }
}

let halves = [2, 1, 0.5, 0.25, 0.125]  // epochs 0...4
let ln2 = log(2.0)

@Test(arguments: [
    // Values that pass: epoch 0 (the same start for every point) is never in a mean's window.
    StatisticCase(curve: halves, rule: last, expected: 0.125),
    StatisticCase(curve: halves, rule: best, expected: 0.125),
    StatisticCase(curve: halves, rule: meanLast(2), expected: (0.25 + 0.125) / 2),
    StatisticCase(curve: halves, rule: meanLast(10), expected: (1 + 0.5 + 0.25 + 0.125) / 4),
    StatisticCase(curve: halves, rule: meanLog, expected: -(0 + 1 + 2 + 3) * ln2 / 4),
    StatisticCase(curve: halves, rule: meanLast(2), through: 3, expected: (0.5 + 0.25) / 2),
    StatisticCase(curve: halves, rule: meanLog, through: 2, expected: -(0 + 1) * ln2 / 2),
    StatisticCase(curve: [1, 3, 1, 2], rule: best, expected: 1),
    // NaN inside the window: no score; before it: the window's mean; `last` reads past it.
    StatisticCase(curve: [2, 1, .nan, 0.25, 0.125], rule: meanLast(2), expected: 0.1875),
    StatisticCase(curve: [2, 1, .nan, 0.25, 0.125], rule: meanLast(3), expected: nil),
    StatisticCase(curve: [2, 1, .nan, 0.25, 0.125], rule: meanLog, expected: nil),
    StatisticCase(curve: [2, 1, .nan, 0.25, 0.125], rule: last, expected: 0.125),
    StatisticCase(curve: [2, 1, .nan, 0.25, 0.125], rule: best, expected: 0.125),
    // An infinite last value: nothing ranks it.
    StatisticCase(curve: [2, 1, .infinity], rule: last, expected: nil),
    StatisticCase(curve: [2, 1, .infinity], rule: meanLast(1), expected: nil),
    StatisticCase(curve: [2, 1, .infinity], rule: meanLog, expected: nil),
    // Diverged: never scored, unless it diverged after the window (row 3 is iteration 3).
    StatisticCase(curve: halves, status: .diverged(iteration: 3), rule: last, expected: nil),
    StatisticCase(curve: halves, status: .diverged(iteration: 3), rule: meanLog, expected: nil),
    StatisticCase(curve: halves, status: .diverged(iteration: 3), rule: meanLast(1), through: 2, expected: 0.5),
    StatisticCase(curve: halves, status: .diverged(iteration: 3), rule: meanLast(1), through: 3, expected: nil),
    // A loss of 0 is log(the smallest positive Float), so the curve that reaches 0 ranks first;
    // a negative one has no logarithm.
    StatisticCase(curve: [2, 1, 0], rule: meanLog, expected: log(Double(Float.leastNonzeroMagnitude)) / 2),
    StatisticCase(curve: [2, 1, -0.5], rule: meanLog, expected: nil),
    StatisticCase(curve: [2, 1, -0.5], rule: last, expected: -0.5),
    // Accuracy: mean_log is the mean of the values.
    StatisticCase(curve: [0.1, 0.5, 0.7], rule: SelectionRule(column: "test_accuracy", statistic: .meanLog), accuracy: true, expected: 0.6),
    StatisticCase(curve: [0.1, 0.5, 0.7], rule: SelectionRule(column: "test_accuracy", statistic: .last), accuracy: true, expected: 0.7),
    // A column the curve does not have.
    StatisticCase(curve: halves, rule: SelectionRule(column: "test_loss", statistic: .meanLog), expected: nil),
])
func everyStatisticOnGeneratedCurves(_ c: StatisticCase) {
    let score = Tuner.score(handCurve(c.curve, status: c.status, accuracy: c.accuracy), c.rule, through: c.through)
    if let expected = c.expected {
        #expect(score.map { abs($0 - expected) <= 1e-12 * max(1, abs(expected)) } == true, "\(c): \(String(describing: score))")
    } else {
        #expect(score == nil, "\(c): \(String(describing: score))")
    }
}

/// Best first; a tie keeps grid order; points without a score (diverged, NaN) come last, in grid
/// order; accuracy ranks highest first. Seeds are averaged before ranking.
@Test func theRankingIsBestFirstWithTiesInGridOrder() {
    let curves: [[Double]] = [[1, 0.5], [1, 0.25], [1, .nan], [1, 0.25], [1, 0.75]]
    let results = curves.map { handCurve($0) } + [handCurve([1, 0.1], status: .diverged(iteration: 1))]
    let ranked = Tuner.rank(Array(results.indices), last, seeds: 1) { results[$0] }
    #expect(ranked.map(\.point) == [1, 3, 0, 4, 2, 5])
    #expect(ranked.map(\.score) == [0.25, 0.25, 0.5, 0.75, nil, nil])
    let accuracy = [[0, 0.9], [0, 0.95], [0, 0.9]].map { handCurve($0, accuracy: true) }
    #expect(Tuner.rank([0, 1, 2], SelectionRule(column: "test_accuracy", statistic: .last), seeds: 1) { accuracy[$0] }.map(\.point) == [1, 0, 2])
    // Two seeds: point 0 scores (0.2 + 0.6) / 2 = 0.4, point 1 (0.5 + 0.5) / 2 = 0.5; a point with
    // one seed unscored has no score.
    let seeded = [[1, 0.2], [1, 0.6], [1, 0.5], [1, 0.5], [1, 0.1], [1, .nan]].map { handCurve($0) }
    let two = Tuner.rank([0, 1, 2], last, seeds: 2) { seeded[$0] }
    #expect(two.map(\.point) == [0, 1, 2] && two.map(\.score) == [0.4, 0.5, nil])
}

let ruleConfig = """
{"name": "rule", "dataset": {"name": "quadratic", "curvatures": [10, 1], "init": [1, 1]},
 "training": {"epochs": 30, "eval_every_epochs": 5},
 "arms": [{"name": "sgd", "optimizer": "sgd", "lr": 0.01}],
 "tune": {"grid": {"lr": [0.01, 0.1]}, "select": SELECT, "halving": {"rungs": [5, 10, 30], "keep": 0.5}}}
"""

func parseRule(_ select: String, halving: String? = nil) throws -> ExperimentConfig {
    var json = ruleConfig.replacingOccurrences(of: "SELECT", with: select)
    if let halving { json = json.replacingOccurrences(of: "{\"rungs\": [5, 10, 30], \"keep\": 0.5}", with: halving) }
    return try ExperimentConfig.parse(JSON.parse(json))
}

@Test func theSelectionRuleTakesTheOldStringsAndTheNewObject() throws {
    // The summary-column strings keep meaning what they meant, and stay strings in the resolved
    // config (so a manifest written before the rule existed reads the same).
    let old = try parseRule("\"final_train_loss\"")
    #expect(old.tune!.select == SelectionRule(column: "train_loss", statistic: .last))
    #expect(old.resolvedJSON["tune"]?["select"] == .string("final_train_loss"))
    #expect(try parseRule("\"best_test_accuracy\"").tune!.select == SelectionRule(column: "test_accuracy", statistic: .best))
    let mean = try parseRule("{\"column\": \"train_loss\", \"statistic\": \"mean_last\", \"epochs\": 10}")
    #expect(mean.tune!.select == SelectionRule(column: "train_loss", statistic: .meanLast, epochs: 10))
    #expect(mean.tune!.select.description == "mean train_loss over the last 10 epochs")
    #expect(try ExperimentConfig.parse(JSON.parse(mean.resolvedJSON.rendered())) == mean)
    let log = try parseRule("{\"column\": \"eval_train_loss\", \"statistic\": \"mean_log\"}")
    #expect(log.tune!.select.name == "mean_log" && log.tune!.select.description == "mean log eval_train_loss over all epochs")
    #expect(log.tune!.halving == Halving(rungs: [5, 10, 30], keep: 0.5))
    #expect(try ExperimentConfig.parse(JSON.parse(log.resolvedJSON.rendered())) == log)
    // No select: the last evaluated training loss, as before.
    let none = try ExperimentConfig.parse(JSON.parse(ruleConfig.replacingOccurrences(of: "\"select\": SELECT, ", with: "")))
    #expect(none.tune!.select == .default && SelectionRule.default.summaryColumn == "final_eval_train_loss")
    // The alternatives a report shows: last, the mean of the last 10 (or the rule's own k), mean log.
    #expect(none.tune!.select.alternatives.map(\.name) == ["last", "mean_last_10", "mean_log"])
    #expect(mean.tune!.select.alternatives.map(\.name) == ["last", "mean_last_10", "mean_log"])
    #expect(try parseRule("{\"column\": \"train_loss\", \"statistic\": \"mean_last\", \"epochs\": 3}").tune!.select.alternatives[1].epochs == 3)
    // --epochs shortens the run: later rungs go, the new end is the last rung, the window fits.
    let short = try mean.applying(ConfigOverrides(epochs: 8))
    #expect(short.tune!.halving!.rungs == [5, 8] && short.tune!.select.epochs == 8)
    #expect(try ExperimentConfig.parse(JSON.parse(short.resolvedJSON.rendered())) == short)
}

@Test(arguments: [
    ("\"lowest\"", nil, "tune.select"),
    ("\"final_loss\"", nil, "tune.select"),
    ("5", nil, "tune.select"),
    ("{\"statistic\": \"last\"}", nil, "tune.select.column"),
    ("{\"column\": \"loss\", \"statistic\": \"last\"}", nil, "tune.select.column"),
    ("{\"column\": \"train_loss\"}", nil, "tune.select.statistic"),
    ("{\"column\": \"train_loss\", \"statistic\": \"median\"}", nil, "tune.select.statistic"),
    ("{\"column\": \"train_loss\", \"statistic\": \"mean_last\"}", nil, "tune.select.epochs"),
    ("{\"column\": \"train_loss\", \"statistic\": \"mean_last\", \"epochs\": 0}", nil, "tune.select.epochs"),
    ("{\"column\": \"train_loss\", \"statistic\": \"mean_last\", \"epochs\": 31}", nil, "tune.select.epochs"),
    ("{\"column\": \"train_loss\", \"statistic\": \"mean_last\", \"epochs\": 2.5}", nil, "tune.select.epochs"),
    ("{\"column\": \"train_loss\", \"statistic\": \"mean_log\", \"epochs\": 10}", nil, "tune.select.epochs"),
    ("{\"column\": \"train_loss\", \"statistic\": \"mean_log\", \"window\": 10}", nil, "tune.select.window"),
    ("\"final_train_loss\"", "[5, 10, 30]", "tune.halving"),
    ("\"final_train_loss\"", "{\"keep\": 0.5}", "tune.halving.rungs"),
    ("\"final_train_loss\"", "{\"rungs\": [], \"keep\": 0.5}", "tune.halving.rungs"),
    ("\"final_train_loss\"", "{\"rungs\": 30, \"keep\": 0.5}", "tune.halving.rungs"),
    ("\"final_train_loss\"", "{\"rungs\": [5, 5, 30], \"keep\": 0.5}", "tune.halving.rungs[1]"),
    ("\"final_train_loss\"", "{\"rungs\": [10, 5, 30], \"keep\": 0.5}", "tune.halving.rungs[1]"),
    ("\"final_train_loss\"", "{\"rungs\": [5, 10, 20], \"keep\": 0.5}", "tune.halving.rungs[2]"),
    ("\"final_train_loss\"", "{\"rungs\": [5, 10, 35], \"keep\": 0.5}", "tune.halving.rungs[2]"),
    ("\"final_train_loss\"", "{\"rungs\": [0, 30], \"keep\": 0.5}", "tune.halving.rungs[0]"),
    ("\"final_train_loss\"", "{\"rungs\": [7, 30], \"keep\": 0.5}", "tune.halving.rungs[0]"),
    ("\"final_train_loss\"", "{\"rungs\": [\"5\", 30], \"keep\": 0.5}", "tune.halving.rungs[0]"),
    ("\"final_train_loss\"", "{\"rungs\": [5, 30]}", "tune.halving.keep"),
    ("\"final_train_loss\"", "{\"rungs\": [5, 30], \"keep\": 0}", "tune.halving.keep"),
    ("\"final_train_loss\"", "{\"rungs\": [5, 30], \"keep\": 1.5}", "tune.halving.keep"),
    ("\"final_train_loss\"", "{\"rungs\": [5, 30], \"keep\": \"half\"}", "tune.halving.keep"),
    ("\"final_train_loss\"", "{\"rungs\": [5, 30], \"keep\": 0.5, \"eta\": 3}", "tune.halving.eta"),
])
func selectionAndHalvingErrorsNameTheirPath(_ c: (String, String?, String)) throws {
    do {
        _ = try parseRule(c.0, halving: c.1)
        Issue.record("accepted \(c)")
    } catch let e as ConfigError {
        #expect(e.path == c.2, "\(e)")
    }
}

/// SFO keeps no checkpoint, so its points cannot stop at a rung.
@Test func halvingRefusesSFO() throws {
    let json = """
    {"name": "s", "dataset": {"name": "mnist"}, "model": {"kind": "logistic-regression"}, "training": {"epochs": 4},
     "arms": [{"name": "sfo", "optimizer": "sfo", "subfunctions": 10}, {"name": "adam", "optimizer": "adam"}],
     "tune": {"arm_grids": {"adam": {"lr": [0.001, 0.01]}, "sfo": {"subfunctions": [10, 20]}}, "halving": {"rungs": [2, 4], "keep": 0.5}}}
    """
    do { _ = try ExperimentConfig.parse(JSON.parse(json)); Issue.record("accepted") } catch let e as ConfigError {
        #expect(e.path == "tune.halving" && e.message.contains("sfo"), "\(e)")
    }
}

@Test(arguments: [(0.5, 4, 2), (0.5, 5, 3), (0.3, 10, 3), (0.1, 4, 1), (1.0, 7, 7), (0.25, 1, 1), (0.7, 10, 7)])
func halvingKeepsTheCeilingOfTheFraction(_ c: (Double, Int, Int)) {
    #expect(Halving(rungs: [1], keep: c.0).kept(of: c.1) == c.2, "\(c)")
}

/// The manifest and the report say which point each rule picks: here the last value picks one
/// point, the mean log over the horizon another (the curves cross at the end).
@Test func eachArmsPickUnderEveryRuleIsInTheManifestAndTheReport() throws {
    let json = """
    {"name": "rules", "dataset": {"name": "quadratic", "curvatures": [1], "init": [1]},
     "training": {"epochs": 4}, "arms": [{"name": "sgd", "optimizer": "sgd", "lr": 0.1}],
     "tune": {"grid": {"lr": [0.1, 0.2]}, "select": {"column": "eval_train_loss", "statistic": "mean_log"}}}
    """
    let c = try ExperimentConfig.parse(JSON.parse(json))
    // lr 0.1 is lower on average (in log), lr 0.2 lower at the last epoch.
    let curves = [[1, 0.1, 0.1, 0.1, 0.1], [1, 0.8, 0.8, 0.8, 0.05]]
    let results = zip(c.runArms, curves).map { arm, v in var r = handCurve(v); r.arm = arm; return r }
    let out = TemporaryDirectory()
    _ = try ResultsFolder.write(c, files: [], results: results, outRoot: out.path, threads: 1, started: Date())
    let tuning = try #require(try JSON.parse(out.read("rules/manifest.json")!)["tuning"])
    #expect(tuning["select"] == .object([("column", .string("eval_train_loss")), ("statistic", .string("mean_log"))]))
    #expect(tuning["rule"] == .string("mean log eval_train_loss over all epochs"))
    let arm = element(tuning["arms"], 0)
    #expect(arm?["chosen"] == .string("sgd[lr=0.1]"))
    #expect(element(arm?["by_rule"], 0)?["chosen"] == .string("sgd[lr=0.2]") && element(arm?["by_rule"], 0)?["score"] == .number(0.05))
    #expect(element(arm?["by_rule"], 1)?["rule"] == .string("mean_last_10") && element(arm?["by_rule"], 1)?["chosen"] == .string("sgd[lr=0.1]"))
    #expect(element(arm?["by_rule"], 2)?["chosen"] == .string("sgd[lr=0.1]"))
    let md = try Report.section(directory: out.file("rules"), paper: nil, image: "r.svg").markdown
    #expect(md.contains("each arm's point with the lowest mean log eval_train_loss over all epochs (`mean_log`)"), "\(md)")
    #expect(md.contains("| arm | last eval_train_loss | mean eval_train_loss over the last 10 epochs | mean log eval_train_loss over all epochs |"), "\(md)")
    #expect(md.contains("| sgd | **sgd[lr=0.2]** (0.05) | sgd[lr=0.1] (0.1) | sgd[lr=0.1] (-2.303) |"), "\(md)")
    #expect(!md.contains("Successive halving"))
}

/// Every committed results folder with its points (results/paper/FIGURE/NAME/points), re-collected,
/// gives the committed curves.csv, summary.csv, tuning.csv and timings.csv byte for byte: the
/// recorded configs (with their claims in older forms) still read, the default rule picks as it
/// did, and one-seed summaries carry no seed aggregates. A folder still training (points but no
/// curves.csv yet) is left out.
@Test func committedResultsRecollectByteForByte() throws {
    let root = packageRoot.appendingPathComponent("results/paper").path
    var folders: [String] = []
    for figure in (try? FileManager.default.contentsOfDirectory(atPath: root))?.sorted() ?? [] {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + figure))?.sorted() ?? []
        where FileManager.default.fileExists(atPath: "\(root)/\(figure)/\(name)/points/config.json")
            && FileManager.default.fileExists(atPath: "\(root)/\(figure)/\(name)/curves.csv") {
            folders.append("\(figure)/\(name)")
        }
    }
    guard folders.contains("figure2a/mnist-mlp-dropout") && folders.contains("figure4/vae-bias-correction") else {
        Issue.record("no committed points under \(root): \(folders)"); return
    }
    for folder in folders {
        let source = root + "/" + folder, name = (folder as NSString).lastPathComponent
        let out = TemporaryDirectory()
        try FileManager.default.copyItem(atPath: source, toPath: out.file(name))
        _ = try Points.collect(directory: out.file(name))
        for file in ["curves.csv", "summary.csv", "tuning.csv", "timings.csv"] where FileManager.default.fileExists(atPath: source + "/" + file) {
            let committed = try String(contentsOfFile: source + "/" + file, encoding: .utf8)
            #expect(out.read("\(name)/\(file)") == committed, "\(folder)/\(file)")
        }
    }
}

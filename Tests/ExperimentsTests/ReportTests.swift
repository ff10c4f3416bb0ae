// Claims as data: every kind passing and failing on generated results, every claim error naming
// its JSON path, and `report` on a tiny run, byte for byte.
@testable import Config
@testable import Results
@testable import Training
import Foundation
import TestSupport
import Testing

let claimCurves = """
arm,seed,epoch,iteration,train_loss,eval_train_loss,test_loss,test_accuracy
adam,1,0,0,,2.3,2.3,0.1
adam,1,1,10,0.9,0.5,0.6,0.8
adam,1,2,20,0.4,0.2,0.3,0.9
sgd,1,0,0,,2.3,2.3,0.1
sgd,1,1,10,1.2,0.8,0.9,0.7
sgd,1,2,20,0.5,0.3,0.4,0.85
adagrad,1,0,0,,2.3,2.3,0.1
adagrad,1,1,10,1.0,0.6,0.7,0.75
adagrad,1,2,20,0.45,0.1,0.2,0.95
"""

let claimSummary = """
arm,seed,status
adam,1,ok
sgd,1,ok
adagrad,1,diverged
"""

func checker() throws -> ClaimChecker {
    ClaimChecker(curves: try CSVTable.parse(claimCurves, path: "c.csv"), summary: try CSVTable.parse(claimSummary, path: "s.csv"),
                 arms: ["adam", "sgd", "adagrad"], defaultColumn: "eval_train_loss")
}

let claimBase = """
{"name": "c", "dataset": {"name": "mnist", "path": "m"}, "model": {"kind": "logistic-regression"},
 "training": {"epochs": 2}, "arms": [{"name": "adam", "optimizer": "adam"}, {"name": "sgd", "optimizer": "sgd", "lr": 0.1},
 {"name": "adagrad", "optimizer": "adagrad"}], "claims": [CLAIM]}
"""

func claim(_ json: String) throws -> Claim {
    try ExperimentConfig.parse(JSON.parse(claimBase.replacingOccurrences(of: "CLAIM", with: json))).claims[0]
}

@Test(arguments: [
    // (claim, verdict, evidence it must contain)
    (#"{"kind": "lowest", "series": "adagrad", "epoch": 2}"#, "PASS", "adagrad 0.1 is lowest of 3; next adam 0.2"),
    (#"{"kind": "lowest", "series": "adam", "epoch": 2}"#, "FAIL", "adam 0.2 is 2nd of 3; lowest adagrad 0.1"),
    (#"{"kind": "lowest", "series": "adam", "epoch": 2, "among": ["sgd"]}"#, "PASS", "adam 0.2 is lowest of 2"),
    (#"{"kind": "highest", "series": "adagrad", "epoch": 2, "column": "test_accuracy"}"#, "PASS", "adagrad 0.95 is highest of 3"),
    (#"{"kind": "highest", "series": "sgd", "epoch": 1, "column": "test_accuracy"}"#, "FAIL", "sgd 0.7 is 3rd of 3; highest adam 0.8"),
    (#"{"kind": "order", "series": ["adam", "adagrad", "sgd"], "epoch": 1}"#, "PASS", "adam 0.5, adagrad 0.6, sgd 0.8"),
    (#"{"kind": "order", "series": ["adam", "sgd"], "epoch": 2, "column": "train_loss"}"#, "PASS", "adam 0.4, sgd 0.5"),
    (#"{"kind": "order", "series": ["sgd", "adam"], "epoch": 2}"#, "FAIL", "the order is adam < sgd"),
    (#"{"kind": "range", "series": "adam", "epoch": 2, "min": 0.1, "max": 0.25}"#, "PASS", "adam 0.2 at epoch 2 is inside [0.1, 0.25]"),
    (#"{"kind": "range", "series": "adam", "epoch": 2, "max": 0.15}"#, "FAIL", "is outside [-inf, 0.15]"),
    (#"{"kind": "reaches-first", "series": "adagrad", "other": "sgd", "target": 0.5}"#, "PASS", "adagrad at epoch 2, sgd at epoch 2"),
    (#"{"kind": "reaches-first", "series": "sgd", "other": "adam", "target": 0.5}"#, "FAIL", "sgd at epoch 2, adam at epoch 1"),
    (#"{"kind": "reaches-first", "series": "adam", "other": "sgd", "target": 0.25}"#, "PASS", "sgd never (lowest 0.3)"),
    (#"{"kind": "never-diverges", "series": "adam"}"#, "PASS", "1 of 1 arm(s)"),
    (#"{"kind": "never-diverges"}"#, "FAIL", "diverged: adagrad"),
    (#"{"kind": "lowest", "series": "adam", "epoch": 0, "column": "train_loss"}"#, "NO DATA", "no train_loss for adam at epoch 0"),
])
func everyCurveClaimKindPassesAndFails(_ c: (String, String, String)) throws {
    let outcome = try checker().check(try claim(c.0))
    #expect(outcome.verdict.rawValue == c.1, "\(outcome)")
    #expect(outcome.evidence.contains(c.2), "\(outcome.evidence)")
}

let sweepBase = """
{"name": "s", "dataset": {"name": "mnist", "path": "m"}, "model": {"kind": "logistic-regression"},
 "training": {"epochs": 10}, "arms": [{"name": "adam", "optimizer": "adam"}],
 "sweep": {"arm": "adam", "grid": {"lr": [0.001, 0.01, 0.1], "bias_correction": [true, false]}, "read_epochs": [10]},
 "claims": [CLAIM]}
"""

let sweepSummary = """
arm,seed,status,lr,bias_correction,eval_train_loss_epoch_10,test_loss_epoch_10
a,1,ok,0.001,true,0.5,0.6
b,1,ok,0.001,false,0.9,0.9
c,1,ok,0.01,true,0.3,0.4
d,1,diverged,0.01,false,,
e,1,ok,0.1,true,0.35,0.3
f,1,ok,0.1,false,1.2,1.3
"""

/// reaches-first on the wall-time axis: epoch e at the arm's summed wall seconds (timings.csv).
@Test func reachesFirstByWallTimeUsesEachArmsMeasuredSeconds() throws {
    let timings = try CSVTable.parse("""
    arm,seed,epoch,wall_seconds
    adam,1,1,10
    adam,1,2,10
    sgd,1,1,3
    sgd,1,2,3
    """, path: "t.csv")
    let c = ClaimChecker(curves: try CSVTable.parse(claimCurves, path: "c.csv"), summary: nil, timings: timings,
                         arms: ["adam", "sgd", "adagrad"], defaultColumn: "eval_train_loss")
    // By epoch adam reaches 0.5 first (epoch 1 against 2); by time sgd does (6 s against 10 s).
    let byEpoch = c.check(try claim(#"{"kind": "reaches-first", "series": "adam", "other": "sgd", "target": 0.5}"#))
    let byTime = c.check(try claim(#"{"kind": "reaches-first", "series": "adam", "other": "sgd", "target": 0.5, "x": "wall_seconds"}"#))
    #expect(byEpoch.verdict == .pass && byTime.verdict == .fail)
    #expect(byTime.evidence == "eval_train_loss <= 0.5: adam after 10 s, sgd after 6 s", "\(byTime.evidence)")
    let noTimings = ClaimChecker(curves: try CSVTable.parse(claimCurves, path: "c.csv"), summary: nil, arms: ["adam", "sgd"], defaultColumn: "eval_train_loss")
    #expect(noTimings.check(try claim(#"{"kind": "reaches-first", "series": "adam", "other": "sgd", "target": 0.5, "x": "wall_seconds"}"#)).verdict == .noData)
}

@Test(arguments: [
    (#"{"kind": "best-point", "where": {"bias_correction": true}, "epoch": 10, "hyperparameter": "lr", "min": 0.003, "max": 0.03}"#,
     "PASS", "lr=0.01, eval_train_loss 0.3; inside [0.003, 0.03]"),
    (#"{"kind": "best-point", "where": {"bias_correction": true}, "epoch": 10, "hyperparameter": "lr", "min": 0.05, "column": "test_loss"}"#,
     "PASS", "lr=0.1, test_loss 0.3"),
    (#"{"kind": "best-point", "where": {"bias_correction": false}, "epoch": 10, "hyperparameter": "lr", "min": 0.005}"#,
     "FAIL", "best of 2 points (bias_correction=false) at epoch 10: lr=0.001"),
    (#"{"kind": "breaks-down", "where": {"bias_correction": false}, "holds": {"bias_correction": true}, "epoch": 10, "factor": 2}"#,
     "PASS", "best with bias_correction=false 0.9 (1 of 3 diverged), with bias_correction=true 0.3: ratio 3.000"),
    (#"{"kind": "breaks-down", "where": {"bias_correction": false}, "holds": {"bias_correction": true}, "epoch": 10, "factor": 4}"#,
     "FAIL", "ratio 3.000 (needs > 4)"),
    (#"{"kind": "breaks-down", "where": {"bias_correction": false, "lr": 0.01}, "holds": {"lr": 0.01}, "epoch": 10}"#,
     "PASS", "all 1 points with bias_correction=false, lr=0.01 diverged"),
])
func everySweepClaimKindPassesAndFails(_ c: (String, String, String)) throws {
    let config = try ExperimentConfig.parse(JSON.parse(sweepBase.replacingOccurrences(of: "CLAIM", with: c.0)))
    let checker = ClaimChecker(curves: try CSVTable.parse("arm,seed,epoch\n", path: "c.csv"),
                               summary: try CSVTable.parse(sweepSummary, path: "s.csv"), arms: [], defaultColumn: "train_loss")
    let outcome = checker.check(config.claims[0])
    #expect(outcome.verdict.rawValue == c.1, "\(outcome)")
    #expect(outcome.evidence.contains(c.2), "\(outcome.evidence)")
}

/// A sweep still running (collect --partial): a claim judges only once every point it selects has
/// reached its epoch; a point still running (empty cell, status ok) is not a diverged one.
@Test func sweepClaimsWaitForEveryPointTheySelect() throws {
    // sweepSummary with d still running and f not started.
    let partial = sweepSummary.replacingOccurrences(of: "d,1,diverged,", with: "d,1,ok,")
        .replacingOccurrences(of: "\nf,1,ok,0.1,false,1.2,1.3", with: "")
    let grid = [(key: "lr", values: ["0.001", "0.01", "0.1"]), (key: "bias_correction", values: ["true", "false"])]
    func check(_ json: String, grid: [(key: String, values: [String])]) throws -> ClaimOutcome {
        let config = try ExperimentConfig.parse(JSON.parse(sweepBase.replacingOccurrences(of: "CLAIM", with: json)))
        return ClaimChecker(curves: try CSVTable.parse("arm,seed,epoch\n", path: "c.csv"), summary: try CSVTable.parse(partial, path: "s.csv"),
                            arms: [], defaultColumn: "train_loss", grid: grid).check(config.claims[0])
    }
    let best = #"{"kind": "best-point", "where": {"bias_correction": true}, "epoch": 10, "hyperparameter": "lr", "min": 0.05}"#
    let breaks = #"{"kind": "breaks-down", "where": {"bias_correction": false}, "holds": {"bias_correction": true}, "epoch": 10}"#
    // Every bias-corrected point is there: judged.
    #expect(try check(best, grid: grid) == ClaimOutcome(verdict: .fail,
        evidence: "best of 3 points (bias_correction=true) at epoch 10: lr=0.01, eval_train_loss 0.3; outside [0.05, inf]"))
    // d runs, f has not started: 1 of 3 uncorrected points reached epoch 10.
    #expect(try check(breaks, grid: grid) == ClaimOutcome(verdict: .noData,
        evidence: "1 of 3 points with bias_correction=false have reached epoch 10"))
    // Without the grid (a finished run's summary has every point), d still counts as not reached, not as diverged.
    let judged = try check(breaks, grid: [])
    #expect(judged.verdict == .pass && judged.evidence == "best with bias_correction=false 0.9, with bias_correction=true 0.3: ratio 3.000 (needs > 1)",
            "\(judged)")
    // A selection outside the grid selects nothing, and says so.
    let outside = #"{"kind": "best-point", "where": {"lr": 0.5}, "epoch": 10, "hyperparameter": "bias_correction", "min": 0}"#
    #expect(try check(outside, grid: grid).evidence == "no finished point with lr=0.5")
}

@Test(arguments: [
    (#"{"kind": "fastest", "series": "adam"}"#, "claims[0].kind", "unknown claim kind \"fastest\""),
    (#"{"kind": "lowst", "series": "adam", "epoch": 1}"#, "claims[0].kind", "did you mean \"lowest\""),
    (#"{"series": "adam"}"#, "claims[0].kind", "is required"),
    (#"{"kind": "lowest", "series": "adamw", "epoch": 1}"#, "claims[0].series", "no arm named \"adamw\"; did you mean \"adam\""),
    (#"{"kind": "lowest", "series": "adam"}"#, "claims[0].epoch", "is required for a lowest claim"),
    (#"{"kind": "lowest", "series": "adam", "epoch": 3}"#, "claims[0].epoch", "must be at most 2"),
    (#"{"kind": "lowest", "series": ["adam", "sgd"], "epoch": 1}"#, "claims[0].series", "must name one arm(s)"),
    (#"{"kind": "order", "series": ["adam"], "epoch": 1}"#, "claims[0].series", "at least two"),
    (#"{"kind": "lowest", "series": "adam", "epoch": 1, "among": ["sgd", 3]}"#, "claims[0].among[1]", "must be an arm name"),
    (#"{"kind": "range", "series": "adam", "epoch": 1}"#, "claims[0].min", "or \"max\" is required"),
    (#"{"kind": "range", "series": "adam", "epoch": 1, "min": 2, "max": 1}"#, "claims[0].min", "is more than max"),
    (#"{"kind": "reaches-first", "series": "adam", "target": 1}"#, "claims[0].series", "one \"series\" and one \"other\""),
    (#"{"kind": "reaches-first", "series": "adam", "other": "sgd"}"#, "claims[0].target", "is required"),
    (#"{"kind": "reaches-first", "series": "adam", "other": "sgd", "target": 1, "x": "iteration"}"#, "claims[0].x", "must be \"epoch\" or \"wall_seconds\""),
    (#"{"kind": "lowest", "series": "adam", "epoch": 1, "column": "accuracy"}"#, "claims[0].column", "must be one of"),
    (#"{"kind": "lowest", "series": "adam", "epoch": 1, "factor": 2}"#, "claims[0].factor", "unknown key for a lowest claim"),
    (#"{"kind": "best-point", "epoch": 1, "hyperparameter": "lr", "min": 1}"#, "claims[0].kind", "has no \"sweep\""),
    (#""adam lowest""#, "claims[0]", "must be an object"),
])
func claimErrorsNameTheirJSONPath(_ c: (String, String, String)) throws {
    do {
        _ = try claim(c.0)
        Issue.record("claim was accepted: \(c.0)")
    } catch let e as ConfigError {
        #expect(e.path == c.1, "\(e)")
        #expect(e.message.contains(c.2), "\(e)")
    }
}

@Test(arguments: [
    (#"{"kind": "best-point", "where": {"beta1": 0.9}, "epoch": 10, "hyperparameter": "lr", "min": 1}"#, "claims[0].where.beta1", "is not a key of the sweep's grid"),
    (#"{"kind": "best-point", "epoch": 5, "hyperparameter": "lr", "min": 1}"#, "claims[0].epoch", "reads only epochs [10]"),
    (#"{"kind": "best-point", "epoch": 10, "hyperparameter": "eps", "min": 1}"#, "claims[0].hyperparameter", "is not a key"),
    (#"{"kind": "breaks-down", "where": {"lr": 0.1}, "epoch": 10}"#, "claims[0].holds", "is required"),
    (#"{"kind": "breaks-down", "where": {"lr": 0.1}, "holds": {}, "epoch": 10, "factor": 0.5}"#, "claims[0].factor", "at least 1"),
    (#"{"kind": "best-point", "epoch": 10, "hyperparameter": "lr", "min": 1, "column": "train_loss"}"#, "claims[0].column", "eval_train_loss, test_loss"),
])
func sweepClaimErrorsNameTheirJSONPath(_ c: (String, String, String)) throws {
    do {
        _ = try ExperimentConfig.parse(JSON.parse(sweepBase.replacingOccurrences(of: "CLAIM", with: c.0)))
        Issue.record("claim was accepted: \(c.0)")
    } catch let e as ConfigError {
        #expect(e.path == c.1, "\(e)")
        #expect(e.message.contains(c.2), "\(e)")
    }
}

@Test func claimsDoNotChangeAPointsFingerprint() throws {
    let with = try ExperimentConfig.parse(JSON.parse(claimBase.replacingOccurrences(of: "CLAIM", with: #"{"kind": "never-diverges"}"#)))
    var without = with
    without.claims = []
    #expect(with.fingerprint(with.arms[0], seed: 1, files: []) == without.fingerprint(without.arms[0], seed: 1, files: []))
    // …and the resolved config carries them, so a results folder's manifest keeps them.
    #expect(with.resolvedJSON["claims"] != nil && without.resolvedJSON["claims"] == nil)
}

/// `report` on a tiny run: the whole Markdown, byte for byte (the provenance line, which holds
/// dates and times, is checked apart).
@Test func reportOfATinyRunHasExactBytes() throws {
    let dir = TemporaryDirectory()
    try Fixtures.writeMNIST(to: dir.file("m"), train: 40, test: 20)
    let config = """
    {"name": "tiny-report", "description": "A tiny run for the report test.", "dataset": {"name": "mnist", "path": "m"},
     "model": {"kind": "logistic-regression"}, "training": {"epochs": 2, "batch_size": 16, "seed": 3},
     "arms": [{"name": "adam", "optimizer": "adam", "lr": 0.01}, {"name": "sgd", "optimizer": "sgd", "lr": 0.05}],
     "plot": {"column": "eval_train_loss", "paper_figure": "9"},
     "claims": [{"kind": "lowest", "series": "adam", "epoch": 2, "quote": "Adam is best", "reading": "the lowest loss at the end"},
                {"kind": "never-diverges"},
                {"kind": "paper-values", "series": "adam", "tolerance": 1.5}]}
    """
    let c = try ExperimentConfig.parse(JSON.parse(config))
    let results = try run(config, dataDirectory: dir.path)
    _ = try ResultsFolder.write(c, files: [], results: results, outRoot: dir.file("out"), threads: 1, started: Date())
    let paper = try CSVTable.parse("figure,panel,series,x,y,above\n9,p,adam,1,0.9,\n9,p,sgd,1,1.1,\n9,p,adam,2,0.8,\n9,p,sgd,2,,1.5\n", path: "f.csv")
    let section = try Report.section(directory: dir.file("out/tiny-report"), paper: paper, image: "tiny.svg")
    let lines = section.markdown.split(separator: "\n", omittingEmptySubsequences: false)
    let provenance = lines.first { $0.hasPrefix("**Provenance**") }!
    #expect(provenance.contains("adam-bench \(AdamBench.version)") && provenance.contains("1 thread(s)"))
    let rest = lines.filter { !$0.hasPrefix("**Provenance**") }.joined(separator: "\n")
    #expect(rest == """
    ## tiny-report

    A tiny run for the report test.

    ![tiny-report](tiny.svg)

    Lines: ours. Markers: the paper's Figure 9, read off its plot (`paper/figures.csv`).

    **The paper's text, checked**

    | claim | the paper says | read as | verdict | evidence |
    | --- | --- | --- | --- | --- |
    | adam lowest eval_train_loss at epoch 2 | “Adam is best” | the lowest loss at the end | **PASS** | adam 0.2602 is lowest of 2; next sgd 1.143 |
    | no arm diverges |  |  | **PASS** | 2 of 2 arm(s) finished without a non-finite loss |

    **Agreement with the paper's plotted values** (our eval train loss against the paper's points, at our epoch = the paper's x + 0; the text asserts none of these levels, so these rows say how close the curves are, not whether the method works)

    | series | tolerance | epochs | verdict | evidence |
    | --- | --- | --- | --- | --- |
    | adam | x1.5 | all | **FAIL** | 1 of 2 points within x1.5 (ours / paper 0.325x to 1.05x); outside: epoch 2 0.2602 / 0.8 = 0.325x |

    **Ours against the paper** (eval train loss; ours / paper)

    | epoch | adam | sgd |
    | --- | --- | --- |
    | 1 | 0.9478 / 0.9 | 1.566 / 1.1 |
    | end: ours 2, paper 2 | 0.2602 / 0.8 | 1.143 / 1.1 (at 1) |

    **Choices**

    | arm | optimizer | settings |
    | --- | --- | --- |
    | adam | adam | lr 0.01, beta1 0.9, beta2 0.999, eps 1e-08, bias_correction true, beta1_decay 1, epsilon_form algorithm1; schedule constant |
    | sgd | sgd | lr 0.05, momentum 0; schedule constant |

    Training: 2 epochs, batch 16, seeds 3.


    """)
    #expect(section.outcomes.map { $0.outcome.verdict } == [.pass, .pass, .fail])
    #expect(!section.panels.isEmpty)
    // The summary table: the text's verdicts, the plotted values apart, and the compute the points took.
    let table = Report.document([section]).components(separatedBy: "\n## ")[0].split(separator: "\n").filter { $0.hasPrefix("| ") }
    #expect(table.count == 3 && table[0] == "| results | seeds | text claims | PASS | FAIL | NO DATA | plotted values agree | compute (summed over points) |")
    #expect(table[2].hasPrefix("| tiny-report | 1 | 2 | 2 | 0 | 0 | 0 of 1 | ") && table[2].hasSuffix(" s |") && section.computeSeconds > 0, "\(table)")
}

/// Figure 2 (a)'s two panels: each plot panel may draw its own column.
@Test func plotPanelsMayDrawTheirOwnColumn() throws {
    let dir = TemporaryDirectory()
    try Fixtures.writeMNIST(to: dir.file("m"), train: 40, test: 20)
    let config = """
    {"name": "two-columns", "dataset": {"name": "mnist", "path": "m"}, "model": {"kind": "logistic-regression"},
     "training": {"epochs": 2, "batch_size": 16, "log_every": 0}, "arms": [{"name": "adam", "optimizer": "adam"}],
     "plot": {"column": "train_loss", "panels": [{"title": "cost"}, {"title": "loss", "column": "eval_train_loss"}]}}
    """
    let c = try ExperimentConfig.parse(JSON.parse(config))
    _ = try ResultsFolder.write(c, files: [], results: try run(config, dataDirectory: dir.path), outRoot: dir.path, threads: 1, started: Date())
    let panels = try ResultsPlot.panels(directory: dir.file("two-columns")) { _ in }
    #expect(panels.map(\.yLabel) == ["train loss", "eval train loss"])
    // Epoch rows only (log_every 0): train_loss is each epoch's mean minibatch cost.
    #expect(panels[0].series[0].points.map(\.x) == [1, 2] && panels[1].series[0].points.map(\.x) == [0, 1, 2])
    do {
        _ = try ExperimentConfig.parse(JSON.parse(config.replacingOccurrences(of: "\"column\": \"eval_train_loss\"", with: "\"column\": \"accuracy\"")))
        Issue.record("a bad panel column was accepted")
    } catch let e as ConfigError {
        #expect(e.path == "plot.panels[1].column" && e.message.contains("must be one of"))
    }
}

/// A tuned run (Figure 2 (a)): its results hold each arm's chosen point under the arm's name, so
/// the claims name arms, the choices are the chosen points' settings, and the paper's markers
/// (in the units of the plot's column) go on the panel of that column only.
@Test func reportOfATunedRunChecksEachArmsChosenPoint() throws {
    let dir = TemporaryDirectory()
    try Fixtures.writeMNIST(to: dir.file("m"), train: 40, test: 20)
    let config = """
    {"name": "tuned", "dataset": {"name": "mnist", "path": "m"}, "model": {"kind": "logistic-regression"},
     "training": {"epochs": 2, "batch_size": 16},
     "arms": [{"name": "adam", "optimizer": "adam"}, {"name": "sgd", "optimizer": "sgd", "lr": 0.01}],
     "tune": {"arm_grids": {"adam": {"lr": [0.0001, 0.01]}, "sgd": {"lr": [0.001, 0.05]}}, "select": "final_eval_train_loss"},
     "plot": {"column": "eval_train_loss", "paper_figure": "9",
              "panels": [{"title": "loss"}, {"title": "test", "column": "test_loss"}]},
     "claims": [{"kind": "lowest", "series": "adam", "epoch": 2}, {"kind": "never-diverges"}]}
    """
    let c = try ExperimentConfig.parse(JSON.parse(config))
    _ = try ResultsFolder.write(c, files: [], results: try run(config, dataDirectory: dir.path), outRoot: dir.file("out"),
                                threads: 1, started: Date())
    let paper = try CSVTable.parse("figure,panel,series,x,y,above\n9,p,adam,1,0.9,\n9,p,sgd,1,1.1,\n", path: "f.csv")
    let section = try Report.section(directory: dir.file("out/tuned"), paper: paper, image: "t.svg")
    #expect(section.outcomes.map { $0.outcome.verdict } == [.pass, .pass], "\(section.outcomes.map(\.outcome))")
    #expect(section.outcomes[0].outcome.evidence.hasPrefix("adam ") && section.outcomes[0].outcome.evidence.contains("of 2; next sgd"))
    #expect(section.outcomes[1].outcome.evidence == "2 of 2 arm(s) finished without a non-finite loss")
    let md = section.markdown
    #expect(md.contains("| adam[lr=0.01] | adam | lr 0.01,") && md.contains("| sgd[lr=0.05] | sgd | lr 0.05,"), "\(md)")
    #expect(!md.contains("| adam[lr=0.0001] | adam |") && !md.contains("| sgd[lr=0.001] | sgd |"))
    #expect(section.panels.map { $0.series.contains { $0.name.hasPrefix("paper: ") } } == [true, false])
}

/// A sweep's choices are its arm once, each swept key with its grid, not a row per point.
@Test func reportOfASweepShowsTheSweptArmOnceWithItsGrid() throws {
    let dir = TemporaryDirectory()
    try Fixtures.writeMNIST(to: dir.file("m"), train: 40, test: 20)
    let config = """
    {"name": "swept", "dataset": {"name": "mnist", "path": "m"}, "model": {"kind": "logistic-regression"},
     "training": {"epochs": 2, "batch_size": 16}, "arms": [{"name": "adam", "optimizer": "adam"}],
     "sweep": {"arm": "adam", "grid": {"lr": [0.001, 0.01], "bias_correction": [true, false]}, "read_epochs": [2]}}
    """
    let c = try ExperimentConfig.parse(JSON.parse(config))
    _ = try ResultsFolder.write(c, files: [], results: try run(config, dataDirectory: dir.path), outRoot: dir.file("out"),
                                threads: 1, started: Date())
    let md = try Report.section(directory: dir.file("out/swept"), paper: nil, image: "s.svg").markdown
    let choices = md.split(separator: "\n").filter { $0.hasPrefix("| adam") }
    #expect(choices == ["| adam | adam | lr {0.001, 0.01}, beta1 0.9, beta2 0.999, eps 1e-08, bias_correction {true, false}, beta1_decay 1, epsilon_form algorithm1; schedule constant |"],
            "\(choices)")
}

/// A partial sweep's description counts its points instead of naming all 72; a small run names each.
@Test func aPartialRunsDescriptionCountsTheMany() {
    typealias P = Points.Progress
    let states: [P] = Array(repeating: .finished, count: 5) + [.running(epochsDone: 77)] + Array(repeating: .notStarted, count: 7)
    let many = states.enumerated().map { (name: "p\($0.offset)", seed: UInt64(1), progress: $0.element) }
    #expect(Points.describe(many, epochs: 100) == ["5 of 13 points finished", "p5 seed 1: 77 of 100 epochs (checkpoint)", "7 not started"])
    #expect(Points.describe(Array(many.suffix(3)), epochs: 100) == ["p10: not started", "p11: not started", "p12: not started"])
}

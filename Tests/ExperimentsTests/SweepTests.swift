// Sweeps: grid expansion and naming, shards + collect equal to one process byte for byte,
// resume skipping complete points, a changed config never reused, divergence recorded.
@testable import Config
@testable import Results
@testable import Training
import Foundation
import TestSupport
import Testing

let sweepConfig = """
{"name": "grid", "dataset": {"name": "quadratic", "curvatures": [10, 1], "init": [1, 1]},
 "training": {"epochs": 20, "seeds": [1, 2], "log_every": 5, "eval_every_epochs": 10},
 "arms": [{"name": "sgd", "optimizer": "sgd", "lr": 0.05},
          {"name": "adam", "optimizer": "adam", "lr": 0.01}],
 "sweep": {"arm": "adam", "grid": {"beta1": [0, 0.9], "lr": [1e-5, 0.03, 100], "bias_correction": [true, false]},
           "read_epochs": [10, 20]}}
"""

@Test func gridExpandsInPlaceWithNamesFromValues() throws {
    let c = try ExperimentConfig.parse(JSON.parse(sweepConfig))
    let names = c.runArms.map(\.name)
    #expect(names.count == 1 + 12)
    #expect(names[0] == "sgd")
    #expect(names[1] == "adam[beta1=0,lr=1e-05,bias_correction=true]")
    #expect(names[2] == "adam[beta1=0,lr=1e-05,bias_correction=false]")
    #expect(names.last == "adam[beta1=0.9,lr=100,bias_correction=false]")
    #expect(c.runArms[2].hyperparameters["bias_correction"] == .flag(false) && c.runArms[2].lr == 1e-5)
    #expect(ExperimentRunner.points(c).count == 26)
    #expect(try ExperimentConfig.parse(JSON.parse(c.resolvedJSON.rendered())) == c)
}

@Test(arguments: [
    ("\"grid\": {\"beta1\": [0, 0.9]", "\"grid\": {\"beta3\": [0, 0.9]", "sweep.grid.beta3"),
    ("\"grid\": {\"beta1\": [0, 0.9]", "\"grid\": {\"beta1\": [0, 1.5]", "sweep.grid.beta1[1]"),
    ("\"grid\": {\"beta1\": [0, 0.9]", "\"grid\": {\"beta1\": [0, 0]", "sweep.grid.beta1[1]"),
    ("\"arm\": \"adam\"", "\"arm\": \"adamw\"", "sweep.arm"),
    ("\"read_epochs\": [10, 20]", "\"read_epochs\": [10, 30]", "sweep.read_epochs[1]"),
])
func sweepConfigErrorsNameTheirPath(_ c: (String, String, String)) throws {
    do {
        _ = try ExperimentConfig.parse(JSON.parse(sweepConfig.replacingOccurrences(of: c.0, with: c.1)))
        Issue.record("accepted")
    } catch let e as ConfigError {
        #expect(e.path == c.2, "\(e)")
    }
}

@Test func shardsPlusCollectEqualOneProcessByteForByte() throws {
    let c = try ExperimentConfig.parse(JSON.parse(sweepConfig))
    let problem = try c.loadProblem(dataDirectory: "")
    let one = TemporaryDirectory(), many = TemporaryDirectory()
    _ = try Points.run(c, problem: problem, shard: .all, outRoot: one.path, threads: 2, progress: nil)
    _ = try Points.collect(directory: one.file("grid"))
    for i in 0..<3 { _ = try Points.run(c, problem: problem, shard: .init(index: i, count: 3), outRoot: many.path, threads: 1, progress: nil) }
    _ = try Points.collect(directory: many.file("grid"))
    for file in ["curves.csv", "summary.csv"] {
        #expect(one.read("grid/\(file)") != nil && one.read("grid/\(file)") == many.read("grid/\(file)"), "\(file)")
    }
    // The same as `run` in one process writes.
    let direct = ExperimentRunner.train(c, problem: problem, threads: 2, progress: nil)
    #expect(one.read("grid/curves.csv") == CurvesCSV.render(direct))
    #expect(one.read("grid/summary.csv") == SummaryCSV.render(direct, readEpochs: [10, 20], aggregates: true))
    let summary = one.read("grid/summary.csv")!
    #expect(summary.contains(",eval_train_loss_epoch_10,test_loss_epoch_10,eval_train_loss_epoch_20,test_loss_epoch_20,"))
    #expect(summary.contains("\"adam[beta1=0,lr=1e-05,bias_correction=true]\",1,ok,"))
    // Adam's step is bounded by lr (section 2.1): even lr = 100 oscillates without overflowing.
    #expect(summary.contains("\"adam[beta1=0,lr=100,bias_correction=false]\",1,ok,"))
}

@Test func divergedPointsAreDataAndTheSweepGoesOn() throws {
    // Plain SGD with lr 50 on curvature 10 multiplies θ by −499 a step: infinite within 15 steps.
    let json = sweepConfig.replacingOccurrences(of: "\"sweep\": {\"arm\": \"adam\", \"grid\": {\"beta1\": [0, 0.9], \"lr\": [1e-5, 0.03, 100], \"bias_correction\": [true, false]},",
                                                with: "\"sweep\": {\"arm\": \"sgd\", \"grid\": {\"lr\": [0.05, 50]},")
    let c = try ExperimentConfig.parse(JSON.parse(json))
    let out = TemporaryDirectory()
    _ = try Points.run(c, problem: try c.loadProblem(dataDirectory: ""), shard: .all, outRoot: out.path, threads: 1, progress: nil)
    _ = try Points.collect(directory: out.file("grid"))
    let summary = out.read("grid/summary.csv")!
    #expect(summary.contains("sgd[lr=50],1,diverged,"))
    #expect(summary.contains("sgd[lr=0.05],2,ok,") && summary.contains("adam,2,ok,"))
    // Read-epoch cells of a point that stopped before them are empty.
    let diverged = summary.split(separator: "\n").first { $0.hasPrefix("sgd[lr=50],1,") }!
    #expect(diverged.contains(",,,,,sgd,"))
}

@Test func completePointsAreSkippedAndChangedConfigsRerun() throws {
    let c = try ExperimentConfig.parse(JSON.parse(sweepConfig))
    let problem = try c.loadProblem(dataDirectory: "")
    let out = TemporaryDirectory()
    #expect(try Points.run(c, problem: problem, shard: .init(index: 0, count: 2), outRoot: out.path, threads: 1, progress: nil).ran == 13)
    // Collect refuses while shard 1 is missing.
    #expect(throws: OutputError.self) { try Points.collect(directory: out.file("grid")) }
    let again = try Points.run(c, problem: problem, shard: .all, outRoot: out.path, threads: 1, progress: nil)
    #expect(again.ran == 13 && again.skipped == 13)
    // Another number of epochs: every point is different, none is reused.
    let changed = try c.applying(ConfigOverrides(epochs: 15))
    let rerun = try Points.run(changed, problem: problem, shard: .all, outRoot: out.path, threads: 1, progress: nil)
    #expect(rerun.ran == 26 && rerun.skipped == 0)
    _ = try Points.collect(directory: out.file("grid"))
    #expect(out.read("grid/curves.csv")!.contains(",15,15,"))
}

@Test func sweepFoldersPlotInTheFigure4Layout() throws {
    let c = try ExperimentConfig.parse(JSON.parse(sweepConfig))
    let out = TemporaryDirectory()
    _ = try Points.run(c, problem: try c.loadProblem(dataDirectory: ""), shard: .all, outRoot: out.path, threads: 1, progress: nil)
    _ = try Points.collect(directory: out.file("grid"))
    let panels = try #require(try ResultsPlot.sweepPanels(directory: out.file("grid"), epoch: 10))
    // One panel per beta1, a line per bias-correction setting, a point per lr (x = log10 lr).
    #expect(panels.map(\.title) == ["beta1 = 0", "beta1 = 0.9"])
    #expect(panels[0].series.map(\.name) == ["bias_correction = true", "bias_correction = false"])
    #expect(panels[0].series[0].points.map(\.x) == [-5, log10(0.03), 2])
    #expect(panels[0].yLabel == "loss after 10 epochs")
    #expect(isWellFormedXML(SVGPlot.render(panels)))
    // A plain results folder has no sweep layout.
    #expect(try ResultsPlot.sweepPanels(directory: out.path, epoch: nil) == nil)
}

let tuneConfig = """
{"name": "tuned", "dataset": {"name": "quadratic", "curvatures": [10, 1], "init": [1, 1]},
 "training": {"epochs": 30, "seeds": [1, 2]},
 "arms": [{"name": "sgd", "optimizer": "sgd", "lr": 0.01}, {"name": "adam", "optimizer": "adam"}],
 "tune": {"grid": {"lr": [0.001, 0.05, 0.15, 50]}, "select": "final_eval_train_loss"}}
"""

/// Trains a tuned config in one process and writes its results folder; returns it and its summary.
func trainTuned(_ c: ExperimentConfig, threads: Int) throws -> (TemporaryDirectory, CSVTable) {
    let problem = try c.loadProblem(dataDirectory: "")
    let out = TemporaryDirectory()
    let results = ExperimentRunner.train(c, problem: problem, threads: threads, progress: nil)
    _ = try ResultsFolder.write(c, files: problem.dataFiles, results: results, outRoot: out.path, threads: threads, started: Date())
    return (out, try CSVTable.read(out.file("\(c.name)/summary.csv")))
}

@Test func tuneReportsEachArmsBestPointAndKeepsTheGrid() throws {
    let c = try ExperimentConfig.parse(JSON.parse(tuneConfig))
    #expect(c.runArms.count == 8 && c.runArms[3].name == "sgd[lr=50]")
    let (out, summary) = try trainTuned(c, threads: 2)
    let arm = summary.header.firstIndex(of: "arm")!, lr = summary.header.firstIndex(of: "lr")!
    // Each arm's two seeds, then their aggregates (README, Results).
    #expect(summary.rows.map { $0[arm] } == Array(repeating: "sgd", count: 6) + Array(repeating: "adam", count: 6))
    #expect(summary.rows.map { $0[1] } == ["1", "2", "mean", "sd", "min", "max", "1", "2", "mean", "sd", "min", "max"])
    // SGD on curvature 10: lr 0.15 converges fastest (|1 − 1.5| = 0.5 a step); lr 50 diverges and is never chosen.
    #expect(summary.rows[0][lr] == "0.15" && summary.rows[2][lr] == "0.15")
    let tuning = try CSVTable.read(out.file("tuned/tuning.csv"))
    #expect(tuning.rows.count == 16)
    #expect(tuning.rows.contains { $0[arm] == "sgd[lr=50]" && $0[2] == "diverged" })
    let curves = out.read("tuned/curves.csv")!
    #expect(!curves.contains("[lr=") && curves.contains("\nadam,2,30,30,"))
}

@Test func tuneKeysMustSuitEveryArm() throws {
    let json = tuneConfig.replacingOccurrences(of: "\"grid\": {\"lr\"", with: "\"grid\": {\"momentum\": [0.9], \"lr\"")
    do { _ = try ExperimentConfig.parse(JSON.parse(json)); Issue.record("accepted") } catch let e as ConfigError {
        #expect(e.path == "tune.grid.momentum" && e.message.contains("adam"), "\(e)")
    }
    let bad = tuneConfig.replacingOccurrences(of: "\"select\": \"final_eval_train_loss\"", with: "\"select\": \"lowest\"")
    do { _ = try ExperimentConfig.parse(JSON.parse(bad)); Issue.record("accepted") } catch let e as ConfigError { #expect(e.path == "tune.select") }
}

/// Arms whose good rates lie decades apart each run their own grid (tune.arm_grids); the rest
/// run the shared grid, and each arm's best point is found among its own points.
@Test func tuneArmGridsGiveEachArmItsOwnValues() throws {
    let json = tuneConfig.replacingOccurrences(of: "\"tune\": {\"grid\": {\"lr\": [0.001, 0.05, 0.15, 50]},",
                                               with: "\"tune\": {\"arm_grids\": {\"sgd\": {\"lr\": [0.001, 0.15, 50]}, \"adam\": {\"lr\": [0.05], \"beta1\": [0, 0.9]}},")
    let c = try ExperimentConfig.parse(JSON.parse(json))
    #expect(c.runArms.map(\.name) == ["sgd[lr=0.001]", "sgd[lr=0.15]", "sgd[lr=50]", "adam[lr=0.05,beta1=0]", "adam[lr=0.05,beta1=0.9]"])
    #expect(try ExperimentConfig.parse(JSON.parse(c.resolvedJSON.rendered())) == c)
    let (out, all) = try trainTuned(c, threads: 1)
    let summary = SummaryCSV.seedRows(all)
    let arm = summary.header.firstIndex(of: "arm")!, lr = summary.header.firstIndex(of: "lr")!
    let loss = summary.header.firstIndex(of: "final_eval_train_loss")!
    #expect(summary.rows.map { $0[arm] } == ["sgd", "sgd", "adam", "adam"])
    #expect(summary.rows[0][lr] == "0.15" && summary.rows[2][lr] == "0.05")
    // Adam's pick is the better of its two beta1 points, worked out from the grid itself.
    let tuning = try CSVTable.read(out.file("tuned/tuning.csv"))
    #expect(tuning.rows.count == 10)
    func mean(_ name: String) -> Double {
        let rows = tuning.rows.filter { $0[arm] == name }
        return rows.map { Double($0[loss])! }.reduce(0, +) / Double(rows.count)
    }
    let bestAdam = mean("adam[lr=0.05,beta1=0]") <= mean("adam[lr=0.05,beta1=0.9]") ? "0" : "0.9"
    let beta1 = summary.header.firstIndex(of: "beta1")!
    #expect(summary.rows[2][beta1] == bestAdam)
    // A grid with neither a shared grid nor the arm's own is refused, as are unknown arms and keys.
    let grids = "\"arm_grids\": {\"sgd\": {\"lr\": [0.001, 0.15, 50]}, \"adam\": {\"lr\": [0.05], \"beta1\": [0, 0.9]}}"
    #expect(json.contains(grids))
    for (bad, path) in [
        ("\"arm_grids\": {\"adam\": {\"lr\": [0.05]}}", "tune.grid"),
        ("\"arm_grids\": {\"sgd\": {\"lr\": [0.1]}, \"adamw\": {\"lr\": [1]}}", "tune.arm_grids.adamw"),
        ("\"arm_grids\": {\"sgd\": {\"lr\": [0.1]}, \"adam\": {\"momentum\": [0, 0.9]}}", "tune.arm_grids.adam.momentum"),
        ("\"arm_grids\": {\"sgd\": {\"lr\": [0.1, 0.1]}, \"adam\": {\"lr\": [0.05]}}", "tune.arm_grids.sgd.lr[1]"),
        ("\"arm_grids\": [1]", "tune.arm_grids"),
        ("\"grid\": {\"lr\": [\"x\"]}, " + grids, "tune.grid"),
    ] {
        let text = json.replacingOccurrences(of: grids, with: bad)
        do { _ = try ExperimentConfig.parse(JSON.parse(text)); Issue.record("accepted \(bad)") } catch let e as ConfigError {
            #expect(e.path == path, "\(e)")
        }
    }
}

/// Values added to a grid shift the indices of the points after them: finished points are taken
/// over by fingerprint, renumbered, and only the new values train.
@Test func aGrownGridTrainsOnlyItsNewPoints() throws {
    let small = try ExperimentConfig.parse(JSON.parse(tuneConfig.replacingOccurrences(of: "[0.001, 0.05, 0.15, 50]", with: "[0.05, 0.15]")))
    let grown = try ExperimentConfig.parse(JSON.parse(tuneConfig.replacingOccurrences(of: "[0.001, 0.05, 0.15, 50]", with: "[0.01, 0.05, 0.15]")))
    let problem = try small.loadProblem(dataDirectory: "")
    let out = TemporaryDirectory(), fresh = TemporaryDirectory()
    let first = try Points.run(small, problem: problem, shard: .all, outRoot: out.path, threads: 1, progress: nil)
    #expect(first.ran == 8)
    let second = try Points.run(grown, problem: problem, shard: .all, outRoot: out.path, threads: 1, progress: nil)
    #expect(second.ran == 4 && second.skipped == 8 && second.total == 12)
    _ = try Points.collect(directory: out.file("tuned"))
    _ = try Points.run(grown, problem: problem, shard: .all, outRoot: fresh.path, threads: 1, progress: nil)
    _ = try Points.collect(directory: fresh.file("tuned"))
    for file in ["curves.csv", "summary.csv", "tuning.csv"] {
        #expect(out.read("tuned/\(file)") != nil && out.read("tuned/\(file)") == fresh.read("tuned/\(file)"), "\(file)")
    }
    // Taken-over files are renumbered, and a slot another point's file once held is overwritten
    // by the point that belongs there (sgd[lr=0.15] was index 2, now 4; sgd[lr=0.05] 0, now 2).
    let moved = out.read("tuned/points/00004.point")!
    #expect(moved.hasPrefix("# adam-bench point 4 of 12\n") && moved.contains("\nsgd[lr=0.15],1,"))
    #expect(out.read("tuned/points/00002.point")!.contains("\nsgd[lr=0.05],1,"))
}

/// A point's fingerprint covers its seed and its own arm (mutations: either left out). A rerun
/// with another seed list, or other grid values, must not reuse the old points under new labels.
@Test func fingerprintsCoverTheSeedAndThePointsOwnArm() throws {
    let c = try ExperimentConfig.parse(JSON.parse(sweepConfig))
    let arms = c.runArms
    #expect(arms.count >= 2)
    let fp = c.fingerprint(arms[0], seed: 1, files: [])
    #expect(fp == c.fingerprint(arms[0], seed: 1, files: []))
    #expect(fp != c.fingerprint(arms[0], seed: 2, files: []))
    #expect(fp != c.fingerprint(arms[1], seed: 1, files: []))
    // End to end: other seeds rerun every point.
    let problem = try c.loadProblem(dataDirectory: "")
    let out = TemporaryDirectory()
    let first = try Points.run(c, problem: problem, shard: .all, outRoot: out.path, threads: 1, progress: nil)
    let reseeded = try c.applying(ConfigOverrides(seed: 99))
    let second = try Points.run(reseeded, problem: problem, shard: .all, outRoot: out.path, threads: 1, progress: nil)
    #expect(first.ran == first.total && second.ran == second.total && second.skipped == 0)
}

/// Progress totals count the expanded grid's points less what is already done (issue 9, class
/// 11: the total once counted the arms before the grid expanded them, and the ETA went negative).
@Test func progressTotalsCountTheWorkThatWillRun() throws {
    let c = try ExperimentConfig.parse(JSON.parse(sweepConfig))
    let problem = try c.loadProblem(dataDirectory: "")
    let out = TemporaryDirectory()
    let plan = try Points.plan(c, problem: problem, shard: .all, outRoot: out.path)
    #expect(plan.remainingEpochs == c.runArms.count * c.training.seeds.count * c.training.epochs)
    #expect(c.runArms.count > c.arms.count)
    _ = try Points.run(c, problem: problem, shard: .init(index: 0, count: 2), outRoot: out.path, threads: 1, progress: nil)
    let half = try Points.plan(c, problem: problem, shard: .all, outRoot: out.path)
    #expect(half.remainingEpochs == half.todo.count * c.training.epochs && half.todo.count == plan.todo.count / 2)
}

/// The paper's Figure 4 layout: a row per β1, columns β2 after the first read epoch, then after
/// the second; bias-corrected lines red, uncorrected green; the paper's points as markers in the
/// colour of the line of the same setting.
@Test func figure4SweepsPlotInThePapersGrid() throws {
    let config = """
    {"name": "f4", "dataset": {"name": "quadratic", "curvatures": [10, 1], "init": [1, 1]},
     "training": {"epochs": 4, "eval_every_epochs": 2}, "arms": [{"name": "adam", "optimizer": "adam"}],
     "sweep": {"arm": "adam", "grid": {"beta1": [0, 0.9], "beta2": [0.99, 0.999, 0.9999], "lr": [0.001, 0.01],
               "bias_correction": [true, false]}, "read_epochs": [2, 4]},
     "plot": {"paper_figure": "4", "y_min": 0, "y_max": 2}}
    """
    let c = try ExperimentConfig.parse(JSON.parse(config))
    let out = TemporaryDirectory()
    _ = try Points.run(c, problem: try c.loadProblem(dataDirectory: ""), shard: .all, outRoot: out.path, threads: 1, progress: nil)
    _ = try Points.collect(directory: out.file("f4"))
    let paper = try CSVTable.parse("""
    figure,panel,series,x,y,above
    4,epochs=2 beta1=0.9 beta2=0.999,bias_correction=false,0.01,1.5,
    4,epochs=2 beta1=0.9 beta2=0.999,bias_correction=false,0.001,,140
    4,epochs=4 beta1=0 beta2=0.99,bias_correction=true,0.001,0.5,
    """, path: "f.csv")
    let panels = try #require(try ResultsPlot.sweepPanels(directory: out.file("f4"), epoch: nil, paper: paper))
    #expect(panels.map(\.title) == [
        "beta1 = 0, beta2 = 0.99, 2 epochs", "beta1 = 0, beta2 = 0.999, 2 epochs", "beta1 = 0, beta2 = 0.9999, 2 epochs",
        "beta1 = 0, beta2 = 0.99, 4 epochs", "beta1 = 0, beta2 = 0.999, 4 epochs", "beta1 = 0, beta2 = 0.9999, 4 epochs",
        "beta1 = 0.9, beta2 = 0.99, 2 epochs", "beta1 = 0.9, beta2 = 0.999, 2 epochs", "beta1 = 0.9, beta2 = 0.9999, 2 epochs",
        "beta1 = 0.9, beta2 = 0.99, 4 epochs", "beta1 = 0.9, beta2 = 0.999, 4 epochs", "beta1 = 0.9, beta2 = 0.9999, 4 epochs"])
    #expect(panels.map(\.gridRow) == Array(repeating: 0, count: 6) + Array(repeating: 1, count: 6))
    #expect(panels[0].series.map(\.color) == ["#d62728", "#2ca02c"])
    // The paper's points: the drawn one as a marker matched to the uncorrected line; the one
    // above the axis is left out.
    let marked = panels[7].series.filter(\.reference)
    #expect(marked.map(\.name) == ["paper: bias_correction=false"] && marked[0].matches == 1)
    #expect(marked[0].points.count == 1 && marked[0].points[0].x == -2 && marked[0].points[0].y == 1.5)
    #expect(panels[3].series.filter(\.reference).map(\.matches) == [0])
    let svg = SVGPlot.render(panels)
    #expect(isWellFormedXML(svg) && svg.contains("height=\"840.0\"") && svg.contains("translate(2800.0,420.0)"))
}

/// A pick at the smallest or largest value of a searched key may not be the optimum: the run says
/// so on stderr (with the config path to extend), in manifest.json and in the report; a pick
/// inside its grid, a key with one value and a boolean key are not flagged.
@Test func aTunedPickAtItsGridsEdgeIsFlagged() throws {
    // SGD on curvature 10 converges fastest at lr 0.15: inside [0.001, 0.05, 0.15, 50].
    let inside = try ExperimentConfig.parse(JSON.parse(tuneConfig))
    let (out, _) = try trainTuned(inside, threads: 1)
    let picks = try JSON.parse(out.read("tuned/manifest.json")!)["tuning"]
    #expect(picks?["select"] == .string("final_eval_train_loss"))
    #expect(element(picks?["arms"], 0)?["chosen"] == .string("sgd[lr=0.15]") && element(picks?["arms"], 0)?["at_grid_edge"] == .array([]))

    // Without 0.15 and 50, SGD's best is 0.05, the grid's largest value; Adam's lr has one value
    // (not searched) and its beta1 pick, whichever it is, lies at an end of [0, 0.9].
    let json = tuneConfig.replacingOccurrences(of: "\"tune\": {\"grid\": {\"lr\": [0.001, 0.05, 0.15, 50]},",
                                               with: "\"tune\": {\"arm_grids\": {\"sgd\": {\"lr\": [0.001, 0.05]}, \"adam\": {\"lr\": [0.05], \"beta1\": [0, 0.9], \"bias_correction\": [true, false]}},")
    let c = try ExperimentConfig.parse(JSON.parse(json))
    let problem = try c.loadProblem(dataDirectory: "")
    let results = ExperimentRunner.train(c, problem: problem, threads: 1, progress: nil)
    let choices = Tuner.choose(c, c.tune!, all: results).map(\.choice)
    #expect(choices.map(\.arm) == ["sgd", "adam"])
    #expect(choices[0].point == "sgd[lr=0.05]")
    #expect(choices[0].edges == [.init(key: "lr", value: 0.05, side: "largest", grid: [0.001, 0.05], path: "tune.arm_grids.sgd.lr")])
    #expect(choices[1].edges.map(\.key) == ["beta1"] && choices[1].edges[0].path == "tune.arm_grids.adam.beta1")
    let warning = choices[0].warnings[0]
    #expect(warning.contains("sgd's best point sgd[lr=0.05] has lr = 0.05, the largest value of its grid (0.001, 0.05)")
            && warning.contains("add a larger value to tune.arm_grids.sgd.lr"), "\(warning)")
    // The score is the select column's mean over the two seeds.
    let sgd = results.filter { $0.arm.name == "sgd[lr=0.05]" }.map { $0.rows.last { $0.evalTrainLoss != nil }!.evalTrainLoss! }
    #expect(choices[0].score == (sgd[0] + sgd[1]) / 2)

    // The same through the command line, the manifest and the report.
    let dir = TemporaryDirectory()
    try json.write(toFile: dir.file("tuned.json"), atomically: true, encoding: .utf8)
    let run = try Binary.run(["run", "tuned.json", "--out", "res", "--quiet"], directory: dir.path)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.contains("warning: tune: sgd's best point sgd[lr=0.05]"), "\(run.stderr)")
    let collect = try Binary.run(["collect", "res/tuned", "--quiet"], directory: dir.path)
    #expect(collect.status == 0 && collect.stderr.components(separatedBy: "warning: tune:").count == 3, "\(collect.stderr)")
    let edge = element(element(try JSON.parse(dir.read("res/tuned/manifest.json")!)["tuning"]?["arms"], 0)?["at_grid_edge"], 0)
    #expect(edge?["side"] == .string("largest") && edge?["config_path"] == .string("tune.arm_grids.sgd.lr"))
    let section = try Report.section(directory: dir.file("res/tuned"), paper: nil, image: "tuned.svg")
    #expect(section.markdown.contains("| sgd | sgd[lr=0.05] | "), "\(section.markdown)")
    #expect(section.markdown.contains("| lr 0.001, 0.05 | **no**: lr 0.05 is the largest value |"), "\(section.markdown)")
}

/// A pick that leads only late depends on the horizon: each pick says from which logged epoch on
/// the same rule, applied to the curves cut at each epoch, keeps it, and what led before, in
/// the manifest, on stderr and in the report. Curves made by hand: every crossing is known.
@Test func aTunedPickSaysFromWhichEpochItLeads() throws {
    let json = """
    {"name": "lead", "dataset": {"name": "quadratic", "curvatures": [10, 1], "init": [1, 1]},
     "training": {"epochs": 4, "seeds": [1]},
     "arms": [{"name": "sgd", "optimizer": "sgd", "lr": 0.1}, {"name": "adam", "optimizer": "adam"}],
     "tune": {"arm_grids": {"sgd": {"lr": [0.1, 0.2, 0.3]}, "adam": {"lr": [0.01, 0.02]}}, "select": "SELECT"}}
    """
    func results(_ c: ExperimentConfig, _ curves: [[Double]], diverged: Set<Int> = []) -> [ArmResult] {
        c.runArms.enumerated().map { i, arm in
            let rows = curves[i].enumerated().map { e, v in
                CurveRow(epoch: Double(e + 1), iteration: e + 1, trainLoss: nil, evalTrainLoss: v, testLoss: nil, testAccuracy: nil)
            }
            return ArmResult(arm: arm, seed: 1, rows: rows, status: diverged.contains(i) ? .diverged(iteration: 3) : .ok,
                             timings: [], wallSeconds: 1)
        }
    }
    let final = try ExperimentConfig.parse(JSON.parse(json.replacingOccurrences(of: "SELECT", with: "final_eval_train_loss")))
    // sgd: 0.2 leads at epochs 1-2, 0.1 from epoch 3; 0.3 (lowest of all at epoch 4) diverged and
    // is left out as the rule leaves it out. adam: 0.02 leads at every epoch, tied at epoch 1 (a
    // tie is no change of lead: at epoch 0 every point has the same loss).
    var picks = Tuner.choose(final, final.tune!, all: results(final, [[1.0, 0.5, 0.30, 0.20], [0.8, 0.4, 0.35, 0.25],
                                                                      [0.1, 0.1, 0.1, 0.01], [1, 1.9, 1.8, 1.7], [1, 0.9, 0.8, 0.7]],
                                                            diverged: [2])).map(\.choice)
    #expect(picks.map(\.point) == ["sgd[lr=0.1]", "adam[lr=0.02]"])
    #expect(picks[0].bestSince == 3 && picks[0].bestBefore == "sgd[lr=0.2]")
    #expect(picks[1].bestSince == 1 && picks[1].bestBefore == nil)
    #expect(picks[0].summary == "tune: sgd picks sgd[lr=0.1] (0.2), the pick from epoch 3 on (sgd[lr=0.2] before)", "\(picks[0].summary)")
    #expect(picks[1].summary == "tune: adam picks adam[lr=0.02] (0.7), the pick from epoch 1 on")

    // "best_…" ranks by the best value so far: 0.2's 0.2 at epoch 2 holds until 0.1 reaches 0.1.
    let best = try ExperimentConfig.parse(JSON.parse(json.replacingOccurrences(of: "SELECT", with: "best_eval_train_loss")))
    picks = Tuner.choose(best, best.tune!, all: results(best, [[1.0, 0.5, 0.3, 0.1], [0.8, 0.2, 0.35, 0.25], [1, 1, 1, 1],
                                                                [1, 1.9, 1.8, 1.7], [1, 0.9, 0.8, 0.7]])).map(\.choice)
    #expect(picks[0].point == "sgd[lr=0.1]" && picks[0].bestSince == 4 && picks[0].bestBefore == "sgd[lr=0.2]")

    // Through the manifest into the report's tuning table.
    let out = TemporaryDirectory()
    _ = try ResultsFolder.write(final, files: [], results: results(final, [[1.0, 0.5, 0.30, 0.20], [0.8, 0.4, 0.35, 0.25],
                                                                           [0.1, 0.1, 0.1, 0.01], [1, 1.9, 1.8, 1.7], [1, 0.9, 0.8, 0.7]],
                                                                 diverged: [2]),
                                outRoot: out.path, threads: 1, started: Date())
    let manifest = try JSON.parse(out.read("lead/manifest.json")!)
    #expect(element(manifest["tuning"]?["arms"], 0)?["best_since_epoch"] == .number(3))
    #expect(element(manifest["tuning"]?["arms"], 0)?["best_before"] == .string("sgd[lr=0.2]"))
    #expect(element(manifest["tuning"]?["arms"], 1)?["best_before"] == .null)
    let md = try Report.section(directory: out.file("lead"), paper: nil, image: "l.svg").markdown
    #expect(md.contains("**no**: lr 0.1 is the smallest value | from epoch 3 of 4; sgd[lr=0.2] before |")
            && md.contains("**no**: lr 0.02 is the largest value | from epoch 1 of 4 |"), "\(md)")
}

/// The progress of a tuned run (`collect --partial`): every point it has under its own name,
/// nothing picked, each arm shown with its grid, and its claims (about each arm's pick) waiting.
@Test func aPartialTunedRunShowsItsGridsAndPicksNothing() throws {
    let dir = TemporaryDirectory()
    let json = tuneConfig.replacingOccurrences(of: "\"select\": \"final_eval_train_loss\"}}",
                                               with: "\"select\": \"final_eval_train_loss\"}, \"claims\": [{\"kind\": \"never-diverges\"}]}")
    try json.write(toFile: dir.file("tuned.json"), atomically: true, encoding: .utf8)
    // Two of the 16 points (4 rates x 2 arms x 2 seeds): sgd[lr=0.001] with both seeds.
    for shard in ["0/16", "1/16"] {
        let r = try Binary.run(["run", "tuned.json", "--out", "res", "--quiet", "--shard", shard], directory: dir.path)
        #expect(r.status == 0, "\(r.stderr)")
    }
    let partial = try Binary.run(["collect", "res/tuned", "--partial"], directory: dir.path)
    #expect(partial.status == 0 && !partial.stderr.contains("tune:"), "\(partial.stderr)")
    let curves = try #require(dir.read("res/tuned-partial/curves.csv"))
    #expect(curves.contains("\nsgd[lr=0.001],1,") && curves.contains("\nsgd[lr=0.001],2,") && !curves.contains("\nsgd,"))
    #expect(!FileManager.default.fileExists(atPath: dir.file("res/tuned-partial/tuning.csv")))
    #expect(try !#require(dir.read("res/tuned-partial/manifest.json")).contains("\"tuning\""))
    let md = try Report.section(directory: dir.file("res/tuned-partial"), paper: nil, image: "p.svg").markdown
    #expect(md.contains("| sgd | sgd | lr {0.001, 0.05, 0.15, 50}, momentum 0; schedule constant |"), "\(md)")
    #expect(md.contains("The claims wait until every grid point is done") && !md.contains("**Tuning**"), "\(md)")
}

/// Element i of a JSON array, or nil.
func element(_ json: JSON?, _ i: Int) -> JSON? {
    guard case .array(let items)? = json, i < items.count else { return nil }
    return items[i]
}

/// Shards of a grid that grew at its front, planned one after another as a queue starts them:
/// each finds every finished point and checkpoint at its new index. (The first shard's
/// renumbering once overwrote a point file the next shard had still to find, which then trained
/// again, and checkpoints were not moved at all.)
@Test func shardsOfAGrownGridFindEveryFinishedPointAndCheckpoint() throws {
    let small = try ExperimentConfig.parse(JSON.parse(tuneConfig.replacingOccurrences(of: "[0.001, 0.05, 0.15, 50]", with: "[0.05, 0.15]")))
    let grown = try ExperimentConfig.parse(JSON.parse(tuneConfig.replacingOccurrences(of: "[0.001, 0.05, 0.15, 50]", with: "[0.01, 0.05, 0.15]")))
    let problem = try small.loadProblem(dataDirectory: "")
    let out = TemporaryDirectory()
    #expect(try Points.run(small, problem: problem, shard: .all, outRoot: out.path, threads: 1, progress: nil).ran == 8)
    // A checkpoint (epoch 7) of the grown grid's point 1, left under index 5 by an earlier run.
    let points = ExperimentRunner.points(grown)
    let every = points.map { grown.fingerprint($0.arm, seed: $0.seed, files: []) }
    let snapshot = TrainingSnapshot(epoch: 7, iteration: 7, params: [1, 2], optimizerScalars: [], optimizerBuffers: [], averageSteps: 0,
                                    average: [], rngs: [], order: [], lossSum: 0, lossCount: 0, rows: [], timings: [], wallSeconds: 1)
    try CheckpointPlan(path: out.file("tuned/points/00005.checkpoint"), fingerprint: every[1], everyEpochs: 1).save(snapshot)
    var skipped = 0, todo: [Int] = []
    for k in 0..<points.count {
        let plan = try Points.plan(grown, problem: problem, shard: Points.Shard(index: k, count: points.count), outRoot: out.path)
        skipped += plan.skipped
        todo += plan.todo
        if k == 1 { #expect(plan.todo == [1] && plan.remainingEpochs == grown.training.epochs - 7) }
    }
    #expect(skipped == 8 && todo.count == 4, "skipped \(skipped), to train \(todo)")
    for (i, fp) in every.enumerated() {
        if let stored = try? Points.readPoint(out.file("tuned/points/" + String(format: "%05d.point", i))) {
            #expect(stored.fingerprint == fp, "point \(i)")
        }
    }
    guard case .snapshot(let moved) = CheckpointPlan(path: out.file("tuned/points/00001.checkpoint"), fingerprint: every[1], everyEpochs: 1).load() else {
        Issue.record("the checkpoint was not moved to its point's index"); return
    }
    #expect(moved == snapshot && !FileManager.default.fileExists(atPath: out.file("tuned/points/00005.checkpoint")))
    #expect(try Points.run(grown, problem: problem, shard: .all, outRoot: out.path, threads: 1, progress: nil).ran == 4)
    _ = try Points.collect(directory: out.file("tuned"))
}

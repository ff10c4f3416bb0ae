// Verdicts over seeds and set-ups: summary.csv's seed aggregates worked out by hand, claims
// decided on the seed mean with the seeds that hold counted, every new claim kind passing and
// failing, plots with a band over the seeds, variants of a set-up, and the report of all that
// byte for byte.
@testable import Config
@testable import Results
import Foundation
import TestSupport
import Testing

/// A curve row with only the columns these tests use.
func row(_ epoch: Double, train: Double? = nil, eval: Double?) -> CurveRow {
    CurveRow(epoch: epoch, iteration: Int(epoch), trainLoss: train, evalTrainLoss: eval, testLoss: nil, testAccuracy: nil)
}

/// The arms of the hand-worked quadratic config (sgd lr 0.5; heavy-ball lr 0.5, momentum 0.5).
func handArms() throws -> [ArmConfig] { try ExperimentConfig.parse(JSON.parse(handConfig)).arms }

// MARK: - summary.csv's seed aggregates

@Test func seedAggregatesAreWorkedOutFromThePrintedSeedRows() throws {
    let arms = try handArms()
    // sgd: final eval 0.25, 0.5, 0.75 (mean 0.5, sd 0.25), each the best, reached at epochs 1, 2, 3.
    let evals: [[Double]] = [[0.25, 0.25, 0.25], [1, 0.5, 0.5], [1, 1, 0.75]]
    var results = (0..<3).map { s in
        ArmResult(arm: arms[0], seed: UInt64(s + 1), rows: [row(0, eval: 1)] + (1...3).map { row(Double($0), train: 0.5, eval: evals[s][$0 - 1]) },
                  status: .ok, timings: [], wallSeconds: 1)
    }
    // heavy-ball: seed 2 diverged at iteration 3 (its last value NaN).
    results.append(ArmResult(arm: arms[1], seed: 1, rows: [row(0, eval: 1)] + (1...3).map { row(Double($0), train: 0.5, eval: 0.5) },
                             status: .ok, timings: [], wallSeconds: 1))
    results.append(ArmResult(arm: arms[1], seed: 2, rows: [row(0, eval: 1), row(1, train: 0.5, eval: 0.25), row(2, train: 0.5, eval: 0.25),
                                                            row(3, train: .nan, eval: .nan)],
                             status: .diverged(iteration: 3), timings: [], wallSeconds: 1))
    let lines = SummaryCSV.render(results, aggregates: true).split(separator: "\n").map(String.init)
    #expect(lines[0] == "arm,seed,status,diverged_at_iteration,iterations,final_epoch,final_train_loss,final_eval_train_loss,final_test_loss,final_test_accuracy,best_train_loss,best_train_loss_epoch,best_eval_train_loss,best_eval_train_loss_epoch,best_test_loss,best_test_loss_epoch,best_test_accuracy,best_test_accuracy_epoch,optimizer,schedule,averaging,lr,momentum")
    #expect(Array(lines[1...7]) == [
        "sgd,1,ok,,3,3,0.5,0.25,,,0.5,1,0.25,1,,,,,sgd,constant,none,0.5,0",
        "sgd,2,ok,,3,3,0.5,0.5,,,0.5,1,0.5,2,,,,,sgd,constant,none,0.5,0",
        "sgd,3,ok,,3,3,0.5,0.75,,,0.5,1,0.75,3,,,,,sgd,constant,none,0.5,0",
        // The test columns were never measured: no statistic.
        "sgd,mean,ok,,3,3,0.5,0.5,,,0.5,1,0.5,2,,,,,sgd,constant,none,0.5,0",
        "sgd,sd,ok,,0,0,0,0.25,,,0,0,0.25,1,,,,,sgd,constant,none,0.5,0",
        "sgd,min,ok,,3,3,0.5,0.25,,,0.5,1,0.25,1,,,,,sgd,constant,none,0.5,0",
        "sgd,max,ok,,3,3,0.5,0.75,,,0.5,1,0.75,3,,,,,sgd,constant,none,0.5,0",
    ], "\(lines)")
    // A diverged seed: its NaN makes every statistic of that column NaN; the best values still count.
    #expect(lines[8] == "heavy-ball,1,ok,,3,3,0.5,0.5,,,0.5,1,0.5,1,,,,,sgd,constant,none,0.5,0.5")
    #expect(lines[9] == "heavy-ball,2,diverged,3,3,3,nan,nan,,,0.5,1,0.25,1,,,,,sgd,constant,none,0.5,0.5")
    #expect(lines[10] == "heavy-ball,mean,diverged in 1 of 2,,3,3,nan,nan,,,0.5,1,0.375,1,,,,,sgd,constant,none,0.5,0.5")
    #expect(lines[13] == "heavy-ball,max,diverged in 1 of 2,,3,3,nan,nan,,,0.5,1,0.5,1,,,,,sgd,constant,none,0.5,0.5")
    #expect(lines.count == 14)
    // The aggregates are not seeds: readers leave them out.
    let table = try CSVTable.parse(lines.joined(separator: "\n"), path: "s.csv")
    #expect(SummaryCSV.seedRows(table).rows.map { $0[1] } == ["1", "2", "3", "1", "2"])
}

/// One seed per arm: summary.csv is byte for byte what it was before seeds were aggregated, so
/// the golden files and every committed one-seed run stay valid.
@Test func oneSeedSummariesAreUnchanged() throws {
    let results = try run(handConfig)
    #expect(SummaryCSV.render(results, aggregates: true) == SummaryCSV.render(results))
    // A value missing in one seed (it stopped before a read epoch) leaves its statistics empty.
    let arm = try handArms()[0]
    let short = [ArmResult(arm: arm, seed: 1, rows: [row(0, eval: 1), row(1, eval: 0.5)], status: .ok, timings: [], wallSeconds: 0),
                 ArmResult(arm: arm, seed: 2, rows: [row(0, eval: 1), row(1, eval: 0.5), row(2, eval: 0.25)], status: .ok, timings: [], wallSeconds: 0)]
    let lines = SummaryCSV.render(short, readEpochs: [2], aggregates: true).split(separator: "\n")
    #expect(Array(lines[1...3]) == ["sgd,1,ok,,1,1,,0.5,,,,,0.5,1,,,,,,,sgd,constant,none,0.5,0",
                                    "sgd,2,ok,,2,2,,0.25,,,,,0.25,2,,,,,0.25,,sgd,constant,none,0.5,0",
                                    "sgd,mean,ok,,1.5,1.5,,0.375,,,,,0.375,1.5,,,,,,,sgd,constant,none,0.5,0"], "\(lines)")
}

// MARK: - Claims over seeds

/// adam's cost at epoch 2 is 0.2, 0.5, 0.2 in seeds 1-3 (mean 0.3); sgd's 0.4, 0.3, 0.4 (mean 0.3667).
let seedCurves = """
arm,seed,epoch,iteration,train_loss,eval_train_loss,test_loss,test_accuracy
adam,1,0,0,,1,,
adam,1,2,20,,0.2,,
adam,2,0,0,,1,,
adam,2,2,20,,0.5,,
adam,3,0,0,,1,,
adam,3,2,20,,0.2,,
sgd,1,0,0,,1,,
sgd,1,2,20,,0.4,,
sgd,2,0,0,,1,,
sgd,2,2,20,,0.3,,
sgd,3,0,0,,1,,
sgd,3,2,20,,0.4,,
"""

@Test func aClaimIsDecidedOnTheSeedMeanAndCountsTheSeedsWhereItHolds() throws {
    let checker = ClaimChecker(curves: try CSVTable.parse(seedCurves, path: "c.csv"), summary: nil, arms: ["adam", "sgd"], defaultColumn: "eval_train_loss")
    #expect(checker.seeds == ["1", "2", "3"])
    let lowest = checker.check(try claim(#"{"kind": "lowest", "series": "adam", "epoch": 2}"#))
    #expect(lowest == ClaimOutcome(verdict: .pass, evidence: "adam 0.3 is lowest of 2; next sgd 0.3667",
                                   seeds: SeedCount(holds: 2, total: 3, noData: 0, failing: ["2"])))
    #expect(lowest.seeds!.text == "holds in 2 of 3 seeds (fails in seed 2)" && lowest.seeds!.disagrees(with: .pass))
    // Every seed agrees: no disagreement.
    let range = checker.check(try claim(#"{"kind": "range", "series": "adam", "epoch": 2, "max": 0.6}"#))
    #expect(range.verdict == .pass && range.seeds == SeedCount(holds: 3, total: 3, noData: 0, failing: []) && !range.seeds!.disagrees(with: .pass))
    // The mean fails where one seed holds: they disagree too.
    let order = checker.check(try claim(#"{"kind": "order", "series": ["sgd", "adam"], "epoch": 2}"#))
    #expect(order.verdict == .fail && order.seeds?.holds == 1 && order.seeds!.disagrees(with: .fail))
    // A seed that has not reached the epoch is counted apart.
    let partial = seedCurves.replacingOccurrences(of: "adam,3,2,20,,0.2,,\n", with: "")
    let c2 = ClaimChecker(curves: try CSVTable.parse(partial, path: "c.csv"), summary: nil, arms: ["adam", "sgd"], defaultColumn: "eval_train_loss")
    let waiting = c2.check(try claim(#"{"kind": "lowest", "series": "adam", "epoch": 2}"#))
    #expect(waiting.seeds == SeedCount(holds: 1, total: 3, noData: 1, failing: ["2"]) && waiting.seeds!.text == "holds in 1 of 3 seeds (fails in seed 2; 1 without data)")
}

/// A sweep point's loss is its seeds' mean; rows of seed aggregates in summary.csv are ignored.
@Test func sweepClaimsAverageEachPointOverItsSeeds() throws {
    let summary = """
    arm,seed,status,lr,bias_correction,eval_train_loss_epoch_10,test_loss_epoch_10
    a,1,ok,0.001,true,0.5,0.6
    a,2,ok,0.001,true,0.3,0.6
    a,mean,ok,0.001,true,0.0001,0.6
    c,1,ok,0.01,true,0.35,0.4
    c,2,ok,0.01,true,0.4,0.4
    """
    let config = try ExperimentConfig.parse(JSON.parse(sweepBase.replacingOccurrences(of: "CLAIM",
        with: #"{"kind": "best-point", "where": {"bias_correction": true}, "epoch": 10, "hyperparameter": "lr", "min": 0.005}"#)))
    let checker = ClaimChecker(curves: try CSVTable.parse("arm,seed,epoch\n", path: "c.csv"), summary: try CSVTable.parse(summary, path: "s.csv"),
                               arms: [], defaultColumn: "train_loss")
    // Means 0.4 (lr 0.001) and 0.375 (lr 0.01): 0.01 is best; seed 1 agrees (0.35 < 0.5), seed 2 does not (0.3 < 0.4).
    let outcome = checker.check(config.claims[0])
    #expect(outcome.verdict == .pass && outcome.evidence == "best of 2 points (bias_correction=true) at epoch 10: lr=0.01, eval_train_loss 0.375; inside [0.005, inf]",
            "\(outcome)")
    #expect(outcome.seeds == SeedCount(holds: 1, total: 2, noData: 0, failing: ["2"]))
}

// MARK: - The new claim kinds

@Test(arguments: [
    // (claim, verdict, evidence it must contain); claimCurves at epoch 2: adam 0.2, sgd 0.3, adagrad 0.1 (eval)
    (#"{"kind": "ratio", "series": "sgd", "other": "adam", "epoch": 2, "min": 1.4}"#, "PASS", "at epoch 2: sgd 0.3 / adam 0.2 = 1.5x, inside [1.4, inf]"),
    (#"{"kind": "ratio", "series": "sgd", "other": "adam", "epoch": 2, "min": 1.6}"#, "FAIL", "= 1.5x, outside [1.6, inf]"),
    (#"{"kind": "ratio", "series": "adam", "other": "sgd", "epoch": 2, "min": 0.5, "max": 0.9}"#, "PASS", "= 0.667x, inside [0.5, 0.9]"),
    (#"{"kind": "ratio", "series": "adam", "other": "sgd", "epoch": 1, "max": 0.5, "column": "train_loss"}"#, "FAIL", "adam 0.9 / sgd 1.2 = 0.75x, outside [-inf, 0.5]"),
    (#"{"kind": "ratio", "series": "adam", "other": "sgd", "epoch": 0, "min": 1, "column": "train_loss"}"#, "NO DATA", "no train_loss for adam at epoch 0"),
    // Over a window: adam / sgd is 0.5 / 0.8 = 0.625 at epoch 1 and 0.2 / 0.3 = 0.667 at 2; geometric mean √(0.625·0.667) = 0.645.
    (#"{"kind": "ratio", "series": "adam", "other": "sgd", "from": 1, "max": 0.7}"#, "PASS",
     "adam / sgd over 2 logged epochs (1 to 2): geometric mean 0.645x (from 0.625x to 0.667x), inside [-inf, 0.7]"),
    (#"{"kind": "ratio", "series": "adam", "other": "sgd", "from": 2, "to": 2, "max": 0.65}"#, "FAIL",
     "adam / sgd over 1 logged epochs (2 to 2): geometric mean 0.667x (from 0.667x to 0.667x), outside [-inf, 0.65]"),
    (#"{"kind": "ratio", "series": "adam", "other": "sgd", "from": 3, "max": 1}"#, "NO DATA", "no epoch where both adam and sgd have eval_train_loss in the window"),
    (#"{"kind": "reach-ratio", "series": "sgd", "other": "adam", "target": 0.5, "min": 2}"#, "PASS", "sgd at epoch 2, adam at epoch 1; ratio 2x, inside [2, inf]"),
    (#"{"kind": "reach-ratio", "series": "sgd", "other": "adam", "target": 0.5, "min": 3}"#, "FAIL", "ratio 2x, outside [3, inf]"),
    (#"{"kind": "reach-ratio", "series": "sgd", "other": "adagrad", "target": 0.15, "min": 2}"#, "PASS", "sgd never (lowest 0.3), adagrad at epoch 2; ratio inf, inside [2, inf]"),
    (#"{"kind": "reach-ratio", "series": "adagrad", "other": "sgd", "target": 0.15, "max": 1}"#, "PASS", "ratio 0x, inside [-inf, 1]"),
    (#"{"kind": "reach-ratio", "series": "adam", "other": "sgd", "target": 0.05, "max": 1}"#, "FAIL", "neither reaches it"),
    (#"{"kind": "reach-ratio", "series": "adagrad", "other": "adam", "target": 0.92, "max": 1, "column": "test_accuracy"}"#, "PASS", "test_accuracy >= 0.92: adagrad at epoch 2, adam never (highest 0.9); ratio 0x"),
])
func everyNewCurveClaimKindPassesAndFails(_ c: (String, String, String)) throws {
    let outcome = try checker().check(try claim(c.0))
    #expect(outcome.verdict.rawValue == c.1, "\(outcome)")
    #expect(outcome.evidence.contains(c.2), "\(outcome.evidence)")
}

/// reach-ratio on the wall-time axis: adam takes 10 s an epoch, sgd 3 s; adam reaches 0.5 at
/// epoch 1 (10 s), sgd at epoch 2 (6 s), so by time adam needs 1.67x sgd's.
@Test func reachRatioByWallTimeUsesEachArmsMeasuredSeconds() throws {
    let timings = try CSVTable.parse("arm,seed,epoch,wall_seconds\nadam,1,1,10\nadam,1,2,10\nsgd,1,1,3\nsgd,1,2,3\n", path: "t.csv")
    let c = ClaimChecker(curves: try CSVTable.parse(claimCurves, path: "c.csv"), summary: nil, timings: timings,
                         arms: ["adam", "sgd", "adagrad"], defaultColumn: "eval_train_loss")
    let byTime = c.check(try claim(#"{"kind": "reach-ratio", "series": "adam", "other": "sgd", "target": 0.5, "min": 1.5, "x": "wall_seconds"}"#))
    #expect(byTime == ClaimOutcome(verdict: .pass, evidence: "eval_train_loss <= 0.5: adam after 10 s, sgd after 6 s; ratio 1.67x, inside [1.5, inf]"))
    let byEpoch = c.check(try claim(#"{"kind": "reach-ratio", "series": "adam", "other": "sgd", "target": 0.5, "min": 1.5}"#))
    #expect(byEpoch.verdict == .fail && byEpoch.evidence.hasSuffix("ratio 0.5x, outside [1.5, inf]"))
    let blind = ClaimChecker(curves: try CSVTable.parse(claimCurves, path: "c.csv"), summary: nil, arms: ["adam", "sgd"], defaultColumn: "eval_train_loss")
    #expect(blind.check(try claim(#"{"kind": "reach-ratio", "series": "adam", "other": "sgd", "target": 0.5, "min": 1, "x": "wall_seconds"}"#)).verdict == .noData)
    // time-ratio: seconds per epoch, 10 against 3.
    let slower = c.check(try claim(#"{"kind": "time-ratio", "series": "adam", "other": "sgd", "min": 3, "max": 4}"#))
    #expect(slower == ClaimOutcome(verdict: .pass, evidence: "wall seconds per epoch: adam 10, sgd 3: 3.33x, inside [3, 4]"))
    #expect(c.check(try claim(#"{"kind": "time-ratio", "series": "adam", "other": "sgd", "min": 5, "max": 10}"#)).verdict == .fail)
    #expect(blind.check(try claim(#"{"kind": "time-ratio", "series": "adam", "other": "sgd", "min": 5}"#)).verdict == .noData)
}

let paperBase = """
{"name": "c", "dataset": {"name": "mnist", "path": "m"}, "model": {"kind": "logistic-regression"},
 "training": {"epochs": 2}, "arms": [{"name": "adam", "optimizer": "adam"}, {"name": "sgd", "optimizer": "sgd", "lr": 0.1},
 {"name": "adagrad", "optimizer": "adagrad"}], "plot": {"column": "eval_train_loss", "paper_figure": "9", "paper_shift": 1}, "claims": [CLAIM]}
"""

/// paper-values: the paper's point at x faces our epoch x + 1 (plot.paper_shift); adam is 0.5 and
/// 0.2 at our epochs 1 and 2 against the paper's 0.45 and 0.25 (1.11x, 0.8x); its x = 2 has no
/// epoch 3 of ours. sgd's x = 0 lies above the paper's axis (> 1.5); ours there is 0.8.
@Test(arguments: [
    (#"{"kind": "paper-values", "series": "adam", "tolerance": 1.3}"#, "PASS", "2 of 2 points within x1.3 (ours / paper 0.8x to 1.11x); 1 paper point(s) without ours"),
    (#"{"kind": "paper-values", "series": "adam", "tolerance": 1.2}"#, "FAIL", "1 of 2 points within x1.2 (ours / paper 0.8x to 1.11x); outside: epoch 2 0.2 / 0.25 = 0.8x; 1 paper point(s) without ours"),
    (#"{"kind": "paper-values", "series": "adam", "tolerance": 1.2, "to": 1}"#, "PASS", "1 of 1 points within x1.2 (ours / paper 1.11x to 1.11x)"),
    (#"{"kind": "paper-values", "series": "sgd", "tolerance": 1.3}"#, "FAIL", "1 of 2 points within x1.3 (ours / paper 1x to 1x); outside: epoch 1 0.8 below the paper's > 1.5"),
    (#"{"kind": "paper-values", "series": "sgd", "tolerance": 2}"#, "PASS", "2 of 2 points within x2"),
    (#"{"kind": "paper-values", "series": "adagrad", "tolerance": 2}"#, "NO DATA", "the paper has no point of adagrad"),
])
func paperValuesCompareOurCurveAtTheShiftedEpochs(_ c: (String, String, String)) throws {
    let paper = try CSVTable.parse("figure,panel,series,x,y,above\n9,p,adam,0,0.45,\n9,p,adam,1,0.25,\n9,p,adam,2,0.1,\n9,p,sgd,0,,1.5\n9,p,sgd,1,0.3,\n8,p,adagrad,1,0.1,\n", path: "f.csv")
    let claim = try ExperimentConfig.parse(JSON.parse(paperBase.replacingOccurrences(of: "CLAIM", with: c.0))).claims[0]
    let checker = ClaimChecker(curves: try CSVTable.parse(claimCurves, path: "c.csv"), summary: nil, arms: ["adam", "sgd", "adagrad"],
                               defaultColumn: "eval_train_loss", paper: PaperValues(paper, figure: "9", shift: 1))
    let outcome = checker.check(claim)
    #expect(outcome.verdict.rawValue == c.1, "\(outcome)")
    #expect(outcome.evidence.contains(c.2), "\(outcome.evidence)")
    // Without the paper's values there is nothing to compare.
    let blind = ClaimChecker(curves: try CSVTable.parse(claimCurves, path: "c.csv"), summary: nil, arms: ["adam"], defaultColumn: "eval_train_loss")
    #expect(blind.check(claim).verdict == .noData)
}

/// breaks-down as counts on sweepSummary: the uncorrected points against their corrected
/// counterparts at the same lr are 0.9 / 0.5 = 1.8x (lr 0.001), diverged / 0.3 (lr 0.01) and
/// 1.2 / 0.35 = 3.43x (lr 0.1).
@Test(arguments: [
    (#"{"kind": "breaks-down", "where": {"bias_correction": false}, "holds": {"bias_correction": true}, "epoch": 10, "factor": 1.5, "at_least": 3}"#,
     "PASS", "3 of 3 points with bias_correction=false diverged or ended above 1.5 x their counterparts with bias_correction=true at epoch 10 (needs at least 3): lr=0.001 1.8x; lr=0.01 diverged; lr=0.1 3.43x"),
    (#"{"kind": "breaks-down", "where": {"bias_correction": false}, "holds": {"bias_correction": true}, "epoch": 10, "factor": 2, "at_least": 3}"#,
     "FAIL", "2 of 3 points with bias_correction=false diverged or ended above 2 x their counterparts with bias_correction=true at epoch 10 (needs at least 3): lr=0.01 diverged; lr=0.1 3.43x"),
    (#"{"kind": "breaks-down", "where": {"bias_correction": false, "lr": 0.001}, "holds": {"bias_correction": true}, "epoch": 10, "factor": 2, "at_least": 1}"#,
     "FAIL", "0 of 1 points with bias_correction=false, lr=0.001 diverged or ended above 2 x"),
    // "Equal or better regardless of the setting": no corrected point ends above its uncorrected one.
    (#"{"kind": "breaks-down", "where": {"bias_correction": true}, "holds": {"bias_correction": false}, "epoch": 10, "factor": 1, "at_most": 0}"#,
     "PASS", "0 of 3 points with bias_correction=true diverged or ended above 1 x their counterparts with bias_correction=false at epoch 10 (needs at most 0)"),
    (#"{"kind": "breaks-down", "where": {"bias_correction": false}, "holds": {"bias_correction": true}, "epoch": 10, "factor": 1.5, "at_most": 1}"#,
     "FAIL", "3 of 3 points with bias_correction=false diverged or ended above 1.5 x their counterparts with bias_correction=true at epoch 10 (needs at most 1)"),
    // The method's side diverging is no breakdown of the other side.
    (#"{"kind": "breaks-down", "where": {"bias_correction": true, "lr": 0.01}, "holds": {"bias_correction": false}, "epoch": 10, "factor": 1, "at_least": 1}"#,
     "FAIL", "0 of 1 points"),
])
func breaksDownCountsThePointsThatBreak(_ c: (String, String, String)) throws {
    try checkSweepClaim(c)
}

/// best-point with "is": the best point of all (c, lr 0.01, 0.3) is bias-corrected.
@Test(arguments: [
    (#"{"kind": "best-point", "epoch": 10, "hyperparameter": "bias_correction", "is": true}"#, "PASS",
     "best of 5 points (all points) at epoch 10: bias_correction=true, eval_train_loss 0.3; is true"),
    (#"{"kind": "best-point", "epoch": 10, "hyperparameter": "bias_correction", "is": false}"#, "FAIL", "bias_correction=true, eval_train_loss 0.3; is not false"),
    (#"{"kind": "best-point", "where": {"bias_correction": false}, "epoch": 10, "hyperparameter": "lr", "is": 0.001}"#, "PASS", "lr=0.001, eval_train_loss 0.9; is 0.001"),
])
func bestPointCanNameTheValueItTakes(_ c: (String, String, String)) throws {
    try checkSweepClaim(c)
}

func checkSweepClaim(_ c: (String, String, String)) throws {
    let config = try ExperimentConfig.parse(JSON.parse(sweepBase.replacingOccurrences(of: "CLAIM", with: c.0)))
    for grid in [[(key: "lr", values: ["0.001", "0.01", "0.1"]), (key: "bias_correction", values: ["true", "false"])], []] {
        let checker = ClaimChecker(curves: try CSVTable.parse("arm,seed,epoch\n", path: "c.csv"),
                                   summary: try CSVTable.parse(sweepSummary, path: "s.csv"), arms: [], defaultColumn: "train_loss", grid: grid)
        let outcome = checker.check(config.claims[0])
        #expect(outcome.verdict.rawValue == c.1, "\(outcome)")
        #expect(outcome.evidence.contains(c.2), "\(outcome.evidence)")
    }
}

@Test(arguments: [
    (claimBase, #"{"kind": "ratio", "series": "adam", "other": "sgd", "min": 1}"#, "claims[0].epoch", "is required for a ratio claim"),
    (claimBase, #"{"kind": "ratio", "series": "adam", "other": "sgd", "epoch": 1}"#, "claims[0].min", "or \"max\" is required for a ratio claim"),
    (claimBase, #"{"kind": "ratio", "series": "adam", "epoch": 1, "min": 1}"#, "claims[0].series", "one \"series\" and one \"other\""),
    (claimBase, #"{"kind": "ratio", "series": "adam", "other": "sgd", "epoch": 1, "min": -1}"#, "claims[0].min", "must be >= 0"),
    (claimBase, #"{"kind": "ratio", "series": "adam", "other": "sgd", "epoch": 1, "min": 2, "max": 1}"#, "claims[0].min", "is more than max"),
    (claimBase, #"{"kind": "reach-ratio", "series": "adam", "other": "sgd", "min": 2}"#, "claims[0].target", "is required for a reach-ratio claim"),
    (claimBase, #"{"kind": "reach-ratio", "series": "adam", "other": "sgd", "target": 0.1}"#, "claims[0].min", "or \"max\" is required"),
    (claimBase, #"{"kind": "reach-ratio", "series": "adam", "other": "sgd", "target": 0.1, "max": 1, "x": "iteration"}"#, "claims[0].x", "must be \"epoch\" or \"wall_seconds\""),
    (claimBase, #"{"kind": "lowest", "series": "adam", "epoch": 1, "reading": 3}"#, "claims[0].reading", "must be a string"),
    (claimBase, #"{"kind": "paper-values", "series": "adam", "tolerance": 1.5}"#, "claims[0].kind", "names no paper_figure"),
    (paperBase, #"{"kind": "paper-values", "tolerance": 1.5}"#, "claims[0].series", "is required for a paper-values claim"),
    (paperBase, #"{"kind": "paper-values", "series": "adam"}"#, "claims[0].tolerance", "is required"),
    (paperBase, #"{"kind": "paper-values", "series": "adam", "tolerance": 1}"#, "claims[0].tolerance", "must be more than 1"),
    (paperBase, #"{"kind": "paper-values", "series": "adam", "tolerance": 2, "from": 2, "to": 1}"#, "claims[0].from", "is more than to"),
    (paperBase, #"{"kind": "paper-values", "series": "adam", "tolerance": 2, "epoch": 1}"#, "claims[0].epoch", "unknown key for a paper-values claim"),
    (sweepBase, #"{"kind": "breaks-down", "where": {"bias_correction": false}, "holds": {"bias_correction": true}, "epoch": 10, "factor": 1.5, "at_least": 4}"#,
     "claims[0].at_least", "is 4, but \"where\" selects 3 point(s) of the grid"),
    (sweepBase, #"{"kind": "breaks-down", "where": {"bias_correction": false}, "holds": {"bias_correction": true}, "epoch": 10, "at_least": 2}"#,
     "claims[0].factor", "is required for a breaks-down claim"),
    (sweepBase, #"{"kind": "breaks-down", "where": {"bias_correction": false}, "holds": {"bias_correction": true}, "epoch": 10, "factor": 2, "at_least": 0}"#,
     "claims[0].at_least", "must be >= 1"),
    (sweepBase, #"{"kind": "breaks-down", "where": {"bias_correction": false}, "holds": {"bias_correction": true}, "epoch": 10, "factor": 2, "at_least": 1, "at_most": 2}"#,
     "claims[0].at_most", "give either \"at_least\" or \"at_most\""),
    (sweepBase, #"{"kind": "best-point", "epoch": 10, "hyperparameter": "bias_correction", "is": true, "min": 0}"#, "claims[0].is", "not both"),
    (sweepBase, #"{"kind": "best-point", "epoch": 10, "hyperparameter": "lr", "is": [1]}"#, "claims[0].is", "must be a number, true/false or a string"),
    (claimBase, #"{"kind": "ratio", "series": "adam", "other": "sgd", "epoch": 1, "from": 1, "min": 1}"#, "claims[0].epoch", "give either \"epoch\""),
    (claimBase, #"{"kind": "ratio", "series": "adam", "other": "sgd", "from": 2, "to": 1, "min": 1}"#, "claims[0].from", "is more than to"),
    (claimBase, #"{"kind": "time-ratio", "series": "adam", "other": "sgd"}"#, "claims[0].min", "or \"max\" is required for a time-ratio claim"),
])
func newClaimErrorsNameTheirJSONPath(_ c: (String, String, String, String)) throws {
    do {
        _ = try ExperimentConfig.parse(JSON.parse(c.0.replacingOccurrences(of: "CLAIM", with: c.1)))
        Issue.record("claim was accepted: \(c.1)")
    } catch let e as ConfigError {
        #expect(e.path == c.2, "\(e)")
        #expect(e.message.contains(c.3), "\(e)")
    }
}

// MARK: - Plots with a band over the seeds

@Test func anArmOfSeveralSeedsIsOneMeanLineWithABand() throws {
    let dir = TemporaryDirectory()
    // adam: 3 seeds; seed 3 diverged after epoch 1, so epoch 2 has two seeds only: a gap. sgd: 1 seed.
    _ = dir.write("""
    {"config": {"name": "bands", "plot": {"column": "eval_train_loss", "x_min": 0, "x_max": 2, "y_min": 0, "y_max": 1}}}
    """, to: "bands/manifest.json")
    _ = dir.write("""
    arm,seed,epoch,iteration,train_loss,eval_train_loss,test_loss,test_accuracy
    adam,1,0,0,,1,,
    adam,1,1,10,,0.5,,
    adam,1,2,20,,0.25,,
    adam,2,0,0,,1,,
    adam,2,1,10,,0.75,,
    adam,2,2,20,,0.5,,
    adam,3,0,0,,1,,
    adam,3,1,10,,0.25,,
    sgd,1,0,0,,1,,
    sgd,1,1,10,,0.9,,
    sgd,1,2,20,,0.8,,

    """, to: "bands/curves.csv")
    _ = dir.write("arm,seed,status\nadam,1,ok\nadam,2,ok\nadam,3,diverged\nadam,mean,diverged in 1 of 3\nsgd,1,ok\n", to: "bands/summary.csv")
    let panel = try ResultsPlot.panel(directory: dir.file("bands")) { _ in }
    #expect(panel.series.map(\.name) == ["adam", "sgd"] && panel.series.map(\.seeds) == [3, 1] && panel.series.map(\.diverged) == [true, false])
    let adam = panel.series[0]
    #expect(adam.points.map(\.x) == [0, 1, 2] && adam.points[0].y == 1 && adam.points[1].y == 0.5 && adam.points[2].y.isNaN)
    #expect(adam.band.count == 3 && adam.band[1].lo == 0.25 && adam.band[1].hi == 0.75 && adam.band[2].lo.isNaN)
    #expect(panel.series[1].band.isEmpty && panel.series[1].points.map(\.y) == [1, 0.9, 0.8])
    // x = 78 + 231·epoch, y = 44 + 320·(1 − value): the band runs along the lows (1 at epoch 0,
    // 0.25 at 1) and back along the highs (0.75, 1), in the line's colour, under every line.
    let svg = SVGPlot.render([panel])
    let polygons = svg.components(separatedBy: "<polygon").count - 1
    #expect(polygons == 1)
    let band = "<polygon class=\"seed-band\" fill=\"#4e79a7\" fill-opacity=\"0.2\" stroke=\"none\" points=\"78.0,44.0 309.0,284.0 309.0,124.0 78.0,44.0\"/>"
    #expect(svg.contains(band), "\(svg)")
    let line = "<polyline stroke=\"#4e79a7\" points=\"78.0,44.0 309.0,204.0\"/>"
    #expect(svg.contains(line))
    #expect(svg.range(of: band)!.lowerBound < svg.range(of: "<polyline")!.lowerBound)
    #expect(svg.contains(">adam (mean of 3 seeds) (diverged)</text>") && svg.contains(">sgd</text>"))
    #expect(isWellFormedXML(svg))
}

// MARK: - Variants

let variantPrimary = """
{"name": "primary", "dataset": {"name": "quadratic", "curvatures": [1], "init": [1]}, "training": {"epochs": 2},
 "arms": [{"name": "sgd", "optimizer": "sgd", "lr": 0.5}], VARIANTS}
"""

@Test(arguments: [
    (#""variants": {}"#, "variants", "must be an array"),
    (#""variants": [{"config": "v.json"}]"#, "variants[0].name", "is required"),
    (#""variants": [{"name": "a b", "config": "v.json"}]"#, "variants[0].name", "must be 1 to 100 letters"),
    (#""variants": [{"name": "a", "config": "v.json"}, {"name": "a", "config": "w.json"}]"#, "variants[1].name", "names another variant already"),
    (#""variants": [{"name": "a"}]"#, "variants[0].config", "is required"),
    (#""variants": [{"name": "a", "config": "v.json", "experiment": "primary"}]"#, "variants[0].experiment", "this config's own name"),
    (#""variants": [{"name": "a", "config": "v.json", "results": "x"}]"#, "variants[0].results", "unknown key for a variant"),
])
func variantErrorsNameTheirJSONPath(_ c: (String, String, String)) throws {
    do {
        _ = try ExperimentConfig.parse(JSON.parse(variantPrimary.replacingOccurrences(of: "VARIANTS", with: c.0)))
        Issue.record("accepted: \(c.0)")
    } catch let e as ConfigError {
        #expect(e.path == c.1, "\(e)")
        #expect(e.message.contains(c.2), "\(e)")
    }
}

@Test func loadingAPrimaryReadsItsVariantsConfigs() throws {
    let dir = TemporaryDirectory()
    let primary = dir.write(variantPrimary.replacingOccurrences(of: "VARIANTS", with: #""variants": [{"name": "slow", "config": "sub/slow.json"}]"#), to: "primary.json")
    func variant(_ name: String, extra: String = "") -> String {
        variantPrimary.replacingOccurrences(of: "\"primary\"", with: "\"\(name)\"").replacingOccurrences(of: ", VARIANTS", with: extra)
            .replacingOccurrences(of: "0.5", with: "0.25")
    }
    // Missing: named, with where it was looked for.
    do { _ = try ExperimentConfig.load(primary); Issue.record("a missing variant was accepted") } catch let e as ConfigError {
        #expect(e.path == "variants[0].config" && e.message.contains("no such config file \(dir.file("sub/slow.json"))") && e.file == primary, "\(e)")
    }
    _ = dir.write(variant("primary-slow"), to: "sub/slow.json")
    let c = try ExperimentConfig.load(primary)
    #expect(c.variants == [Variant(name: "slow", config: "sub/slow.json", experiment: "primary-slow")])
    // The resolved config carries the experiment name and reads back; the fingerprint ignores variants.
    #expect(c.resolvedJSON["variants"] == .array([.object([("name", .string("slow")), ("config", .string("sub/slow.json")), ("experiment", .string("primary-slow"))])]))
    #expect(try ExperimentConfig.parse(JSON.parse(c.resolvedJSON.rendered())).resolvedJSON == c.resolvedJSON)
    var plain = c
    plain.variants = []
    #expect(c.fingerprint(c.arms[0], seed: 1, files: []) == plain.fingerprint(plain.arms[0], seed: 1, files: []))
    // A variant that is not a config of its own, or lists variants itself, is refused.
    for (text, message) in [(variant("primary"), "has the same name as this config"),
                            (variant("v2", extra: #", "variants": [{"name": "x", "config": "y.json"}]"#), "lists variants of its own"),
                            ("{\"name\": 1}", "name: must be a string")] {
        _ = dir.write(text, to: "sub/slow.json")
        do { _ = try ExperimentConfig.load(primary); Issue.record("accepted: \(text)") } catch let e as ConfigError {
            #expect(e.path == "variants[0].config" && e.message.contains(message), "\(e)")
        }
    }
}

// MARK: - The report, byte for byte

/// A primary set-up of three seeds and a variant of one, written from hand-made curves (eval
/// train loss at epochs 0, 1, 2):
///   sgd  every seed 1, 0.5, 0.25
///   adam seed 1: 1, 0.25, 0.125; seed 2: 1, 0.5, 0.375; seed 3 as seed 1 (mean 0.3333, 0.2083)
///   the variant "slow": sgd 1, 0.5, 0.25; adam 1, 0.75, 0.5 (one seed)
/// and the paper's Figure 9 at x = 0 and 1 (our epochs 1 and 2): sgd 0.45, 0.2; adam 0.3, 0.15.
@Test func reportOfSeedsClaimsAndVariantsHasExactBytes() throws {
    let dir = TemporaryDirectory()
    let base = """
    {"name": "NAME", "description": "DESCRIPTION", "dataset": {"name": "quadratic", "curvatures": [1], "init": [1]},
     "training": {"epochs": 2, "seeds": SEEDS},
     "arms": [{"name": "sgd", "optimizer": "sgd", "lr": 0.5}, {"name": "adam", "optimizer": "adam", "lr": 0.1}],
     "plot": {"column": "eval_train_loss", "paper_figure": "9", "paper_shift": 1} EXTRA}
    """
    let claims = """
    , "claims": [
      {"kind": "lowest", "series": "adam", "epoch": 2, "quote": "Adam ends lowest", "reading": "the lowest cost at the last epoch"},
      {"kind": "ratio", "series": "sgd", "other": "adam", "epoch": 2, "min": 1.1, "quote": "by a clear margin", "reading": "SGD at least 1.1 x Adam"},
      {"kind": "reach-ratio", "series": "adam", "other": "sgd", "target": 0.3, "max": 1, "quote": "Adam converges as fast", "reading": "Adam needs no more epochs to reach 0.3"},
      {"kind": "range", "series": "sgd", "epoch": 2, "min": 0.2, "max": 0.3, "quote": "SGD ends near 0.25"},
      {"kind": "never-diverges"},
      {"kind": "paper-values", "series": "sgd", "tolerance": 1.5},
      {"kind": "paper-values", "series": "adam", "tolerance": 2}],
     "variants": [{"name": "slow", "config": "slow.json"}, {"name": "never-run", "config": "never.json"}]
    """
    func config(_ name: String, _ description: String, seeds: String, extra: String = "") -> String {
        base.replacingOccurrences(of: "NAME", with: name).replacingOccurrences(of: "DESCRIPTION", with: description)
            .replacingOccurrences(of: "SEEDS", with: seeds).replacingOccurrences(of: " EXTRA", with: extra)
    }
    _ = dir.write(config("verdicts-slow", "A variant.", seeds: "[1]"), to: "slow.json")
    _ = dir.write(config("verdicts-never", "Never run.", seeds: "[1]"), to: "never.json")
    let primary = try ExperimentConfig.load(dir.write(config("verdicts", "The primary set-up.", seeds: "[1, 2, 3]", extra: claims), to: "verdicts.json"))
    let variant = try ExperimentConfig.load(dir.file("slow.json"))
    func results(_ c: ExperimentConfig, _ curves: [String: [[Double]]], seconds: Double) -> [ArmResult] {
        c.arms.flatMap { arm in
            curves[arm.name]!.enumerated().map { s, values in
                ArmResult(arm: arm, seed: UInt64(s + 1), rows: values.enumerated().map { row(Double($0), eval: $1) }, status: .ok, timings: [],
                          wallSeconds: seconds)
            }
        }
    }
    let out = dir.file("out")
    _ = try ResultsFolder.write(primary, files: [], results: results(primary, ["sgd": Array(repeating: [1, 0.5, 0.25], count: 3),
                                                                          "adam": [[1, 0.25, 0.125], [1, 0.5, 0.375], [1, 0.25, 0.125]]], seconds: 600),
                                outRoot: out, threads: 1, started: Date())
    _ = try ResultsFolder.write(variant, files: [], results: results(variant, ["sgd": [[1, 0.5, 0.25]], "adam": [[1, 0.75, 0.5]]], seconds: 900),
                                outRoot: out, threads: 1, started: Date())
    let paper = try CSVTable.parse("figure,panel,series,x,y,above\n9,p,sgd,0,0.45,\n9,p,sgd,1,0.2,\n9,p,adam,0,0.3,\n9,p,adam,1,0.15,\n", path: "f.csv")
    let section = try Report.section(directory: (out as NSString).appendingPathComponent("verdicts"), paper: paper, image: "v.svg")
    let lines = section.markdown.split(separator: "\n", omittingEmptySubsequences: false)
    let rest = lines.filter { !$0.hasPrefix("**Provenance**") }.joined(separator: "\n")
    #expect(rest == """
    ## verdicts

    The primary set-up.

    ![verdicts](v.svg)

    Lines: ours. Markers: the paper's Figure 9, read off its plot (`paper/figures.csv`), drawn at our epoch = the paper's + 1. Each arm is the mean of its 3 seeds, with a band from the lowest to the highest seed.

    **The paper's text, checked** (each claim decided on the mean of the 3 seeds; "seeds": in how many it holds alone)

    | claim | the paper says | read as | verdict | seeds | evidence |
    | --- | --- | --- | --- | --- | --- |
    | adam lowest eval_train_loss at epoch 2 (the paper's 1) | “Adam ends lowest” | the lowest cost at the last epoch | **PASS** | **2 of 3: seeds disagree** (fails in 2) | adam 0.2083 is lowest of 2; next sgd 0.25 |
    | sgd / adam eval_train_loss at epoch 2 (the paper's 1) in [1.1, inf] | “by a clear margin” | SGD at least 1.1 x Adam | **PASS** | **2 of 3: seeds disagree** (fails in 2) | at epoch 2: sgd 0.25 / adam 0.2083 = 1.2x, inside [1.1, inf] |
    | epochs to reach eval_train_loss 0.3: adam / sgd in [-inf, 1] | “Adam converges as fast” | Adam needs no more epochs to reach 0.3 | **PASS** | **2 of 3: seeds disagree** (fails in 2) | eval_train_loss <= 0.3: adam at epoch 2, sgd at epoch 2; ratio 1x, inside [-inf, 1] |
    | sgd eval_train_loss at epoch 2 (the paper's 1) in [0.2, 0.3] | “SGD ends near 0.25” |  | **PASS** | 3 of 3 | sgd 0.25 at epoch 2 is inside [0.2, 0.3] |
    | no arm diverges |  |  | **PASS** | 3 of 3 | 2 of 2 arm(s) finished without a non-finite loss |

    Seeds disagree on 3 of 5 of these claims: their verdict on the mean is not every seed's verdict, so one run could have shown either.

    **Agreement with the paper's plotted values** (our eval train loss against the paper's points, at our epoch = the paper's x + 1; the text asserts none of these levels, so these rows say how close the curves are, not whether the method works)

    | series | tolerance | epochs | verdict | seeds | evidence |
    | --- | --- | --- | --- | --- | --- |
    | sgd | x1.5 | all | **PASS** | 3 of 3 | 2 of 2 points within x1.5 (ours / paper 1.11x to 1.25x) |
    | adam | x2 | all | **PASS** | **2 of 3: seeds disagree** (fails in 2) | 2 of 2 points within x2 (ours / paper 1.11x to 1.39x) |

    Seeds disagree on 1 of 2 of these claims: their verdict on the mean is not every seed's verdict, so one run could have shown either.

    **Ours against the paper** (eval train loss; ours / paper)

    | epoch | sgd | adam |
    | --- | --- | --- |
    | 1 | 0.5 / 0.45 | 0.3333 / 0.3 |
    | 2 | 0.25 / 0.2 | 0.2083 / 0.15 |

    **Robustness**: each claim under the primary set-up and under each variant of it (a config of its own, whose results sit beside these; verdicts on the seed mean, with the seeds in which the claim holds)

    | claim | primary | slow | never-run |
    | --- | --- | --- | --- |
    | adam lowest eval_train_loss at epoch 2 (the paper's 1) | PASS (2 of 3) | FAIL | no results |
    | sgd / adam eval_train_loss at epoch 2 (the paper's 1) in [1.1, inf] | PASS (2 of 3) | FAIL | no results |
    | epochs to reach eval_train_loss 0.3: adam / sgd in [-inf, 1] | PASS (2 of 3) | FAIL | no results |
    | sgd eval_train_loss at epoch 2 (the paper's 1) in [0.2, 0.3] | PASS (3 of 3) | PASS | no results |
    | no arm diverges | PASS (3 of 3) | PASS | no results |
    | sgd eval_train_loss within x1.5 of the paper's points | PASS (3 of 3) | PASS | no results |
    | adam eval_train_loss within x2 of the paper's points | PASS (2 of 3) | FAIL | no results |
    | seeds | 3 | 1 | – |
    | compute (core-hours) | 1.00 | 0.50 | – |

    Variants: slow: `slow.json`; never-run: `never.json`. never-run (`never.json`): no results in \(out)/verdicts-never yet.

    **Choices**

    | arm | optimizer | settings |
    | --- | --- | --- |
    | sgd | sgd | lr 0.5, momentum 0; schedule constant |
    | adam | adam | lr 0.1, beta1 0.9, beta2 0.999, eps 1e-08, bias_correction true, beta1_decay 1, epsilon_form algorithm1; schedule constant |

    Training: 2 epochs, seeds 1, 2, 3.


    """)
    #expect(section.seeds == 3 && section.computeSeconds == 3600)
    // The plot: one line per arm, adam with its band.
    #expect(section.panels[0].series.filter { !$0.reference }.map(\.seeds) == [3, 3])
    // The summary table counts text claims and plotted values apart.
    let table = Report.document([section]).split(separator: "\n").filter { $0.hasPrefix("| ") }
    #expect(table[0] == "| results | seeds | text claims | PASS | FAIL | NO DATA | plotted values agree | compute (summed over points) |")
    #expect(table[2] == "| verdicts | 3 | 5 | 5 | 0 | 0 | 2 of 2 | 1.0 h |", "\(table)")
}

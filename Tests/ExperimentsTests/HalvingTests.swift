// Successive halving: the kept points are the best by the rule at each rung (curves made by hand,
// and a real run checked against rankings read straight off full curves), every epoch is trained
// once, a run stopped between rungs or killed mid-rung and resumed, and shards run alternately,
// end byte-identical to one uninterrupted process, a grown grid reuses the rung work it has, and
// an unfinished halving is refused by collect and shown by collect --partial.
@testable import Config
@testable import Results
@testable import Training
import Foundation
import TestSupport
import Testing

let halvingConfig = """
{"name": "halved", "dataset": {"name": "quadratic", "curvatures": [10, 1], "init": [1, 1], "noise": 0.2},
 "training": {"epochs": 30, "seeds": [1, 2], "log_every": 1, "eval_every_epochs": 5},
 "arms": [{"name": "sgd", "optimizer": "sgd", "lr": 0.01}, {"name": "adam", "optimizer": "adam"}],
 "tune": {"arm_grids": {"sgd": {"lr": [0.001, 0.05, 0.15, 0.19, 5000]}, "adam": {"lr": [0.01, 0.05, 0.15, 0.19]}},
          "select": "final_eval_train_loss", "halving": {"rungs": [5, 10, 30], "keep": 0.5}}}
"""

/// Counts the epochs trained (one call per epoch a point finishes).
final class EpochCounter: ProgressSink, @unchecked Sendable {
    let lock = NSLock()
    var epochs = 0
    func epochFinished(arm: String, seed: UInt64, epoch: Int, of epochs: Int, row: CurveRow?, seconds: Double) {
        lock.lock(); self.epochs += 1; lock.unlock()
    }
}

@Test func theKeptPointsAreTheBestByTheRuleAtEachRung() throws {
    let json = """
    {"name": "hand", "dataset": {"name": "quadratic", "curvatures": [1], "init": [1]}, "training": {"epochs": 4},
     "arms": [{"name": "sgd", "optimizer": "sgd", "lr": 0.1}],
     "tune": {"grid": {"lr": [0.1, 0.2, 0.3, 0.4, 0.5]}, "select": "final_eval_train_loss", "halving": {"rungs": [1, 2, 4], "keep": 0.5}}}
    """
    let c = try ExperimentConfig.parse(JSON.parse(json))
    // Epochs 0-4. Rung 1 ranks 0.2 and 0.4 tied at 0.5 (grid order: 0.2 first), then 0.3 (0.6),
    // 0.1 (0.9) and 0.5, diverged at iteration 1, last: ceil(0.5 x 5) = 3 go on. Rung 2 ranks 0.3
    // (0.2), 0.2 (0.45), 0.4 (0.5): 2 go on. At epoch 4, 0.3 (0.05) beats 0.2 (0.35): the pick,
    // although 0.4, cut at rung 2, would have ended lower (0.01): the price of halving.
    let curves: [[Double]] = [[1, 0.9, 0.3, 0.2, 0.1], [1, 0.5, 0.45, 0.4, 0.35], [1, 0.6, 0.2, 0.15, 0.05],
                              [1, 0.5, 0.5, 0.1, 0.01], [1, .nan]]
    let results = zip(c.runArms, curves.enumerated()).map { arm, curve in
        var r = handCurve(curve.element, status: curve.offset == 4 ? .diverged(iteration: 1) : .ok)
        r.arm = arm
        return r
    }
    let record = Tuner.halving(c, c.tune!, c.tune!.halving!, states: results.map { PointState(finished: $0, epochs: 4) })
    let arm = record.arms[0]
    #expect(record.complete && arm.finalists == [1, 2])
    #expect(arm.rungs.map(\.epoch) == [1, 2, 4])
    #expect(arm.rungs[0].ranking.map(\.point) == [1, 3, 2, 0, 4] && arm.rungs[0].ranking.map(\.kept) == [true, true, true, false, false])
    #expect(arm.rungs[0].ranking.map(\.score) == [0.5, 0.5, 0.6, 0.9, nil])
    #expect(arm.rungs[1].ranking.map(\.point) == [2, 1, 3] && arm.rungs[1].ranking.map(\.kept) == [true, true, false])
    #expect(arm.rungs[2].ranking.map(\.point) == [2, 1] && arm.rungs[2].ranking.map(\.score) == [0.05, 0.35])
    #expect((0..<5).map(arm.cutAt) == [1, nil, nil, 2, 1])

    // What is still to train, from states short of a rung: nothing of 0.1 (so rung 1 waits for
    // it, and for all of it), then 0.4 only at epoch 1 (so rung 2 waits for it alone).
    var states = results.map { Optional(PointState(finished: $0, epochs: 4)) }
    states[0] = nil
    #expect(Tuner.halving(c, c.tune!, c.tune!.halving!, states: states).arms[0].waiting == .init(epoch: 1, candidates: [0, 1, 2, 3, 4], todo: [0]))
    states[0] = PointState(finished: results[0], epochs: 4)
    states[3] = PointState(result: results[3].through(1), epochsDone: 1)
    let waiting = Tuner.halving(c, c.tune!, c.tune!.halving!, states: states).arms[0]
    #expect(waiting.waiting == .init(epoch: 2, candidates: [1, 2, 3], todo: [3]) && waiting.rungs.count == 1 && waiting.finalists == nil)

    // The results folder: the pick's curve under the arm's name; each cut point in tuning.csv
    // with its curve up to its rung and the rung's epoch.
    let out = TemporaryDirectory()
    _ = try ResultsFolder.write(c, files: [], results: results, outRoot: out.path, threads: 1, started: Date())
    let tuning = try CSVTable.read(out.file("hand/tuning.csv"))
    let name = tuning.header.firstIndex(of: "arm")!, epoch = tuning.header.firstIndex(of: "final_epoch")!
    #expect(tuning.header.last == "cut_at_epoch")
    #expect(tuning.rows.map { [$0[name], $0[epoch], $0.last!] } == [
        ["sgd[lr=0.1]", "1", "1"], ["sgd[lr=0.2]", "4", ""], ["sgd[lr=0.3]", "4", ""], ["sgd[lr=0.4]", "2", "2"], ["sgd[lr=0.5]", "1", "1"]])
    #expect(out.read("hand/curves.csv")!.contains("\nsgd,1,4,4,,0.05,,\n"))
    let manifest = try JSON.parse(out.read("hand/manifest.json")!)
    #expect(element(manifest["tuning"]?["arms"], 0)?["chosen"] == .string("sgd[lr=0.3]"))
    let rung = element(element(manifest["tuning"]?["halving"]?["arms"], 0)?["rungs"], 1)
    #expect(rung?["epoch"] == .number(2) && element(rung?["ranking"], 2)?["point"] == .string("sgd[lr=0.4]")
            && element(rung?["ranking"], 2)?["kept"] == .bool(false))
    let md = try Report.section(directory: out.file("hand"), paper: nil, image: "h.svg").markdown
    #expect(md.contains("| arm | point | epoch 1 | epoch 2 | epoch 4 |"), "\(md)")
    #expect(md.contains("| sgd | sgd[lr=0.4] | 0.5 (2) | 0.5 (3), **cut** |  |") && md.contains("| sgd | sgd[lr=0.5] | no score (5), **cut** |  |  |"), "\(md)")
    #expect(md.contains("| sgd | sgd[lr=0.3] | 0.6 (3) | 0.2 (1) | 0.05 (1) |"), "\(md)")
}

/// Runs a config through the points folder in one process and collects it.
func runHalving(_ c: ExperimentConfig, into out: TemporaryDirectory, progress: ProgressSink? = nil) throws -> Points.Outcome {
    let outcome = try Points.run(c, problem: try c.loadProblem(dataDirectory: ""), shard: .all, outRoot: out.path, threads: 2, progress: progress)
    _ = try Points.collect(directory: out.file(c.name))
    return outcome
}

func sameResults(_ a: TemporaryDirectory, _ b: TemporaryDirectory, _ name: String, _ context: String) {
    for file in ["curves.csv", "summary.csv", "tuning.csv"] {
        #expect(a.read("\(name)/\(file)") != nil && a.read("\(name)/\(file)") == b.read("\(name)/\(file)"), "\(context): \(file)")
    }
}

/// The epochs each (point, seed) trains in a halving: to the rung that cut it or to the horizon,
/// less where it diverged (the step that diverged is no finished epoch); from full curves.
func epochsTrained(_ record: HalvingRecord, full: [ArmResult], seeds: Int, epochs: Int) -> [String: Int] {
    var reached: [String: Int] = [:]
    for (i, r) in full.enumerated() {
        let needed = record.arms.lazy.compactMap { $0.cutAt(i / seeds) }.first ?? epochs
        var done = needed
        if case .diverged(let t) = r.status { done = min(needed, t - 1) }
        reached["\(r.arm.name) seed \(r.seed)"] = done
    }
    return reached
}

@Test func aHalvingTrainsEachEpochOnceAndKeepsTheBestAtEachRung() throws {
    let c = try ExperimentConfig.parse(JSON.parse(halvingConfig))
    let problem = try c.loadProblem(dataDirectory: "")
    let halved = TemporaryDirectory(), counter = EpochCounter()
    let outcome = try runHalving(c, into: halved, progress: counter)
    #expect(outcome.halving?.complete == true && outcome.blocked.isEmpty)
    // The whole grid trained to the end in memory; the results folder works the rungs out from
    // those curves: the same files as the halving, which trained each point only as far as it went.
    let full = ExperimentRunner.train(c, problem: problem, threads: 2, progress: nil)
    let whole = TemporaryDirectory()
    _ = try ResultsFolder.write(c, files: [], results: full, outRoot: whole.path, threads: 1, started: Date())
    sameResults(halved, whole, "halved", "halving against full curves")
    let record = try #require(outcome.halving)
    let trained = epochsTrained(record, full: full, seeds: 2, epochs: 30).values.reduce(0, +)
    #expect(counter.epochs == trained && trained < full.count * 30, "\(counter.epochs) epochs trained, \(trained) expected")

    // Each rung keeps the best by the rule, read straight off the full curves: the mean over seeds
    // of eval_train_loss at the rung's epoch, diverged points out, ties to the grid's first.
    let names = c.runArms.map(\.name)
    for arm in record.arms {
        var candidates = names.enumerated().filter { $0.element.hasPrefix(arm.arm + "[") }.map(\.offset)
        for (r, rung) in arm.rungs.enumerated() {
            let scored = candidates.compactMap { p -> (Int, Double)? in
                let seeds = full[(2 * p)..<(2 * p + 2)]
                let values = seeds.compactMap { s -> Double? in
                    if case .diverged(let t) = s.status, t <= rung.epoch { return nil }
                    return s.rows.first { $0.epoch == Double(rung.epoch) }?.evalTrainLoss
                }
                return values.count == 2 && values.allSatisfy(\.isFinite) ? (p, (values[0] + values[1]) / 2) : nil
            }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            let keep = r == arm.rungs.count - 1 ? candidates.count : Int((0.5 * Double(candidates.count)).rounded(.up))
            let expected = (scored.map(\.0) + candidates.filter { p in !scored.contains { $0.0 == p } }).prefix(keep)
            #expect(rung.ranking.filter(\.kept).map(\.point) == Array(expected), "\(arm.arm) rung \(rung.epoch)")
            candidates = expected.sorted()
        }
    }
    // sgd: 5 points to epoch 5 (lr 5000 diverges by then), 3 to 10, 2 to 30.
    #expect(record.arms[0].rungs.map { $0.ranking.count } == [5, 3, 2] && record.arms[1].rungs.map { $0.ranking.count } == [4, 2, 1])
    #expect(record.arms[0].rungs[0].ranking.last?.name == "sgd[lr=5000]" && record.arms[0].rungs[0].ranking.last?.score == nil)
}

/// Stopped after the first rung (the process ends, a new one plans from the files), then run
/// to the end: the bytes of one uninterrupted process.
@Test func aHalvingStoppedBetweenRungsAndResumedEndsByteIdentical() throws {
    let c = try ExperimentConfig.parse(JSON.parse(halvingConfig))
    let problem = try c.loadProblem(dataDirectory: "")
    let one = TemporaryDirectory(), stopped = TemporaryDirectory()
    _ = try runHalving(c, into: one)
    let first = try Points.plan(c, problem: problem, shard: .all, outRoot: stopped.path)
    #expect(first.todo.count == 18 && Set(first.until.values) == [5] && first.remainingEpochs == 18 * 5)
    try Points.run(c, problem: problem, plan: first, threads: 2, progress: nil)
    // Every point sits at its rung-1 checkpoint (lr 5000 diverged: a point file); the next plan
    // continues the kept ones (sgd 3, adam 2, two seeds each) to epoch 10.
    let second = try Points.plan(c, problem: problem, shard: .all, outRoot: stopped.path)
    #expect(second.todo.count == 10 && Set(second.until.values) == [10] && second.remainingEpochs == 10 * 5)
    #expect(second.halving?.arms.map { $0.rungs.count } == [1, 1])
    let counter = EpochCounter()
    let rest = try Points.run(c, problem: problem, shard: .all, outRoot: stopped.path, threads: 1, progress: counter)
    #expect(rest.halving?.complete == true && counter.epochs == 10 * 5 + 6 * 20)
    _ = try Points.collect(directory: stopped.file("halved"))
    sameResults(one, stopped, "halved", "stopped after rung 1")
    // A rerun of the finished halving trains nothing.
    let again = EpochCounter()
    _ = try Points.run(c, problem: problem, shard: .all, outRoot: stopped.path, threads: 1, progress: again)
    #expect(again.epochs == 0)
}

/// Two shards run one after the other, each until it can do no more, again and again: they wait
/// for each other at every rung and end with the bytes of one process.
@Test func twoShardsRunAlternatelyEndByteIdentical() throws {
    let c = try ExperimentConfig.parse(JSON.parse(halvingConfig))
    let problem = try c.loadProblem(dataDirectory: "")
    let one = TemporaryDirectory(), shared = TemporaryDirectory()
    _ = try runHalving(c, into: one)
    var blocked = 0, rounds = 0, done = false
    while !done && rounds < 10 {
        rounds += 1
        for i in 0..<2 {
            let o = try Points.run(c, problem: problem, shard: .init(index: i, count: 2), outRoot: shared.path, threads: 1, progress: nil)
            blocked += o.blocked.isEmpty ? 0 : 1
            done = o.halving?.complete == true
        }
    }
    // Shard 0 trains seed 1 of every point, shard 1 seed 2: a rung always waits for the other.
    #expect(done && blocked >= 2, "\(rounds) rounds, \(blocked) blocked")
    #expect(throws: Never.self) { try Points.collect(directory: shared.file("halved")) }
    sameResults(one, shared, "halved", "two shards")
}

/// A value added to a grid mid-way: the points already at a rung keep their work (point files
/// and rung checkpoints are renumbered), the new value trains to the first rung, a point now kept
/// where it was cut before goes on from its rung checkpoint; the end is a fresh run's bytes.
@Test func aGrownGridReusesFinishedRungWork() throws {
    let small = try ExperimentConfig.parse(JSON.parse(halvingConfig.replacingOccurrences(of: "[0.001, 0.05, 0.15, 0.19, 5000]", with: "[0.05, 0.15, 0.19, 5000]")))
    let grown = try ExperimentConfig.parse(JSON.parse(halvingConfig))
    let problem = try grown.loadProblem(dataDirectory: "")
    let out = TemporaryDirectory(), fresh = TemporaryDirectory()
    let before = try runHalving(small, into: out)
    let counter = EpochCounter()
    let after = try runHalving(grown, into: out, progress: counter)
    _ = try runHalving(grown, into: fresh)
    sameResults(out, fresh, "halved", "grown grid")
    // Epochs trained for the grown grid: what each point needs now less what it had.
    let had = epochsTrained(try #require(before.halving), full: ExperimentRunner.train(small, problem: problem, threads: 2, progress: nil),
                            seeds: 2, epochs: 30)
    let needs = epochsTrained(try #require(after.halving), full: ExperimentRunner.train(grown, problem: problem, threads: 2, progress: nil),
                              seeds: 2, epochs: 30)
    let expected = needs.reduce(0) { $0 + max(0, $1.value - (had[$1.key] ?? 0)) }
    #expect(counter.epochs == expected && expected < needs.values.reduce(0, +), "trained \(counter.epochs), expected \(expected)")
    // With 5 sgd points instead of 4, rung 1 keeps 3, not 2: one point cut before goes on.
    #expect(before.halving!.arms[0].rungs[0].ranking.filter(\.kept).count == 2 && after.halving!.arms[0].rungs[0].ranking.filter(\.kept).count == 3)
    #expect(needs.contains { $0.value > (had[$0.key] ?? 0) && (had[$0.key] ?? 0) == 5 }, "no point went on from its rung checkpoint")
}

/// Through the binary: a shard that waits says so with exit 5; collect refuses an unfinished
/// halving and --partial shows it; a run killed at a rung's checkpoint (during and after the
/// write) and rerun, and two shards rerun until done, give the bytes of one process.
@Test func halvingThroughTheCommandLine() throws {
    let dir = TemporaryDirectory()
    _ = dir.write(halvingConfig, to: "halved.json")
    func run(_ args: [String], fault: String? = nil) throws -> Binary.Output {
        try Binary.run(["run", "halved.json", "--threads", "2"] + args, environment: fault.map { ["ADAM_BENCH_FAULT": $0] } ?? [:],
                       directory: dir.path)
    }
    let one = try run(["--out", "one", "--quiet"])
    #expect(one.status == 0, "\(one.stderr)")
    // Killed after the first rung checkpoint, then half-way through writing one of rung 2.
    for fault in ["kill-after-checkpoint:5", "kill-during-checkpoint:10"] {
        let killed = try run(["--out", "killed", "--quiet"], fault: fault)
        #expect(killed.status == 9, "\(fault): \(killed.status) \(killed.stderr)")
    }
    let resumed = try run(["--out", "killed"])
    #expect(resumed.status == 0 && resumed.stderr.contains("halved: successive halving: sgd: epoch 5: 3 of 5 kept"), "\(resumed.stderr)")
    for file in ["curves.csv", "summary.csv", "tuning.csv"] {
        #expect(dir.read("one/halved/\(file)") != nil && dir.read("one/halved/\(file)") == dir.read("killed/halved/\(file)"), "killed: \(file)")
    }
    // Shards: the first finds the first rung waiting for the second's points.
    let waiting = try run(["--out", "shards", "--shard", "0/2"])
    #expect(waiting.status == 5 && waiting.stderr.contains("adam-bench: not finished (exit 5): halved shard 0/2: trained what it could; sgd: the rung at epoch 5 waits for"), "\(waiting.stderr)")
    #expect(waiting.stderr.contains("Run this command again when the other shards have trained them"))
    let early = try Binary.run(["collect", "shards/halved"], directory: dir.path)
    #expect(early.status == 4 && early.stderr.contains("successive halving is not finished: sgd's rung at epoch 5 waits for 5 point(s)"), "\(early.stderr)")
    let partial = try Binary.run(["collect", "shards/halved", "--partial", "--quiet"], directory: dir.path)
    #expect(partial.status == 0, "\(partial.stderr)")
    #expect(try JSON.parse(dir.read("shards/halved-partial/manifest.json")!)["config"]?["description"].map {
        if case .string(let d) = $0 { return d.contains("successive halving: sgd: epoch 5: waiting for 5 point(s)") } else { return false }
    } == true)
    var statuses: [Int32] = []
    for _ in 0..<6 where statuses.suffix(2) != [0, 0] {
        for shard in ["1/2", "0/2"] { statuses.append(try run(["--out", "shards", "--shard", shard, "--quiet"]).status) }
    }
    #expect(statuses.suffix(2) == [0, 0] && Set(statuses).isSubset(of: [0, 5]), "\(statuses)")
    let collect = try Binary.run(["collect", "shards/halved", "--quiet"], directory: dir.path)
    #expect(collect.status == 0, "\(collect.stderr)")
    for file in ["curves.csv", "summary.csv", "tuning.csv"] {
        #expect(dir.read("one/halved/\(file)") == dir.read("shards/halved/\(file)"), "shards: \(file)")
    }
}

/// A curve read from a checkpoint (full doubles) is taken as a point file prints it, so a rung
/// ranks the same numbers whether a point's curve comes from its checkpoint or its point file.
@Test func checkpointCurvesRankAsTheirPointFilesPrintThem() throws {
    let c = try ExperimentConfig.parse(JSON.parse(halvingConfig))
    let out = TemporaryDirectory()
    let dir = out.file("points")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let every = ExperimentRunner.points(c).map { c.fingerprint($0.arm, seed: $0.seed, files: []) }
    let raw = 0.1 + 1e-12  // prints as 0.1
    let rows = [CurveRow(epoch: 0, iteration: 0, trainLoss: nil, evalTrainLoss: 5, testLoss: nil, testAccuracy: nil),
                CurveRow(epoch: 5, iteration: 5, trainLoss: raw, evalTrainLoss: raw, testLoss: nil, testAccuracy: nil)]
    let snapshot = TrainingSnapshot(epoch: 5, iteration: 5, params: [1, 2], optimizerScalars: [], optimizerBuffers: [], averageSteps: 0,
                                    average: [], rngs: [], order: [], lossSum: 0, lossCount: 0, rows: rows, timings: [], wallSeconds: 1)
    try CheckpointPlan(path: Points.checkpointPath(dir, 3), fingerprint: every[3], everyEpochs: 0).save(snapshot)
    let states = Points.states(c, directory: dir, fingerprints: every)
    #expect(states.enumerated().filter { $0.element != nil }.map(\.offset) == [3])
    #expect(states[3]?.epochsDone == 5 && states[3]?.result.rows.last?.evalTrainLoss == 0.1 && states[3]?.result.rows.last?.trainLoss == 0.1)
    #expect(try CSVTable.parse(CurvesCSV.render([states[3]!.result]), path: "c.csv").rows.last?[5] == "0.1")
}

// Checkpoints inside a point: a point resumed from any checkpoint ends with the rows of one that
// never stopped; damaged and foreign checkpoints are named and never trusted; the file format
// round-trips every field.
import Datasets
@testable import Config
@testable import Results
@testable import Training
import Foundation
import Kernels
import TestSupport
import Testing

/// An MLP with dropout (dropout stream), shuffling (shuffle stream), EMA averaging (average
/// state), minibatch losses carried across epochs (log_every 7 does not divide an epoch of 10
/// iterations, evaluation every 2 epochs) and a partial last minibatch.
let resumableMLP = """
{"name": "resume", "dataset": {"name": "mnist", "path": "m"},
 "model": {"kind": "mlp", "hidden": [16], "dropout": {"input": 0.2, "hidden": 0.5}, "l2": 0.0001},
 "training": {"epochs": 5, "batch_size": 13, "log_every": 7, "eval_every_epochs": 2, "seeds": [1, 2]},
 "arms": [{"name": "adam", "optimizer": "adam", "lr": 0.003, "averaging": {"kind": "ema", "beta": 0.9}},
          {"name": "nadam", "optimizer": "nadam", "lr": 0.002},
          {"name": "nesterov", "optimizer": "nesterov", "lr": 0.05, "momentum": 0.9}]}
"""

final class Notices: ProgressSink, @unchecked Sendable {
    var texts: [String] = []
    let lock = NSLock()
    func epochFinished(arm: String, seed: UInt64, epoch: Int, of epochs: Int, row: CurveRow?, seconds: Double) {}
    func notice(_ text: String) { lock.lock(); texts.append(text); lock.unlock() }
}

func trainPoint(_ config: ExperimentConfig, _ problem: Problem, index: Int, plan: CheckpointPlan?, progress: ProgressSink? = nil) -> ArmResult {
    let (arm, seed) = ExperimentRunner.points(config)[index]
    switch problem {
    case .supervised(let data, let m, _):
        let initial = ExperimentRunner.initialParameters(config, data, m, seed: seed)
        return SupervisedTrainer(config: config, arm: arm, seed: seed, data: data, modelConfig: m, threads: 1,
                                 progress: progress).run(initial: initial, checkpoints: plan)
    case .objective(let o):
        return ObjectiveTrainer(config: config, arm: arm, seed: seed, objective: o, progress: progress).run(checkpoints: plan)
    case .stored: fatalError()
    }
}

@Test(arguments: [1, 2, 3])
func aPointResumedFromACheckpointEndsWithTheSameRows(every: Int) throws {
    let dir = TemporaryDirectory()
    try Fixtures.writeMNIST(to: dir.file("m"), train: 127, test: 30, rows: 8, cols: 8)
    let config = try ExperimentConfig.parse(JSON.parse(resumableMLP))
    let problem = try config.loadProblem(dataDirectory: dir.path)
    for index in 0..<ExperimentRunner.points(config).count {
        let straight = trainPoint(config, problem, index: index, plan: nil)
        let plan = CheckpointPlan(path: dir.file("p\(index).checkpoint"), fingerprint: "fp", everyEpochs: every)
        // The first pass leaves its last checkpoint (epoch 4, 4 or 3 of 5): the point file, not
        // the trainer, removes it. The second pass resumes from it.
        let first = trainPoint(config, problem, index: index, plan: plan)
        guard case .snapshot(let saved) = plan.load() else { Issue.record("no checkpoint"); return }
        #expect(saved.epoch == 4 / every * every)
        let resumed = trainPoint(config, problem, index: index, plan: plan)
        #expect(first.rows == straight.rows && resumed.rows == straight.rows, "point \(index), every \(every)")
        #expect(resumed.status == straight.status)
        #expect(CurvesCSV.render([resumed]) == CurvesCSV.render([straight]))
        #expect(resumed.timings.map(\.epoch) == Array(1...5))
        #expect(first.timings[saved.epoch - 1].checkpointSeconds > 0 && first.timings[4].checkpointSeconds == 0)
    }
}

@Test func objectivesResumeToo() throws {
    let json = """
    {"name": "q", "dataset": {"name": "quadratic", "curvatures": [3, 1], "init": [1, -2], "noise": 0.5},
     "training": {"epochs": 9, "log_every": 2, "eval_every_epochs": 3, "checkpoint_every_epochs": 4},
     "arms": [{"name": "adamax", "optimizer": "adamax", "lr": 0.1, "averaging": "polyak"}]}
    """
    let config = try ExperimentConfig.parse(JSON.parse(json))
    #expect(config.training.checkpointEveryEpochs == 4)
    let problem = try config.loadProblem(dataDirectory: "")
    let dir = TemporaryDirectory()
    let straight = trainPoint(config, problem, index: 0, plan: nil)
    let plan = CheckpointPlan(path: dir.file("q.checkpoint"), fingerprint: "fp", everyEpochs: 4)
    _ = trainPoint(config, problem, index: 0, plan: plan)
    guard case .snapshot(let s) = plan.load() else { Issue.record("no checkpoint"); return }
    #expect(s.epoch == 8)
    #expect(trainPoint(config, problem, index: 0, plan: plan).rows == straight.rows)
    // Synthetic objectives checkpoint only when asked.
    #expect(try ExperimentConfig.parse(JSON.parse(json.replacingOccurrences(of: ", \"checkpoint_every_epochs\": 4", with: "")))
        .training.checkpointEveryEpochs == 0)
}

@Test func damagedAndForeignCheckpointsAreNamedAndNeverTrusted() throws {
    let dir = TemporaryDirectory()
    try Fixtures.writeMNIST(to: dir.file("m"), train: 60, test: 20, rows: 8, cols: 8)
    let config = try ExperimentConfig.parse(JSON.parse(resumableMLP))
    let problem = try config.loadProblem(dataDirectory: dir.path)
    let straight = trainPoint(config, problem, index: 0, plan: nil)
    let path = dir.file("a.checkpoint")
    let plan = CheckpointPlan(path: path, fingerprint: "fp", everyEpochs: 1)
    _ = trainPoint(config, problem, index: 0, plan: plan)
    let good = [UInt8](FileManager.default.contents(atPath: path)!)

    var damaged: [(String, [UInt8])] = [("cut short", Array(good.prefix(good.count - 9))), ("header only", Array(good.prefix(40))),
                                        ("empty", []), ("not ours", Array("hello".utf8))]
    for at in [good.count / 3, good.count / 2, good.count - 3] {
        var flipped = good
        flipped[at] ^= 0x10
        damaged.append(("byte \(at) flipped", flipped))
    }
    for (what, bytes) in damaged {
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let load = plan.load()
        guard case .damaged = load else { Issue.record("\(what): \(load)"); continue }
        let notices = Notices()
        let rerun = trainPoint(config, problem, index: 0, plan: plan, progress: notices)
        #expect(rerun.rows == straight.rows, "\(what)")
        #expect(notices.texts.count == 1 && notices.texts[0].contains(path) && notices.texts[0].contains("starts over"), "\(what): \(notices.texts)")
    }
    // Another fingerprint (other settings or another version): not used, and said so.
    FileManager.default.createFile(atPath: path, contents: Data(good))
    let other = CheckpointPlan(path: path, fingerprint: "other", everyEpochs: 1)
    guard case .stale = other.load() else { Issue.record("a foreign checkpoint was accepted"); return }
    #expect(other.epochsDone() == 0 && plan.epochsDone() == 4)
    let notices = Notices()
    #expect(trainPoint(config, problem, index: 0, plan: other, progress: notices).rows == straight.rows)
    #expect(notices.texts.first?.contains("other settings") == true)
    // A checkpoint of another arm with the same fingerprint string does not fit and is not used.
    FileManager.default.createFile(atPath: path, contents: Data(good))
    #expect(trainPoint(config, problem, index: 4, plan: plan).rows == trainPoint(config, problem, index: 4, plan: nil).rows)
}

@Test func checkpointFilesRoundTripEveryField() throws {
    let dir = TemporaryDirectory()
    let s = TrainingSnapshot(epoch: 3, iteration: 77, params: [1, -2.5, .leastNonzeroMagnitude, 3e38],
                             optimizerScalars: [77, 0.125], optimizerBuffers: [[0.5, 1, 2, 3], [], [9, 8, 7, 6]],
                             averageSteps: 76, average: [4, 3, 2, 1], rngs: [[1, 2, 3, 4], [5, 6, 7, 8]], order: [3, 1, 0, 2],
                             lossSum: 1.25, lossCount: 3,
                             rows: [CurveRow(epoch: 0, iteration: 0, trainLoss: nil, evalTrainLoss: 2.3, testLoss: 2.4, testAccuracy: 0.1),
                                    CurveRow(epoch: 1.5, iteration: 7, trainLoss: .nan, evalTrainLoss: nil, testLoss: nil, testAccuracy: nil)],
                             timings: [EpochTiming(epoch: 1, wallSeconds: 1, trainSeconds: 0.75, evalSeconds: 0.25, examples: 60,
                                                   checkpointSeconds: 0.01)],
                             wallSeconds: 12.5)
    let plan = CheckpointPlan(path: dir.file("x.checkpoint"), fingerprint: "abc", everyEpochs: 1)
    try plan.save(s)
    guard case .snapshot(var back) = plan.load() else { Issue.record("not read back"); return }
    #expect(back.rows[1].trainLoss!.isNaN)
    back.rows[1].trainLoss = 7  // NaN != NaN; the rest must be equal
    var expected = s
    expected.rows[1].trainLoss = 7
    #expect(back == expected)
    #expect(plan.epochsDone() == 3)
    // No temporary file is left beside it.
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["x.checkpoint"])
}

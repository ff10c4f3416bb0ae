// The points folder keeps every finished point (README, Runs that survive): renumbering a grown
// grid is a transaction that a failure at any step leaves safe to resume; a run of other
// settings is refused while one runs; `collect` writes into the folder it is given, and
// `collect --partial` never replaces another run's results.
@testable import Config
@testable import Results
@testable import Training
import Foundation
import TestSupport
import Testing

let smallGrid = tuneConfig.replacingOccurrences(of: "[0.001, 0.05, 0.15, 50]", with: "[0.05, 0.15]")
let grownGrid = tuneConfig.replacingOccurrences(of: "[0.001, 0.05, 0.15, 50]", with: "[0.01, 0.05, 0.15]")

/// Copies a folder's files (one level) into a fresh folder `to`.
func copyFolder(_ from: String, _ to: String) throws {
    try? FileManager.default.removeItem(atPath: to)
    try FileManager.default.copyItem(atPath: from, toPath: to)
}

/// The state a grown grid starts from: the small grid's 8 points finished, and a checkpoint
/// (epoch 7) of the grown grid's point 1 under index 5. Returns the grown config, its problem,
/// the checkpoint and the grown grid's fingerprints.
func grownGridWorkspace(_ out: TemporaryDirectory) throws -> (ExperimentConfig, Problem, TrainingSnapshot, [String]) {
    let small = try ExperimentConfig.parse(JSON.parse(smallGrid))
    let grown = try ExperimentConfig.parse(JSON.parse(grownGrid))
    let problem = try small.loadProblem(dataDirectory: "")
    #expect(try Points.run(small, problem: problem, shard: .all, outRoot: out.path, threads: 1, progress: nil).ran == 8)
    let every = ExperimentRunner.points(grown).map { grown.fingerprint($0.arm, seed: $0.seed, files: []) }
    let snapshot = TrainingSnapshot(epoch: 7, iteration: 7, params: [1, 2], optimizerScalars: [], optimizerBuffers: [], averageSteps: 0,
                                    average: [], rngs: [], order: [], lossSum: 0, lossCount: 0, rows: [], timings: [], wallSeconds: 1)
    try CheckpointPlan(path: out.file("tuned/points/00005.checkpoint"), fingerprint: every[1], everyEpochs: 1).save(snapshot)
    return (grown, problem, snapshot, every)
}

/// Every point of the grown grid found where it belongs: 8 finished, the checkpoint at index 1,
/// nothing half-moved left.
func expectEveryPointInPlace(_ out: TemporaryDirectory, _ grown: ExperimentConfig, _ problem: Problem, _ snapshot: TrainingSnapshot,
                             _ every: [String], _ what: String) throws {
    let plan = try Points.plan(grown, problem: problem, shard: .all, outRoot: out.path)
    defer { plan.release() }
    #expect(plan.skipped == 8 && plan.todo == [0, 1, 6, 7], "\(what): skipped \(plan.skipped), to train \(plan.todo)")
    #expect(plan.remainingEpochs == 4 * 30 - 7, "\(what): \(plan.remainingEpochs) epochs to train")
    guard case .snapshot(let moved) = CheckpointPlan(path: out.file("tuned/points/00001.checkpoint"), fingerprint: every[1], everyEpochs: 1).load() else {
        Issue.record("\(what): the checkpoint is not at its point's index"); return
    }
    #expect(moved == snapshot)
    let names = listing(out.file("tuned/points"))
    #expect(!names.contains { $0.hasSuffix(".moving") || $0.hasSuffix(".journal") || $0.hasSuffix(".tmp") }, "\(what): \(names)")
    #expect(!names.contains("00005.checkpoint"), "\(what): \(names)")
}

/// Each step of the renumbering (a copy, the journal, a rename) made to fail in turn, then a
/// plain rerun: no finished point and no checkpoint is lost, whichever step failed.
@Test func aFailureAtAnyStepOfRenumberingAGrownGridLosesNoPoint() throws {
    let out = TemporaryDirectory(), saved = TemporaryDirectory()
    let (grown, problem, snapshot, every) = try grownGridWorkspace(out)
    try copyFolder(out.file("tuned"), saved.file("tuned"))
    var failures = 0
    for step in 1...60 {
        try copyFolder(saved.file("tuned"), out.file("tuned"))
        let fault = Faults("realign", step: step, action: .fail)
        Faults.$current.withValue(fault) {
            do {
                try Points.plan(grown, problem: problem, shard: .all, outRoot: out.path).release()
            } catch {
                failures += 1
                #expect(error is OutputError, "step \(step): \(error)")
            }
        }
        try expectEveryPointInPlace(out, grown, problem, snapshot, every, "step \(step)")
        if fault.steps < step { break }
    }
    // 8 point copies, 1 checkpoint link, the journal, 9 renames (the 4 removals cannot fail).
    #expect(failures == 19, "\(failures) steps failed")
}

/// A copy an earlier version left half-way (NAME.moving without a journal: the kill came before
/// every copy was written) is never renamed over a finished point: old point 0's copy for index
/// 2 would replace old point 2, whose own copy was never written.
@Test func aCopyLeftWithoutAJournalNeverReplacesAFinishedPoint() throws {
    let out = TemporaryDirectory()
    let (grown, problem, snapshot, every) = try grownGridWorkspace(out)
    let text = try #require(out.read("tuned/points/00000.point"))
    try Points.adopt(text, as: 2, of: 12, at: out.file("tuned/points/00002.point.moving"))
    try expectEveryPointInPlace(out, grown, problem, snapshot, every, "a copy without a journal")
    #expect(try Points.run(grown, problem: problem, shard: .all, outRoot: out.path, threads: 1, progress: nil).ran == 4)
}

/// While a run holds the points folder, a run of other settings (the grown grid) is refused
/// before it changes anything; another shard of the same settings, and collect, join it.
@Test func aRunOfOtherSettingsIsRefusedWhileOneRuns() throws {
    let out = TemporaryDirectory()
    let small = try ExperimentConfig.parse(JSON.parse(smallGrid)), grown = try ExperimentConfig.parse(JSON.parse(grownGrid))
    let problem = try small.loadProblem(dataDirectory: "")
    let first = try Points.plan(small, problem: problem, shard: Points.Shard(index: 0, count: 2), outRoot: out.path)
    let record = out.read("tuned/points/config.json")
    do {
        _ = try Points.plan(grown, problem: problem, shard: .all, outRoot: out.path)
        Issue.record("a run of other settings was let in")
    } catch let e as OutputError {
        #expect(e.path.hasSuffix("tuned/points") && e.problem.contains("is in use by a run of \"tuned\" with other settings"), "\(e)")
    }
    #expect(out.read("tuned/points/config.json") == record)
    let second = try Points.plan(small, problem: problem, shard: Points.Shard(index: 1, count: 2), outRoot: out.path)
    try Points.run(small, problem: problem, plan: first, threads: 1, progress: nil)
    try Points.run(small, problem: problem, plan: second, threads: 1, progress: nil)
    _ = try Points.collect(directory: out.file("tuned"))
    #expect(throws: OutputError.self) { try Points.plan(grown, problem: problem, shard: .all, outRoot: out.path) }
    first.release()
    #expect(throws: OutputError.self) { try Points.plan(grown, problem: problem, shard: .all, outRoot: out.path) }
    second.release()
    #expect(try Points.run(grown, problem: problem, shard: .all, outRoot: out.path, threads: 1, progress: nil).ran == 4)
}

/// collect DIR writes DIR's results, whatever the config's name: a copy of a run's folder is
/// collected into the copy and the original is untouched.
@Test func collectWritesIntoTheFolderItIsGiven() throws {
    let out = TemporaryDirectory()
    let small = try ExperimentConfig.parse(JSON.parse(smallGrid))
    _ = try Points.run(small, problem: try small.loadProblem(dataDirectory: ""), shard: .all, outRoot: out.path, threads: 1, progress: nil)
    _ = try Points.collect(directory: out.file("tuned"))
    let original = listing(out.file("tuned")).map { out.read("tuned/\($0)") }
    try FileManager.default.createDirectory(atPath: out.file("copy"), withIntermediateDirectories: false)
    try FileManager.default.copyItem(atPath: out.file("tuned/points"), toPath: out.file("copy/points"))
    let outcome = try Points.collect(directory: out.file("copy"))
    #expect(outcome.directory == out.file("copy"))
    #expect(out.read("copy/curves.csv") == out.read("tuned/curves.csv"))
    #expect(listing(out.file("tuned")).map { out.read("tuned/\($0)") } == original)
    let partial = try Points.collectPartial(directory: out.file("copy") + "/")
    #expect(partial.outcome.directory == out.file("copy-partial"))
    #expect(Points.partialDirectory("res/x//") == "res/x-partial")
    #expect(Points.partialDirectory(".") == FileManager.default.currentDirectoryPath + "-partial")
}

/// collect --partial of "x" writes x-partial only where an earlier partial collect wrote: never
/// over the results of an experiment named "x-partial" (with or without its points), nor
/// through a link.
@Test func collectPartialNeverReplacesAnotherExperimentsResults() throws {
    let out = TemporaryDirectory()
    let x = try ExperimentConfig.parse(JSON.parse(smallGrid.replacingOccurrences(of: "\"name\": \"tuned\"", with: "\"name\": \"x\"")))
    let other = try ExperimentConfig.parse(JSON.parse(handConfig.replacingOccurrences(of: "\"name\": \"hand\"", with: "\"name\": \"x-partial\"")))
    let problem = try x.loadProblem(dataDirectory: "")
    _ = try Points.run(x, problem: problem, shard: Points.Shard(index: 0, count: 2), outRoot: out.path, threads: 1, progress: nil)
    _ = try Points.run(other, problem: try other.loadProblem(dataDirectory: ""), shard: .all, outRoot: out.path, threads: 1, progress: nil)
    _ = try Points.collect(directory: out.file("x-partial"))
    let before = listing(out.file("x-partial")).map { out.read("x-partial/\($0)") }
    func refused(_ why: String) {
        do { _ = try Points.collectPartial(directory: out.file("x")); Issue.record("replaced: \(why)") } catch let e as OutputError {
            #expect(e.path == out.file("x-partial") && e.problem.contains(why), "\(e)")
        } catch { Issue.record("\(error)") }
    }
    refused("holds the results of another run (it has points/)")
    #expect(listing(out.file("x-partial")).map { out.read("x-partial/\($0)") } == before)
    try FileManager.default.removeItem(atPath: out.file("x-partial/points"))
    refused("holds results that `collect --partial` did not write")
    try FileManager.default.removeItem(atPath: out.file("x-partial"))
    #expect(symlink(out.file("elsewhere"), out.file("x-partial")) == 0)
    refused("is a symbolic link")
    try FileManager.default.removeItem(atPath: out.file("x-partial"))
    // Its own earlier partial results are replaced.
    for _ in 0..<2 { _ = try Points.collectPartial(directory: out.file("x")) }
    #expect(out.read("x-partial/manifest.json")?.contains(Points.partialMark) == true)
}

// Successive halving over the points folder: its whole state is what the folder holds (each
// point's file when finished, else its checkpoint, whose epoch says how far it got), so a run
// killed at any moment, every shard and `collect` all work out the same rungs from the same
// files (Tuner.halving). A shard trains the points of its own that its arms' next rungs wait for,
// each up to that rung's epoch (the one primitive: train point p to epoch e, stopping with a
// checkpoint), and plans again; a rung that waits for other shards' points is left to them.
import Config
import Datasets
import Foundation
import Results

extension Points {
    /// Every (point, seed)'s progress: its point file when whole and of these settings (finished,
    /// or diverged), else its checkpoint (how far it got), else nil. A checkpoint's rows are taken
    /// as a point file prints them, so a ranking reads the same numbers from either.
    static func states(_ config: ExperimentConfig, directory dir: String, fingerprints: [String]) -> [PointState?] {
        let all = ExperimentRunner.points(config)
        return all.indices.map { i -> PointState? in
            let (arm, seed) = all[i]
            if let stored = try? readPoint(pointPath(dir, i)), stored.fingerprint == fingerprints[i] {
                return PointState(result: stored.result(arm, seed: seed), epochsDone: config.training.epochs)
            }
            guard case .snapshot(let s) = CheckpointPlan(path: checkpointPath(dir, i), fingerprint: fingerprints[i], everyEpochs: 1).load() else {
                return nil
            }
            let result = ArmResult(arm: arm, seed: seed, rows: s.rows.map(\.asPrinted), status: .ok, timings: s.timings, wallSeconds: s.wallSeconds)
            return PointState(result: result, epochsDone: s.epoch)
        }
    }

    /// The points of `shard` that the arms' next rungs wait for, each to train to that rung's
    /// epoch; and the rungs this shard waits on that other shards' points hold up.
    static func planHalving(_ config: ExperimentConfig, _ tune: TuneConfig, _ halving: Halving, shard: Shard, directory dir: String,
                            fingerprints every: [String], hold: DirectoryLock) -> Plan {
        let found = states(config, directory: dir, fingerprints: every)
        let record = Tuner.halving(config, tune, halving, states: found)
        let mine = { (i: Int) in i % shard.count == shard.index }
        var until: [Int: Int] = [:], blocked: [String] = []
        for arm in record.arms {
            guard let w = arm.waiting else { continue }
            for i in w.todo where mine(i) { until[i] = w.epoch }
            // Nothing of this shard to train for the rung, but its ranking may keep points of this
            // shard for the next one: the shard has to come back once the others are done.
            if !w.todo.contains(where: mine), w.epoch != halving.rungs.last, w.candidates.contains(where: mine) {
                blocked.append("\(arm.arm): the rung at epoch \(w.epoch) waits for \(w.todo.count) point(s) of other shards (first: \(String(format: "%05d", w.todo[0])))")
            }
        }
        let todo = until.keys.sorted()
        // A damaged point file of a point to train is trained over (its checkpoint, if any, is used).
        let damaged = todo.filter { i in
            FileInput.exists(pointPath(dir, i)) && (try? readPoint(pointPath(dir, i))) == nil
        }
        let remaining = todo.reduce(0) { $0 + until[$1]! - (found[$1]?.epochsDone ?? 0) }
        let ours = every.indices.filter(mine).count
        var plan = Plan(directory: dir, todo: todo, damaged: damaged, skipped: ours - todo.count, total: every.count,
                        remainingEpochs: remaining, fingerprints: Dictionary(uniqueKeysWithValues: todo.map { ($0, every[$0]) }), hold: hold)
        plan.until = until
        plan.halving = record
        plan.blocked = blocked
        return plan
    }

    /// `collect` of a halving run: every rung of every arm decided, each point's curve as far as
    /// it went (ResultsFolder cuts each at its rung again, from the same rankings).
    static func collectHalving(_ config: ExperimentConfig, _ tune: TuneConfig, _ halving: Halving, files: [DataFile], directory: String,
                               started: Date, threads: Int) throws -> RunOutcome {
        let dir = (directory as NSString).appendingPathComponent("points")
        let all = ExperimentRunner.points(config)
        let found = states(config, directory: dir, fingerprints: all.map { config.fingerprint($0.arm, seed: $0.seed, files: files) })
        let record = Tuner.halving(config, tune, halving, states: found)
        guard record.complete else {
            let waiting = record.arms.compactMap { arm in
                arm.waiting.map { "\(arm.arm)'s rung at epoch \($0.epoch) waits for \($0.todo.count) point(s) (first: \(String(format: "%05d", $0.todo[0])))" }
            }
            throw OutputError(path: dir, problem: "successive halving is not finished: " + waiting.joined(separator: "; ")
                              + "; run every shard again (`adam-bench run CONFIG --shard I/N`), then collect again (or `collect --partial` for what is there)")
        }
        // Every point was ranked at the first rung, so every one has a state.
        let results = found.map { $0!.result }
        return try ResultsFolder.write(config, files: files, results: results, outRoot: (directory as NSString).deletingLastPathComponent,
                                       threads: threads, started: started)
    }
}

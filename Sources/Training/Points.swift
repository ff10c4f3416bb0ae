// Every run is made of points: one (arm, seed) pair each, in the order results are written.
// `run` and `sweep` both train the points of their shard that are not complete yet, each into
// its own file under OUT/<name>/points/ as soon as it finishes, and (unsharded) merge them into
// the results; `collect` merges after a sharded run. A point file is written whole, with the
// fingerprint of the settings it ran with, so a process killed half-way leaves nothing for that
// point but its last checkpoint, and a file from other settings is never reused.
import Config
import Datasets
import Foundation
import Results

public enum Points {
    public struct Shard: Sendable, Equatable {
        public let index: Int, count: Int
        public init(index: Int, count: Int) { self.index = index; self.count = count }
        public static let all = Shard(index: 0, count: 1)

        /// Parses "I/N" (0 <= I < N); nil when it is not that.
        public init?(parsing text: String) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { return nil }
            self.init(index: i, count: n)
        }
    }

    /// What a shard of a run still has to do.
    public struct Plan: Sendable {
        public let directory: String
        /// Indices (into ExperimentRunner.points) this process will train.
        public let todo: [Int]
        public let skipped: Int
        public let total: Int
        /// Epochs left to train over the points to do, after their checkpoints.
        public let remainingEpochs: Int
        let fingerprints: [Int: String]
    }

    public static func directory(_ config: ExperimentConfig, outRoot: String) -> String {
        (ResultsFolder.directory(config, outRoot: outRoot) as NSString).appendingPathComponent("points")
    }

    static func pointPath(_ dir: String, _ index: Int) -> String {
        (dir as NSString).appendingPathComponent(String(format: "%05d.point", index))
    }

    static func checkpointPath(_ dir: String, _ index: Int) -> String {
        (dir as NSString).appendingPathComponent(String(format: "%05d.checkpoint", index))
    }

    /// Records the config in points/config.json and finds the points of `shard` not complete yet.
    public static func plan(_ config: ExperimentConfig, problem: Problem, shard: Shard, outRoot: String) throws -> Plan {
        let dir = directory(config, outRoot: outRoot)
        try OutputFiles.makeDirectory(dir)
        removeAbandonedTemporaries(in: dir)
        let files = problem.dataFiles
        let record: JSON = .object([("config", config.resolvedJSON), ("data_files", .array(files.map {
            .object([("path", .string($0.path)), ("sha256", .string($0.sha256)), ("content_sha256", .string($0.contentSHA256))])
        }))])
        try OutputFiles.writeAtomically(record.rendered() + "\n", to: (dir as NSString).appendingPathComponent("config.json"))
        let all = ExperimentRunner.points(config)
        var todo: [Int] = [], skipped = 0, remaining = 0, fingerprints: [Int: String] = [:]
        for i in stride(from: shard.index, to: all.count, by: shard.count) {
            let fp = config.fingerprint(all[i].arm, seed: all[i].seed, files: files)
            if (try? readPoint(pointPath(dir, i)))?.fingerprint == fp { skipped += 1; continue }
            todo.append(i)
            fingerprints[i] = fp
            let done = CheckpointPlan(path: checkpointPath(dir, i), fingerprint: fp, everyEpochs: 1).epochsDone()
            remaining += max(0, config.training.epochs - done)
        }
        return Plan(directory: dir, todo: todo, skipped: skipped, total: all.count, remainingEpochs: remaining,
                    fingerprints: fingerprints)
    }

    /// Trains the plan's points, side by side on the threads; each is written to its point file
    /// (and, with save_params, its parameters to params/) when it finishes, then its checkpoint
    /// is removed.
    public static func run(_ config: ExperimentConfig, problem: Problem, plan: Plan, threads: Int,
                           progress: ProgressSink?) throws {
        let dir = plan.directory, total = plan.total, fingerprints = plan.fingerprints
        let every = config.training.checkpointEveryEpochs
        let paramsDir = ((dir as NSString).deletingLastPathComponent as NSString).appendingPathComponent("params")
        if config.training.saveParams { try OutputFiles.makeDirectory(paramsDir) }
        try ExperimentRunner.train(config, problem: problem, threads: threads, progress: progress, indices: plan.todo,
                                   checkpoint: { i in
                                       CheckpointPlan(path: checkpointPath(dir, i), fingerprint: fingerprints[i]!, everyEpochs: every)
                                   },
                                   finished: { i, result in
                                       if let p = result.finalParameters {
                                           let file = (paramsDir as NSString).appendingPathComponent(paramsFileName(result))
                                           try OutputFiles.writeAtomically(p.withUnsafeBufferPointer { NPY.encode($0) }, to: file)
                                       }
                                       try OutputFiles.writeAtomically(render(result, index: i, total: total, fingerprint: fingerprints[i]!),
                                                                       to: pointPath(dir, i))
                                       unlink(checkpointPath(dir, i))
                                   })
    }

    /// Plans and runs a shard in one call: (points trained, points already complete, all points).
    @discardableResult
    public static func run(_ config: ExperimentConfig, problem: Problem, shard: Shard, outRoot: String, threads: Int,
                           progress: ProgressSink?) throws -> (ran: Int, skipped: Int, total: Int) {
        let p = try plan(config, problem: problem, shard: shard, outRoot: outRoot)
        try run(config, problem: problem, plan: p, threads: threads, progress: progress)
        return (p.todo.count, p.skipped, p.total)
    }

    /// params/<arm>-seed<N>.npy
    public static func paramsFileName(_ r: ArmResult) -> String { "\(r.arm.name)-seed\(r.seed).npy" }

    /// Merges every point in OUT/<name>/points into curves.csv, summary.csv, timings.csv and
    /// manifest.json. Throws, naming them, when points are missing or stale.
    public static func collect(directory: String, started: Date = Date(), threads: Int = 0) throws -> RunOutcome {
        let dir = (directory as NSString).appendingPathComponent("points")
        let configPath = (dir as NSString).appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: configPath), let text = String(data: data, encoding: .utf8) else {
            throw OutputError(path: configPath, problem: "is missing: is \(directory) the results folder of a run? (run `adam-bench run CONFIG` first)")
        }
        let record: JSON
        do { record = try JSON.parse(text) } catch { throw OutputError(path: configPath, problem: "is not valid JSON (\(error)); rerun the experiment to rewrite it") }
        guard let configJSON = record["config"] else { throw OutputError(path: configPath, problem: "has no \"config\"") }
        let config: ExperimentConfig
        do { config = try ExperimentConfig.parse(configJSON, source: configPath) } catch var e as ConfigError {
            e.file = configPath
            throw e
        }
        var files: [DataFile] = []
        if case .array(let items)? = record["data_files"] {
            for item in items {
                if case .string(let p)? = item["path"], case .string(let s)? = item["sha256"], case .string(let c)? = item["content_sha256"] {
                    files.append(DataFile(path: p, sha256: s, contentSHA256: c))
                }
            }
        }
        let all = ExperimentRunner.points(config)
        var results: [ArmResult] = [], missing: [Int] = [], stale: [Int] = []
        for (i, point) in all.enumerated() {
            guard let stored = try? readPoint(pointPath(dir, i)) else { missing.append(i); continue }
            guard stored.fingerprint == config.fingerprint(point.arm, seed: point.seed, files: files) else { stale.append(i); continue }
            results.append(ArmResult(arm: point.arm, seed: point.seed, rows: stored.rows, status: stored.status,
                                     timings: stored.timings, wallSeconds: stored.wallSeconds))
        }
        if !missing.isEmpty || !stale.isEmpty {
            var problem = ""
            if !missing.isEmpty { problem += "\(missing.count) of \(all.count) points are not done yet (first: \(missing[0]))" }
            if !stale.isEmpty { problem += (problem.isEmpty ? "" : "; ") + "\(stale.count) point files are from another config (first: \(stale[0]))" }
            throw OutputError(path: dir, problem: problem + "; run the missing shards (`adam-bench run CONFIG --shard I/N`), then collect again")
        }
        return try ResultsFolder.write(config, files: files, results: results,
                                       outRoot: (directory as NSString).deletingLastPathComponent, threads: threads, started: started)
    }

    /// Temporary files of processes that no longer run (killed while writing) are removed; those
    /// of live processes (other shards) are left alone.
    static func removeAbandonedTemporaries(in dir: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.dropLast(4).split(separator: ".")
            guard let pid = parts.last.flatMap({ Int32($0) }), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink((dir as NSString).appendingPathComponent(name)) }
        }
    }

    // MARK: - Point files

    struct StoredPoint {
        var fingerprint: String
        var status: ArmStatus
        var wallSeconds: Double
        var timings: [EpochTiming]
        var rows: [CurveRow]
    }

    static func render(_ r: ArmResult, index: Int, total: Int, fingerprint: String) -> String {
        var s = "# adam-bench point \(index) of \(total)\n# fingerprint \(fingerprint)\n"
        switch r.status {
        case .ok: s += "# status ok\n"
        case .diverged(let t): s += "# status diverged \(t)\n"
        }
        s += "# wall_seconds \(r.wallSeconds)\n"
        for t in r.timings {
            s += "# timing \(t.epoch),\(t.wallSeconds),\(t.trainSeconds),\(t.evalSeconds),\(t.examples),\(t.checkpointSeconds)\n"
        }
        return s + CurvesCSV.render([r])
    }

    static func readPoint(_ path: String) throws -> StoredPoint {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw OutputError(path: path, problem: "cannot be read")
        }
        var point = StoredPoint(fingerprint: "", status: .ok, wallSeconds: 0, timings: [], rows: [])
        var csv: [Substring] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# fingerprint ") { point.fingerprint = String(line.dropFirst(14)) }
            else if line.hasPrefix("# status diverged ") { point.status = .diverged(iteration: Int(line.dropFirst(18)) ?? 0) }
            else if line.hasPrefix("# wall_seconds ") { point.wallSeconds = Double(line.dropFirst(15)) ?? 0 }
            else if line.hasPrefix("# timing ") {
                let f = line.dropFirst(9).split(separator: ",")
                if f.count == 6, let e = Int(f[0]), let w = Double(f[1]), let t = Double(f[2]), let v = Double(f[3]), let x = Int(f[4]),
                   let c = Double(f[5]) {
                    point.timings.append(EpochTiming(epoch: e, wallSeconds: w, trainSeconds: t, evalSeconds: v, examples: x,
                                                     checkpointSeconds: c))
                }
            } else if !line.hasPrefix("#") { csv.append(line) }
        }
        let table = try CSVTable.parse(csv.joined(separator: "\n"), path: path)
        guard table.header == CurvesCSV.header.split(separator: ",").map(String.init) else {
            throw OutputError(path: path, problem: "is not an adam-bench point file")
        }
        point.rows = table.rows.map { f in
            CurveRow(epoch: Double(f[2]) ?? 0, iteration: Int(f[3]) ?? 0, trainLoss: f[4].isEmpty ? nil : Double(f[4]),
                     evalTrainLoss: f[5].isEmpty ? nil : Double(f[5]), testLoss: f[6].isEmpty ? nil : Double(f[6]),
                     testAccuracy: f[7].isEmpty ? nil : Double(f[7]))
        }
        return point
    }
}

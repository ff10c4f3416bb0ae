// Running a sweep's points in one or many processes, each point into its own file, and merging
// them. A point file is written whole when its point finishes, so a process killed half-way
// leaves nothing for that point and it reruns; a file whose fingerprint differs from the
// point's settings (another config, other data, another version) is never reused.
import Datasets
import Foundation

public enum SweepRunner {
    public struct Shard: Sendable, Equatable {
        public let index: Int, count: Int
        public init(index: Int, count: Int) { self.index = index; self.count = count }
        public static let all = Shard(index: 0, count: 1)
    }

    public static func pointsDirectory(_ config: ExperimentConfig, outRoot: String) -> String {
        (ExperimentRunner.directory(config, outRoot: outRoot) as NSString).appendingPathComponent("points")
    }

    static func pointPath(_ dir: String, _ index: Int) -> String {
        (dir as NSString).appendingPathComponent(String(format: "%05d.point", index))
    }

    /// Runs this shard's points (index mod count == shard index) that are not already complete.
    public static func run(_ config: ExperimentConfig, problem: Problem, shard: Shard, outRoot: String, threads: Int,
                           progress: ProgressSink?) throws -> (ran: Int, skipped: Int, total: Int) {
        let dir = pointsDirectory(config, outRoot: outRoot)
        try OutputFiles.makeDirectory(dir)
        let files = problem.dataFiles
        let record: JSON = .object([("config", config.resolvedJSON), ("data_files", .array(files.map {
            .object([("path", .string($0.path)), ("sha256", .string($0.sha256)), ("content_sha256", .string($0.contentSHA256))])
        }))])
        try OutputFiles.writeAtomically(record.rendered() + "\n", to: (dir as NSString).appendingPathComponent("config.json"))
        let all = ExperimentRunner.points(config)
        var todo: [Int] = [], skipped = 0
        for i in stride(from: shard.index, to: all.count, by: shard.count) {
            let fp = config.fingerprint(all[i].arm, seed: all[i].seed, files: files)
            if (try? readPoint(pointPath(dir, i)))?.fingerprint == fp { skipped += 1 } else { todo.append(i) }
        }
        // One point at a time through the runner, so each is written as soon as it finishes.
        for i in todo {
            let result = ExperimentRunner.train(config, problem: problem, threads: threads, progress: progress, only: [all[i]])[0]
            let fp = config.fingerprint(all[i].arm, seed: all[i].seed, files: files)
            try OutputFiles.writeAtomically(render(result, index: i, total: all.count, fingerprint: fp), to: pointPath(dir, i))
        }
        return (todo.count, skipped, all.count)
    }

    /// Merges every point of the sweep in OUT/<name>/points into curves.csv, summary.csv,
    /// timings.csv and manifest.json. Throws, naming them, when points are missing or stale.
    public static func collect(directory: String, started: Date = Date()) throws -> RunOutcome {
        let dir = (directory as NSString).appendingPathComponent("points")
        let configPath = (dir as NSString).appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: configPath), let text = String(data: data, encoding: .utf8) else {
            throw OutputError(path: configPath, problem: "is missing: is \(directory) the results folder of a sweep? (run `adam-bench sweep CONFIG` first)")
        }
        let record = try JSON.parse(text)
        guard let configJSON = record["config"] else { throw OutputError(path: configPath, problem: "has no \"config\"") }
        let config = try ExperimentConfig.parse(configJSON, source: configPath)
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
            throw OutputError(path: dir, problem: problem + "; run `adam-bench sweep` for the missing shards, then collect again")
        }
        return try ExperimentRunner.write(config, problem: .stored(files), results: results,
                                          options: RunOptions(outRoot: (directory as NSString).deletingLastPathComponent, threads: 0),
                                          started: started)
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
        for t in r.timings { s += "# timing \(t.epoch),\(t.wallSeconds),\(t.trainSeconds),\(t.evalSeconds),\(t.examples)\n" }
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
                if f.count == 5, let e = Int(f[0]), let w = Double(f[1]), let t = Double(f[2]), let v = Double(f[3]), let x = Int(f[4]) {
                    point.timings.append(EpochTiming(epoch: e, wallSeconds: w, trainSeconds: t, evalSeconds: v, examples: x))
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

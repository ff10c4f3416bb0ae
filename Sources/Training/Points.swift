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
        /// Points among `todo` whose file was there but damaged (they are trained again).
        public let damaged: [Int]
        public let skipped: Int
        public let total: Int
        /// Epochs left to train over the points to do, after their checkpoints.
        public let remainingEpochs: Int
        let fingerprints: [Int: String]
        /// Successive halving: the epoch each point of `todo` trains to (its arm's next rung).
        var until: [Int: Int] = [:]
        /// Successive halving: where it stands (every rung decided so far), nil without halving.
        public var halving: HalvingRecord? = nil
        /// Successive halving: the rungs this shard waits on, points of other shards still short
        /// of them, whose ranking may give this shard more to train. Empty when this shard's
        /// part is done for now and for later.
        public var blocked: [String] = []
        /// This run's share of the points folder (`holdPoints`), from planning until `release`
        /// (after the merge) or until the plan goes.
        let hold: DirectoryLock

        public func release() { hold.release() }
    }

    /// What a shard did: points trained (or stopped at a rung), already complete, in all; with
    /// successive halving, where it stands when the shard has nothing left it can do.
    public struct Outcome: Sendable {
        /// Points trained (a point trained in two rounds counts twice), already complete, in all.
        public let ran: Int, skipped: Int, total: Int
        public let halving: HalvingRecord?
        public let blocked: [String]
        /// The last round's plan: with `keepingPoints`, its share of the points folder stays the
        /// caller's until its results are merged (then `release`).
        let last: Plan

        public func release() { last.release() }
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
    /// Processes plan one at a time (the results folder's lock); each then holds the points
    /// folder, shared with the other processes of the same points (shards), until its plan is
    /// released, and a process with other settings is refused meanwhile.
    public static func plan(_ config: ExperimentConfig, problem: Problem, shard: Shard, outRoot: String) throws -> Plan {
        // What points/config.json records must read back, or `collect` could never merge these points.
        do { _ = try ExperimentConfig.parse(config.resolvedJSON, source: config.source) } catch var e as ConfigError {
            e.file = config.source
            throw e
        }
        let results = ResultsFolder.directory(config, outRoot: outRoot)
        let dir = directory(config, outRoot: outRoot)
        try OutputFiles.makeDirectory(dir)
        let files = problem.dataFiles
        let all = ExperimentRunner.points(config)
        let every = all.map { config.fingerprint($0.arm, seed: $0.seed, files: files) }
        let turn = try DirectoryLock(results)
        defer { turn.release() }
        let hold = try holdPoints(results, fingerprints: every, name: config.name)
        OutputFiles.removeAbandonedTemporaries(in: dir)
        OutputFiles.removeAbandonedTemporaries(in: (results as NSString).appendingPathComponent("params"))
        let record: JSON = .object([("config", config.resolvedJSON), ("data_files", .array(files.map {
            .object($0.json.map { ($0.0, .string($0.1)) })
        }))])
        try OutputFiles.writeAtomically(record.rendered() + "\n", to: (dir as NSString).appendingPathComponent("config.json"))
        // Files of a grid that grew move to their new indices before anyone reads them.
        try realign(dir, fingerprints: every)
        if let tune = config.tune, let halving = tune.halving {
            return planHalving(config, tune, halving, shard: shard, directory: dir, fingerprints: every, hold: hold)
        }
        var todo: [Int] = [], damaged: [Int] = [], skipped = 0, remaining = 0, fingerprints: [Int: String] = [:]
        for i in stride(from: shard.index, to: all.count, by: shard.count) {
            let fp = every[i]
            let file = pointPath(dir, i)
            if FileInput.exists(file) {
                do { if try readPoint(file).fingerprint == fp { skipped += 1; continue } } catch { damaged.append(i) }
            }
            todo.append(i)
            fingerprints[i] = fp
            let done = CheckpointPlan(path: checkpointPath(dir, i), fingerprint: fp, everyEpochs: 1).epochsDone()
            remaining += max(0, config.training.epochs - done)
        }
        return Plan(directory: dir, todo: todo, damaged: damaged, skipped: skipped, total: all.count, remainingEpochs: remaining,
                    fingerprints: fingerprints, hold: hold)
    }

    /// A shared lock on the results folder's points/, held by every process that trains or
    /// merges these points; `fingerprints` (a run's points) must be those of the processes that
    /// already hold it, which recorded theirs in points/config.json: a run of other settings
    /// (a grid that grew, other epochs) would renumber and overwrite their files under them.
    /// `collect` passes nil and merges what they recorded. The caller holds the results folder's
    /// lock, so no one else is taking this one meanwhile.
    static func holdPoints(_ results: String, fingerprints: [String]?, name: String) throws -> DirectoryLock {
        let dir = (results as NSString).appendingPathComponent("points")
        if let alone = try DirectoryLock.exclusiveIfFree(dir) {
            try alone.share()
            return alone
        }
        if let fingerprints {
            let theirs: [String]? = try? {
                let (config, files, _) = try recordedConfig(results)
                return ExperimentRunner.points(config).map { config.fingerprint($0.arm, seed: $0.seed, files: files) }
            }()
            guard theirs == fingerprints else {
                throw OutputError(path: dir, problem: "is in use by a run of \"\(name)\" with other settings (another grid, epochs, seeds or data) that has not finished; wait until it ends, or give this run another --out folder")
            }
        }
        return try DirectoryLock(dir, shared: true)
    }

    /// Trains the plan's points, side by side on the threads; each is written to its point file
    /// (and, with save_params, its parameters to params/) when it finishes, then its checkpoint
    /// is removed.
    public static func run(_ config: ExperimentConfig, problem: Problem, plan: Plan, threads: Int,
                           progress: ProgressSink?) throws {
        let dir = plan.directory, total = plan.total, fingerprints = plan.fingerprints, until = plan.until
        let every = config.training.checkpointEveryEpochs, epochs = config.training.epochs
        let paramsDir = ((dir as NSString).deletingLastPathComponent as NSString).appendingPathComponent("params")
        if config.training.saveParams { try OutputFiles.makeDirectory(paramsDir) }
        try ExperimentRunner.train(config, problem: problem, threads: threads, progress: progress, indices: plan.todo,
                                   until: { until[$0] },
                                   checkpoint: { i in
                                       CheckpointPlan(path: checkpointPath(dir, i), fingerprint: fingerprints[i]!, everyEpochs: every)
                                   },
                                   finished: { i, result in
                                       if let stop = until[i], stop < epochs, result.status == .ok {
                                           // Stopped at a rung: its checkpoint there is what the next rung goes on from.
                                           let saved = CheckpointPlan(path: checkpointPath(dir, i), fingerprint: fingerprints[i]!, everyEpochs: every)
                                           guard saved.epochsDone() >= stop else {
                                               throw OutputError(path: saved.path, problem: "was not written at epoch \(stop), where the point stops for its rung (see the note above); make room or fix the folder's permissions and run again")
                                           }
                                           return
                                       }
                                       if let p = result.finalParameters {
                                           let file = (paramsDir as NSString).appendingPathComponent(paramsFileName(result))
                                           try OutputFiles.writeAtomically(p.withUnsafeBufferPointer { NPY.encode($0) }, to: file)
                                       }
                                       try OutputFiles.writeAtomically(render(result, index: i, total: total, fingerprint: fingerprints[i]!),
                                                                       to: pointPath(dir, i))
                                       unlink(checkpointPath(dir, i))
                                   })
    }

    /// Plans and runs a shard in one call; with successive halving, round after round (each rung
    /// decided opens the next) until the shard has nothing left it can do. `round` gets each
    /// round's plan before it trains and returns where that round's progress goes.
    @discardableResult
    public static func run(_ config: ExperimentConfig, problem: Problem, shard: Shard, outRoot: String, threads: Int,
                           keepingPoints: Bool = false, round: (Plan) -> ProgressSink?) throws -> Outcome {
        var p = try plan(config, problem: problem, shard: shard, outRoot: outRoot)
        let skipped = p.skipped
        var ran = 0
        while true {
            try run(config, problem: problem, plan: p, threads: threads, progress: round(p))
            ran += p.todo.count
            guard p.halving != nil, !p.todo.isEmpty else { break }
            p.release()
            p = try plan(config, problem: problem, shard: shard, outRoot: outRoot)
        }
        // A caller that merges the results keeps the points folder until then; others let it go.
        if !keepingPoints { p.release() }
        return Outcome(ran: ran, skipped: skipped, total: p.total, halving: p.halving, blocked: p.blocked, last: p)
    }

    /// The same, every round's progress going to `progress`.
    @discardableResult
    public static func run(_ config: ExperimentConfig, problem: Problem, shard: Shard, outRoot: String, threads: Int,
                           progress: ProgressSink?) throws -> Outcome {
        try run(config, problem: problem, shard: shard, outRoot: outRoot, threads: threads) { _ in progress }
    }

    /// params/<arm>-seed<N>.npy
    public static func paramsFileName(_ r: ArmResult) -> String { "\(r.arm.name)-seed\(r.seed).npy" }

    /// Merges every point in OUT/<name>/points into curves.csv, summary.csv, timings.csv and
    /// manifest.json. Throws, naming them, when points are missing or stale.
    public static func collect(directory: String, started: Date = Date(), threads: Int = 0) throws -> RunOutcome {
        let hold = try holdForMerge(directory)
        defer { hold.release() }
        let (config, files, dir) = try recordedConfig(directory)
        if let tune = config.tune, let halving = tune.halving {
            return try collectHalving(config, tune, halving, files: files, directory: directory, started: started, threads: threads)
        }
        let all = ExperimentRunner.points(config)
        var results: [ArmResult] = [], missing: [Int] = [], stale: [Int] = []
        for (i, point) in all.enumerated() {
            let file = pointPath(dir, i)
            guard FileInput.exists(file) else { missing.append(i); continue }
            let stored = try readPoint(file)
            guard stored.fingerprint == config.fingerprint(point.arm, seed: point.seed, files: files) else { stale.append(i); continue }
            results.append(stored.result(point.arm, seed: point.seed))
        }
        if !missing.isEmpty || !stale.isEmpty {
            var problem = ""
            if !missing.isEmpty { problem += "\(missing.count) of \(all.count) points are not done yet (first: \(missing[0]))" }
            if !stale.isEmpty { problem += (problem.isEmpty ? "" : "; ") + "\(stale.count) point files are from another config (first: \(stale[0]))" }
            throw OutputError(path: dir, problem: problem + "; run the missing shards (`adam-bench run CONFIG --shard I/N`), then collect again (or `collect --partial` for what is there)")
        }
        return try ResultsFolder.write(config, files: files, results: results, directory: directory, threads: threads, started: started)
    }

    /// The points folder held for a merge (`holdPoints`), after finishing a renumbering a killed
    /// process left half done.
    static func holdForMerge(_ directory: String) throws -> DirectoryLock {
        let points = (directory as NSString).appendingPathComponent("points")
        guard FileInput.exists((points as NSString).appendingPathComponent("config.json")) else {
            _ = try recordedConfig(directory)  // names what is missing
            throw OutputError(path: points, problem: "has no config.json")
        }
        let turn = try DirectoryLock(directory)
        defer { turn.release() }
        let hold = try holdPoints(directory, fingerprints: nil, name: "")
        try finishRealign(points)
        return hold
    }

    /// Where `collect --partial` of `directory` writes: a folder beside it, named after it with
    /// "-partial".
    public static func partialDirectory(_ directory: String) -> String {
        var dir = directory
        while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
        let last = (dir as NSString).lastPathComponent
        if last == "." || last == ".." || last == "/" || dir.isEmpty {
            dir = URL(fileURLWithPath: dir.isEmpty ? "." : dir).standardizedFileURL.path
        }
        return dir + "-partial"
    }

    /// Where each point of a run stands, for `collect --partial`.
    public enum Progress: Sendable, Equatable {
        case finished
        case running(epochsDone: Int)
        case notStarted

        /// "45 of 45 epochs", "13 of 45 epochs (checkpoint)", "not started".
        public func describe(epochs: Int) -> String {
            switch self {
            case .finished: return "\(epochs) of \(epochs) epochs"
            case .running(let e): return "\(e) of \(epochs) epochs (checkpoint)"
            case .notStarted: return "not started"
            }
        }
    }

    /// Each point's progress for a partial run's description: every point by name for a run of at
    /// most `namedPoints` points; for a larger one (a sweep) the count of finished points, the
    /// running ones by name, and the count not started.
    static func describe(_ progress: [(name: String, seed: UInt64, progress: Progress)], epochs: Int, namedPoints: Int = 12) -> [String] {
        guard progress.count > namedPoints else { return progress.map { "\($0.name): " + $0.progress.describe(epochs: epochs) } }
        var finished = 0, waiting = 0, running: [String] = []
        for p in progress {
            switch p.progress {
            case .finished: finished += 1
            case .notStarted: waiting += 1
            case .running: running.append("\(p.name) seed \(p.seed): " + p.progress.describe(epochs: epochs))
            }
        }
        return ["\(finished) of \(progress.count) points finished"] + running + (waiting > 0 ? ["\(waiting) not started"] : [])
    }

    /// What a long run has so far, as a results folder of its own beside the run's: OUT/<name>-partial/
    /// holds the finished points whole and the running points up to their last checkpoint (the
    /// curve rows a checkpoint carries); points not started are left out, and a tuned run shows
    /// its whole grid (a best point cannot be chosen on unequal horizons). The description says it
    /// is partial and how far each point got. Returns the folder, the epochs of a whole point and each
    /// point's progress.
    public static func collectPartial(directory: String, started: Date = Date(), threads: Int = 0) throws
        -> (outcome: RunOutcome, epochs: Int, progress: [(name: String, seed: UInt64, progress: Progress)]) {
        let target = partialDirectory(directory)
        try checkPartialTarget(target)
        let hold = try holdForMerge(directory)
        defer { hold.release() }
        let (recorded, files, dir) = try recordedConfig(directory)
        var config = recorded
        let all = ExperimentRunner.points(config)
        var results: [ArmResult] = [], progress: [(name: String, seed: UInt64, progress: Progress)] = []
        for (i, point) in all.enumerated() {
            let fp = config.fingerprint(point.arm, seed: point.seed, files: files)
            if let stored = try? readPoint(pointPath(dir, i)), stored.fingerprint == fp {
                results.append(stored.result(point.arm, seed: point.seed))
                progress.append((point.arm.name, point.seed, .finished))
            } else if case .snapshot(let s) = CheckpointPlan(path: checkpointPath(dir, i), fingerprint: fp, everyEpochs: 1).load() {
                results.append(ArmResult(arm: point.arm, seed: point.seed, rows: s.rows, status: .ok, timings: s.timings,
                                         wallSeconds: s.wallSeconds))
                progress.append((point.arm.name, point.seed, .running(epochsDone: s.epoch)))
            } else {
                progress.append((point.arm.name, point.seed, .notStarted))
            }
        }
        guard !results.isEmpty else {
            throw OutputError(path: dir, problem: "has no finished point and no checkpoint yet: nothing to collect")
        }
        var state = describe(progress, epochs: config.training.epochs)
        if let tune = config.tune, let halving = tune.halving {
            let every = all.map { config.fingerprint($0.arm, seed: $0.seed, files: files) }
            let record = Tuner.halving(config, tune, halving, states: states(config, directory: dir, fingerprints: every))
            state += ["successive halving: " + Tuner.describe(record, seeds: config.training.seeds.count).joined(separator: "; ")]
        }
        // A tuned run keeps its grids (the report shows them) but picks nothing, and its claims,
        // which are about each arm's pick, wait for the whole grid.
        let wait = config.tune == nil ? "" : "; the paper's claims are checked once every grid point is done and each arm has its pick"
        config.description = partialMark + "\(directory); seed \(config.training.seeds.map(String.init).joined(separator: ", ")); "
            + state.joined(separator: "; ") + wait + "). " + config.description
        config.name += "-partial"
        if config.tune != nil { config.claims = [] }
        let outcome = try ResultsFolder.write(config, files: files, results: results, directory: target, threads: threads,
                                              started: started, pickTuned: false)
        return (outcome, recorded.training.epochs, progress)
    }

    /// `collect --partial` replaces only what an earlier `collect --partial` wrote: never a
    /// run's results folder (it has points/) nor one whose manifest is not a partial collect's,
    /// and never through a symbolic link.
    static func checkPartialTarget(_ target: String) throws {
        var info = stat()
        guard lstat(target, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw OutputError(path: target, problem: "is \(info.st_mode & S_IFMT == S_IFLNK ? "a symbolic link" : "not a folder"); collect --partial writes its results there, so move it away first")
        }
        let refuse = "collect --partial writes there and would replace them; rename that folder (or this run's) first"
        if FileInput.exists((target as NSString).appendingPathComponent("points")) {
            throw OutputError(path: target, problem: "holds the results of another run (it has points/); " + refuse)
        }
        let manifest = (target as NSString).appendingPathComponent("manifest.json")
        guard FileInput.exists(manifest) else { return }
        let description = (try? FileInput.read(manifest, limit: FileInput.resultLimit))
            .flatMap { String(validating: $0, as: UTF8.self) }.flatMap { try? JSON.parse($0) }?["config"]?["description"]
        guard case .string(let text)? = description, text.hasPrefix(partialMark) else {
            throw OutputError(path: target, problem: "holds results that `collect --partial` did not write; " + refuse)
        }
    }

    /// How the description of a partial collect's results begins.
    static let partialMark = "PARTIAL (collect --partial of "

    /// The config and data files a run recorded in DIR/points/config.json, and that folder.
    static func recordedConfig(_ directory: String) throws -> (ExperimentConfig, [DataFile], String) {
        let dir = (directory as NSString).appendingPathComponent("points")
        let configPath = (dir as NSString).appendingPathComponent("config.json")
        let bytes: [UInt8]
        do { bytes = try FileInput.read(configPath, limit: FileInput.configLimit) } catch {
            throw OutputError(path: configPath, problem: error == .missing
                ? "is missing: is \(directory) the results folder of a run? (run `adam-bench run CONFIG` first)" : error.message)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw OutputError(path: configPath, problem: "is not UTF-8 text; rerun the experiment to rewrite it")
        }
        let record: JSON
        do { record = try JSON.parse(text) } catch { throw OutputError(path: configPath, problem: "is not valid JSON (\(error)); rerun the experiment to rewrite it") }
        guard let configJSON = record["config"] else { throw OutputError(path: configPath, problem: "has no \"config\"") }
        let config: ExperimentConfig
        do { config = try ExperimentConfig.parse(configJSON, source: configPath) } catch let e as ConfigError {
            throw ConfigError(file: configPath, path: e.path, e.message
                              + "; rerun the experiment (`adam-bench run CONFIG` with the same options) to rewrite it: its finished points are kept")
        }
        var files: [DataFile] = []
        if case .array(let items)? = record["data_files"] {
            for item in items {
                if case .string(let p)? = item["path"], case .string(let s)? = item["sha256"], case .string(let c)? = item["content_sha256"] {
                    var note: String? = nil
                    if case .string(let n)? = item["note"] { note = n }
                    files.append(DataFile(path: p, sha256: s, contentSHA256: c, note: note))
                }
            }
        }
        return (config, files, dir)
    }

    // MARK: - Point files

    /// Puts every whole point file and every checkpoint in `dir` under the index its fingerprint
    /// has in `fingerprints`: a grid that grew shifts the indices of the points after the new
    /// values, and a point finished (or checkpointed) under its old index is taken over, not
    /// trained again. It is a transaction that a kill at any step leaves safe to resume:
    /// (1) every file to move gets a copy under its new name + ".moving" (a point renumbered, a
    /// checkpoint linked), while every old file stays; (2) a journal, points/realign.journal,
    /// lists the renames of the copies into place and the removal of the old files no point
    /// needs any more (copies left at old indices), and only once it is whole on disk (3) the
    /// steps are done and the journal removed. A rerun finds a journal and finishes its steps, or
    /// finds none and removes the .moving copies (the old files are all still there) and begins
    /// again. Files of settings not in `fingerprints` are left where they are (replaced only when
    /// a point of this config needs their name). The caller holds the results folder's lock.
    static func realign(_ dir: String, fingerprints: [String]) throws {
        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
        try finishRealign(dir)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        let wanted = Dictionary(fingerprints.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var pointAt: [Int: String] = [:], pointText: [String: String] = [:], checkpointAt: [Int: String] = [:]
        for name in names {
            guard name.count >= 11, let i = Int(name.prefix(5)), name.dropFirst(5).first == "." else { continue }
            if name.hasSuffix(".point"), let p = try? readPoint(path(name)) {
                pointAt[i] = p.fingerprint
                if pointText[p.fingerprint] == nil, let bytes = try? FileInput.read(path(name), limit: FileInput.resultLimit) {
                    pointText[p.fingerprint] = String(decoding: bytes, as: UTF8.self)
                }
            } else if name.hasSuffix(".checkpoint"), let fp = CheckpointPlan.storedFingerprint(path(name)) {
                checkpointAt[i] = fp
            }
        }
        // (1) The copies.
        var steps: [OutputFiles.JournalStep] = [], targets = Set<String>(), sources: [String] = []
        for (fp, text) in pointText.sorted(by: { $0.key < $1.key }) {
            guard let i = wanted[fp], pointAt[i] != fp else { continue }
            let target = pointPath(dir, i)
            if Faults.hit("realign") { throw OutputError(path: target + ".moving", problem: "cannot be written (injected failure)") }
            try adopt(text, as: i, of: fingerprints.count, at: target + ".moving")
            steps.append(("rename", [name(target) + ".moving", name(target)]))
            targets.insert(name(target))
        }
        var claimed = Set<Int>()
        for (from, fp) in checkpointAt.sorted(by: { $0.key < $1.key }) {
            // A finished point makes its checkpoints obsolete; one copy per index.
            guard let to = wanted[fp], to != from, checkpointAt[to] != fp, pointText[fp] == nil, !claimed.contains(to) else { continue }
            let source = checkpointPath(dir, from), target = checkpointPath(dir, to)
            unlink(target + ".moving")
            guard !Faults.hit("realign"), link(source, target + ".moving") == 0 || OutputFiles.copy(source, to: target + ".moving") else {
                throw OutputError(path: source, problem: "cannot be copied to \(target).moving (\(String(cString: strerror(errno)))); check the folder's permissions and free space, then run again")
            }
            claimed.insert(to)
            steps.append(("rename", [name(target) + ".moving", name(target)]))
            targets.insert(name(target))
            sources.append(name(source))
        }
        // Copies left at old indices whose point now has its own file: their index is a new
        // point's, to train.
        for (i, fp) in pointAt.sorted(by: { $0.key < $1.key }) where pointText[fp] != nil && wanted[fp] != nil && wanted[fp] != i {
            sources.append(name(pointPath(dir, i)))
        }
        steps += sources.filter { !targets.contains($0) }.map { ("remove", [$0]) }
        guard !steps.isEmpty else { return }
        // (2) The journal, then (3) its steps.
        OutputFiles.syncFolder(dir)
        try OutputFiles.writeJournal(steps, kind: "realign", to: path(realignJournal), fault: "realign")
        try finishRealign(dir)
    }

    static let realignJournal = "realign.journal"

    static func name(_ path: String) -> String { (path as NSString).lastPathComponent }

    /// Finishes a renumbering whose journal is in `dir` (renames the copies into place, removes
    /// the old files it lists, then the journal), or, without a whole journal, removes the copies
    /// of one that never got so far. The caller holds the results folder's lock.
    static func finishRealign(_ dir: String) throws {
        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
        let journal = path(realignJournal)
        guard let steps = OutputFiles.readJournal(journal, kind: "realign") else {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where name.hasSuffix(".moving") {
                unlink(path(name))
            }
            unlink(journal)
            return
        }
        for step in steps where step.verb == "rename" {
            var info = stat()
            guard lstat(path(step.names[0]), &info) == 0 else { continue }  // renamed before a kill
            guard !Faults.hit("realign"), rename(path(step.names[0]), path(step.names[1])) == 0 else {
                throw OutputError(path: path(step.names[0]), problem: "cannot be renamed into place (\(String(cString: strerror(errno)))); check the folder's permissions, then run again to finish renumbering the points (\(journal))")
            }
        }
        OutputFiles.syncFolder(dir)
        for step in steps where step.verb == "remove" {
            _ = Faults.hit("realign")
            unlink(path(step.names[0]))
        }
        _ = Faults.hit("realign")
        unlink(journal)
        OutputFiles.syncFolder(dir)
    }

    /// Writes a point file's text as point `index` of `total` at `path`: its first line
    /// renumbered, its end line recomputed, and read back to check that it is whole.
    static func adopt(_ text: String, as index: Int, of total: Int, at path: String) throws {
        guard let firstEnd = text.firstIndex(of: "\n"), let endLine = text.dropLast().lastIndex(of: "\n") else {
            throw OutputError(path: path, problem: "the point taken over is not a point file")
        }
        let body = "# adam-bench point \(index) of \(total)" + text[firstEnd...endLine]
        let bytes = Array(body.utf8)
        try OutputFiles.writeAtomically(body + "# end \(Checksum64.hex(bytes)) \(bytes.count)\n", to: path)
        _ = try readPoint(path)
    }

    struct StoredPoint {
        var fingerprint: String
        var status: ArmStatus
        var wallSeconds: Double
        var timings: [EpochTiming]
        var rows: [CurveRow]

        /// The point's result, as training it would have returned it.
        func result(_ arm: ArmConfig, seed: UInt64) -> ArmResult {
            ArmResult(arm: arm, seed: seed, rows: rows, status: status, timings: timings, wallSeconds: wallSeconds)
        }
    }

    /// A point file: `#` lines for the fingerprint, status, wall time and epoch timings, the
    /// point's curve rows as in curves.csv, and a last line `# end CHECKSUM BYTES` holding the
    /// Checksum64 and the length of everything before it, so a file cut short, edited or
    /// damaged is told from a whole one.
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
        s += CurvesCSV.render([r])
        let body = Array(s.utf8)
        return s + "# end \(Checksum64.hex(body)) \(body.count)\n"
    }

    /// Reads a point file strictly: anything but a whole file as `render` writes it throws an
    /// OutputError saying what is wrong with it.
    static func readPoint(_ path: String) throws -> StoredPoint {
        func damaged(_ why: String) -> OutputError {
            OutputError(path: path, problem: "is a damaged point file (\(why)); delete it and run the shard again to retrain that point")
        }
        let bytes: [UInt8]
        do { bytes = try FileInput.read(path, limit: FileInput.resultLimit) } catch {
            throw OutputError(path: path, problem: error.message)
        }
        // The end line: "# end " + 16 hex digits + " " + length + "\n".
        guard bytes.last == 0x0A, let start = bytes.dropLast().lastIndex(of: 0x0A).map({ $0 + 1 }),
              let endLine = String(validating: bytes[start..<(bytes.count - 1)], as: UTF8.self), endLine.hasPrefix("# end ") else {
            throw damaged("it does not end with its '# end' line: cut short or not written by adam-bench")
        }
        let fields = endLine.dropFirst(6).split(separator: " ", omittingEmptySubsequences: false)
        let body = Array(bytes[..<start])
        guard fields.count == 2, let length = Int(fields[1]), length == body.count else {
            throw damaged("its '# end' line does not give the file's length")
        }
        guard fields[0] == Checksum64.hex(body) else { throw damaged("its content does not match the checksum on its '# end' line") }
        guard let text = String(validating: body, as: UTF8.self) else { throw damaged("it is not UTF-8 text") }

        var point = StoredPoint(fingerprint: "", status: .ok, wallSeconds: 0, timings: [], rows: [])
        var csv: [Substring] = [], seen: Set<String> = []
        for (number, line) in text.split(separator: "\n").enumerated() {
            guard line.hasPrefix("#") else { csv.append(line); continue }
            guard csv.isEmpty else { throw damaged("line \(number + 1) is a '#' line among the curve rows") }
            let words = line.split(separator: " ", maxSplits: 2)
            guard words.count == 3, words[0] == "#" else { throw damaged("line \(number + 1) is not a known '#' line") }
            let key = String(words[1]), value = words[2]
            if key != "timing" {
                guard !seen.contains(key) else { throw damaged("line \(number + 1) repeats '# \(key)'") }
                seen.insert(key)
            }
            switch key {
            case "adam-bench" where number == 0 && value.hasPrefix("point "): break
            case "fingerprint": point.fingerprint = String(value)
            case "status":
                if value == "ok" { point.status = .ok }
                else if value.hasPrefix("diverged "), let t = Int(value.dropFirst(9)), t >= 0 { point.status = .diverged(iteration: t) }
                else { throw damaged("line \(number + 1) has status '\(value)'; expected 'ok' or 'diverged N'") }
            case "wall_seconds":
                guard let w = Double(value), w.isFinite else { throw damaged("line \(number + 1) has wall_seconds '\(value)'") }
                point.wallSeconds = w
            case "timing":
                let f = value.split(separator: ",", omittingEmptySubsequences: false)
                guard f.count == 6, let e = Int(f[0]), let w = Double(f[1]), let t = Double(f[2]), let v = Double(f[3]), let x = Int(f[4]),
                      let c = Double(f[5]) else { throw damaged("line \(number + 1) is not a timing line of six numbers") }
                point.timings.append(EpochTiming(epoch: e, wallSeconds: w, trainSeconds: t, evalSeconds: v, examples: x,
                                                 checkpointSeconds: c))
            default: throw damaged("line \(number + 1) is not a known '#' line")
            }
        }
        guard seen.isSuperset(of: ["adam-bench", "fingerprint", "status", "wall_seconds"]) else {
            throw damaged("its header lines are incomplete")
        }
        let table = try CSVTable.parse(csv.joined(separator: "\n"), path: path)
        guard table.header == CurvesCSV.header.split(separator: ",").map(String.init) else {
            throw damaged("its curve rows do not have the header of curves.csv")
        }
        func number(_ cell: String, row: Int) throws -> Double? {
            if cell.isEmpty { return nil }
            guard let x = Double(cell) else { throw damaged("curve row \(row + 1) has '\(cell)' where a number belongs") }
            return x
        }
        point.rows = try table.rows.enumerated().map { i, f in
            guard let epoch = try number(f[2], row: i), let iteration = Int(f[3]) else {
                throw damaged("curve row \(i + 1) has no epoch or iteration")
            }
            return CurveRow(epoch: epoch, iteration: iteration, trainLoss: try number(f[4], row: i),
                            evalTrainLoss: try number(f[5], row: i), testLoss: try number(f[6], row: i),
                            testAccuracy: try number(f[7], row: i))
        }
        return point
    }
}

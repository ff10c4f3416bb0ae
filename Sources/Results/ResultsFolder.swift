// A results folder, OUT/<name>/: curves.csv, summary.csv, timings.csv and manifest.json (and
// tuning.csv for a tuned config), written from a run's results (SPEC section 5).
import Config
import Datasets
import Foundation

public struct RunOutcome: Sendable {
    public let directory: String
    public let results: [ArmResult]
    /// A tuned run's picks, one per arm (empty otherwise).
    public var tuning: [TuneChoice] = []
    /// What the reader should act on, for stderr: a tuned optimum at the edge of its grid.
    public var warnings: [String] { tuning.flatMap(\.warnings) }
}

public enum ResultsFolder {
    public static func directory(_ config: ExperimentConfig, outRoot: String) -> String {
        (outRoot as NSString).appendingPathComponent(config.name)
    }

    /// The files a results folder's set is made of (tuning.csv for a tuned config).
    static let fileNames = ["tuning.csv", "curves.csv", "summary.csv", "timings.csv", "manifest.json"]

    /// Writes the result files of `results` (every point, in order) into OUT/<name>/.
    public static func write(_ config: ExperimentConfig, files: [DataFile], results: [ArmResult], outRoot: String, threads: Int,
                             started: Date, pickTuned: Bool = true) throws -> RunOutcome {
        try write(config, files: files, results: results, directory: directory(config, outRoot: outRoot), threads: threads,
                  started: started, pickTuned: pickTuned)
    }

    /// Writes the result files of `results` (every point, in order) into `dir`. A tuned
    /// config's arms are its picks; with `pickTuned` false (a partial run, whose grid is not all
    /// there) every point shows under its own name and nothing is picked. The folder's lock is
    /// held while the set is replaced, so that writers take turns; under it, a set a killed
    /// process was replacing is finished first and its leftover temporaries go.
    public static func write(_ config: ExperimentConfig, files: [DataFile], results: [ArmResult], directory dir: String, threads: Int,
                             started: Date, pickTuned: Bool = true) throws -> RunOutcome {
        try OutputFiles.makeDirectory(dir)
        let lock = try DirectoryLock(dir)
        defer { lock.release() }
        try OutputFiles.finishInterruptedCommits(in: dir)
        removeStaleTemporaries(dir)
        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
        // Tuning reports each arm's best point; the whole grid goes to tuning.csv. With successive
        // halving the rungs are worked out again from the curves (the same function that decided
        // them while training), and a point cut at a rung shows its curve up to it.
        let tune = pickTuned ? config.tune : nil
        let seeds = config.training.seeds.count
        let halving = tune.flatMap { t in
            t.halving.map { Tuner.halving(config, t, $0, states: results.map { PointState(finished: $0, epochs: config.training.epochs) }) }
        }
        let grid = halving.map { Tuner.cut(results, $0, seeds: seeds) } ?? results
        let (shown, choices) = tune.map { Tuner.select(config, $0, all: grid, halving: halving) } ?? (results, [])
        var contents: [(String, String)] = []
        if tune != nil {
            // A halving's tuning.csv says at which rung's epoch each point was cut (empty: it reached the horizon).
            let cut = halving.map { record in
                [(name: "cut_at_epoch", cells: grid.indices.map { i in
                    record.arms.lazy.compactMap { $0.cutAt(i / seeds) }.first.map(String.init) ?? ""
                })]
            } ?? []
            contents.append(("tuning.csv", SummaryCSV.render(grid, extra: cut)))
        }
        contents += [("curves.csv", CurvesCSV.render(shown)),
                     ("summary.csv", SummaryCSV.render(shown, readEpochs: config.sweep?.readEpochs ?? [], aggregates: true)),
                     ("timings.csv", TimingsCSV.render(results))]
        // All files are written before any replaces its old version; the manifest, which lists
        // the others' SHA-256, goes last, so a set is whole when the manifest's hashes match.
        var set = OutputFiles.FileSet()
        for (name, text) in contents { try set.stage(text, to: path(name)) }
        let manifest = Manifest.render(config: config, files: files, threads: threads, started: started, finished: Date(),
                                       results: grid, tuning: choices, halving: halving,
                                       resultFiles: contents.map { ($0.0, SHA256.hex(Array($0.1.utf8))) })
        try set.stage(manifest, to: path("manifest.json"))
        try set.commit()
        return RunOutcome(directory: dir, results: grid, tuning: choices)
    }

    /// Temporaries of the result files left by killed processes (on any machine: under the
    /// folder's lock, no writer of these files is at work).
    static func removeStaleTemporaries(_ dir: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where name.hasSuffix(".tmp") {
            if fileNames.contains(where: { name.hasPrefix(".\($0).") }) { unlink((dir as NSString).appendingPathComponent(name)) }
        }
    }
}

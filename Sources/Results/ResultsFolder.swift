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

    /// Writes the result files of `results` (every point, in order) into OUT/<name>/. A tuned
    /// config's arms are its picks; with `pickTuned` false (a partial run, whose grid is not all
    /// there) every point shows under its own name and nothing is picked.
    public static func write(_ config: ExperimentConfig, files: [DataFile], results: [ArmResult], outRoot: String, threads: Int,
                             started: Date, pickTuned: Bool = true) throws -> RunOutcome {
        let dir = directory(config, outRoot: outRoot)
        try OutputFiles.makeDirectory(dir)
        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
        // Tuning reports each arm's best point; the whole grid goes to tuning.csv.
        let tune = pickTuned ? config.tune : nil
        let (shown, choices) = tune.map { Tuner.select(config, $0, all: results) } ?? (results, [])
        var contents: [(String, String)] = []
        if tune != nil { contents.append(("tuning.csv", SummaryCSV.render(results))) }
        contents += [("curves.csv", CurvesCSV.render(shown)),
                     ("summary.csv", SummaryCSV.render(shown, readEpochs: config.sweep?.readEpochs ?? [])),
                     ("timings.csv", TimingsCSV.render(results))]
        // All files are written before any replaces its old version; the manifest, which lists
        // the others' SHA-256, goes last, so a set is whole when the manifest's hashes match.
        var set = OutputFiles.FileSet()
        for (name, text) in contents { try set.stage(text, to: path(name)) }
        let manifest = Manifest.render(config: config, files: files, threads: threads, started: started, finished: Date(),
                                       results: results, tuning: choices,
                                       resultFiles: contents.map { ($0.0, SHA256.hex(Array($0.1.utf8))) })
        try set.stage(manifest, to: path("manifest.json"))
        try set.commit()
        return RunOutcome(directory: dir, results: results, tuning: choices)
    }
}

// A results folder, OUT/<name>/: curves.csv, summary.csv, timings.csv and manifest.json (and
// tuning.csv for a tuned config), written from a run's results (SPEC section 5).
import Config
import Datasets
import Foundation

public struct RunOutcome: Sendable {
    public let directory: String
    public let results: [ArmResult]
}

public enum ResultsFolder {
    public static func directory(_ config: ExperimentConfig, outRoot: String) -> String {
        (outRoot as NSString).appendingPathComponent(config.name)
    }

    /// Writes the result files of `results` (every point, in order) into OUT/<name>/.
    public static func write(_ config: ExperimentConfig, files: [DataFile], results: [ArmResult], outRoot: String, threads: Int,
                             started: Date) throws -> RunOutcome {
        let dir = directory(config, outRoot: outRoot)
        try OutputFiles.makeDirectory(dir)
        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
        // Tuning reports each arm's best point; the whole grid goes to tuning.csv.
        let shown = config.tune.map { Tuner.select(config, $0, all: results) } ?? results
        if config.tune != nil { try OutputFiles.writeAtomically(SummaryCSV.render(results), to: path("tuning.csv")) }
        try OutputFiles.writeAtomically(CurvesCSV.render(shown), to: path("curves.csv"))
        try OutputFiles.writeAtomically(SummaryCSV.render(shown, readEpochs: config.sweep?.readEpochs ?? []), to: path("summary.csv"))
        try OutputFiles.writeAtomically(TimingsCSV.render(results), to: path("timings.csv"))
        try OutputFiles.writeAtomically(Manifest.render(config: config, files: files, threads: threads,
                                                        started: started, finished: Date(), results: results),
                                        to: path("manifest.json"))
        return RunOutcome(directory: dir, results: results)
    }
}

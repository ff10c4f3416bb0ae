// `adam-bench sweep CONFIG [--shard I/N]` (a run of one config; see RunCommand) and
// `adam-bench collect DIR`.
import Config
import Results
import Training
import Foundation

enum CollectCommand {
    static func main(_ args: [String]) throws {
        let a = try Arguments(args, valued: [], switches: ["--quiet"])
        guard a.positional.count == 1 else { throw UsageError("collect takes one results folder: adam-bench collect results/NAME") }
        let outcome = try Points.collect(directory: a.positional[0])
        if !a.has("--quiet") { printErr("wrote \(outcome.directory)/ (curves.csv, summary.csv, timings.csv, manifest.json)") }
    }
}

// `adam-bench sweep CONFIG [--shard I/N]` (a run of one config; see RunCommand) and
// `adam-bench collect DIR [--partial]`.
import Config
import Results
import Training
import Foundation

enum CollectCommand {
    static func main(_ args: [String]) throws {
        let a = try Arguments(args, valued: [], switches: ["--quiet", "--partial"])
        guard a.positional.count == 1 else { throw UsageError("collect takes one results folder: adam-bench collect results/NAME [--partial]") }
        // The results go into the folder named, so it must be that folder, not a link to another.
        var folder = a.positional[0]
        while folder.count > 1 && folder.hasSuffix("/") { folder.removeLast() }  // "link/" would resolve the link
        var info = stat()
        if lstat(folder, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: folder)) ?? "?"
            throw UsageError("\(folder): is a symbolic link (to \(target)); collect the results folder itself: adam-bench collect \(URL(fileURLWithPath: folder).resolvingSymlinksInPath().path)")
        }
        if a.has("--partial") {
            let (outcome, epochs, progress) = try Points.collectPartial(directory: folder)
            if !a.has("--quiet") {
                for p in progress { printErr("  \(p.name) seed \(p.seed): " + p.progress.describe(epochs: epochs)) }
                printErr("wrote \(outcome.directory)/ (what the run has so far: curves.csv, summary.csv, timings.csv, manifest.json)")
            }
            return
        }
        let outcome = try Points.collect(directory: folder)
        if !a.has("--quiet") {
            printErr("wrote \(outcome.directory)/ (curves.csv, summary.csv, timings.csv, manifest.json)")
            for choice in outcome.tuning { printErr(choice.summary) }
        }
        // Not progress: a tuned optimum at its grid's edge is printed even with --quiet.
        for warning in outcome.warnings { printErr("warning: \(warning)") }
    }
}

// `adam-bench sweep CONFIG [--shard I/N]` and `adam-bench collect DIR`.
import Experiments
import Foundation

enum SweepCommand {
    static func main(_ args: [String]) throws {
        let a = try Arguments(args, valued: SharedOptions.valued + ["--shard"], switches: SharedOptions.switches)
        let options = try SharedOptions(a)
        guard a.positional.count == 1 else { throw UsageError("sweep takes one config: adam-bench sweep CONFIG [--shard I/N]") }
        var shard = SweepRunner.Shard.all
        if let text = a.value("--shard") {
            let parts = text.split(separator: "/")
            guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else {
                throw UsageError("--shard: give I/N with 0 <= I < N, e.g. --shard 0/4; got '\(text)'")
            }
            shard = SweepRunner.Shard(index: i, count: n)
        }
        let config = try options.loadConfigs(a.positional)[0]
        try OutputFiles.makeDirectory(options.outRoot)
        let started = Date()
        let problem = try config.loadProblem(dataDirectory: options.dataDirectory)
        let points = ExperimentRunner.points(config).count
        let mine = (points - shard.index + shard.count - 1) / shard.count
        let progress = options.quiet ? nil : StderrProgress(experiment: config.name, totalEpochs: mine * config.training.epochs)
        let done = try SweepRunner.run(config, problem: problem, shard: shard, outRoot: options.outRoot,
                                       threads: options.threads, progress: progress)
        progress?.finish()
        let dir = ExperimentRunner.directory(config, outRoot: options.outRoot)
        if !options.quiet {
            printErr("shard \(shard.index)/\(shard.count): ran \(done.ran) points, \(done.skipped) already complete, of \(done.total) in all")
        }
        if shard == .all {
            let outcome = try SweepRunner.collect(directory: dir, started: started)
            if !options.quiet { printErr("wrote \(outcome.directory)/ (curves.csv, summary.csv, timings.csv, manifest.json)") }
        } else if !options.quiet {
            printErr("when every shard is done: adam-bench collect \(dir)")
        }
    }
}

enum CollectCommand {
    static func main(_ args: [String]) throws {
        let a = try Arguments(args, valued: [], switches: ["--quiet"])
        guard a.positional.count == 1 else { throw UsageError("collect takes one results folder: adam-bench collect results/NAME") }
        let outcome = try SweepRunner.collect(directory: a.positional[0])
        if !a.has("--quiet") { printErr("wrote \(outcome.directory)/ (curves.csv, summary.csv, timings.csv, manifest.json)") }
    }
}

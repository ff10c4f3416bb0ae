// `adam-bench run CONFIG... [options]`: train every arm of each experiment and write results.
import Config
import Results
import Training
import Foundation

struct SharedOptions {
    static let valued = ["--out", "--data-dir", "--threads", "--epochs", "--seed", "--arms"]
    static let switches = ["--quiet"]

    var outRoot = "results"
    var dataDirectory: String
    var threads: Int
    var quiet: Bool
    var overrides = ConfigOverrides()

    init(_ a: Arguments) throws {
        outRoot = a.value("--out") ?? "results"
        guard !outRoot.isEmpty else { throw UsageError("--out: must not be empty") }
        dataDirectory = try a.dataDirectory()
        threads = try a.int("--threads", min: 1, max: 1024) ?? ProcessInfo.processInfo.activeProcessorCount
        quiet = a.has("--quiet")
        overrides.epochs = try a.int("--epochs", min: 1, max: ExperimentConfig.maxEpochs)
        overrides.seed = try a.int("--seed", min: 0).map { UInt64($0) }
        if let arms = a.value("--arms") {
            let names = arms.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard !names.contains("") else { throw UsageError("--arms: give arm names separated by commas, e.g. --arms adam,adagrad; got '\(arms)'") }
            if let twice = names.enumerated().first(where: { names[..<$0.offset].contains($0.element) })?.element {
                throw UsageError("--arms: '\(twice)' is named twice; name each arm once")
            }
            overrides.arms = names
        }
    }

    /// Every config parsed and checked before any training starts, so a typo in the last file
    /// does not cost the runs of the first; the overrides applied (`validate` and `run` agree).
    func loadConfigs(_ paths: [String]) throws -> [ExperimentConfig] {
        guard !paths.isEmpty else { throw UsageError("give at least one config file, e.g. configs/mnist-logreg.json") }
        var notes: [String] = []
        let configs = try paths.map { try ExperimentConfig.load($0).applying(overrides, notes: &notes) }
        // Not progress: a claim left out changes what the report checks, so it shows with --quiet too.
        for note in notes { printErr("note: \(note)") }
        // Two configs with one name would write one results folder, the second over the first.
        for (i, c) in configs.enumerated() {
            if let j = configs[..<i].firstIndex(where: { $0.name == c.name }) {
                throw UsageError("\(paths[j]) and \(paths[i]) both have \"name\": \"\(c.name)\"; they would write the same results folder. Give one another name")
            }
        }
        return configs
    }
}

/// `run` and `sweep` are one mechanism: a run is made of points (arm x seed; a sweep's arms come
/// from its grid), each written when it finishes, resumed from its checkpoint when interrupted.
enum RunCommand {
    static func main(_ args: [String], command: String = "run") throws {
        let a = try Arguments(args, valued: SharedOptions.valued + ["--shard"], switches: SharedOptions.switches)
        let options = try SharedOptions(a)
        if command == "sweep" && a.positional.count != 1 {
            throw UsageError("sweep takes one config: adam-bench sweep CONFIG [--shard I/N]")
        }
        var shard = Points.Shard.all
        if let text = a.value("--shard") {
            guard let s = Points.Shard(parsing: text) else {
                throw UsageError("--shard: give I/N with 0 <= I < N, e.g. --shard 0/4; got '\(text)'")
            }
            shard = s
        }
        let configs = try options.loadConfigs(a.positional)
        // Fail on an unusable results folder now, not after hours of training.
        try OutputFiles.makeDirectory(options.outRoot)
        var rerun: [String] = []
        for config in configs {
            let started = Date()
            let problem = try config.loadProblem(dataDirectory: options.dataDirectory)
            try problem.checkMemory(config, threads: options.threads)
            // Successive halving goes round by round (each rung decided opens the next); a round's
            // progress line counts that round's epochs.
            var live: StderrProgress? = nil
            let outcome = try Points.run(config, problem: problem, shard: shard, outRoot: options.outRoot, threads: options.threads,
                                         keepingPoints: true) { plan in
                live?.finish()
                if !plan.damaged.isEmpty {
                    printErr("\(config.name): \(plan.damaged.count) point files are damaged (first: \(plan.directory)/\(String(format: "%05d.point", plan.damaged[0]))); training those points again")
                }
                live = options.quiet ? nil : StderrProgress(experiment: config.name, totalEpochs: plan.remainingEpochs)
                return live
            }
            live?.finish()
            let dir = ResultsFolder.directory(config, outRoot: options.outRoot)
            let name = "\(config.name)\(shard == .all ? "" : " shard \(shard.index)/\(shard.count)")"
            if !options.quiet && (shard != .all || outcome.skipped > 0) {
                let ran = outcome.halving == nil ? "ran \(outcome.ran) points" : "trained \(outcome.ran) points to their next rung"
                printErr("\(name): \(ran), \(outcome.skipped) already complete, of \(outcome.total) in all")
            }
            if let record = outcome.halving {
                if !options.quiet {
                    for line in Tuner.describe(record, seeds: config.training.seeds.count) { printErr("\(config.name): successive halving: \(line)") }
                }
                if !record.complete {
                    if !outcome.blocked.isEmpty {
                        rerun.append("\(name): trained what it could; " + outcome.blocked.joined(separator: "; ")
                                     + ". Run this command again when the other shards have trained them (finished work is kept)")
                    } else if !options.quiet {
                        printErr("\(name): this shard's part is done; when every shard is done: adam-bench collect \(dir)")
                    }
                    outcome.release()
                    continue
                }
            }
            if shard == .all {
                let outcome = try Points.collect(directory: dir, started: started, threads: options.threads)
                if !options.quiet { printErr(finalTable(outcome, seconds: Date().timeIntervalSince(started))) }
                for warning in outcome.warnings { printErr("warning: \(warning)") }
            } else if !options.quiet {
                printErr("when every shard is done: adam-bench collect \(dir)")
            }
            // The points folder stays this run's until its results are merged.
            outcome.release()
        }
        if !rerun.isEmpty { throw RerunNeeded(rerun.joined(separator: "\n")) }
    }

    static func finalTable(_ outcome: RunOutcome, seconds: Double) -> String {
        var lines = ["wrote \(outcome.directory)/ (curves.csv, summary.csv, timings.csv, manifest.json) in \(String(format: "%.1f", seconds)) s"]
        for r in outcome.results {
            let last = r.rows.last { $0.evalTrainLoss != nil }
            var status = "ok"
            if case .diverged(let t) = r.status { status = "diverged at iteration \(t)" }
            let loss = last?.evalTrainLoss.map { String(format: "%.5f", $0) } ?? "-"
            let accuracy = last?.testAccuracy.map { String(format: "  test_accuracy %.4f", $0) } ?? ""
            lines.append("  \(r.arm.name) seed \(r.seed): \(status)  eval_train_loss \(loss)\(accuracy)")
        }
        lines += outcome.tuning.map(\.summary)
        return lines.joined(separator: "\n")
    }
}

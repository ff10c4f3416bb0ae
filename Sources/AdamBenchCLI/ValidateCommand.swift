// `adam-bench validate CONFIG...`: check configs and data files and print the plan; train nothing.
import Config
import Results
import Training
import Foundation
import NN
import Optim

enum ValidateCommand {
    static func main(_ args: [String]) throws {
        let a = try Arguments(args, valued: SharedOptions.valued, switches: SharedOptions.switches)
        let options = try SharedOptions(a)
        for config in try options.loadConfigs(a.positional) {
            let problem = try config.loadProblem(dataDirectory: options.dataDirectory)
            try problem.checkMemory(config, threads: options.threads)
            print(plan(config, problem, threads: options.threads))
        }
    }

    static func plan(_ c: ExperimentConfig, _ problem: Problem, threads: Int) -> String {
        var lines = ["\(c.source): ok", "  experiment  \(c.name)" + (c.description.isEmpty ? "" : ": \(c.description)")]
        let t = c.training
        let seeds = t.seeds.map(String.init).joined(separator: ", ")
        switch problem {
        case .supervised(let data, let m, let start):
            let perEpoch = c.iterationsPerEpoch(trainCount: data.train.count)
            let batch = t.fullBatch ? data.train.count : min(t.batchSize, data.train.count)
            lines.append("  dataset     \(data.name): \(data.train.count) training and \(data.test.count) test examples, \(data.inputSize) features, \(data.classes) classes")
            for f in data.files { lines.append("              \(f.path)  sha256 \(f.contentSHA256.prefix(16))…") }
            let initText = start.map { "from \($0.file.path) (sha256 \($0.file.sha256.prefix(16))…)" } 
                ?? ParameterTable.initText(m.initialization, layer: nil)
            lines.append("  model       \(m.kind.rawValue), \(MemoryEstimate.formatCount(MemoryEstimate.shape(m, inputSize: data.inputSize, classes: data.classes).parameters)) parameters, l2 \(formatNumber(m.l2)), init \(initText)")
            if !t.fullBatch && t.batchSize > data.train.count {
                lines.append("  note        batch_size \(t.batchSize) is more than the \(data.train.count) training examples: each step is full batch")
            }
            if let limit = c.dataset.trainLimit, limit > data.train.count {
                lines.append("  note        train_limit \(limit) is more than the \(data.train.count) training examples: all are used")
            }
            if let e = problem.memoryEstimate(c, threads: threads) {
                lines.append("  memory      \(e.summary), of \(MemoryEstimate.format(MemoryEstimate.machineBytes)) here")
            }
            lines.append("  training    \(t.epochs) epochs x \(perEpoch) iterations (batch \(batch)\(t.shuffle ? ", shuffled" : ", file order")) = \(t.epochs * perEpoch) iterations per arm; seeds \(seeds)")
        case .objective(let o):
            lines.append("  objective   \(c.dataset.name) in \(o.dimension) dimensions, full batch")
            lines.append("  training    \(t.epochs) iterations per arm; seeds \(seeds)")
        case .stored:
            break
        }
        lines.append("  logging     " + (t.logEvery > 0 ? "every \(t.logEvery) iterations and " : "") + "evaluation every \(t.evalEveryEpochs) epoch(s)")
        if case .supervised(let data, _, _) = problem {
            lines.append("              " + trainLossMeaning(logEvery: t.logEvery, evalEvery: t.evalEveryEpochs,
                                                             perEpoch: c.iterationsPerEpoch(trainCount: data.train.count)))
        }
        lines.append("  checkpoints " + (t.checkpointEveryEpochs > 0 ? "every \(t.checkpointEveryEpochs) epoch(s)" : "off")
                     + (t.saveParams ? "; final parameters saved to params/" : ""))
        if let tune = c.tune {
            lines.append("  tune        select by \(tune.select) (\(tune.select.maximises ? "highest" : "lowest")), each arm over its grid:")
            for arm in c.arms {
                let grid = tune.grid(for: arm.name).map { "\($0.key) {\($0.values.map(\.description).joined(separator: ", "))}" }
                lines.append("              \(arm.name): " + grid.joined(separator: " x "))
            }
            if let h = tune.halving {
                // The points each arm trains to each rung: all of them to the first, then the kept.
                let counts = c.arms.map { arm in
                    var n = tune.grid(for: arm.name).reduce(1) { $0 * $1.values.count }
                    return h.rungs.indices.map { r in defer { n = h.kept(of: n) }; return n }
                }
                lines.append("  halving     rungs at epochs \(h.rungs.map(String.init).joined(separator: ", ")), keeping \(formatNumber(h.keep)) of the points at each (at least 1):")
                for (arm, n) in zip(c.arms, counts) {
                    lines.append("              \(arm.name): " + zip(h.rungs, n).map { "\($1) to epoch \($0)" }.joined(separator: ", "))
                }
            }
        }
        if let sweep = c.sweep {
            let sizes = sweep.grid.map { "\($0.key) (\($0.values.count))" }.joined(separator: " x ")
            lines.append("  sweep       \(sweep.arm) over \(sizes): \(c.runArms.count) arms, \(c.runArms.count * t.seeds.count) points with the seeds")
        }
        lines.append("  points      \(ExperimentRunner.points(c).count) (arms that run x seeds; --shard I/N runs those with index mod N = I)")
        for v in c.variants {
            // Loading the config read each variant's file, so its experiment name is known.
            lines.append("  variant     \(v.name): \(v.config), experiment \(v.experiment ?? "?") (run it with the same --out; report checks this config's claims on it)")
        }
        lines.append("  arms (\(c.arms.count)):")
        let width = c.arms.map(\.name.count).max() ?? 0
        for arm in c.arms {
            let hypers = arm.hyperparameters.values.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
            var line = "    \(arm.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(arm.optimizer) \(hypers), schedule \(arm.schedule.name)"
            if let avg = arm.averaging { line += ", averaging \(avg.name)" }
            if let d = arm.dropout { line += ", dropout \(formatNumber(d.input)) input / \(formatNumber(d.hidden)) hidden" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// What a curve row's train_loss averages over (the minibatch losses since the previous row),
    /// so that a config meant to plot per-epoch training cost shows it is not.
    static func trainLossMeaning(logEvery: Int, evalEvery: Int, perEpoch: Int) -> String {
        if logEvery == 0 {
            return evalEvery == 1 ? "train_loss: the mean of each epoch (a row per epoch)"
                : "train_loss: the mean over the \(evalEvery) epochs before each evaluation; set log_every to \(perEpoch) for each epoch's mean"
        }
        if logEvery == perEpoch { return "train_loss: the mean of each epoch (\(perEpoch) iterations a row)" }
        return "train_loss: the mean over the iterations since the previous row (\(logEvery), or fewer at an evaluation)"
    }
}

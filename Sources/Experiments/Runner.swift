// Runs every arm of an experiment for every seed and writes the results folder.
// Arms are independent, so they run side by side on the available threads; each arm's numbers
// depend only on its config and seed, never on the thread count.
import Datasets
import Foundation
import Kernels
import NN

public struct RunOptions: Sendable {
    public var outRoot = "results"
    public var threads = 1
    public init(outRoot: String = "results", threads: Int = 1) {
        self.outRoot = outRoot
        self.threads = threads
    }
}

public struct RunOutcome: Sendable {
    public let directory: String
    public let results: [ArmResult]
}

public enum ExperimentRunner {
    /// The parameters every arm of one seed starts from.
    static func initialParameters(_ config: ExperimentConfig, _ data: Dataset, _ m: ModelConfig, seed: UInt64) -> FloatBuffer {
        let model = makeModel(m, inputSize: data.inputSize, classes: data.classes, maxBatch: 1, threads: 1)
        let params = FloatBuffer(count: model.parameterCount)
        var rng = RNG(seed: seed, stream: .initialization)
        model.initialize(params.base, m.initialization, rng: &rng)
        return params
    }

    /// Every (arm, seed) pair of the experiment, in the order results are written: arm (config
    /// order, sweep points in place of their arm), then seed.
    public static func points(_ config: ExperimentConfig) -> [(arm: ArmConfig, seed: UInt64)] {
        config.runArms.flatMap { arm in config.training.seeds.map { (arm, $0) } }
    }

    /// Trains all (arm, seed) pairs, or just `only` of them; results come back in that order.
    public static func train(_ config: ExperimentConfig, problem: Problem, threads: Int, progress: ProgressSink?,
                             only: [(arm: ArmConfig, seed: UInt64)]? = nil) -> [ArmResult] {
        let items = only ?? points(config)
        var initial: [UInt64: FloatBuffer] = [:]
        if case .supervised(let data, let m) = problem {
            for seed in config.training.seeds { initial[seed] = initialParameters(config, data, m, seed: seed) }
        }
        let slots = UnsafeMutableBufferPointer<ArmResult?>.allocate(capacity: items.count)
        slots.initialize(repeating: nil)
        defer { slots.deallocate() }
        let box = UncheckedSendable((slots, initial))
        // Waves: while at least `threads` arms are left, run that many side by side with one
        // kernel thread each; the remainder then shares the threads inside each arm. (Five arms on
        // two threads: two pairs, then the last arm on both.)
        var start = 0
        while start < items.count {
            let left = items.count - start
            let wave = left >= threads ? left / threads * threads : left
            let concurrent = min(threads, wave)
            let inner = max(1, threads / concurrent)
            let first = start
            parallelFor(wave, threads: concurrent) { i in
                let (arm, seed) = items[first + i]
                let result: ArmResult
                switch problem {
                case .supervised(let data, let m):
                    result = SupervisedTrainer(config: config, arm: arm, seed: seed, data: data, modelConfig: m,
                                               threads: inner, progress: progress).run(initial: box.value.1[seed]!)
                case .objective(let objective):
                    result = ObjectiveTrainer(config: config, arm: arm, seed: seed, objective: objective, progress: progress).run()
                case .stored:
                    preconditionFailure("stored results are collected, not trained")
                }
                box.value.0[first + i] = result
            }
            start += wave
        }
        return slots.map { $0! }
    }

    public static func directory(_ config: ExperimentConfig, outRoot: String) -> String {
        (outRoot as NSString).appendingPathComponent(config.name)
    }

    /// Writes curves.csv, summary.csv, timings.csv and manifest.json into OUT/<name>/.
    public static func write(_ config: ExperimentConfig, problem: Problem, results: [ArmResult], options: RunOptions,
                             started: Date) throws -> RunOutcome {
        let dir = directory(config, outRoot: options.outRoot)
        try OutputFiles.makeDirectory(dir)
        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
        // Tuning reports each arm's best point; the whole grid goes to tuning.csv.
        let shown = config.tune.map { Tuner.select(config, $0, all: results) } ?? results
        if config.tune != nil { try OutputFiles.writeAtomically(SummaryCSV.render(results), to: path("tuning.csv")) }
        try OutputFiles.writeAtomically(CurvesCSV.render(shown), to: path("curves.csv"))
        try OutputFiles.writeAtomically(SummaryCSV.render(shown, readEpochs: config.sweep?.readEpochs ?? []), to: path("summary.csv"))
        try OutputFiles.writeAtomically(TimingsCSV.render(results), to: path("timings.csv"))
        try OutputFiles.writeAtomically(Manifest.render(config: config, files: problem.dataFiles, threads: options.threads,
                                                        started: started, finished: Date(), results: results),
                                        to: path("manifest.json"))
        return RunOutcome(directory: dir, results: results)
    }
}

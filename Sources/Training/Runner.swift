// Runs every arm of an experiment for every seed and writes the results folder.
// Arms are independent, so they run side by side on the available threads; each arm's numbers
// depend only on its config and seed, never on the thread count.
import Config
import Datasets
import Foundation
import Kernels
import NN
import Results

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

    /// Trains all (arm, seed) pairs in memory and returns their results in order (tests and
    /// benchmarks; `run` goes through `Points`, which writes each point as it finishes).
    public static func train(_ config: ExperimentConfig, problem: Problem, threads: Int, progress: ProgressSink?) -> [ArmResult] {
        let all = points(config)
        let slots = UncheckedSendable(UnsafeMutableBufferPointer<ArmResult?>.allocate(capacity: all.count))
        slots.value.initialize(repeating: nil)
        defer { slots.value.deallocate() }
        try! train(config, problem: problem, threads: threads, progress: progress, indices: Array(all.indices),
                   checkpoint: { _ in nil }, finished: { i, r in slots.value[i] = r })
        return slots.value.map { $0! }
    }

    /// Trains the points with the given indices (into `points(config)`), side by side on the
    /// threads, each resuming from and saving to `checkpoint(index)` when that is not nil, up to
    /// the end of epoch `until(index)` (nil: the last; before it, the point stops with a
    /// checkpoint saved, as successive halving's rungs want). `finished` is called once per
    /// point, on the thread that trained it, as soon as it is done (or stopped); the first error
    /// it throws is rethrown once the running points finish (no new point starts).
    static func train(_ config: ExperimentConfig, problem: Problem, threads: Int, progress: ProgressSink?, indices: [Int],
                      until: @escaping @Sendable (Int) -> Int? = { _ in nil },
                      checkpoint: @escaping @Sendable (Int) -> CheckpointPlan?,
                      finished: @escaping @Sendable (Int, ArmResult) throws -> Void) throws {
        let all = points(config)
        var initial: [UInt64: FloatBuffer] = [:]
        if case .supervised(let data, let m, let start) = problem {
            for seed in Set(indices.map { all[$0].seed }) {
                initial[seed] = start.map { FloatBuffer($0.values) } ?? initialParameters(config, data, m, seed: seed)
            }
        }
        let errors = UnsafeMutableBufferPointer<Error?>.allocate(capacity: max(1, indices.count))
        errors.initialize(repeating: nil)
        defer { errors.deallocate() }
        let box = UncheckedSendable((errors, initial))
        // Waves: while at least `threads` points are left, run that many side by side with one
        // kernel thread each; the remainder then shares the threads inside each point. (Five
        // points on two threads: two pairs, then the last on both.)
        var start = 0
        while start < indices.count && !errors.contains(where: { $0 != nil }) {
            let left = indices.count - start
            let wave = left >= threads ? left / threads * threads : left
            let concurrent = min(threads, wave)
            let inner = max(1, threads / concurrent)
            let first = start
            parallelFor(wave, threads: concurrent) { i in
                let index = indices[first + i]
                let (arm, seed) = all[index]
                let plan = checkpoint(index), stop = until(index)
                let result: ArmResult
                switch problem {
                case .supervised(let data, let m, _) where arm.optimizer == "sfo":
                    // SFO's state (the subspace, M x K_max float64) is not checkpointed: a point reruns
                    // whole (and cannot stop at a rung: the config refuses halving with sfo).
                    precondition(stop == nil, "sfo points cannot stop before their last epoch")
                    result = SFOTrainer(config: config, arm: arm, seed: seed, data: data, modelConfig: m, threads: inner,
                                        progress: progress).run(initial: box.value.1[seed]!)
                case .supervised(let data, let m, _):
                    result = SupervisedTrainer(config: config, arm: arm, seed: seed, data: data, modelConfig: m,
                                               threads: inner, progress: progress).run(initial: box.value.1[seed]!, checkpoints: plan,
                                                                                       until: stop)
                case .objective(let objective):
                    result = ObjectiveTrainer(config: config, arm: arm, seed: seed, objective: objective, progress: progress)
                        .run(checkpoints: plan, until: stop)
                case .stored:
                    preconditionFailure("stored results are collected, not trained")
                }
                do { try finished(index, result) } catch { box.value.0[first + i] = error }
            }
            start += wave
        }
        if let error = errors.compactMap({ $0 }).first { throw error }
    }
}

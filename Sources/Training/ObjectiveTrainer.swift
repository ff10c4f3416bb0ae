// The loop for synthetic objectives (quadratic, Rosenbrock): one full-batch iteration per
// epoch, with the same logging, divergence, checkpoints and resume as the supervised loop.
import Config
import Foundation
import Kernels
import NN
import Optim
import Results

/// Runs an optimizer on a synthetic objective: one full-batch iteration per epoch.
struct ObjectiveTrainer {
    let config: ExperimentConfig
    let arm: ArmConfig
    let seed: UInt64
    let objective: Objective
    weak var progress: ProgressSink?

    /// Runs to the end of step `until` (default: the last), as the supervised loop does.
    func run(checkpoints plan: CheckpointPlan? = nil, until: Int? = nil) -> ArmResult {
        let started = ContinuousClock.now
        let count = objective.dimension, epochs = config.training.epochs, stop = min(until ?? epochs, epochs)
        let params = FloatBuffer(objective.initial), grads = FloatBuffer(count: count)
        let optimizer = Optimizers.named(arm.optimizer)!.make(arm.hyperparameters, count: count)
        let average = arm.averaging.map { ParameterAverage(kind: $0, count: count) }
        let evalParams = average == nil ? params : FloatBuffer(count: count)
        var rngs = [RNG(seed: seed, stream: .gradientNoise)]
        var recorder = CurveRecorder()
        var timings: [EpochTiming] = []
        var status = ArmStatus.ok
        var firstStep = 1, priorSeconds = 0.0

        func evaluateAll() -> (train: Double?, test: Double?, accuracy: Double?) {
            if let average { average.write(into: evalParams.base, current: params.base) }
            return (objective.value(evalParams.base), nil, nil)
        }

        if let saved = usableCheckpoint(plan, progress: progress, arm: arm.name, seed: seed),
           saved.restore(params: params, optimizer: optimizer, average: average, rngs: &rngs, recorder: &recorder, orderCount: 0) {
            timings = saved.timings
            (firstStep, priorSeconds) = (saved.epoch + 1, saved.wallSeconds)
        } else {
            recorder.emit(iteration: 0, epoch: 0, eval: evaluateAll())
        }
        var noiseRNG = rngs[0]
        for t in firstStep...max(firstStep, stop) where t <= stop {
            let stepStart = ContinuousClock.now
            let loss = objective.value(params.base)
            recorder.add(trainLoss: loss)
            guard !isDiverged(loss) else {
                recorder.emit(iteration: t, epoch: Double(t))
                status = .diverged(iteration: t)
                break
            }
            objective.gradient(params.base, into: grads.base, rng: &noiseRNG)
            optimizer.step(parameters: params.base, gradients: grads.base, lr: arm.schedule.rate(arm.lr, iteration: t, epoch: t))
            average?.update(params.base)
            let evaluateNow = t % config.training.evalEveryEpochs == 0 || t == epochs
            if evaluateNow || (config.training.logEvery > 0 && t % config.training.logEvery == 0) {
                let eval = evaluateNow ? evaluateAll() : nil
                recorder.emit(iteration: t, epoch: Double(t), eval: eval)
                if let v = eval?.train, isDiverged(v) {
                    status = .diverged(iteration: t)
                    break
                }
            }
            let wall = seconds(since: stepStart)
            timings.append(EpochTiming(epoch: t, wallSeconds: wall, trainSeconds: wall, evalSeconds: 0, examples: 1))
            if let plan, plan.due(after: t, of: epochs, stop: stop) {
                timings[timings.count - 1].checkpointSeconds = writeCheckpoint(
                    plan, progress: progress, epoch: t, iteration: t, params: params, optimizer: optimizer, average: average,
                    rngs: [noiseRNG], order: [], recorder: recorder, timings: timings,
                    wallSeconds: priorSeconds + seconds(since: started))
            }
            if t == stop || t % max(1, epochs / 20) == 0 {
                progress?.epochFinished(arm: arm.name, seed: seed, epoch: t, of: epochs, row: recorder.rows.last, seconds: wall)
            }
        }
        return ArmResult(arm: arm, seed: seed, rows: recorder.rows, status: status, timings: timings,
                         wallSeconds: priorSeconds + seconds(since: started),
                         finalParameters: config.training.saveParams && stop == epochs ? params.array : nil)
    }
}

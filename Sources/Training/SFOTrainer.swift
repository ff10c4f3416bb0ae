// The driver SFO needs (Figure 2 b): the training set split into N deterministic subfunctions,
// contiguous blocks in file order with sizes as even as possible (the first n mod N blocks one
// example larger), f_i = (n_i / n)·(mean data loss over block i) + (λ/2)·Σw² / N, so that the N
// subfunctions sum to the full objective (mean data loss over the training set plus L2). SFO asks
// for one f_i at a time and decides itself where; an SFO "epoch" is N evaluations, extra ones
// (after failed steps) counted. The model runs in Float; SFO keeps x and everything else in Double.
import Config
import Datasets
import Foundation
import Kernels
import NN
import Results
import SFO

/// The training set as SFO's subfunctions.
final class SubfunctionObjective: SFOObjective {
    let model: Model
    let data: LabeledData
    let blocks: [Range<Int>]
    let l2: Float
    let params: FloatBuffer, grads: FloatBuffer
    var rng = RNG(seed: 0)  // unused: the model has no dropout
    var dimension: Int { params.count }
    var subfunctions: Int { blocks.count }

    init(model: Model, data: LabeledData, subfunctions n: Int, l2: Float) {
        self.model = model
        self.data = data
        blocks = Self.blocks(count: data.count, into: n)
        self.l2 = l2
        params = FloatBuffer(count: model.parameterCount)
        grads = FloatBuffer(count: model.parameterCount)
    }

    /// Contiguous blocks of `count` rows, sizes as even as possible, the larger ones first.
    static func blocks(count: Int, into n: Int) -> [Range<Int>] {
        var out: [Range<Int>] = [], lo = 0
        for i in 0..<n {
            let size = count / n + (i < count % n ? 1 : 0)
            out.append(lo..<(lo + size))
            lo += size
        }
        return out
    }

    func evaluate(_ i: Int, at x: [Double]) -> (value: Double, gradient: [Double]) {
        for t in 0..<x.count { params[t] = Float(x[t]) }
        let block = blocks[i], m = block.count
        let mean: Double = data.labels.withUnsafeBufferPointer { labels in
            if let sparse = data.sparse {
                return sparse.withBatch(lo: block.lowerBound, count: m) { rows in
                    (model as! SparseInputModel).lossAndGradient(parameters: params.base, gradients: grads.base, rows: rows,
                                                                 labels: labels.baseAddress! + block.lowerBound, rng: &rng)
                }
            }
            return model.lossAndGradient(parameters: params.base, gradients: grads.base,
                                         x: data.x.base + block.lowerBound * data.inputSize,
                                         labels: labels.baseAddress! + block.lowerBound, count: m, rng: &rng)
        }
        let share = Double(m) / Double(data.count), n = Float(blocks.count)
        // ∇ = share·∇(mean loss) + (λ/N)·w on the weights (biases take no L2).
        scale(Float(share), grads.base, grads.count)
        model.addL2(l2 / n, parameters: params.base, gradients: grads.base)
        let value = share * mean + model.l2Penalty(l2, parameters: params.base) / Double(n)
        return (value, (0..<grads.count).map { Double(grads[$0]) })
    }
}

/// Trains one SFO arm: N evaluations per epoch, a curve row per epoch.
struct SFOTrainer {
    let config: ExperimentConfig
    let arm: ArmConfig
    let seed: UInt64
    let data: Dataset
    let modelConfig: ModelConfig
    let threads: Int
    weak var progress: ProgressSink?

    func run(initial: FloatBuffer) -> ArmResult {
        let started = ContinuousClock.now
        let h = arm.hyperparameters
        let n = min(Int(h.number("subfunctions")), data.train.count)
        let largest = (data.train.count + n - 1) / n
        let model = makeModel(arm.model(modelConfig), inputSize: data.inputSize, classes: data.classes, maxBatch: largest,
                              threads: threads)
        let l2 = Float(modelConfig.l2)
        let objective = SubfunctionObjective(model: model, data: data.train, subfunctions: n, l2: l2)
        var settings = SFOSettings()
        settings.history = Int(h.number("history"))
        settings.hessian = SFOSettings.Hessian(rawValue: h.choice("hessian")) ?? .bfgs
        settings.selection = SFOSettings.Selection(rawValue: h.choice("selection")) ?? .distanceBoth
        settings.initialActive = Int(h.number("init_active"))
        settings.maxGradientNoise = h.number("max_gradient_noise")
        let sfo = SFO(x0: (0..<initial.count).map { Double(initial[$0]) }, subfunctions: n, settings: settings, seed: seed)
        let evalParams = FloatBuffer(count: initial.count)
        var recorder = CurveRecorder()
        var timings: [EpochTiming] = []
        var status = ArmStatus.ok
        func evaluateAll() -> (train: Double?, test: Double?, accuracy: Double?) {
            for t in 0..<evalParams.count { evalParams[t] = Float(sfo.x[t]) }
            let t = evaluate(model, evalParams, data.train)
            guard data.test.count > 0 else { return (t.loss, nil, nil) }
            let s = evaluate(model, evalParams, data.test)
            return (t.loss, s.loss, s.accuracy)
        }
        recorder.emit(iteration: 0, epoch: 0, eval: evaluateAll())
        let epochs = config.training.epochs
        for epoch in 1...epochs {
            let epochStart = ContinuousClock.now
            // A non-finite evaluation is a failed step that SFO itself backs out of; divergence
            // shows in the full objective below.
            while sfo.evaluations < epoch * n { sfo.step(objective) }
            // train_loss: the full objective at the end of the epoch (data loss + L2), the cost of
            // the paper's Figure 2 (b); eval_train_loss: the data loss alone, as for every arm.
            let evalStart = ContinuousClock.now
            let eval = (epoch % config.training.evalEveryEpochs == 0 || epoch == epochs) ? evaluateAll() : nil
            let full: Double
            if let e = eval, let train = e.train {
                full = train + model.l2Penalty(l2, parameters: evalParams.base)
            } else {
                full = (0..<n).reduce(0.0) { $0 + objective.evaluate($1, at: sfo.x).value }
            }
            let evalSeconds = seconds(since: evalStart)
            recorder.add(trainLoss: full)
            recorder.emit(iteration: sfo.evaluations, epoch: Double(epoch), eval: eval)
            let wall = seconds(since: epochStart)
            timings.append(EpochTiming(epoch: epoch, wallSeconds: wall, trainSeconds: wall - evalSeconds, evalSeconds: evalSeconds,
                                       examples: data.train.count))
            progress?.epochFinished(arm: arm.name, seed: seed, epoch: epoch, of: epochs, row: recorder.rows.last, seconds: wall)
            if !full.isFinite { status = .diverged(iteration: sfo.evaluations); break }
        }
        progress?.notice("\(arm.name) seed \(seed): SFO made \(sfo.evaluations) evaluations (\(sfo.extraEvaluations) after failed steps) over \(n) subfunctions")
        return ArmResult(arm: arm, seed: seed, rows: recorder.rows, status: status, timings: timings,
                         wallSeconds: seconds(since: started),
                         finalParameters: config.training.saveParams ? sfo.x.map { Float($0) } : nil)
    }
}

// The training loop of one arm for one seed. Deterministic: the same config, seed and initial
// parameters give the same rows bit for bit, whatever else runs at the same time.
import Config
import Datasets
import Foundation
import Kernels
import NN
import Optim
import Results

/// Receives progress from running arms; the command line prints it on stderr.
public protocol ProgressSink: AnyObject, Sendable {
    func epochFinished(arm: String, seed: UInt64, epoch: Int, of epochs: Int, row: CurveRow?, seconds: Double)
    /// Something the user should know that is not an error (a damaged checkpoint ignored).
    func notice(_ text: String)
}

extension ProgressSink {
    public func notice(_ text: String) {}
}

/// Loads a point's checkpoint if there is a usable one; a damaged one is named and ignored.
func usableCheckpoint(_ plan: CheckpointPlan?, progress: ProgressSink?, arm: String, seed: UInt64) -> TrainingSnapshot? {
    guard let plan else { return nil }
    switch plan.load() {
    case .none: return nil
    case .stale:
        progress?.notice("\(plan.path): checkpoint from other settings or another version; \(arm) seed \(seed) starts over")
        return nil
    case .damaged(let why):
        progress?.notice("\(plan.path): \(why); ignored, \(arm) seed \(seed) starts over")
        return nil
    case .snapshot(let s): return s
    }
}

/// Writes a checkpoint of the loop's state and returns the seconds it took; a failed write is
/// reported and costs only the protection it would have given.
func writeCheckpoint(_ plan: CheckpointPlan, progress: ProgressSink?, epoch: Int, iteration: Int, params: FloatBuffer,
                     optimizer: Optimizer, average: ParameterAverage?, rngs: [RNG], order: [Int32], recorder: CurveRecorder,
                     timings: [EpochTiming], wallSeconds: Double) -> Double {
    let start = ContinuousClock.now
    do {
        try plan.save(epoch: epoch, iteration: iteration, params: params, optimizerScalars: optimizer.stateScalars,
                      optimizerBuffers: optimizer.stateBuffers, averageSteps: average?.state.steps ?? 0,
                      average: average?.state.average, rngs: rngs.map(\.state), order: order, lossSum: recorder.lossSum,
                      lossCount: recorder.lossCount, rows: recorder.rows, timings: timings, wallSeconds: wallSeconds)
    } catch {
        progress?.notice("checkpoint not written: \(error)")
    }
    return seconds(since: start)
}

/// Collects curve rows: accumulates minibatch losses between log points.
struct CurveRecorder {
    var rows: [CurveRow] = []
    private(set) var lossSum = 0.0
    private(set) var lossCount = 0

    init() {}
    /// A recorder continuing from a checkpoint.
    init(rows: [CurveRow], lossSum: Double, lossCount: Int) {
        self.rows = rows
        self.lossSum = lossSum
        self.lossCount = lossCount
    }

    mutating func add(trainLoss: Double) {
        lossSum += trainLoss
        lossCount += 1
    }

    /// Appends a row; train_loss is the mean of the minibatch losses since the last row.
    mutating func emit(iteration: Int, epoch: Double, eval: (train: Double?, test: Double?, accuracy: Double?)? = nil) {
        let train: Double? = lossCount > 0 ? lossSum / Double(lossCount) : nil
        rows.append(CurveRow(epoch: epoch, iteration: iteration, trainLoss: train, evalTrainLoss: eval?.train,
                             testLoss: eval?.test, testAccuracy: eval?.accuracy))
        lossSum = 0
        lossCount = 0
    }
}

/// A loss counts as diverged when it is NaN or too large for the Float the results print it as.
@inline(__always)
func isDiverged(_ loss: Double) -> Bool { !Float(loss).isFinite }

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// Everything one arm touches while training, allocated once: the model with its scratch, the
/// parameters and gradient, the optimizer state, the minibatch buffers. `step` does no allocation.
final class ArmState {
    let config: ExperimentConfig
    let arm: ArmConfig
    let train: LabeledData
    let model: Model
    let params: FloatBuffer
    let grads: FloatBuffer
    let optimizer: Optimizer
    let average: ParameterAverage?
    let batchX: FloatBuffer
    /// The minibatch's rows and the model that takes them, when the data are sparse (then
    /// batchX is empty).
    let sparseBatch: SparseMinibatch?
    let sparseModel: SparseInputModel?
    var batchY: [Int32]
    var order: [Int32]
    var noiseRNG: RNG
    let l2: Float
    let batch: Int
    /// The base learning rate, looked up once rather than by name every step.
    let lr: Double

    init(config: ExperimentConfig, arm: ArmConfig, seed: UInt64, data: Dataset, modelConfig: ModelConfig,
         initial: FloatBuffer, threads: Int) {
        self.config = config
        self.arm = arm
        train = data.train
        batch = config.batchSize(trainCount: train.count)
        let model = makeModel(arm.model(modelConfig), inputSize: train.inputSize, classes: data.classes, maxBatch: batch, threads: threads)
        let count = model.parameterCount
        self.model = model
        params = FloatBuffer(count: count)
        params.copy(from: initial)
        grads = FloatBuffer(count: count)
        optimizer = Optimizers.named(arm.optimizer)!.make(arm.hyperparameters, count: count, threads: threads)
        average = arm.averaging.map { ParameterAverage(kind: $0, count: count) }
        batchX = FloatBuffer(count: train.isSparse ? 0 : batch * train.inputSize)
        let rowsPerBatch = batch
        sparseBatch = data.train.sparse.map { SparseMinibatch(rows: $0, maxRows: rowsPerBatch) }
        sparseModel = data.train.isSparse ? model as? SparseInputModel : nil
        batchY = [Int32](repeating: 0, count: batch)
        order = (0..<Int32(data.train.count)).map { $0 }
        noiseRNG = RNG(seed: seed, stream: .dropout)
        l2 = Float(modelConfig.l2)
        lr = arm.lr
    }

    /// One training step on the minibatch order[lo..<lo+m]: loss and gradient at the current
    /// parameters, L2, the optimizer update, the average. Returns the minibatch's mean data loss;
    /// when it is not finite, nothing is updated.
    func step(lo: Int, count m: Int, iteration: Int, epoch: Int) -> Double {
        let d = train.inputSize
        let loss: Double = train.labels.withUnsafeBufferPointer { labels in
            if let rows = train.sparse, let sparseBatch, let sparseModel {
                // Sparse rows: gathered into the point's own CSR copy, in file or shuffled order.
                let shuffled = config.training.shuffle
                let x = sparseBatch.gather(rows, count: m) { r in shuffled ? Int(order[lo + r]) : lo + r }
                return batchY.withUnsafeMutableBufferPointer { y in
                    for r in 0..<m { y[r] = labels[shuffled ? Int(order[lo + r]) : lo + r] }
                    return sparseModel.lossAndGradient(parameters: params.base, gradients: grads.base, rows: x,
                                                                        labels: y.baseAddress!, rng: &noiseRNG)
                }
            }
            return batchY.withUnsafeMutableBufferPointer { y in
                var xPtr = UnsafePointer(batchX.base), yPtr = UnsafePointer(y.baseAddress!)
                if config.training.shuffle {
                    for r in 0..<m {
                        let src = Int(order[lo + r])
                        (batchX.base + r * d).update(from: train.x.base + src * d, count: d)
                        y[r] = labels[src]
                    }
                } else {
                    // File order: the minibatch is a contiguous block already.
                    xPtr = UnsafePointer(train.x.base + lo * d)
                    yPtr = labels.baseAddress! + lo
                }
                return model.lossAndGradient(parameters: params.base, gradients: grads.base, x: xPtr, labels: yPtr,
                                             count: m, rng: &noiseRNG)
            }
        }
        guard !isDiverged(loss) else { return loss }
        model.addL2(l2, parameters: params.base, gradients: grads.base)
        optimizer.step(parameters: params.base, gradients: grads.base,
                       lr: arm.schedule.rate(lr, iteration: iteration, epoch: epoch))
        average?.update(params.base)
        return loss
    }
}

/// Trains one arm on a dataset from the given initial parameters.
struct SupervisedTrainer {
    let config: ExperimentConfig
    let arm: ArmConfig
    let seed: UInt64
    let data: Dataset
    let modelConfig: ModelConfig
    let threads: Int
    weak var progress: ProgressSink?

    /// Trains from `initial` (or the plan's checkpoint) to the end of epoch `until` (default: the
    /// last); stopping before the last, it saves a checkpoint there to go on from later.
    func run(initial: FloatBuffer, checkpoints plan: CheckpointPlan? = nil, until: Int? = nil) -> ArmResult {
        let started = ContinuousClock.now
        let state = ArmState(config: config, arm: arm, seed: seed, data: data, modelConfig: modelConfig,
                             initial: initial, threads: threads)
        let n = data.train.count, batch = state.batch
        let perEpoch = config.iterationsPerEpoch(trainCount: n)
        let epochs = config.training.epochs, totalIterations = perEpoch * epochs, stop = min(until ?? epochs, epochs)
        let evalParams = state.average == nil ? state.params : FloatBuffer(count: state.params.count)
        var rngs = [state.noiseRNG, RNG(seed: seed, stream: .shuffle)]  // dropout, shuffle
        var recorder = CurveRecorder()
        var timings: [EpochTiming] = []
        var status = ArmStatus.ok
        var iteration = 0, firstEpoch = 1, priorSeconds = 0.0

        func evaluateAll() -> (train: Double?, test: Double?, accuracy: Double?) {
            if let average = state.average { average.write(into: evalParams.base, current: state.params.base) }
            let t = evaluate(state.model, evalParams, data.train)
            // No test set (CIFAR-10 without a test file): the test columns stay empty.
            guard data.test.count > 0 else { return (t.loss, nil, nil) }
            let s = evaluate(state.model, evalParams, data.test)
            return (t.loss, s.loss, s.accuracy)
        }

        if let saved = usableCheckpoint(plan, progress: progress, arm: arm.name, seed: seed),
           saved.restore(params: state.params, optimizer: state.optimizer, average: state.average, rngs: &rngs,
                         recorder: &recorder, orderCount: state.order.count) {
            state.order = saved.order
            timings = saved.timings
            (iteration, firstEpoch, priorSeconds) = (saved.iteration, saved.epoch + 1, saved.wallSeconds)
        } else {
            recorder.emit(iteration: 0, epoch: 0, eval: evaluateAll())
        }
        state.noiseRNG = rngs[0]
        var shuffleRNG = rngs[1]
        training: for epoch in firstEpoch...max(firstEpoch, stop) where epoch <= stop {
            let epochStart = ContinuousClock.now
            var evalSeconds = 0.0
            if config.training.shuffle { shuffleRNG.shuffle(&state.order) }
            for b in 0..<perEpoch {
                iteration += 1
                let lo = b * batch, m = min(batch, n - lo)
                let loss = state.step(lo: lo, count: m, iteration: iteration, epoch: epoch)
                recorder.add(trainLoss: loss)
                let seen = Double((epoch - 1) * n + lo + m) / Double(n)
                guard !isDiverged(loss) else {
                    recorder.emit(iteration: iteration, epoch: seen)
                    status = .diverged(iteration: iteration)
                    break training
                }
                let epochEnd = b == perEpoch - 1
                let evaluateNow = epochEnd && (epoch % config.training.evalEveryEpochs == 0 || epoch == epochs)
                let logNow = evaluateNow || iteration == totalIterations ||
                    (config.training.logEvery > 0 && iteration % config.training.logEvery == 0)
                if logNow {
                    var eval: (train: Double?, test: Double?, accuracy: Double?)? = nil
                    if evaluateNow {
                        let evalStart = ContinuousClock.now
                        eval = evaluateAll()
                        evalSeconds = seconds(since: evalStart)
                    }
                    recorder.emit(iteration: iteration, epoch: seen, eval: eval)
                    if let e = eval, isDiverged(e.train!) || e.test.map(isDiverged) == true {
                        status = .diverged(iteration: iteration)
                        break training
                    }
                }
            }
            let wall = seconds(since: epochStart)
            timings.append(EpochTiming(epoch: epoch, wallSeconds: wall, trainSeconds: wall - evalSeconds,
                                       evalSeconds: evalSeconds, examples: n))
            if let plan, plan.due(after: epoch, of: epochs, stop: stop) {
                timings[timings.count - 1].checkpointSeconds = writeCheckpoint(
                    plan, progress: progress, epoch: epoch, iteration: iteration, params: state.params, optimizer: state.optimizer,
                    average: state.average, rngs: [state.noiseRNG, shuffleRNG], order: state.order, recorder: recorder,
                    timings: timings, wallSeconds: priorSeconds + seconds(since: started))
            }
            progress?.epochFinished(arm: arm.name, seed: seed, epoch: epoch, of: epochs, row: recorder.rows.last, seconds: wall)
        }
        return ArmResult(arm: arm, seed: seed, rows: recorder.rows, status: status, timings: timings,
                         wallSeconds: priorSeconds + seconds(since: started),
                         finalParameters: config.training.saveParams && stop == epochs ? state.params.array : nil)
    }
}

/// Mean loss and accuracy of `params` on all of `set`, in chunks of the model's batch.
func evaluate(_ model: Model, _ params: FloatBuffer, _ set: LabeledData) -> (loss: Double, accuracy: Double?) {
    var lossSum = 0.0, correct = 0, lo = 0
    while lo < set.count {
        let m = min(model.maxBatch, set.count - lo)
        let r = evaluateRows(model, params, set, lo: lo, count: m)
        lossSum += r.lossSum
        correct += r.correct
        lo += m
    }
    return (lossSum / Double(set.count), model.reportsAccuracy ? Double(correct) / Double(set.count) : nil)
}

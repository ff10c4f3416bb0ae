// A multilayer perceptron with dropout (Figure 2 of the paper): input dropout, hidden layers
// z = x·Wᵀ + b, a = f(z) with dropout, and a linear output layer into softmax cross-entropy.
import Kernels

public final class MLP: Model {
    public let inputSize: Int
    public let hidden: [Int]
    public let classes: Int
    public let maxBatch: Int
    public let activation: Activation
    public let inputDropout: Dropout
    public let hiddenDropout: Dropout
    public let layout: ParameterLayout
    let threads: Int
    /// The layers: fc1 … fcL, hidden dropout on their outputs.
    let dense: DenseLayers

    // Per-step buffers, allocated once for maxBatch rows.
    let droppedInput: FloatBuffer   // (maxBatch, inputSize): x with input dropout applied
    let inputMask: FloatBuffer      // (maxBatch, inputSize)

    public init(inputSize: Int, hidden: [Int], classes: Int, activation: Activation, inputDropout: Double,
                hiddenDropout: Double, maxBatch: Int, threads: Int = 1) {
        self.inputSize = inputSize
        self.hidden = hidden
        self.classes = classes
        self.maxBatch = maxBatch
        self.activation = activation
        self.inputDropout = Dropout(p: inputDropout)
        self.hiddenDropout = Dropout(p: hiddenDropout)
        self.threads = threads
        var layout = ParameterLayout()
        dense = DenseLayers(layout: &layout, widths: [inputSize] + hidden + [classes], activation: activation,
                            dropout: hiddenDropout, maxBatch: maxBatch, threads: threads, inputGradient: false)
        self.layout = layout
        let dropsInput = inputDropout > 0
        droppedInput = FloatBuffer(count: dropsInput ? maxBatch * inputSize : 0)
        inputMask = FloatBuffer(count: dropsInput ? maxBatch * inputSize : 0)
    }

    /// Runs the network on n rows; the logits land in dense.logits. With `train`, dropout masks
    /// are drawn (one key from rng per step, a stream per layer and row) and applied. Returns the
    /// input the first layer saw.
    private func forward(_ p: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, train: Bool,
                         rng: inout RNG) -> UnsafePointer<Float> {
        let key = train ? rng.next() : 0
        let input = train && inputDropout.isActive
            ? applyInputDropout(x, n, size: inputSize, dropout: inputDropout, key: key, mask: inputMask.base,
                                out: droppedInput.base, blocks: dense.rowBlocks(n))
            : x
        dense.forward(p, input, n, train: train, key: key)
        return input
    }

    public func lossAndGradient(parameters p: UnsafePointer<Float>, gradients g: UnsafeMutablePointer<Float>,
                                x: UnsafePointer<Float>, labels: UnsafePointer<Int32>, count n: Int,
                                rng: inout RNG) -> Double {
        let first = forward(p, x, n, train: true, rng: &rng)
        var correct = 0
        let dlogits = dense.logits  // overwritten in place by ∂loss/∂logits
        let lossSum = SoftmaxCrossEntropy.forward(logits: dlogits, labels: labels, n: n, classes: classes,
                                                  dlogits: dlogits, correct: &correct)
        dense.backward(p, g, input: first, n, inputGradient: false)
        return lossSum / Double(n)
    }

    public func evaluate(parameters p: UnsafePointer<Float>, x: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                         count n: Int, firstRow: Int) -> (lossSum: Double, correct: Int) {
        var unused = RNG(seed: 0)
        _ = forward(p, x, n, train: false, rng: &unused)
        return dense.evaluationLoss(labels: labels, n)
    }
}

extension MLP: SparseInputModel {
    public func lossAndGradient(parameters p: UnsafePointer<Float>, gradients g: UnsafeMutablePointer<Float>,
                                rows x: CSRBatch, labels: UnsafePointer<Int32>, rng: inout RNG) -> Double {
        let n = x.count, key = rng.next()
        if inputDropout.isActive { applySparseInputDropout(x, dropout: inputDropout, key: key, blocks: dense.rowBlocks(n)) }
        dense.forward(p, .sparse(x), n, train: true, key: key)
        var correct = 0
        let dlogits = dense.logits
        let lossSum = SoftmaxCrossEntropy.forward(logits: dlogits, labels: labels, n: n, classes: classes,
                                                  dlogits: dlogits, correct: &correct)
        dense.backward(p, g, input: .sparse(x), n, inputGradient: false)
        return lossSum / Double(n)
    }

    public func evaluate(parameters p: UnsafePointer<Float>, rows x: CSRBatch, labels: UnsafePointer<Int32>,
                         firstRow: Int) -> (lossSum: Double, correct: Int) {
        dense.forward(p, .sparse(x), x.count, train: false, key: 0)
        return dense.evaluationLoss(labels: labels, x.count)
    }
}

/// x ⊙ mask into `out` for n rows of `size` (inverted input dropout), each row's mask from stream
/// (layer 0, row) of `key`, in row blocks. Returns `out`.
func applyInputDropout(_ x: UnsafePointer<Float>, _ n: Int, size d: Int, dropout: Dropout, key: UInt64,
                       mask m: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, blocks: Int) -> UnsafePointer<Float> {
    parallelFor(blocks, threads: blocks) { blk in
        for r in (n * blk / blocks)..<(n * (blk + 1) / blocks) {
            var rowRNG = DenseLayers.maskRNG(key, layer: 0, row: r)
            dropout.fillMask(m + r * d, d, rng: &rowRNG)
            for j in 0..<d { out[r * d + j] = x[r * d + j] * m[r * d + j] }
        }
    }
    return UnsafePointer(out)
}

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
    /// widths[0] = inputSize, widths[1...] = hidden, widths.last = classes.
    let widths: [Int]
    let weightOffsets: [Int], biasOffsets: [Int]

    // Per-step buffers, allocated once for maxBatch rows.
    let droppedInput: FloatBuffer   // (maxBatch, inputSize): x with input dropout applied
    let inputMask: FloatBuffer      // (maxBatch, inputSize)
    let z: [FloatBuffer]            // z[l] is (maxBatch, widths[l+1]): pre-activations; z.last = logits
    let a: [FloatBuffer]            // a[l] is (maxBatch, hidden[l]): activations after dropout
    let masks: [FloatBuffer]        // masks[l] is (maxBatch, hidden[l])
    let delta: FloatBuffer          // (maxBatch, max hidden): gradient flowing back through a layer

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
        widths = [inputSize] + hidden + [classes]
        var layout = ParameterLayout()
        var w: [Int] = [], b: [Int] = []
        for l in 0..<(widths.count - 1) {
            w.append(layout.weight("fc\(l + 1).weight", rows: widths[l + 1], cols: widths[l]))  // (out, in)
            b.append(layout.bias("fc\(l + 1).bias", count: widths[l + 1]))
        }
        weightOffsets = w
        biasOffsets = b
        self.layout = layout
        let dropsInput = inputDropout > 0, dropsHidden = hiddenDropout > 0
        droppedInput = FloatBuffer(count: dropsInput ? maxBatch * inputSize : 0)
        inputMask = FloatBuffer(count: dropsInput ? maxBatch * inputSize : 0)
        z = ([inputSize] + hidden + [classes]).dropFirst().map { FloatBuffer(count: maxBatch * $0) }
        a = hidden.map { FloatBuffer(count: maxBatch * $0) }
        masks = hidden.map { FloatBuffer(count: dropsHidden ? maxBatch * $0 : 0) }
        delta = FloatBuffer(count: maxBatch * (hidden.max() ?? 0))
    }

    var layers: Int { widths.count - 1 }

    /// Runs the network on n rows; z.last holds the logits. With `train`, dropout masks are drawn
    /// from rng and applied; returns the input the first layer saw.
    /// Rows of a minibatch are split into this many blocks for the elementwise passes; each block
    /// is independent (its masks come from its rows' own streams), so results do not depend on
    /// the thread count.
    private func rowBlocks(_ n: Int) -> Int { threads > 1 && n >= 32 ? threads : 1 }

    /// The random stream of one row's dropout mask in one layer for the step keyed `key`.
    @inline(__always)
    private func maskRNG(_ key: UInt64, layer: Int, row: Int) -> RNG {
        RNG(seed: key, stream: UInt64(layer) << 32 | UInt64(row))
    }

    /// Runs the network on n rows; z.last holds the logits. With `train`, dropout masks are drawn
    /// (one key from rng per step, a stream per layer and row) and applied. Returns the input the
    /// first layer saw.
    private func forward(_ p: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, train: Bool,
                         rng: inout RNG) -> UnsafePointer<Float> {
        let key = train ? rng.next() : 0
        let blocks = rowBlocks(n)
        var input = x
        if train && inputDropout.isActive {
            // x' = x ⊙ mask
            let d = inputSize, m = inputMask.base, out = droppedInput.base, dropout = inputDropout
            parallelFor(blocks, threads: blocks) { blk in
                for r in (n * blk / blocks)..<(n * (blk + 1) / blocks) {
                    var rowRNG = self.maskRNG(key, layer: 0, row: r)
                    dropout.fillMask(m + r * d, d, rng: &rowRNG)
                    for j in 0..<d { out[r * d + j] = x[r * d + j] * m[r * d + j] }
                }
            }
            input = UnsafePointer(out)
        }
        let first = input
        for l in 0..<layers {
            let fanIn = widths[l], fanOut = widths[l + 1]
            // z = input·Wᵀ: input is (n, fanIn), W is (fanOut, fanIn), z is (n, fanOut)
            let zl = z[l].base
            gemm(GemmShape(m: n, n: fanOut, k: fanIn, transB: true), a: input, lda: fanIn,
                 b: p + weightOffsets[l], ldb: fanIn, beta: 0, c: zl, ldc: fanOut, threads: threads)
            let bias = p + biasOffsets[l]
            if l == layers - 1 {
                for r in 0..<n { axpy(1, bias, zl + r * fanOut, fanOut) }
                break
            }
            // z += b; a = f(z) (⊙ mask when training)
            let al = a[l].base, dropping = train && hiddenDropout.isActive
            let mask = masks[l].base, act = activation, dropout = hiddenDropout
            parallelFor(blocks, threads: blocks) { blk in
                for r in (n * blk / blocks)..<(n * (blk + 1) / blocks) {
                    let zr = zl + r * fanOut, ar = al + r * fanOut, mr = mask + r * fanOut
                    if dropping {
                        var rowRNG = self.maskRNG(key, layer: l + 1, row: r)
                        dropout.fillMask(mr, fanOut, rng: &rowRNG)
                    }
                    for j in 0..<fanOut {
                        let v = zr[j] + bias[j]
                        zr[j] = v
                        ar[j] = dropping ? act.forward(v) * mr[j] : act.forward(v)
                    }
                }
            }
            input = UnsafePointer(al)
        }
        return first
    }

    public func lossAndGradient(parameters p: UnsafePointer<Float>, gradients g: UnsafeMutablePointer<Float>,
                                x: UnsafePointer<Float>, labels: UnsafePointer<Int32>, count n: Int,
                                rng: inout RNG) -> Double {
        let first = forward(p, x, n, train: true, rng: &rng)
        var correct = 0
        let top = layers - 1
        let dlogits = z[top].base  // overwritten in place by ∂loss/∂logits
        let lossSum = SoftmaxCrossEntropy.forward(logits: dlogits, labels: labels, n: n, classes: classes,
                                                  dlogits: dlogits, correct: &correct)
        var dz = UnsafeMutablePointer(dlogits)
        for l in stride(from: top, through: 0, by: -1) {
            let fanIn = widths[l], fanOut = widths[l + 1]
            let input = l == 0 ? first : UnsafePointer(a[l - 1].base)
            // dW = dzᵀ·input: dz is (n, fanOut), input is (n, fanIn), dW is (fanOut, fanIn)
            gemm(GemmShape(m: fanOut, n: fanIn, k: n, transA: true), a: dz, lda: fanOut,
                 b: input, ldb: fanIn, beta: 0, c: g + weightOffsets[l], ldc: fanIn, threads: threads)
            // db = Σ_rows dz
            let db = g + biasOffsets[l]
            db.update(repeating: 0, count: fanOut)
            for r in 0..<n { axpy(1, dz + r * fanOut, db, fanOut) }
            if l == 0 { break }
            // d(input) = dz·W: (n, fanOut)·(fanOut, fanIn); then back through dropout and f.
            let dInput = delta.base
            gemm(GemmShape(m: n, n: fanIn, k: fanOut), a: dz, lda: fanOut, b: p + weightOffsets[l], ldb: fanIn,
                 beta: 0, c: dInput, ldc: fanIn, threads: threads)
            let zPrev = z[l - 1].base, mask = masks[l - 1].base, act = activation
            let dropping = hiddenDropout.isActive, blocks = rowBlocks(n)
            // dz_prev = d(input) ⊙ mask ⊙ f'(z_prev), written over z_prev (no longer needed).
            parallelFor(blocks, threads: blocks) { blk in
                for i in (n * blk / blocks * fanIn)..<(n * (blk + 1) / blocks * fanIn) {
                    let d = dropping ? dInput[i] * mask[i] : dInput[i]
                    zPrev[i] = d * act.derivative(zPrev[i])
                }
            }
            dz = zPrev
        }
        return lossSum / Double(n)
    }

    public func evaluate(parameters p: UnsafePointer<Float>, x: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                         count n: Int, firstRow: Int) -> (lossSum: Double, correct: Int) {
        var unused = RNG(seed: 0)
        _ = forward(p, x, n, train: false, rng: &unused)
        var correct = 0
        let loss = SoftmaxCrossEntropy.forward(logits: z[layers - 1].base, labels: labels, n: n, classes: classes,
                                               dlogits: nil, correct: &correct)
        return (loss, correct)
    }
}

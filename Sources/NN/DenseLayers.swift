// Fully connected layers, shared by the MLP and the top of the CNN: z = x·Wᵀ + b and
// a = f(z) (⊙ a dropout mask when training) for each hidden layer, then a linear layer whose
// output (the logits) the caller turns into a loss. Weights (out, in) as PyTorch's Linear.
import Kernels

/// What the first layer multiplies: a dense (n, width) matrix or a minibatch of sparse rows.
enum LayerInput {
    case dense(UnsafePointer<Float>)
    case sparse(CSRBatch)
}

final class DenseLayers {
    /// widths[0] is the input, then the hidden widths, then the outputs.
    let widths: [Int]
    let weightOffsets: [Int], biasOffsets: [Int]
    let activation: Activation
    let dropout: Dropout
    let threads: Int
    let z: [FloatBuffer]        // z[l] is (maxBatch, widths[l+1]): pre-activations; z.last = logits
    let a: [FloatBuffer]        // a[l] is (maxBatch, widths[l+1]) for hidden l: after dropout
    let masks: [FloatBuffer]
    let delta: FloatBuffer      // the gradient flowing back into a layer's input

    /// Appends fc1 … fcL to `layout`. With `inputGradient`, `backward` also returns the gradient
    /// of the first layer's input (the CNN's pooled features).
    init(layout: inout ParameterLayout, widths: [Int], activation: Activation, dropout: Double, maxBatch: Int,
         threads: Int, inputGradient: Bool) {
        self.widths = widths
        self.activation = activation
        self.dropout = Dropout(p: dropout)
        self.threads = threads
        var w: [Int] = [], b: [Int] = []
        for l in 0..<(widths.count - 1) {
            w.append(layout.weight("fc\(l + 1).weight", rows: widths[l + 1], cols: widths[l]))
            b.append(layout.bias("fc\(l + 1).bias", count: widths[l + 1]))
        }
        weightOffsets = w
        biasOffsets = b
        let hidden = Array(widths.dropFirst().dropLast())
        z = widths.dropFirst().map { FloatBuffer(count: maxBatch * $0) }
        a = hidden.map { FloatBuffer(count: maxBatch * $0) }
        masks = hidden.map { FloatBuffer(count: dropout > 0 ? maxBatch * $0 : 0) }
        delta = FloatBuffer(count: maxBatch * ((hidden + (inputGradient ? [widths[0]] : [])).max() ?? 0))
    }

    var layers: Int { widths.count - 1 }
    var logits: UnsafeMutablePointer<Float> { z[layers - 1].base }

    /// Rows of a minibatch split into this many blocks for the elementwise passes; each row's
    /// masks come from its own stream, so results do not depend on the thread count.
    func rowBlocks(_ n: Int) -> Int { threads > 1 && n >= 32 ? threads : 1 }

    /// The random stream of one row's dropout mask in one layer for the step keyed `key`.
    @inline(__always)
    static func maskRNG(_ key: UInt64, layer: Int, row: Int) -> RNG {
        RNG(seed: key, stream: UInt64(layer) << 32 | UInt64(row))
    }

    /// Runs the layers on n rows of `input`; the logits land in `logits`. Hidden layer l draws its
    /// masks from stream layer l + 1 of `key` (layer 0 is the caller's input dropout).
    func forward(_ p: UnsafePointer<Float>, _ input: UnsafePointer<Float>, _ n: Int, train: Bool, key: UInt64) {
        forward(p, .dense(input), n, train: train, key: key)
    }

    /// The same for an input that may be sparse rows (only the first layer's product differs).
    func forward(_ p: UnsafePointer<Float>, _ input: LayerInput, _ n: Int, train: Bool, key: UInt64) {
        var layerInput = UnsafePointer<Float>(bitPattern: 0)
        for l in 0..<layers {
            let fanIn = widths[l], fanOut = widths[l + 1], zl = z[l].base
            // z = input·Wᵀ: input is (n, fanIn), W is (fanOut, fanIn), z is (n, fanOut)
            if l == 0, case .sparse(let x) = input {
                sparseTimesWeightsT(x, w: p + weightOffsets[0], ldw: fanIn, outputs: fanOut, c: zl, ldc: fanOut, threads: threads)
            } else {
                let a: UnsafePointer<Float>
                if l == 0, case .dense(let x) = input { a = x } else { a = layerInput! }
                gemm(GemmShape(m: n, n: fanOut, k: fanIn, transB: true), a: a, lda: fanIn,
                     b: p + weightOffsets[l], ldb: fanIn, beta: 0, c: zl, ldc: fanOut, threads: threads)
            }
            let bias = p + biasOffsets[l]
            if l == layers - 1 {
                for r in 0..<n { axpy(1, bias, zl + r * fanOut, fanOut) }
                break
            }
            // z += b; a = f(z) (⊙ mask when training)
            let al = a[l].base, dropping = train && dropout.isActive
            let mask = masks[l].base, act = activation, dropout = dropout, blocks = rowBlocks(n)
            parallelFor(blocks, threads: blocks) { blk in
                for r in (n * blk / blocks)..<(n * (blk + 1) / blocks) {
                    let zr = zl + r * fanOut, ar = al + r * fanOut, mr = mask + r * fanOut
                    if dropping {
                        var rowRNG = Self.maskRNG(key, layer: l + 1, row: r)
                        dropout.fillMask(mr, fanOut, rng: &rowRNG)
                    }
                    act.forward(z: zr, bias: bias, out: ar, mask: dropping ? UnsafePointer(mr) : nil, fanOut)
                }
            }
            layerInput = UnsafePointer(al)
        }
    }

    /// Summed softmax cross-entropy of the logits `forward` left and the rows it got right.
    func evaluationLoss(labels: UnsafePointer<Int32>, _ n: Int) -> (lossSum: Double, correct: Int) {
        var correct = 0
        let loss = SoftmaxCrossEntropy.forward(logits: logits, labels: labels, n: n, classes: widths[layers],
                                               dlogits: nil, correct: &correct)
        return (loss, correct)
    }

    /// Backwards from ∂loss/∂logits (in `logits`) to the parameter gradients in g; `input` is
    /// what `forward` was given. Returns the gradient of the input (in `delta`) when the layers
    /// were made with `inputGradient`, else nil.
    @discardableResult
    func backward(_ p: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, input first: UnsafePointer<Float>, _ n: Int,
                  inputGradient: Bool) -> UnsafePointer<Float>? {
        backward(p, g, input: .dense(first), n, inputGradient: inputGradient)
    }

    /// The same for an input that may be sparse rows (then no input gradient).
    @discardableResult
    func backward(_ p: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, input first: LayerInput, _ n: Int,
                  inputGradient: Bool) -> UnsafePointer<Float>? {
        var dz = logits
        for l in stride(from: layers - 1, through: 0, by: -1) {
            let fanIn = widths[l], fanOut = widths[l + 1]
            // dW = dzᵀ·input: dz is (n, fanOut), input is (n, fanIn), dW is (fanOut, fanIn)
            if l == 0, case .sparse(let x) = first {
                sparseWeightGradient(x, dz: dz, ldz: fanOut, outputs: fanOut, g: g + weightOffsets[0], ldg: fanIn, threads: threads)
            } else {
                let input: UnsafePointer<Float>
                if l == 0, case .dense(let x) = first { input = x } else { input = UnsafePointer(a[l - 1].base) }
                gemm(GemmShape(m: fanOut, n: fanIn, k: n, transA: true), a: dz, lda: fanOut,
                     b: input, ldb: fanIn, beta: 0, c: g + weightOffsets[l], ldc: fanIn, threads: threads)
            }
            // db = Σ_rows dz
            let db = g + biasOffsets[l]
            db.update(repeating: 0, count: fanOut)
            for r in 0..<n { axpy(1, dz + r * fanOut, db, fanOut) }
            if l == 0 && !inputGradient { break }
            // d(input) = dz·W: (n, fanOut)·(fanOut, fanIn); then back through dropout and f.
            let dInput = delta.base
            gemm(GemmShape(m: n, n: fanIn, k: fanOut), a: dz, lda: fanOut, b: p + weightOffsets[l], ldb: fanIn,
                 beta: 0, c: dInput, ldc: fanIn, threads: threads)
            if l == 0 { return UnsafePointer(dInput) }
            let zPrev = z[l - 1].base, mask = masks[l - 1].base, act = activation
            let dropping = dropout.isActive, blocks = rowBlocks(n)
            // dz_prev = d(input) ⊙ mask ⊙ f'(z_prev), written over z_prev (no longer needed).
            parallelFor(blocks, threads: blocks) { blk in
                let start = n * blk / blocks * fanIn, end = n * (blk + 1) / blocks * fanIn
                act.backward(upstream: dInput + start, mask: dropping ? UnsafePointer(mask + start) : nil,
                             z: zPrev + start, into: zPrev + start, end - start)
            }
            dz = zPrev
        }
        return nil
    }
}

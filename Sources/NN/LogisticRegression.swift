// Multinomial logistic regression: logits = x·Wᵀ + b, softmax cross-entropy (Figure 1), with
// optional inverted dropout on the input features (Figure 1, right). A binary task is a 2-class
// softmax: the same loss as a sigmoid unit on the logit difference, with 2·(D + 1) parameters
// instead of D + 1. Inputs dense rows or sparse rows (CSR).
import Kernels

public final class LogisticRegression: Model {
    public let inputSize: Int
    public let classes: Int
    public let maxBatch: Int
    public let layout: ParameterLayout
    public let inputDropout: Dropout
    let threads: Int
    let weightOffset: Int, biasOffset: Int
    let logits: FloatBuffer  // (maxBatch, classes); holds dlogits after the loss
    // Dense input dropout: the masked minibatch and its mask (empty without dropout).
    let droppedInput: FloatBuffer, inputMask: FloatBuffer

    public init(inputSize: Int, classes: Int, maxBatch: Int, inputDropout: Double = 0, threads: Int = 1) {
        self.inputSize = inputSize
        self.classes = classes
        self.maxBatch = maxBatch
        self.threads = threads
        self.inputDropout = Dropout(p: inputDropout)
        var layout = ParameterLayout()
        weightOffset = layout.weight("linear.weight", rows: classes, cols: inputSize)  // W is (classes, inputSize)
        biasOffset = layout.bias("linear.bias", count: classes)
        self.layout = layout
        logits = FloatBuffer(count: maxBatch * classes)
        droppedInput = FloatBuffer(count: inputDropout > 0 ? maxBatch * inputSize : 0)
        inputMask = FloatBuffer(count: inputDropout > 0 ? maxBatch * inputSize : 0)
    }

    /// Row blocks of the elementwise dropout pass (each row has its own stream).
    func rowBlocks(_ n: Int) -> Int { threads > 1 && n >= 32 ? threads : 1 }

    // x is (n, D), W is (C, D), b is (C), logits is (n, C)
    private func forward(_ p: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
        let out = logits.base
        for i in 0..<n { (out + i * classes).update(from: p + biasOffset, count: classes) }
        gemm(GemmShape(m: n, n: classes, k: inputSize, transB: true), a: x, lda: inputSize,
             b: p + weightOffset, ldb: inputSize, beta: 1, c: out, ldc: classes, threads: threads)
    }

    public func lossAndGradient(parameters p: UnsafePointer<Float>, gradients g: UnsafeMutablePointer<Float>,
                                x: UnsafePointer<Float>, labels: UnsafePointer<Int32>, count n: Int,
                                rng: inout RNG) -> Double {
        // One draw per step for the masks, as the MLP (none without dropout: the curves of
        // Figure 1, left, keep their bits).
        let input = inputDropout.isActive
            ? applyInputDropout(x, n, size: inputSize, dropout: inputDropout, key: rng.next(), mask: inputMask.base,
                                out: droppedInput.base, blocks: rowBlocks(n))
            : x
        forward(p, input, n)
        let (d, lossSum) = lossAndLogitGradient(labels: labels, n)
        // dW = dlogitsᵀ·x is (C, D); db = column sums of dlogits
        gemm(GemmShape(m: classes, n: inputSize, k: n, transA: true), a: d, lda: classes,
             b: input, ldb: inputSize, beta: 0, c: g + weightOffset, ldc: inputSize, threads: threads)
        biasGradient(d, n, into: g + biasOffset)
        return lossSum / Double(n)
    }

    /// Softmax cross-entropy of the logits in place: leaves ∂loss/∂logits in `logits` and returns
    /// them with the summed loss.
    private func lossAndLogitGradient(labels: UnsafePointer<Int32>, _ n: Int) -> (UnsafeMutablePointer<Float>, Double) {
        var correct = 0
        let d = logits.base
        let sum = SoftmaxCrossEntropy.forward(logits: d, labels: labels, n: n, classes: classes, dlogits: d, correct: &correct)
        return (d, sum)
    }

    private func biasGradient(_ d: UnsafePointer<Float>, _ n: Int, into db: UnsafeMutablePointer<Float>) {
        db.update(repeating: 0, count: classes)
        for i in 0..<n { for c in 0..<classes { db[c] += d[i * classes + c] } }
    }

    public func evaluate(parameters p: UnsafePointer<Float>, x: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                         count n: Int, firstRow: Int) -> (lossSum: Double, correct: Int) {
        forward(p, x, n)
        var correct = 0
        let loss = SoftmaxCrossEntropy.forward(logits: logits.base, labels: labels, n: n, classes: classes,
                                               dlogits: nil, correct: &correct)
        return (loss, correct)
    }
}

extension LogisticRegression: SparseInputModel {
    public func lossAndGradient(parameters p: UnsafePointer<Float>, gradients g: UnsafeMutablePointer<Float>,
                                rows x: CSRBatch, labels: UnsafePointer<Int32>, rng: inout RNG) -> Double {
        let n = x.count
        if inputDropout.isActive { applySparseInputDropout(x, dropout: inputDropout, key: rng.next(), blocks: rowBlocks(n)) }
        sparseForward(p, x)
        let (d, lossSum) = lossAndLogitGradient(labels: labels, n)
        sparseWeightGradient(x, dz: d, ldz: classes, outputs: classes, g: g + weightOffset, ldg: inputSize, threads: threads)
        biasGradient(d, n, into: g + biasOffset)
        return lossSum / Double(n)
    }

    public func evaluate(parameters p: UnsafePointer<Float>, rows x: CSRBatch, labels: UnsafePointer<Int32>,
                         firstRow: Int) -> (lossSum: Double, correct: Int) {
        sparseForward(p, x)
        var correct = 0
        let loss = SoftmaxCrossEntropy.forward(logits: logits.base, labels: labels, n: x.count, classes: classes,
                                               dlogits: nil, correct: &correct)
        return (loss, correct)
    }

    /// logits = X·Wᵀ + b over the nonzeros.
    private func sparseForward(_ p: UnsafePointer<Float>, _ x: CSRBatch) {
        let out = logits.base
        sparseTimesWeightsT(x, w: p + weightOffset, ldw: inputSize, outputs: classes, c: out, ldc: classes, threads: threads)
        for i in 0..<x.count { axpy(1, p + biasOffset, out + i * classes, classes) }
    }
}

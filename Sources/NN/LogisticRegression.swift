// Multinomial logistic regression: logits = x·Wᵀ + b, softmax cross-entropy (Figure 1).
import Kernels

public final class LogisticRegression: Model {
    public let inputSize: Int
    public let classes: Int
    public let maxBatch: Int
    public let layout: ParameterLayout
    let threads: Int
    let weightOffset: Int, biasOffset: Int
    let logits: FloatBuffer  // (maxBatch, classes); holds dlogits after the loss

    public init(inputSize: Int, classes: Int, maxBatch: Int, threads: Int = 1) {
        self.inputSize = inputSize
        self.classes = classes
        self.maxBatch = maxBatch
        self.threads = threads
        var layout = ParameterLayout()
        weightOffset = layout.weight("linear.weight", rows: classes, cols: inputSize)  // W is (classes, inputSize)
        biasOffset = layout.bias("linear.bias", count: classes)
        self.layout = layout
        logits = FloatBuffer(count: maxBatch * classes)
    }

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
        forward(p, x, n)
        var correct = 0
        let d = logits.base
        let lossSum = SoftmaxCrossEntropy.forward(logits: d, labels: labels, n: n, classes: classes,
                                                  dlogits: d, correct: &correct)
        // dW = dlogitsᵀ·x is (C, D); db = column sums of dlogits
        gemm(GemmShape(m: classes, n: inputSize, k: n, transA: true), a: d, lda: classes,
             b: x, ldb: inputSize, beta: 0, c: g + weightOffset, ldc: inputSize, threads: threads)
        let db = g + biasOffset
        db.update(repeating: 0, count: classes)
        for i in 0..<n { for c in 0..<classes { db[c] += d[i * classes + c] } }
        return lossSum / Double(n)
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

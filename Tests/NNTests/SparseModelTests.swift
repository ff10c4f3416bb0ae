// Sparse inputs (CSR) into logistic regression and the MLP: the same losses and gradients as the
// dense models on the same data (to float rounding: the sums run in another order), dropout on
// the nonzeros drawing the dense masks, finite-difference checks, and thread-count independence.
import Kernels
import NN
import Testing

/// n rows of d features, about `density` of them nonzero (all of them with density 1).
private func sparseData(n: Int, d: Int, density: Double, seed: UInt64) -> (dense: [Float], start: [Int], idx: [Int32], val: [Float]) {
    var rng = RNG(seed: seed)
    var dense = [Float](repeating: 0, count: n * d), start = [0], idx: [Int32] = [], val: [Float] = []
    for r in 0..<n {
        for c in 0..<d where density >= 1 || Double(rng.uniform()) < density {
            let v = Float(rng.normal())
            dense[r * d + c] = v
            idx.append(Int32(c))
            val.append(v)
        }
        start.append(idx.count)
    }
    return (dense, start, idx, val)
}

/// Runs `body` with the rows as a CSR batch over copies of the arrays (the model may scale values).
private func withBatch<R>(_ s: (dense: [Float], start: [Int], idx: [Int32], val: [Float]), n: Int, d: Int,
                          _ body: (CSRBatch) -> R) -> R {
    var values = s.val
    return s.start.withUnsafeBufferPointer { st in
        s.idx.withUnsafeBufferPointer { ix in
            values.withUnsafeMutableBufferPointer { v in
                body(CSRBatch(rowStart: st.baseAddress!, indices: ix.baseAddress!, values: v.baseAddress!, count: n, columns: d))
            }
        }
    }
}

private func maxRelativeDifference(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).map { Double(abs($0 - $1)) / max(1e-3, Double(abs($0) + abs($1))) }.max() ?? 0
}

private func models(d: Int, classes: Int, dropout: Double, threads: Int = 1) -> [(String, any SparseInputModel)] {
    [("logistic-regression", LogisticRegression(inputSize: d, classes: classes, maxBatch: 32, inputDropout: dropout, threads: threads)),
     ("mlp", MLP(inputSize: d, hidden: [7, 5], classes: classes, activation: .tanh, inputDropout: dropout, hiddenDropout: 0,
                 maxBatch: 32, threads: threads))]
}

private func randomParameters(_ model: any Model, seed: UInt64) -> [Float] {
    var rng = RNG(seed: seed)
    return (0..<model.parameterCount).map { _ in Float(rng.normal() * 0.3) }
}

@Test(arguments: [(density: 0.15, dropout: 0.0), (density: 1.0, dropout: 0.5)])
func sparseModelsEqualDenseModels(_ c: (density: Double, dropout: Double)) {
    // With every feature present, the k-th nonzero of a row is its k-th feature, so input dropout
    // draws the same mask on both paths; with real sparsity, dropout off.
    let n = 23, d = 37, classes = 3
    let data = sparseData(n: n, d: d, density: c.density, seed: 5)
    let labels = (0..<n).map { Int32($0 % classes) }
    for ((name, sparse), (_, dense)) in zip(models(d: d, classes: classes, dropout: c.dropout), models(d: d, classes: classes, dropout: c.dropout)) {
        var p = randomParameters(dense, seed: 9)
        var gd = [Float](repeating: 0, count: p.count), gs = gd
        var r1 = RNG(seed: 4), r2 = RNG(seed: 4)
        let lossDense = dense.lossAndGradient(parameters: p, gradients: &gd, x: data.dense, labels: labels, count: n, rng: &r1)
        let lossSparse = withBatch(data, n: n, d: d) { x in
            labels.withUnsafeBufferPointer { sparse.lossAndGradient(parameters: p, gradients: &gs, rows: x, labels: $0.baseAddress!, rng: &r2) }
        }
        #expect(abs(lossDense - lossSparse) < 1e-5 * max(1, abs(lossDense)), "\(name)")
        #expect(maxRelativeDifference(gd, gs) < 1e-4, "\(name): gradients differ")
        #expect(r1.next() == r2.next(), "\(name): both consume one draw per step")
        // A few SGD steps from the same start stay together.
        var q = p
        for step in 0..<5 {
            var r3 = RNG(seed: UInt64(step)), r4 = RNG(seed: UInt64(step))
            _ = dense.lossAndGradient(parameters: p, gradients: &gd, x: data.dense, labels: labels, count: n, rng: &r3)
            _ = withBatch(data, n: n, d: d) { x in
                labels.withUnsafeBufferPointer { sparse.lossAndGradient(parameters: q, gradients: &gs, rows: x, labels: $0.baseAddress!, rng: &r4) }
            }
            for i in p.indices { p[i] -= 0.1 * gd[i]; q[i] -= 0.1 * gs[i] }
        }
        #expect(maxRelativeDifference(p, q) < 1e-4, "\(name): parameters after 5 steps differ")
        // Evaluation, which never applies dropout, agrees too.
        let e1 = dense.evaluate(parameters: p, x: data.dense, labels: labels, count: n, firstRow: 0)
        let e2 = withBatch(data, n: n, d: d) { x in
            labels.withUnsafeBufferPointer { sparse.evaluate(parameters: p, rows: x, labels: $0.baseAddress!, firstRow: 0) }
        }
        #expect(abs(e1.lossSum - e2.lossSum) < 1e-4 * max(1, abs(e1.lossSum)) && e1.correct == e2.correct, "\(name)")
    }
}

@Test func sparseGradientsMatchFiniteDifferences() {
    let n = 9, d = 15, classes = 2
    let data = sparseData(n: n, d: d, density: 0.3, seed: 8)
    let labels = (0..<n).map { Int32($0 % classes) }
    for (name, model) in models(d: d, classes: classes, dropout: 0) {
        let params = randomParameters(model, seed: 3)
        func loss(_ p: [Float]) -> Double {
            var g = [Float](repeating: 0, count: p.count), r = RNG(seed: 1)
            return withBatch(data, n: n, d: d) { x in
                labels.withUnsafeBufferPointer { model.lossAndGradient(parameters: p, gradients: &g, rows: x, labels: $0.baseAddress!, rng: &r) }
            }
        }
        var grads = [Float](repeating: 0, count: params.count), r = RNG(seed: 1)
        _ = withBatch(data, n: n, d: d) { x in
            labels.withUnsafeBufferPointer { model.lossAndGradient(parameters: params, gradients: &grads, rows: x, labels: $0.baseAddress!, rng: &r) }
        }
        #expect(gradientError(params: params, analytic: grads, loss: loss) < 3e-3, "\(name)")
    }
}

@Test func sparseDropoutDropsAboutHalfAndScalesTheRest() {
    let n = 32, d = 400
    let data = sparseData(n: n, d: d, density: 0.5, seed: 2)
    let model = LogisticRegression(inputSize: d, classes: 2, maxBatch: n, inputDropout: 0.5)
    var values = data.val
    let kept = data.start.withUnsafeBufferPointer { st in
        data.idx.withUnsafeBufferPointer { ix in
            values.withUnsafeMutableBufferPointer { v -> Int in
                let x = CSRBatch(rowStart: st.baseAddress!, indices: ix.baseAddress!, values: v.baseAddress!, count: n, columns: d)
                var g = [Float](repeating: 0, count: model.parameterCount), r = RNG(seed: 6)
                let p = [Float](repeating: 0, count: model.parameterCount)
                _ = (0..<n).map { Int32($0 % 2) }.withUnsafeBufferPointer {
                    model.lossAndGradient(parameters: p, gradients: &g, rows: x, labels: $0.baseAddress!, rng: &r)
                }
                return (0..<v.count).filter { v[$0] != 0 }.count
            }
        }
    }
    for k in values.indices where values[k] != 0 { #expect(values[k] == 2 * data.val[k]) }
    let fraction = Double(kept) / Double(values.count)
    #expect(abs(fraction - 0.5) < 0.03, "kept \(fraction) of \(values.count) nonzeros")
}

@Test func sparseProductsAreTheSameForAnyThreadCount() {
    let n = 64, d = 3000, outputs = 40
    let data = sparseData(n: n, d: d, density: 0.05, seed: 12)
    var rng = RNG(seed: 1)
    let w = (0..<(outputs * d)).map { _ in rng.uniform() - 0.5 }
    let dz = (0..<(n * outputs)).map { _ in rng.uniform() - 0.5 }
    var results: [[Float]] = []
    for threads in [1, 2, 3] {
        var c = [Float](repeating: 0, count: n * outputs), g = [Float](repeating: .nan, count: outputs * d)
        withBatch(data, n: n, d: d) { x in
            sparseTimesWeightsT(x, w: w, ldw: d, outputs: outputs, c: &c, ldc: outputs, threads: threads)
            sparseWeightGradient(x, dz: dz, ldz: outputs, outputs: outputs, g: &g, ldg: d, threads: threads)
        }
        results.append(c + g)
    }
    #expect(results[0] == results[1] && results[0] == results[2])
    // And they are the products: C = X·Wᵀ and G = dZᵀ·X, against Double sums of the dense rows.
    for (i, j) in [(0, 0), (17, 39), (63, 11)] {
        let expected = (0..<d).reduce(0.0) { $0 + Double(data.dense[i * d + $1]) * Double(w[j * d + $1]) }
        #expect(abs(Double(results[0][i * outputs + j]) - expected) < 1e-4)
    }
    for (j, col) in [(0, 5), (39, 2999)] {
        let expected = (0..<n).reduce(0.0) { $0 + Double(dz[$1 * outputs + j]) * Double(data.dense[$1 * d + col]) }
        #expect(abs(Double(results[0][n * outputs + j * d + col]) - expected) < 1e-4)
    }
}

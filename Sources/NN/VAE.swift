// The variational autoencoder of Figure 4 (Kingma & Welling 2014): encoder x → h = f(W1·x + b1)
// → (μ, log σ²) from one head W2·h + b2; z = μ + σ·ε; decoder z → g = f(W3·z + b3) → Bernoulli
// logits W4·g + b4. Loss per example: the negative ELBO with one sample, Σ_d BCE(logit_d, x_d)
// + KL(N(μ, σ²) ‖ N(0, 1)), KL = ½ Σ_j (μ² + σ² − 1 − log σ²). Losses are means over examples.
import Kernels

public final class VAE: Model {
    public let inputSize: Int
    public let hidden: Int
    public let latent: Int
    public let maxBatch: Int
    public let activation: Activation
    public let layout: ParameterLayout
    let threads: Int
    let w1: Int, b1: Int, w2: Int, b2: Int, w3: Int, b3: Int, w4: Int, b4: Int
    /// Evaluation noise comes from this fixed key (per row), so evaluation losses are deterministic.
    static let evaluationKey: UInt64 = 0x5EED_E7A1

    // Buffers for maxBatch rows.
    let pre1: FloatBuffer, h1: FloatBuffer     // (n, hidden)
    let heads: FloatBuffer                     // (n, 2·latent): μ then log σ², per row
    let eps: FloatBuffer, z: FloatBuffer       // (n, latent)
    let pre3: FloatBuffer, h3: FloatBuffer     // (n, hidden)
    let logits: FloatBuffer                    // (n, inputSize)
    let dHidden: FloatBuffer                   // (n, hidden)
    let dLatent: FloatBuffer                   // (n, latent)
    let rowLoss: UnsafeMutablePointer<Double>  // (n): each row's negative ELBO, summed in row order

    public init(inputSize: Int, hidden: Int, latent: Int, activation: Activation = .softplus, maxBatch: Int, threads: Int = 1) {
        self.inputSize = inputSize
        self.hidden = hidden
        self.latent = latent
        self.activation = activation
        self.maxBatch = maxBatch
        self.threads = threads
        var l = ParameterLayout()
        w1 = l.weight("enc1.weight", rows: hidden, cols: inputSize); b1 = l.bias("enc1.bias", count: hidden)
        w2 = l.weight("enc2.weight", rows: 2 * latent, cols: hidden); b2 = l.bias("enc2.bias", count: 2 * latent)
        w3 = l.weight("dec1.weight", rows: hidden, cols: latent); b3 = l.bias("dec1.bias", count: hidden)
        w4 = l.weight("dec2.weight", rows: inputSize, cols: hidden); b4 = l.bias("dec2.bias", count: inputSize)
        layout = l
        pre1 = FloatBuffer(count: maxBatch * hidden); h1 = FloatBuffer(count: maxBatch * hidden)
        heads = FloatBuffer(count: maxBatch * 2 * latent)
        eps = FloatBuffer(count: maxBatch * latent); z = FloatBuffer(count: maxBatch * latent)
        pre3 = FloatBuffer(count: maxBatch * hidden); h3 = FloatBuffer(count: maxBatch * hidden)
        logits = FloatBuffer(count: maxBatch * inputSize)
        dHidden = FloatBuffer(count: maxBatch * hidden)
        dLatent = FloatBuffer(count: maxBatch * latent)
        rowLoss = .allocate(capacity: maxBatch)
    }

    deinit { rowLoss.deallocate() }

    /// Row blocks for the elementwise passes: rows are independent and each keeps its own sums,
    /// so results do not depend on the thread count.
    private func forRows(_ n: Int, _ body: (Range<Int>) -> Void) {
        let blocks = threads > 1 && n >= 32 ? threads : 1
        parallelFor(blocks, threads: blocks) { b in body((n * b / blocks)..<(n * (b + 1) / blocks)) }
    }

    public var reportsAccuracy: Bool { false }

    /// out = in·Wᵀ + b, then (if `act`) the activation into `post`: in is (n, k), W is (m, k).
    private func dense(_ p: UnsafePointer<Float>, _ input: UnsafePointer<Float>, n: Int, k: Int, m: Int, w: Int, b: Int,
                       out: UnsafeMutablePointer<Float>, post: UnsafeMutablePointer<Float>?) {
        gemm(GemmShape(m: n, n: m, k: k, transB: true), a: input, lda: k, b: p + w, ldb: k, beta: 0, c: out, ldc: m, threads: threads)
        let bias = p + b, act = activation
        forRows(n) { rows in
            for r in rows {
                let row = out + r * m
                if let post {
                    act.forward(z: row, bias: bias, out: post + r * m, mask: nil, m)
                } else {
                    axpy(1, bias, row, m)
                }
            }
        }
    }

    /// Forward pass; returns Σ over rows of the negative ELBO. Noise for row r comes from
    /// RNG(key, r), so any chunking of the rows gives the same numbers.
    private func forward(_ p: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, key: UInt64, rowOffset: Int) -> Double {
        dense(p, x, n: n, k: inputSize, m: hidden, w: w1, b: b1, out: pre1.base, post: h1.base)
        dense(p, h1.base, n: n, k: hidden, m: 2 * latent, w: w2, b: b2, out: heads.base, post: nil)
        let heads = heads.base, eps = eps.base, z = z.base, latent = latent, rowLoss = rowLoss
        forRows(n) { rows in
            for r in rows {
                var rng = RNG(seed: key, stream: UInt64(rowOffset + r))
                let mu = heads + r * 2 * latent, logVar = mu + latent
                var kl = 0.0
                for j in 0..<latent {
                    let e = Float(rng.normal())
                    eps[r * latent + j] = e
                    let variance = VectorMath.exp(logVar[j])
                    z[r * latent + j] = mu[j] + variance.squareRoot() * e
                    kl += 0.5 * Double(mu[j] * mu[j] + variance - 1 - logVar[j])
                }
                rowLoss[r] = kl
            }
        }
        dense(p, z, n: n, k: latent, m: hidden, w: w3, b: b3, out: pre3.base, post: h3.base)
        dense(p, h3.base, n: n, k: hidden, m: inputSize, w: w4, b: b4, out: logits.base, post: nil)
        // BCE with logits, stably: softplus(l) − x·l = max(l, 0) − x·l + log(1 + e^−|l|),
        // summed per row in 16 lane sums, then across the lanes.
        let logits = logits.base, d = inputSize
        forRows(n) { rows in
            for r in rows {
                var sums = Vec16()
                var i = 0
                while i < d {
                    let lanes = min(16, d - i)
                    let l = load16(logits + r * d + i, count: lanes), t = load16(x + r * d + i, count: lanes)
                    let term = VectorMath.softplus(l) - t * l
                    sums += lanes == 16 ? term : VectorMath.select((laneIndex &- Int32(lanes)) &>> 31, term, Vec16())
                    i += 16
                }
                rowLoss[r] += Double(sums.sum())
            }
        }
        var total = 0.0
        for r in 0..<n { total += rowLoss[r] }
        return total
    }

    public func lossAndGradient(parameters p: UnsafePointer<Float>, gradients g: UnsafeMutablePointer<Float>,
                                x: UnsafePointer<Float>, labels: UnsafePointer<Int32>, count n: Int,
                                rng: inout RNG) -> Double {
        let lossSum = forward(p, x, n, key: rng.next(), rowOffset: 0)
        let invN = 1 / Float(n)
        // ∂/∂logits = (σ(l) − x)/n, written over the logits.
        let dl = logits.base, d = inputSize
        let scale = Vec16(repeating: invN)
        forRows(n) { rows in
            let start = rows.lowerBound * d, count = rows.count * d
            var i = 0
            while i < count {
                let lanes = min(16, count - i), at = start + i
                let sigma = VectorMath.sigmoid(load16(dl + at, count: lanes))
                store16((sigma - load16(x + at, count: lanes)) * scale, dl + at, count: lanes)
                i += 16
            }
        }
        // Decoder output layer.
        backDense(p, g, dOut: dl, input: h3.base, n: n, k: hidden, m: inputSize, w: w4, b: b4, dInput: dHidden.base)
        applyDerivative(dHidden.base, pre: pre3.base, rows: n, width: hidden)
        backDense(p, g, dOut: dHidden.base, input: z.base, n: n, k: latent, m: hidden, w: w3, b: b3, dInput: dLatent.base)
        // Through z = μ + σ·ε and the KL term, into the heads' gradient (written over heads).
        for r in 0..<n {
            let mu = heads.base + r * 2 * latent, logVar = mu + latent
            for j in 0..<latent {
                let dz = dLatent[r * latent + j], e = eps[r * latent + j]
                let variance = VectorMath.exp(logVar[j]), sigma = variance.squareRoot()
                let dMu = dz + mu[j] * invN
                let dLogVar = dz * e * 0.5 * sigma + 0.5 * (variance - 1) * invN
                mu[j] = dMu
                logVar[j] = dLogVar
            }
        }
        backDense(p, g, dOut: heads.base, input: h1.base, n: n, k: hidden, m: 2 * latent, w: w2, b: b2, dInput: dHidden.base)
        applyDerivative(dHidden.base, pre: pre1.base, rows: n, width: hidden)
        backDense(p, g, dOut: dHidden.base, input: x, n: n, k: inputSize, m: hidden, w: w1, b: b1, dInput: nil)
        return lossSum / Double(n)
    }

    /// dW = dOutᵀ·input, db = Σ rows of dOut, dInput = dOut·W (when wanted).
    private func backDense(_ p: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                           input: UnsafePointer<Float>, n: Int, k: Int, m: Int, w: Int, b: Int,
                           dInput: UnsafeMutablePointer<Float>?) {
        gemm(GemmShape(m: m, n: k, k: n, transA: true), a: dOut, lda: m, b: input, ldb: k, beta: 0, c: g + w, ldc: k, threads: threads)
        let db = g + b
        db.update(repeating: 0, count: m)
        for r in 0..<n { axpy(1, dOut + r * m, db, m) }
        if let dInput {
            gemm(GemmShape(m: n, n: k, k: m), a: dOut, lda: m, b: p + w, ldb: k, beta: 0, c: dInput, ldc: k, threads: threads)
        }
    }

    /// d ⊙= f'(pre) over n rows of `width`.
    private func applyDerivative(_ d: UnsafeMutablePointer<Float>, pre: UnsafePointer<Float>, rows n: Int, width: Int) {
        let act = activation
        forRows(n) { rows in
            let start = rows.lowerBound * width
            act.backward(upstream: d + start, mask: nil, z: pre + start, into: d + start, rows.count * width)
        }
    }

    /// Summed negative ELBO with the fixed evaluation noise; `labels` are not used.
    public func evaluate(parameters p: UnsafePointer<Float>, x: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                         count n: Int, firstRow: Int) -> (lossSum: Double, correct: Int) {
        (forward(p, x, n, key: VAE.evaluationKey, rowOffset: firstRow), 0)
    }
}

// NAdam (Dozat 2016), exactly as torch.optim.NAdam writes it.
import Kernels

/// `nadam`: μ_t = β1·(1 − ½·0.96^(t·ψ)), μ_{t+1} likewise, Π_t = Π μ_1…μ_t;
/// m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  d = √(v/(1−β2^t)) + ε;
/// θ ← θ − lr·(1−μ_t)/(1−Π_t)·g/d − lr·μ_{t+1}/(1−Π_t·μ_{t+1})·m/d.
/// Defaults lr 0.002, β1 0.9, β2 0.999, ε 1e-8, momentum_decay ψ 0.004.
public final class NAdam: Optimizer {
    public let count: Int
    public let beta1: Double, beta2: Double, eps: Double, momentumDecay: Double
    public private(set) var steps = 0
    var muProduct: Double = 1
    let m: FloatBuffer
    let v: FloatBuffer
    let threads: Int

    public var stateScalars: [Double] {
        get { [Double(steps), muProduct] }
        set { steps = Int(newValue[0]); muProduct = newValue[1] }
    }
    public var stateBuffers: [FloatBuffer] { [m, v] }

    public init(count: Int, beta1: Double, beta2: Double, eps: Double, momentumDecay: Double, threads: Int = 1) {
        self.count = count
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.momentumDecay = momentumDecay
        self.threads = threads
        m = FloatBuffer(count: count)
        v = FloatBuffer(count: count)
    }

    public func step(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, lr: Float) {
        steps += 1
        let t = Double(steps), lrD = Double(lr)
        let mu = beta1 * (1 - 0.5 * pow_(0.96, t * momentumDecay))
        let muNext = beta1 * (1 - 0.5 * pow_(0.96, (t + 1) * momentumDecay))
        muProduct *= mu
        let gradScale = Float(lrD * (1 - mu) / (1 - muProduct))
        let momentScale = Float(lrD * muNext / (1 - muProduct * muNext))
        let vScale = Float(1 / (1 - pow_(beta2, t)))
        let b1 = Vec16(repeating: Float(beta1)), c1 = Vec16(repeating: Float(1 - beta1))
        let b2 = Vec16(repeating: Float(beta2)), c2 = Vec16(repeating: Float(1 - beta2))
        let eps = Vec16(repeating: Float(eps)), vs = Vec16(repeating: vScale)
        let gs = Vec16(repeating: gradScale), ms = Vec16(repeating: momentScale)
        let mb = m.base, vb = v.base
        forEachChunk(count, threads: threads) { lo, hi in
            forEach16(lo, hi) { i, n in
                let gi = lanes(g, i, n)
                let mi = b1 * lanes(mb, i, n) + c1 * gi
                let vi = b2 * lanes(vb, i, n) + c2 * gi * gi
                store(mi, mb, i, n)
                store(vi, vb, i, n)
                let d = (vi * vs).squareRoot() + eps
                store(lanes(p, i, n) - (gs * gi / d + ms * mi / d), p, i, n)
            }
        }
    }
}

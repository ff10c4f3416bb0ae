// AdaMax (Kingma & Ba 2015, Algorithm 2, section 7.1).
import Kernels

/// `adamax`: m ← β1·m + (1−β1)·g;  u ← max(β2·u, |g| + ε);  θ ← θ − (lr/(1−β1^t))·m/u.
/// u has no bias correction. ε sits inside the max, so u > 0 and the division is safe
/// (PyTorch's form). Defaults lr 0.002, β1 0.9, β2 0.999, ε 1e-8.
public final class AdaMax: Optimizer {
    public let count: Int
    public let beta1: Double, beta2: Double, eps: Double
    public private(set) var steps = 0
    let m: FloatBuffer
    let u: FloatBuffer
    let threads: Int

    public var stateScalars: [Double] {
        get { [Double(steps)] }
        set { steps = Int(newValue[0]) }
    }
    public var stateBuffers: [FloatBuffer] { [m, u] }

    public init(count: Int, beta1: Double, beta2: Double, eps: Double, threads: Int = 1) {
        self.count = count
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.threads = threads
        m = FloatBuffer(count: count)
        u = FloatBuffer(count: count)
    }

    public func step(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, lr: Float) {
        steps += 1
        let stepScale = Float(Double(lr) / (1 - pow_(beta1, Double(steps))))
        let b1 = Vec16(repeating: Float(beta1)), c1 = Vec16(repeating: Float(1 - beta1))
        let b2 = Vec16(repeating: Float(beta2)), eps = Vec16(repeating: Float(eps)), scale = Vec16(repeating: stepScale)
        let mb = m.base, ub = u.base
        forEachChunk(count, threads: threads) { lo, hi in
            forEach16(lo, hi) { i, n in
                let gi = lanes(g, i, n)
                let mi = b1 * lanes(mb, i, n) + c1 * gi
                let ui = maximum(b2 * lanes(ub, i, n), maximum(gi, -gi) + eps)
                store(mi, mb, i, n)
                store(ui, ub, i, n)
                store(lanes(p, i, n) - scale * mi / ui, p, i, n)
            }
        }
    }
}

// Stochastic gradient descent, plain or with Nesterov momentum.
import Kernels

/// `sgd` and `nesterov`: v ← μ·v + g, then
/// - plain (heavy ball):  θ ← θ − lr·v
/// - Nesterov:            θ ← θ − lr·(g + μ·v)   (Sutskever et al. 2013 in the form PyTorch
///   uses, with the new v; not the form that evaluates g at θ + μ·v).
/// Defaults: sgd momentum 0, nesterov momentum 0.9. With μ = 0 (plain) no velocity is stored.
public final class SGD: Optimizer {
    public let count: Int
    public let momentum: Float
    public let nesterov: Bool
    public private(set) var steps = 0
    let velocity: FloatBuffer
    let threads: Int

    public var stateScalars: [Double] {
        get { [Double(steps)] }
        set { steps = Int(newValue[0]) }
    }
    public var stateBuffers: [FloatBuffer] { [velocity] }

    public init(count: Int, momentum: Float, nesterov: Bool, threads: Int = 1) {
        self.count = count
        self.momentum = momentum
        self.nesterov = nesterov
        self.threads = threads
        velocity = FloatBuffer(count: momentum == 0 && !nesterov ? 0 : count)
    }

    public func step(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, lr: Float) {
        steps += 1
        let mu = Vec16(repeating: momentum), rate = Vec16(repeating: lr), v = velocity.base
        let hasVelocity = velocity.count > 0, nesterov = nesterov
        forEachChunk(count, threads: threads) { lo, hi in
            forEach16(lo, hi) { i, n in
                let gi = lanes(g, i, n)
                guard hasVelocity else { store(lanes(p, i, n) - rate * gi, p, i, n); return }
                let vi = mu * lanes(v, i, n) + gi
                store(vi, v, i, n)
                store(lanes(p, i, n) - rate * (nesterov ? gi + mu * vi : vi), p, i, n)
            }
        }
    }
}

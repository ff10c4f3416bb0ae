// AdaDelta (Zeiler 2012).
import Kernels

/// `adadelta`: Eg ← ρ·Eg + (1−ρ)·g²;  Δ ← √(Ex + eps) / √(Eg + eps) · g;
/// Ex ← ρ·Ex + (1−ρ)·Δ²;  θ ← θ − lr·Δ.  eps sits inside both square roots.
/// Defaults: lr 1.0, rho 0.9, eps 1e-6 (as PyTorch).
public final class AdaDelta: Optimizer {
    public let count: Int
    public let rho: Float, eps: Float
    public private(set) var steps = 0
    let meanSquareGradient: FloatBuffer
    let meanSquareDelta: FloatBuffer
    let threads: Int

    public var stateScalars: [Double] {
        get { [Double(steps)] }
        set { steps = Int(newValue[0]) }
    }
    public var stateBuffers: [FloatBuffer] { [meanSquareGradient, meanSquareDelta] }

    public init(count: Int, rho: Float, eps: Float, threads: Int = 1) {
        self.count = count
        self.rho = rho
        self.eps = eps
        self.threads = threads
        meanSquareGradient = FloatBuffer(count: count)
        meanSquareDelta = FloatBuffer(count: count)
    }

    public func step(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, lr: Float) {
        steps += 1
        let eg = meanSquareGradient.base, ex = meanSquareDelta.base
        let rho = Vec16(repeating: rho), oneMinusRho = Vec16(repeating: 1 - self.rho)
        let eps = Vec16(repeating: eps), rate = Vec16(repeating: lr)
        forEachChunk(count, threads: threads) { lo, hi in
            forEach16(lo, hi) { i, n in
                let gi = lanes(g, i, n)
                let egi = rho * lanes(eg, i, n) + oneMinusRho * gi * gi
                store(egi, eg, i, n)
                let exi = lanes(ex, i, n)
                let delta = (exi + eps).squareRoot() / (egi + eps).squareRoot() * gi
                store(rho * exi + oneMinusRho * delta * delta, ex, i, n)
                store(lanes(p, i, n) - rate * delta, p, i, n)
            }
        }
    }
}

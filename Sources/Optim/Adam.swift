// Adam (Kingma & Ba 2015, Algorithm 1) and the optimizers that are settings of it:
// RMSProp (beta1 = 0, no bias correction), AMSGrad (max of v), AdamW (decoupled weight decay).
import Kernels

/// Where epsilon sits in Adam's step; the paper's two orderings differ only through it.
public enum EpsilonForm: String, Sendable, CaseIterable {
    /// Algorithm 1: θ ← θ − α·m̂ / (√v̂ + ε), with m̂ = m/(1−β1^t), v̂ = v/(1−β2^t).
    case algorithm1
    /// Section 2's "efficient" ordering with a constant ε̂ (as TensorFlow):
    /// α_t = α·√(1−β2^t)/(1−β1^t),  θ ← θ − α_t·m / (√v + ε̂).
    case efficient
}

public struct AdamSettings: Sendable, Equatable {
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var eps: Double = 1e-8
    /// Divide m and v by (1 − β^t). Off, the update uses m and v directly (Figure 4's baseline).
    public var biasCorrection = true
    /// λ in β1,t = β1·λ^(t−1) (section 4); 1 keeps β1 constant.
    public var beta1Decay: Double = 1
    public var epsilonForm: EpsilonForm = .algorithm1
    /// AMSGrad (Reddi et al. 2018, PyTorch form): the denominator uses max over time of v.
    public var amsgrad = false
    /// AdamW (Loshchilov & Hutter 2019, PyTorch form): θ ← θ·(1 − lr·wd) before the Adam step.
    public var decoupledWeightDecay: Double = 0
    public init() {}
}

/// `adam`: for t = 1, 2, …
///   β1,t = β1·λ^(t−1)
///   m ← β1,t·m + (1−β1,t)·g
///   v ← β2·v + (1−β2)·g²
///   θ ← θ − lr·m̂ / (√v̂ + ε),  m̂ = m/(1−β1^t), v̂ = v/(1−β2^t)   (epsilon_form algorithm1)
/// Defaults lr 0.001, β1 0.9, β2 0.999, ε 1e-8, bias correction on, λ = 1.
/// `rmsprop` is this with β1 = 0 and bias correction off (v ← ρv + (1−ρ)g²; θ ← θ − lr·g/(√v + ε)).
public final class Adam: Optimizer {
    public let count: Int
    public let settings: AdamSettings
    public private(set) var steps = 0
    let m: FloatBuffer     // first moment; empty when β1 = 0 (then m = g)
    let v: FloatBuffer     // second raw moment
    let vMax: FloatBuffer  // AMSGrad's running max of v; empty otherwise
    let threads: Int

    public var stateScalars: [Double] {
        get { [Double(steps)] }
        set { steps = Int(newValue[0]) }
    }
    public var stateBuffers: [FloatBuffer] { [m, v, vMax] }

    public init(count: Int, settings: AdamSettings, threads: Int = 1) {
        self.count = count
        self.settings = settings
        self.threads = threads
        m = FloatBuffer(count: settings.beta1 == 0 ? 0 : count)
        v = FloatBuffer(count: count)
        vMax = FloatBuffer(count: settings.amsgrad ? count : 0)
    }

    public func step(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, lr: Float) {
        steps += 1
        let s = settings, t = Double(steps)
        let beta1t = s.beta1 * pow_(s.beta1Decay, t - 1)
        let bc1 = s.biasCorrection ? 1 - pow_(s.beta1, t) : 1
        let bc2 = s.biasCorrection ? 1 - pow_(s.beta2, t) : 1
        // θ ← θ·decay − stepScale·m / (√(v·vScale) + ε)
        let stepScale: Float, vScale: Float
        switch s.epsilonForm {
        case .algorithm1: stepScale = Float(Double(lr) / bc1); vScale = Float(1 / bc2)
        case .efficient: stepScale = Float(Double(lr) * bc2.squareRoot() / bc1); vScale = 1
        }
        let decay = Vec16(repeating: Float(1 - Double(lr) * s.decoupledWeightDecay))
        let b1 = Vec16(repeating: Float(beta1t)), c1 = Vec16(repeating: Float(1 - beta1t))
        let b2 = Vec16(repeating: Float(s.beta2)), c2 = Vec16(repeating: Float(1 - s.beta2))
        let eps = Vec16(repeating: Float(s.eps)), scale = Vec16(repeating: stepScale), vs = Vec16(repeating: vScale)
        let mb = m.base, vb = v.base, vm = vMax.base
        let hasMomentum = m.count > 0, ams = s.amsgrad

        forEachChunk(count, threads: threads) { lo, hi in
            forEach16(lo, hi) { i, n in
                let gi = lanes(g, i, n)
                var mi = gi
                if hasMomentum {
                    mi = b1 * lanes(mb, i, n) + c1 * gi
                    store(mi, mb, i, n)
                }
                var vi = b2 * lanes(vb, i, n) + c2 * gi * gi
                store(vi, vb, i, n)
                if ams {
                    vi = maximum(lanes(vm, i, n), vi)
                    store(vi, vm, i, n)
                }
                store(lanes(p, i, n) * decay - scale * mi / ((vi * vs).squareRoot() + eps), p, i, n)
            }
        }
    }
}

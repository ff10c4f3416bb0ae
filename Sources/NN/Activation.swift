// Elementwise activations with their derivatives, written in terms of the pre-activation z.
import Kernels

public enum Activation: String, Sendable, CaseIterable {
    case relu, softplus, tanh

    /// out[i] = f(z[i]).
    @inline(__always)
    func forward(_ z: Float) -> Float {
        switch self {
        case .relu: return z > 0 ? z : 0
        case .softplus: return z > 0 ? z + log1pf_(expf_(-z)) : log1pf_(expf_(z))  // stable for large |z|
        case .tanh:
            let e = expf_(-2 * abs(z))
            let t = (1 - e) / (1 + e)
            return z < 0 ? -t : t
        }
    }

    /// f'(z).
    @inline(__always)
    func derivative(_ z: Float) -> Float {
        switch self {
        case .relu: return z > 0 ? 1 : 0
        case .softplus: return 1 / (1 + expf_(-z))
        case .tanh:
            let t = forward(z)
            return 1 - t * t
        }
    }
}

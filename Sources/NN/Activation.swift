// Elementwise activations with their derivatives, written in terms of the pre-activation z, on
// 16 lanes at a time (VectorMath), so that every value gets the same result wherever it sits.
import Kernels

public enum Activation: String, Sendable, CaseIterable {
    case relu, softplus, tanh

    /// f(z) per lane.
    @inline(__always)
    func forward(_ z: Vec16) -> Vec16 {
        switch self {
        case .relu: return VectorMath.select(VectorMath.signMask(z), Vec16(), z)  // max(z, 0); −0 → 0
        case .softplus: return VectorMath.softplus(z)
        case .tanh:
            // tanh|z| = (1 − e)/(1 + e) with e = e^−2|z|, then the sign of z.
            let e = VectorMath.exp(-2 * VectorMath.magnitude(z))
            let t = (1 - e) / (1 + e)
            return VectorMath.select(VectorMath.signMask(z), -t, t)
        }
    }

    /// f'(z) per lane.
    @inline(__always)
    func derivative(_ z: Vec16) -> Vec16 {
        switch self {
        case .relu:  // 1 where z > 0: sign clear and not zero
            let b = unsafeBitCast(z, to: SIMD16<Int32>.self)
            return VectorMath.select(~VectorMath.signMask(z) & ~VectorMath.zeroMask(b), Vec16(repeating: 1), Vec16())
        case .softplus: return VectorMath.sigmoid(z)
        case .tanh:
            let t = forward(z)
            return 1 - t * t
        }
    }

    /// out[i] = f(z[i] + bias[i]) (⊙ mask[i] when given) for i < n, and z[i] += bias[i]
    /// in place: one pass for a dense layer's bias, activation and dropout.
    @inline(__always)
    func forward(z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                 mask: UnsafePointer<Float>?, _ n: Int) {
        var j = 0
        while j < n {
            let lanes = min(16, n - j)
            let v = load16(z + j, count: lanes) + load16(bias + j, count: lanes)
            var y = forward(v)
            if let mask { y *= load16(mask + j, count: lanes) }
            store16(v, z + j, count: lanes)
            store16(y, out + j, count: lanes)
            j += 16
        }
    }

    /// d[i] = upstream[i] (⊙ mask[i] when given) ⊙ f'(z[i]) for i < n (d may be z or upstream).
    @inline(__always)
    func backward(upstream: UnsafePointer<Float>, mask: UnsafePointer<Float>?, z: UnsafePointer<Float>,
                  into d: UnsafeMutablePointer<Float>, _ n: Int) {
        var j = 0
        while j < n {
            let lanes = min(16, n - j)
            var g = load16(upstream + j, count: lanes)
            if let mask { g *= load16(mask + j, count: lanes) }
            store16(g * derivative(load16(z + j, count: lanes)), d + j, count: lanes)
            j += 16
        }
    }
}

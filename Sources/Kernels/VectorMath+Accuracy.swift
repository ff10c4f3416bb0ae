// Measuring VectorMath against the C library in double precision: the error of each function in
// units in the last place (ulps) of the correctly rounded Float result, over a set of Float bit
// patterns (all 2^32 of them for `adam-bench bench math`, a stride of them in the tests).
extension VectorMath {
    public enum Function: String, CaseIterable, Sendable {
        case exp, log1p, softplus, logSigmoid = "log-sigmoid", sigmoid

        /// The vector implementation.
        @inline(__always)
        public func vector(_ x: V) -> V {
            switch self {
            case .exp: return VectorMath.exp(x)
            case .log1p: return VectorMath.log1p(x)
            case .softplus: return VectorMath.softplus(x)
            case .logSigmoid: return VectorMath.logSigmoid(x)
            case .sigmoid: return VectorMath.sigmoid(x)
            }
        }

        /// The reference, in double precision from the C library.
        public func reference(_ x: Float) -> Double {
            let d = Double(x)
            func softplus(_ t: Double) -> Double { t > 0 ? t + _log1p(_exp(-t)) : _log1p(_exp(t)) }
            switch self {
            case .exp: return _exp(d)
            case .log1p: return _log1p(d)
            case .softplus: return softplus(d)
            case .logSigmoid: return -softplus(-d)
            case .sigmoid: return d >= 0 ? 1 / (1 + _exp(-d)) : _exp(d) / (1 + _exp(d))
            }
        }
    }

    /// The error of `y` as an approximation of `reference`, in ulps of Float at the reference's
    /// magnitude (subnormal spacing below 2^-126). Exact specials (NaN for NaN, ±∞ for ±∞ or for
    /// a reference beyond Float's range) count 0; a wrong special counts +∞.
    public static func ulpError(_ y: Float, reference: Double) -> Double {
        if reference.isNaN { return y.isNaN ? 0 : .infinity }
        if y.isNaN { return .infinity }
        let rounded = Float(reference)
        if rounded.isInfinite { return y == rounded ? 0 : (y.isInfinite ? .infinity : ulpError(y, reference: Double(rounded.sign == .minus ? -Float.greatestFiniteMagnitude : Float.greatestFiniteMagnitude))) }
        if y.isInfinite { return .infinity }
        let exponent = reference == 0 ? -126 : max(Int(reference.exponent), -126)
        let ulp = Double(sign: .plus, exponent: exponent - 23, significand: 1)
        return abs(Double(y) - reference) / ulp
    }

    /// The largest error of `function` over the bit patterns first, first + stride, … below 2^32,
    /// and the input where it occurs (the first such in bit order). Blocks of patterns go to
    /// `threads` threads; the answer does not depend on their number.
    public static func maxULPError(_ function: Function, stride: Int = 1, first: Int = 0, threads: Int = 1) -> (ulps: Double, at: Float) {
        let total = (Int(UInt32.max) - first) / stride + 1
        let blocks = 256
        var worst = [(ulps: Double, at: Float)](repeating: (0, 0), count: blocks)
        worst.withUnsafeMutableBufferPointer { out in
            let out = UncheckedSendable(out)
            parallelFor(blocks, threads: threads) { b in
                var best: (ulps: Double, at: Float) = (0, 0)
                var i = total * b / blocks
                let end = total * (b + 1) / blocks
                while i < end {
                    var v = V()
                    let lanes = min(16, end - i)
                    for j in 0..<lanes { v[j] = Float(bitPattern: UInt32(first + (i + j) * stride)) }
                    let y = function.vector(v)
                    for j in 0..<lanes {
                        let e = ulpError(y[j], reference: function.reference(v[j]))
                        if e > best.ulps { best = (e, v[j]) }
                    }
                    i += lanes
                }
                out.value[b] = best
            }
        }
        return worst.reduce((0, 0)) { $1.ulps > $0.ulps ? $1 : $0 }
    }
}

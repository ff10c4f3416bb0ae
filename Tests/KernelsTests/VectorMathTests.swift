import Kernels
import Testing

// The bounds in VectorMath.swift, on a sample of every part of the Float range (a stride through
// all 2^32 bit patterns, so every exponent and sign is hit) and densely where the functions bend.
// `adam-bench bench math` checks all 2^32 inputs in a release build.

let ulpBounds: [VectorMath.Function: Double] = [.exp: 1, .log1p: 1, .softplus: 2, .logSigmoid: 2, .sigmoid: 2.5]

@Test(arguments: VectorMath.Function.allCases)
func vectorMathStaysWithinItsULPBoundOverTheFloatRange(_ f: VectorMath.Function) {
    // 65,536 inputs spread over all bit patterns (an odd stride, so mantissas vary too).
    let (ulps, at) = VectorMath.maxULPError(f, stride: 65_537, first: 12_345)
    #expect(ulps <= ulpBounds[f]!, "\(f.rawValue): \(ulps) ulps at \(at)")
}

@Test(arguments: VectorMath.Function.allCases)
func vectorMathStaysWithinItsULPBoundWhereItBends(_ f: VectorMath.Function) {
    // Every 97th Float in [-128, 128] around zero and the range reductions' boundaries.
    var worst = 0.0, at: Float = 0
    for lo: Float in [-128, -20, -3, -1, -0.01, 0.3, 88] {
        var x = lo
        for _ in 0..<(4096 / 16) {
            var v = VectorMath.V()
            for j in 0..<16 {
                v[j] = x
                for _ in 0..<97 { x = x.nextUp }
            }
            let y = f.vector(v)
            for j in 0..<16 {
                let e = VectorMath.ulpError(y[j], reference: f.reference(v[j]))
                if e > worst { worst = e; at = v[j] }
            }
        }
    }
    #expect(worst <= ulpBounds[f]!, "\(f.rawValue): \(worst) ulps at \(at)")
}

@Test func vectorMathSpecialValuesFollowTheCLibrary() {
    let inf = Float.infinity
    func lanes(_ f: (VectorMath.V) -> VectorMath.V, _ xs: [Float]) -> [Float] {
        var v = VectorMath.V()
        for (i, x) in xs.enumerated() { v[i] = x }
        let y = f(v)
        return (0..<xs.count).map { y[$0] }
    }
    #expect(lanes(VectorMath.exp, [0, -inf, inf, 89, -104, 1]) == [1, 0, inf, inf, 0, Float(2.7182817)])
    #expect(lanes(VectorMath.exp, [.nan])[0].isNaN)
    // The smallest subnormal: e^x rounds to 2^-149 near x = -103.28.
    #expect(lanes(VectorMath.exp, [-103.28])[0] == Float.leastNonzeroMagnitude)
    #expect(lanes(VectorMath.log1p, [0, -1, inf, 1e-30, -0.0]) == [0, -inf, inf, 1e-30, 0])
    let bad = lanes(VectorMath.log1p, [-2, .nan, -inf])
    #expect(bad.allSatisfy { $0.isNaN })
    #expect(lanes(VectorMath.softplus, [-inf, inf, 0, 100, -200]) == [0, inf, Float(0.6931472), 100, 0])
    #expect(lanes(VectorMath.logSigmoid, [-inf, inf, 0, -100]) == [-inf, 0, Float(-0.6931472), -100])
    #expect(lanes(VectorMath.sigmoid, [-inf, inf, 0, -100]) == [0, 1, 0.5, Float(3.7200760e-44)])
}

@Test func vectorMathArraysGiveEachValueTheSameResultWhereverItSits() {
    // apply over 37 values (two full vectors and a padded tail) equals the lane function on
    // each value alone, and the result of a value does not depend on its position.
    let xs = (0..<37).map { Float($0) * 0.37 - 6 }
    var out = [Float](repeating: 0, count: 37)
    xs.withUnsafeBufferPointer { x in
        out.withUnsafeMutableBufferPointer { o in VectorMath.apply(x.baseAddress!, o.baseAddress!, 37, VectorMath.softplus) }
    }
    for (i, x) in xs.enumerated() {
        #expect(out[i] == VectorMath.softplus(VectorMath.V(repeating: x))[0])
    }
}

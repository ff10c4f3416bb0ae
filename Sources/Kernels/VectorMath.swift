// Elementwise transcendental functions on 16 Float lanes: exp, log1p, and the softplus family
// built on them (softplus, log-sigmoid, sigmoid). Each lane gets the same operations whatever
// its neighbours, so a value's result does not depend on where it sits in an array; the array
// forms pad the tail into a full vector for the same reason.
//
// Accuracy over every Float input (`adam-bench bench math` checks all 2^32 bit patterns against
// the C library in double precision; KernelsTests/VectorMathTests samples the range and holds
// these bounds). Measured maxima: exp 0.939 ulp (at 26.69), log1p 0.870 (at 0.4077), softplus
// 1.655 (at -1.262), log-sigmoid 1.655 (at 1.262), sigmoid 2.402 (at -4.157; e^x, 1 + e^x and the
// division each round); bounds held: 1, 1, 2, 2 and 2.5 ulp. Special values follow C:
// exp(−∞) = 0, exp(+∞) = +∞, log1p(−1) = −∞, log1p(x < −1) = NaN, NaN → NaN.
//
// exp: x = n·ln 2 + r with |r| ≤ ln 2 / 2 (ln 2 split in a 15-bit head and a tail, so n·head is
// exact), e^r by its Taylor series to r^7 (truncation below 0.05 ulp), then 2^n as two exponent
// factors so that results in the subnormal range round once.
// log1p: u = 1 + x rounded, u = 2^k·(1 + f) with 1 + f in [√½, √2), log(1 + f) = 2·atanh(s) with
// s = f/(2 + f) (|s| ≤ 0.172, series to s^9, truncation below 0.03 ulp), written as
// f − (f²/2 − s·(f²/2 + R)) so that the leading term carries no rounding, plus k·ln 2 and the
// rounding of 1 + x put back as c = (x − (u − 1))/u.

public enum VectorMath {
    public typealias V = SIMD16<Float>

    // ln 2 = ln2Head + ln2Tail; ln2Head has 15 significant bits.
    @inlinable static var ln2Head: Float { 0.693145751953125 }
    @inlinable static var ln2Tail: Float { 1.428606765330187e-06 }
    @inlinable static var log2e: Float { 1.4426950408889634 }
    /// 1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer held in the low
    /// mantissa bits; subtracting it gives that integer back as a float.
    @inlinable static var roundingMagic: Float { 12_582_912 }

    /// e^x per lane.
    @inlinable @inline(__always)
    public static func exp(_ x: V) -> V {
        // Beyond these bounds the result is +∞ or 0 anyway, and n stays in [-150, 129].
        var clamped = select(signMask(x + 104), V(repeating: -104), x)
        clamped = select(signMask(89 - clamped), V(repeating: 89), clamped)
        // n = x·log2(e) rounded to an integer, by adding 1.5·2^23: the sum's low mantissa bits
        // then hold n (this avoids a lane-by-lane float-to-int conversion).
        let shifted = clamped * log2e + roundingMagic
        let n = shifted - roundingMagic
        let ni = bits(shifted) &- bits(V(repeating: roundingMagic))
        var r = clamped.addingProduct(n, V(repeating: -ln2Head))
        r = r.addingProduct(n, V(repeating: -ln2Tail))
        // Taylor series of e^r to r^7, Horner form with fused multiply-adds.
        var p = V(repeating: 1 / 5040)
        p = V(repeating: 1 / 720).addingProduct(p, r)
        p = V(repeating: 1 / 120).addingProduct(p, r)
        p = V(repeating: 1 / 24).addingProduct(p, r)
        p = V(repeating: 1 / 6).addingProduct(p, r)
        p = V(repeating: 0.5).addingProduct(p, r)
        p = V(repeating: 1).addingProduct(p, r)
        p = V(repeating: 1).addingProduct(p, r)
        // 2^n = 2^n1 · 2^n2 with both factors normal, so p·2^n1 is exact and the last product
        // rounds once even when the result is subnormal.
        let n1 = ni &>> 1, n2 = ni &- n1
        let s1 = floats((n1 &+ 127) &<< 23)
        let s2 = floats((n2 &+ 127) &<< 23)
        let result = p * s1 * s2
        return select(nanMask(x), x, result)  // NaN stays NaN
    }

    /// log(1 + x) per lane, accurate for small x.
    @inlinable @inline(__always)
    public static func log1p(_ x: V) -> V {
        let u = 1 + x
        // Shift the exponent boundary to √½ so that 1 + f lands in [√½, √2).
        let sqrtHalfBits: Int32 = 0x3F35_04F3
        let shifted = bits(u) &+ (0x3F80_0000 &- sqrtHalfBits)
        let k = (shifted &>> 23) &- 127
        let m = floats((shifted & 0x007F_FFFF) &+ sqrtHalfBits)
        let f = m - 1
        // The rounding error of 1 + x, relative to u (c = 0 once u is so large that x is lost).
        let kf = floats(k &+ bits(V(repeating: roundingMagic))) - roundingMagic  // k as a float
        var c = select(~((k &- 2) &>> 31), 1 - (u - x), x - (u - 1)) / u  // k ≥ 2: u − x is exact
        c = floats(bits(c) & ((k &- 25) &>> 31))                           // k ≥ 25: 0
        let s = f / (2 + f)
        let z = s * s
        var q = V(repeating: 2 / 9)
        q = V(repeating: 2 / 7).addingProduct(q, z)
        q = V(repeating: 2 / 5).addingProduct(q, z)
        q = V(repeating: 2 / 3).addingProduct(q, z)
        let r = q * z
        let halfSquare = 0.5 * f * f
        // log(1 + x) = s·(f²/2 + R) + (k·ln2Tail + c) − f²/2 + f + k·ln2Head, smallest terms first.
        var result = s * (halfSquare + r) + c.addingProduct(kf, ln2Tail)
        result = (result - halfSquare) + f
        result = result.addingProduct(kf, ln2Head)
        // Special inputs, by the bits of u: +∞ and NaN pass through; u < 0 (x < −1) gives NaN,
        // u = 0 (x = −1) gives −∞. Order matters: the u ≤ 0 test also catches what the first
        // test misreads for negative bit patterns.
        let ub = bits(u)
        result = select(~((ub &- 0x7F80_0000) &>> 31), u, result)
        result = select((ub &- 1) &>> 31, V(repeating: .nan), result)
        result = select(zeroMask(ub), V(repeating: -.infinity), result)
        return result
    }

    /// log(1 + e^x) per lane, without overflow: max(x, 0) + log1p(e^−|x|).
    @inlinable @inline(__always)
    public static func softplus(_ x: V) -> V {
        let positive = select(signMask(x), V(), x)
        return positive + log1p(exp(-magnitude(x)))
    }

    /// log σ(x) = −softplus(−x) per lane: min(x, 0) − log1p(e^−|x|).
    @inlinable @inline(__always)
    public static func logSigmoid(_ x: V) -> V {
        let negative = select(signMask(x), x, V())
        return negative - log1p(exp(-magnitude(x)))
    }

    /// σ(x) = 1/(1 + e^−x) per lane, as e/(1 + e) with e = e^x for negative x (so that tiny
    /// results keep their precision instead of becoming 1/∞); one division either way.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: V) -> V {
        let e = exp(-magnitude(x))
        return select(signMask(x), e, V(repeating: 1)) / (1 + e)
    }

    /// |x| per lane (clears the sign bit).
    @inlinable @inline(__always)
    public static func magnitude(_ x: V) -> V { floats(bits(x) & 0x7FFF_FFFF) }

    /// a where the mask's lane is all ones, b where it is zero. Masks here are Int32 lanes made by
    /// integer arithmetic (a sign bit spread by `&>> 31`): Swift's SIMD comparisons and
    /// `replacing(with:where:)` go lane by lane through memory, these stay in vector registers.
    @inlinable @inline(__always)
    public static func select(_ mask: SIMD16<Int32>, _ a: V, _ b: V) -> V {
        floats((bits(a) & mask) | (bits(b) & ~mask))
    }

    /// All ones where x's sign bit is set (negative numbers, −0, negative NaNs).
    @inlinable @inline(__always)
    public static func signMask(_ x: V) -> SIMD16<Int32> { bits(x) &>> 31 }

    /// All ones where x is NaN.
    @inlinable @inline(__always)
    public static func nanMask(_ x: V) -> SIMD16<Int32> { (0x7F80_0000 &- (bits(x) & 0x7FFF_FFFF)) &>> 31 }

    /// All ones where the lane is 0.
    @inlinable @inline(__always)
    public static func zeroMask(_ b: SIMD16<Int32>) -> SIMD16<Int32> { ~((b | (0 &- b)) &>> 31) }

    @inlinable @inline(__always)
    static func bits(_ x: V) -> SIMD16<Int32> { unsafeBitCast(x, to: SIMD16<Int32>.self) }

    @inlinable @inline(__always)
    static func floats(_ b: SIMD16<Int32>) -> V { unsafeBitCast(b, to: V.self) }

    /// e^x for one value: lane 0 of the vector form, so scalar and vector results agree.
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(V(repeating: x))[0] }

    /// log(1 + x) for one value.
    @inlinable @inline(__always)
    public static func log1p(_ x: Float) -> Float { log1p(V(repeating: x))[0] }

    // MARK: - Arrays

    /// out[i] = f(x[i]) for i < n (out may be x), in 16-lane blocks; the tail goes through the
    /// same function, padded.
    @inlinable @inline(__always)
    public static func apply(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, _ f: (V) -> V) {
        var i = 0
        while i < n {
            let lanes = min(16, n - i)
            store16(f(load16(x + i, count: lanes)), out + i, count: lanes)
            i += 16
        }
    }
}

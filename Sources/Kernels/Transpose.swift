// A 16 x 16 transpose of floats in vector registers, for packing GEMM operands.
//
// One round pairs vectors (2i, 2i+1) and splits their 32 lanes into even and odd halves. Writing
// an element's place as 8 bits (vector v3v2v1v0, lane l3l2l1l0), a round moves it to
// (l0 v3 v2 v1, v0 l3 l2 l1): a rotation of the 8 bits by one. Four rounds rotate by four, which
// swaps vector and lane: the transpose. The body is unrolled into locals so the 16 vectors stay
// in registers, and the lane selections are written out so LLVM folds each into one two-source
// permute (vpermi2ps); the standard library's evenHalf/oddHalf compile to a call per lane here.

/// Lanes 0, 2, …, 14 of a, then of b.
@inlinable @inline(__always)
public func evenLanes(_ a: Vec16, _ b: Vec16) -> Vec16 {
    Vec16(a[0], a[2], a[4], a[6], a[8], a[10], a[12], a[14], b[0], b[2], b[4], b[6], b[8], b[10], b[12], b[14])
}

/// Lanes 1, 3, …, 15 of a, then of b.
@inlinable @inline(__always)
public func oddLanes(_ a: Vec16, _ b: Vec16) -> Vec16 {
    Vec16(a[1], a[3], a[5], a[7], a[9], a[11], a[13], a[15], b[1], b[3], b[5], b[7], b[9], b[11], b[13], b[15])
}

/// Reads `rows` (<= 16) rows of 16 floats from `src` (row stride `srcStride`; missing rows are
/// zero) and writes their transpose: row q of the result (16 floats) to dst + q·dstStride.
@inline(__always)
public func transpose16x16(_ src: UnsafePointer<Float>, srcStride: Int, rows: Int,
                           _ dst: UnsafeMutablePointer<Float>, dstStride: Int) {
    transpose16x16(row: { r in r < rows ? load16(src + r * srcStride) : Vec16() }, dst, dstStride: dstStride)
}

#if AVX512
/// The transpose of the 16 x 16 block whose row r is `row(r)`: row q of the result to
/// dst + q·dstStride. For sources whose rows are not evenly spaced (a convolution's patches).
/// With 32 vector registers the 16 rows stay in registers through four rounds.
@inlinable @inline(__always)
public func transpose16x16(row: (Int) -> Vec16, _ dst: UnsafeMutablePointer<Float>, dstStride: Int) {
    let x0 = row(0); let x1 = row(1); let x2 = row(2); let x3 = row(3); let x4 = row(4); let x5 = row(5); let x6 = row(6); let x7 = row(7)
    let x8 = row(8); let x9 = row(9); let x10 = row(10); let x11 = row(11); let x12 = row(12); let x13 = row(13); let x14 = row(14); let x15 = row(15)
    let y0 = evenLanes(x0, x1); let y1 = evenLanes(x2, x3); let y2 = evenLanes(x4, x5); let y3 = evenLanes(x6, x7)
    let y4 = evenLanes(x8, x9); let y5 = evenLanes(x10, x11); let y6 = evenLanes(x12, x13); let y7 = evenLanes(x14, x15)
    let y8 = oddLanes(x0, x1); let y9 = oddLanes(x2, x3); let y10 = oddLanes(x4, x5); let y11 = oddLanes(x6, x7)
    let y12 = oddLanes(x8, x9); let y13 = oddLanes(x10, x11); let y14 = oddLanes(x12, x13); let y15 = oddLanes(x14, x15)
    let z0 = evenLanes(y0, y1); let z1 = evenLanes(y2, y3); let z2 = evenLanes(y4, y5); let z3 = evenLanes(y6, y7)
    let z4 = evenLanes(y8, y9); let z5 = evenLanes(y10, y11); let z6 = evenLanes(y12, y13); let z7 = evenLanes(y14, y15)
    let z8 = oddLanes(y0, y1); let z9 = oddLanes(y2, y3); let z10 = oddLanes(y4, y5); let z11 = oddLanes(y6, y7)
    let z12 = oddLanes(y8, y9); let z13 = oddLanes(y10, y11); let z14 = oddLanes(y12, y13); let z15 = oddLanes(y14, y15)
    let w0 = evenLanes(z0, z1); let w1 = evenLanes(z2, z3); let w2 = evenLanes(z4, z5); let w3 = evenLanes(z6, z7)
    let w4 = evenLanes(z8, z9); let w5 = evenLanes(z10, z11); let w6 = evenLanes(z12, z13); let w7 = evenLanes(z14, z15)
    let w8 = oddLanes(z0, z1); let w9 = oddLanes(z2, z3); let w10 = oddLanes(z4, z5); let w11 = oddLanes(z6, z7)
    let w12 = oddLanes(z8, z9); let w13 = oddLanes(z10, z11); let w14 = oddLanes(z12, z13); let w15 = oddLanes(z14, z15)
    let t0 = evenLanes(w0, w1); let t1 = evenLanes(w2, w3); let t2 = evenLanes(w4, w5); let t3 = evenLanes(w6, w7)
    let t4 = evenLanes(w8, w9); let t5 = evenLanes(w10, w11); let t6 = evenLanes(w12, w13); let t7 = evenLanes(w14, w15)
    let t8 = oddLanes(w0, w1); let t9 = oddLanes(w2, w3); let t10 = oddLanes(w4, w5); let t11 = oddLanes(w6, w7)
    let t12 = oddLanes(w8, w9); let t13 = oddLanes(w10, w11); let t14 = oddLanes(w12, w13); let t15 = oddLanes(w14, w15)
    store16(t0, dst + 0 * dstStride)
    store16(t1, dst + 1 * dstStride)
    store16(t2, dst + 2 * dstStride)
    store16(t3, dst + 3 * dstStride)
    store16(t4, dst + 4 * dstStride)
    store16(t5, dst + 5 * dstStride)
    store16(t6, dst + 6 * dstStride)
    store16(t7, dst + 7 * dstStride)
    store16(t8, dst + 8 * dstStride)
    store16(t9, dst + 9 * dstStride)
    store16(t10, dst + 10 * dstStride)
    store16(t11, dst + 11 * dstStride)
    store16(t12, dst + 12 * dstStride)
    store16(t13, dst + 13 * dstStride)
    store16(t14, dst + 14 * dstStride)
    store16(t15, dst + 15 * dstStride)
}
#else
/// The transpose of the 16 x 16 block whose row r is `row(r)`: row q of the result to
/// dst + q·dstStride. On AVX2 (16 registers of 8 floats) 16 rows of 16 lanes would spill, so the
/// block goes as four 8 x 8 transposes, each in eight registers. Rows are stored whole and in
/// order, as in the AVX-512 version: packing A stores 16 lanes at a stride of 12 and relies on
/// each row overwriting the previous row's last four lanes.
@inlinable @inline(__always)
public func transpose16x16(row: (Int) -> Vec16, _ dst: UnsafeMutablePointer<Float>, dstStride: Int) {
    for bj in 0..<2 {
        // Source lanes 8·bj ..< 8·bj + 8 become result rows 8·bj ..< 8·bj + 8: their first eight
        // lanes from source rows 0-7, their last eight from rows 8-15.
        @inline(__always) func part(_ r: Int) -> SIMD8<Float> {
            let v = row(r)
            return bj == 0 ? v.lowHalf : v.highHalf
        }
        let top = transpose8x8(part(0), part(1), part(2), part(3), part(4), part(5), part(6), part(7))
        let bottom = transpose8x8(part(8), part(9), part(10), part(11), part(12), part(13), part(14), part(15))
        let d = dst + 8 * bj * dstStride
        store16(Vec16(lowHalf: top.0, highHalf: bottom.0), d)
        store16(Vec16(lowHalf: top.1, highHalf: bottom.1), d + dstStride)
        store16(Vec16(lowHalf: top.2, highHalf: bottom.2), d + 2 * dstStride)
        store16(Vec16(lowHalf: top.3, highHalf: bottom.3), d + 3 * dstStride)
        store16(Vec16(lowHalf: top.4, highHalf: bottom.4), d + 4 * dstStride)
        store16(Vec16(lowHalf: top.5, highHalf: bottom.5), d + 5 * dstStride)
        store16(Vec16(lowHalf: top.6, highHalf: bottom.6), d + 6 * dstStride)
        store16(Vec16(lowHalf: top.7, highHalf: bottom.7), d + 7 * dstStride)
    }
}
#endif

/// The transpose of the 8 x 8 block with rows a … h: its eight rows. Three rounds of lane
/// selections that LLVM maps onto unpack, shuffle and 128-bit permutes.
@inlinable @inline(__always)
public func transpose8x8(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>,
                         _ e: SIMD8<Float>, _ f: SIMD8<Float>, _ g: SIMD8<Float>, _ h: SIMD8<Float>)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    typealias V8 = SIMD8<Float>
    // Interleave pairs within each 128-bit half: (x0 y0 x1 y1 | x4 y4 x5 y5) and (x2 y2 x3 y3 | x6 y6 x7 y7).
    @inline(__always) func lo(_ x: V8, _ y: V8) -> V8 { V8(x[0], y[0], x[1], y[1], x[4], y[4], x[5], y[5]) }
    @inline(__always) func hi(_ x: V8, _ y: V8) -> V8 { V8(x[2], y[2], x[3], y[3], x[6], y[6], x[7], y[7]) }
    // Pairs of pairs: (x0 x1 y0 y1 | x4 x5 y4 y5) and (x2 x3 y2 y3 | x6 x7 y6 y7).
    @inline(__always) func lo2(_ x: V8, _ y: V8) -> V8 { V8(x[0], x[1], y[0], y[1], x[4], x[5], y[4], y[5]) }
    @inline(__always) func hi2(_ x: V8, _ y: V8) -> V8 { V8(x[2], x[3], y[2], y[3], x[6], x[7], y[6], y[7]) }
    let ab0 = lo(a, b), ab1 = hi(a, b), cd0 = lo(c, d), cd1 = hi(c, d)
    let ef0 = lo(e, f), ef1 = hi(e, f), gh0 = lo(g, h), gh1 = hi(g, h)
    // (a0 b0 c0 d0 | a4 b4 c4 d4), (a1 … | a5 …), (a2 … | a6 …), (a3 … | a7 …), and the same for e … h.
    let u0 = lo2(ab0, cd0), u1 = hi2(ab0, cd0), u2 = lo2(ab1, cd1), u3 = hi2(ab1, cd1)
    let v0 = lo2(ef0, gh0), v1 = hi2(ef0, gh0), v2 = lo2(ef1, gh1), v3 = hi2(ef1, gh1)
    return (V8(lowHalf: u0.lowHalf, highHalf: v0.lowHalf), V8(lowHalf: u1.lowHalf, highHalf: v1.lowHalf),
            V8(lowHalf: u2.lowHalf, highHalf: v2.lowHalf), V8(lowHalf: u3.lowHalf, highHalf: v3.lowHalf),
            V8(lowHalf: u0.highHalf, highHalf: v0.highHalf), V8(lowHalf: u1.highHalf, highHalf: v1.highHalf),
            V8(lowHalf: u2.highHalf, highHalf: v2.highHalf), V8(lowHalf: u3.highHalf, highHalf: v3.highHalf))
}

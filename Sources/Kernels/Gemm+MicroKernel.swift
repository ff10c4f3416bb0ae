// The register-blocked micro-kernel: a 12 x 32 tile of C from a packed A micro-panel and a
// packed B micro-panel. Its only loop is over k; everything else is registers.
//
// Two register plans for the one packed layout, chosen when the module is compiled:
// - AVX512 (defined by the Makefile when the build targets a CPU with AVX-512: 32 registers of
//   16 floats): the whole 12 x 32 tile in 24 accumulators.
// - otherwise (AVX2 and NEON: 16 registers of 8 floats, or 32 of 4): four 6 x 16 sub-tiles, each
//   12 accumulators of 8 floats, 2 B vectors and a broadcast, over the same panels (A stride 12,
//   B stride 32). The 24-accumulator tile would need 48 such registers and spill on every k.
// Either way each element of C is the same chain of FMAs over k in the same order, then the
// same store arithmetic, so both plans give the same bits (the golden curves hold on both).

#if AVX512

extension GemmBlocking {
    /// C[0..<MR, 0..<NR] = alpha·Σ_p A[:, p]·B[p, :] + beta·C, with A and B packed (12 and 32 wide).
    /// beta == 0 never reads C. C has row stride ldc.
    @inline(never)
    static func microKernel(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        var c0a = Vec16(), c0b = Vec16()
        var c1a = Vec16(), c1b = Vec16()
        var c2a = Vec16(), c2b = Vec16()
        var c3a = Vec16(), c3b = Vec16()
        var c4a = Vec16(), c4b = Vec16()
        var c5a = Vec16(), c5b = Vec16()
        var c6a = Vec16(), c6b = Vec16()
        var c7a = Vec16(), c7b = Vec16()
        var c8a = Vec16(), c8b = Vec16()
        var c9a = Vec16(), c9b = Vec16()
        var c10a = Vec16(), c10b = Vec16()
        var c11a = Vec16(), c11b = Vec16()
        var ap = a, bp = b
        for _ in 0..<kc {
            let b0 = load16(bp), b1 = load16(bp + 16)
            let a0 = Vec16(repeating: ap[0]); c0a = c0a.addingProduct(a0, b0); c0b = c0b.addingProduct(a0, b1)
            let a1 = Vec16(repeating: ap[1]); c1a = c1a.addingProduct(a1, b0); c1b = c1b.addingProduct(a1, b1)
            let a2 = Vec16(repeating: ap[2]); c2a = c2a.addingProduct(a2, b0); c2b = c2b.addingProduct(a2, b1)
            let a3 = Vec16(repeating: ap[3]); c3a = c3a.addingProduct(a3, b0); c3b = c3b.addingProduct(a3, b1)
            let a4 = Vec16(repeating: ap[4]); c4a = c4a.addingProduct(a4, b0); c4b = c4b.addingProduct(a4, b1)
            let a5 = Vec16(repeating: ap[5]); c5a = c5a.addingProduct(a5, b0); c5b = c5b.addingProduct(a5, b1)
            let a6 = Vec16(repeating: ap[6]); c6a = c6a.addingProduct(a6, b0); c6b = c6b.addingProduct(a6, b1)
            let a7 = Vec16(repeating: ap[7]); c7a = c7a.addingProduct(a7, b0); c7b = c7b.addingProduct(a7, b1)
            let a8 = Vec16(repeating: ap[8]); c8a = c8a.addingProduct(a8, b0); c8b = c8b.addingProduct(a8, b1)
            let a9 = Vec16(repeating: ap[9]); c9a = c9a.addingProduct(a9, b0); c9b = c9b.addingProduct(a9, b1)
            let a10 = Vec16(repeating: ap[10]); c10a = c10a.addingProduct(a10, b0); c10b = c10b.addingProduct(a10, b1)
            let a11 = Vec16(repeating: ap[11]); c11a = c11a.addingProduct(a11, b0); c11b = c11b.addingProduct(a11, b1)
            ap += 12
            bp += 32
        }
        let va = Vec16(repeating: alpha), vb = Vec16(repeating: beta)
        @inline(__always) func store(_ x: Vec16, _ y: Vec16, _ r: Int) { storeRow(x, y, c + r * ldc, va, vb, beta) }
        store(c0a, c0b, 0)
        store(c1a, c1b, 1)
        store(c2a, c2b, 2)
        store(c3a, c3b, 3)
        store(c4a, c4b, 4)
        store(c5a, c5b, 5)
        store(c6a, c6b, 6)
        store(c7a, c7b, 7)
        store(c8a, c8b, 8)
        store(c9a, c9b, 9)
        store(c10a, c10b, 10)
        store(c11a, c11b, 11)
    }
}

extension GemmBlocking {
    /// Row r of a tile: alpha·(x, y) + beta·C (C not read when beta == 0).
    @inline(__always)
    static func storeRow(_ x: Vec16, _ y: Vec16, _ cr: UnsafeMutablePointer<Float>, _ va: Vec16, _ vb: Vec16, _ beta: Float) {
        if beta == 0 {
            store16(x * va, cr)
            store16(y * va, cr + 16)
        } else {
            store16((x * va).addingProduct(vb, load16(cr)), cr)
            store16((y * va).addingProduct(vb, load16(cr + 16)), cr + 16)
        }
    }

    // The first 4 or 8 rows of a full-width tile, reading the same packed A micro-panel (stride
    // MR): the edge panel of m = 64 (5 x 12 + 4) or 128 (10 x 12 + 8) costs a third or two thirds
    // of a full tile instead of a whole one computed aside. Each row's sums are the same FMAs in
    // the same order as in `microKernel`, so a row's bits do not depend on which kernel ran it.

    /// The first 4 rows of a full-width tile.
    @inline(never)
    static func microKernel4(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                             c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        var c0a = Vec16(), c0b = Vec16()
        var c1a = Vec16(), c1b = Vec16()
        var c2a = Vec16(), c2b = Vec16()
        var c3a = Vec16(), c3b = Vec16()
        var ap = a, bp = b
        for _ in 0..<kc {
            let b0 = load16(bp), b1 = load16(bp + 16)
            let a0 = Vec16(repeating: ap[0]); c0a = c0a.addingProduct(a0, b0); c0b = c0b.addingProduct(a0, b1)
            let a1 = Vec16(repeating: ap[1]); c1a = c1a.addingProduct(a1, b0); c1b = c1b.addingProduct(a1, b1)
            let a2 = Vec16(repeating: ap[2]); c2a = c2a.addingProduct(a2, b0); c2b = c2b.addingProduct(a2, b1)
            let a3 = Vec16(repeating: ap[3]); c3a = c3a.addingProduct(a3, b0); c3b = c3b.addingProduct(a3, b1)
            ap += 12
            bp += 32
        }
        let va = Vec16(repeating: alpha), vb = Vec16(repeating: beta)
        @inline(__always) func store(_ x: Vec16, _ y: Vec16, _ r: Int) { storeRow(x, y, c + r * ldc, va, vb, beta) }
        store(c0a, c0b, 0)
        store(c1a, c1b, 1)
        store(c2a, c2b, 2)
        store(c3a, c3b, 3)
    }

    /// The first 8 rows of a full-width tile.
    @inline(never)
    static func microKernel8(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                             c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        var c0a = Vec16(), c0b = Vec16()
        var c1a = Vec16(), c1b = Vec16()
        var c2a = Vec16(), c2b = Vec16()
        var c3a = Vec16(), c3b = Vec16()
        var c4a = Vec16(), c4b = Vec16()
        var c5a = Vec16(), c5b = Vec16()
        var c6a = Vec16(), c6b = Vec16()
        var c7a = Vec16(), c7b = Vec16()
        var ap = a, bp = b
        for _ in 0..<kc {
            let b0 = load16(bp), b1 = load16(bp + 16)
            let a0 = Vec16(repeating: ap[0]); c0a = c0a.addingProduct(a0, b0); c0b = c0b.addingProduct(a0, b1)
            let a1 = Vec16(repeating: ap[1]); c1a = c1a.addingProduct(a1, b0); c1b = c1b.addingProduct(a1, b1)
            let a2 = Vec16(repeating: ap[2]); c2a = c2a.addingProduct(a2, b0); c2b = c2b.addingProduct(a2, b1)
            let a3 = Vec16(repeating: ap[3]); c3a = c3a.addingProduct(a3, b0); c3b = c3b.addingProduct(a3, b1)
            let a4 = Vec16(repeating: ap[4]); c4a = c4a.addingProduct(a4, b0); c4b = c4b.addingProduct(a4, b1)
            let a5 = Vec16(repeating: ap[5]); c5a = c5a.addingProduct(a5, b0); c5b = c5b.addingProduct(a5, b1)
            let a6 = Vec16(repeating: ap[6]); c6a = c6a.addingProduct(a6, b0); c6b = c6b.addingProduct(a6, b1)
            let a7 = Vec16(repeating: ap[7]); c7a = c7a.addingProduct(a7, b0); c7b = c7b.addingProduct(a7, b1)
            ap += 12
            bp += 32
        }
        let va = Vec16(repeating: alpha), vb = Vec16(repeating: beta)
        @inline(__always) func store(_ x: Vec16, _ y: Vec16, _ r: Int) { storeRow(x, y, c + r * ldc, va, vb, beta) }
        store(c0a, c0b, 0)
        store(c1a, c1b, 1)
        store(c2a, c2b, 2)
        store(c3a, c3b, 3)
        store(c4a, c4b, 4)
        store(c5a, c5b, 5)
        store(c6a, c6b, 6)
        store(c7a, c7b, 7)
    }
}
#else
public typealias Vec8 = SIMD8<Float>

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> Vec8 { UnsafeRawPointer(p).loadUnaligned(as: Vec8.self) }

@inline(__always)
func store8(_ v: Vec8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec8.self) }

extension GemmBlocking {
    /// C[0..<MR, 0..<NR] = alpha·Σ_p A[:, p]·B[p, :] + beta·C, with A and B packed (12 and 32 wide).
    /// beta == 0 never reads C. C has row stride ldc. The four sub-tiles go in a snake order
    /// (rows 0-5 left, 6-11 left, 6-11 right, 0-5 right) so that each shares one operand's
    /// half-panel, still in L1, with the one before.
    @inline(never)
    static func microKernel(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        subTile6x16(kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
        subTile6x16(kc: kc, a: a + 6, b: b, c: c + 6 * ldc, ldc: ldc, alpha: alpha, beta: beta)
        subTile6x16(kc: kc, a: a + 6, b: b + 16, c: c + 6 * ldc + 16, ldc: ldc, alpha: alpha, beta: beta)
        subTile6x16(kc: kc, a: a, b: b + 16, c: c + 16, ldc: ldc, alpha: alpha, beta: beta)
    }

    /// The first 4 rows of a full-width tile (the edge panels of m = 64 and 128, as in the AVX512 plan).
    @inline(never)
    static func microKernel4(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                             c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        subTile4x16(kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
        subTile4x16(kc: kc, a: a, b: b + 16, c: c + 16, ldc: ldc, alpha: alpha, beta: beta)
    }

    /// The first 8 rows of a full-width tile.
    @inline(never)
    static func microKernel8(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                             c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        subTile4x16(kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
        subTile4x16(kc: kc, a: a + 4, b: b, c: c + 4 * ldc, ldc: ldc, alpha: alpha, beta: beta)
        subTile4x16(kc: kc, a: a + 4, b: b + 16, c: c + 4 * ldc + 16, ldc: ldc, alpha: alpha, beta: beta)
        subTile4x16(kc: kc, a: a, b: b + 16, c: c + 16, ldc: ldc, alpha: alpha, beta: beta)
    }

    /// Rows 0..<6 x columns 0..<16 of the panels' product (A stride MR = 12, B stride NR = 32).
    @inline(__always)
    static func subTile6x16(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        var c0a = Vec8(), c0b = Vec8()
        var c1a = Vec8(), c1b = Vec8()
        var c2a = Vec8(), c2b = Vec8()
        var c3a = Vec8(), c3b = Vec8()
        var c4a = Vec8(), c4b = Vec8()
        var c5a = Vec8(), c5b = Vec8()
        forEachK(kc, a, b) { ap, bp in
            let b0 = load8(bp), b1 = load8(bp + 8)
            let a0 = Vec8(repeating: ap[0]); c0a = c0a.addingProduct(a0, b0); c0b = c0b.addingProduct(a0, b1)
            let a1 = Vec8(repeating: ap[1]); c1a = c1a.addingProduct(a1, b0); c1b = c1b.addingProduct(a1, b1)
            let a2 = Vec8(repeating: ap[2]); c2a = c2a.addingProduct(a2, b0); c2b = c2b.addingProduct(a2, b1)
            let a3 = Vec8(repeating: ap[3]); c3a = c3a.addingProduct(a3, b0); c3b = c3b.addingProduct(a3, b1)
            let a4 = Vec8(repeating: ap[4]); c4a = c4a.addingProduct(a4, b0); c4b = c4b.addingProduct(a4, b1)
            let a5 = Vec8(repeating: ap[5]); c5a = c5a.addingProduct(a5, b0); c5b = c5b.addingProduct(a5, b1)
        }
        let va = Vec8(repeating: alpha), vb = Vec8(repeating: beta)
        @inline(__always) func store(_ x: Vec8, _ y: Vec8, _ r: Int) { storeRow8(x, y, c + r * ldc, va, vb, beta) }
        store(c0a, c0b, 0)
        store(c1a, c1b, 1)
        store(c2a, c2b, 2)
        store(c3a, c3b, 3)
        store(c4a, c4b, 4)
        store(c5a, c5b, 5)
    }

    /// Rows 0..<4 x columns 0..<16 of the panels' product (A stride 12, B stride 32).
    @inline(__always)
    static func subTile4x16(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        var c0a = Vec8(), c0b = Vec8()
        var c1a = Vec8(), c1b = Vec8()
        var c2a = Vec8(), c2b = Vec8()
        var c3a = Vec8(), c3b = Vec8()
        forEachK(kc, a, b) { ap, bp in
            let b0 = load8(bp), b1 = load8(bp + 8)
            let a0 = Vec8(repeating: ap[0]); c0a = c0a.addingProduct(a0, b0); c0b = c0b.addingProduct(a0, b1)
            let a1 = Vec8(repeating: ap[1]); c1a = c1a.addingProduct(a1, b0); c1b = c1b.addingProduct(a1, b1)
            let a2 = Vec8(repeating: ap[2]); c2a = c2a.addingProduct(a2, b0); c2b = c2b.addingProduct(a2, b1)
            let a3 = Vec8(repeating: ap[3]); c3a = c3a.addingProduct(a3, b0); c3b = c3b.addingProduct(a3, b1)
        }
        let va = Vec8(repeating: alpha), vb = Vec8(repeating: beta)
        @inline(__always) func store(_ x: Vec8, _ y: Vec8, _ r: Int) { storeRow8(x, y, c + r * ldc, va, vb, beta) }
        store(c0a, c0b, 0)
        store(c1a, c1b, 1)
        store(c2a, c2b, 2)
        store(c3a, c3b, 3)
    }

    /// step(A column p, B row p) for p = 0..<kc in order (A stride MR, B stride NR), four steps
    /// per loop trip: the loop's own counter and pointer updates otherwise take decode slots
    /// from the FMAs (1024³ on Zen 2, one thread: 63 -> 72 GFLOP/s). The order of the k steps,
    /// and so every bit of C, is that of a plain loop.
    @inline(__always)
    static func forEachK(_ kc: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                         _ step: (UnsafePointer<Float>, UnsafePointer<Float>) -> Void) {
        var ap = a, bp = b, p = 0
        while p &+ 4 <= kc {
            step(ap, bp)
            step(ap + mr, bp + nr)
            step(ap + 2 * mr, bp + 2 * nr)
            step(ap + 3 * mr, bp + 3 * nr)
            ap += 4 * mr
            bp += 4 * nr
            p &+= 4
        }
        while p < kc {
            step(ap, bp)
            ap += mr
            bp += nr
            p &+= 1
        }
    }

    /// 16 floats of a row of a tile: alpha·(x, y) + beta·C (C not read when beta == 0).
    @inline(__always)
    static func storeRow8(_ x: Vec8, _ y: Vec8, _ cr: UnsafeMutablePointer<Float>, _ va: Vec8, _ vb: Vec8, _ beta: Float) {
        if beta == 0 {
            store8(x * va, cr)
            store8(y * va, cr + 8)
        } else {
            store8((x * va).addingProduct(vb, load8(cr)), cr)
            store8((y * va).addingProduct(vb, load8(cr + 8)), cr + 8)
        }
    }
}
#endif

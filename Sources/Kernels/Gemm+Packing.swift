// Packing: copies a block of A or B into the order the micro-kernel reads it, zero-padding the
// edge panels so the kernel never needs a bounds check. Handles the transposes, so the kernel
// sees one layout only. Where the source runs along k, 16 x 16 blocks are transposed in
// registers (Transpose.swift); element by element, packing would cost a quarter of the product.

extension GemmBlocking {
    /// Packs op(A)[i0..<i0+mc, p0..<p0+kc] as MR-row micro-panels: panel q holds, for each p,
    /// the MR values op(A)[i0 + q·MR + r, p0 + p], r = 0..<MR (zeros beyond the last row).
    /// Writes up to 4 floats past the end of the packed block (the workspace has room).
    @inline(never)
    static func packA(_ s: GemmShape, a: UnsafePointer<Float>, lda: Int, i0: Int, mc: Int, p0: Int, kc: Int,
                      into dst: UnsafeMutablePointer<Float>) {
        var out = dst
        var i = 0
        while i < mc {
            let rows = min(mr, mc - i)
            if s.transA {
                // op(A)[r, p] = A[p, r]: MR consecutive floats of row p of A.
                let wide = i0 + i + 16 <= s.m  // a 16-float load stays inside A's row
                for p in 0..<kc {
                    let src = a + (p0 + p) * lda + i0 + i
                    if wide && rows == mr {
                        store16(load16(src), out)
                    } else {
                        for r in 0..<rows { out[r] = src[r] }
                        for r in rows..<mr { out[r] = 0 }
                    }
                    out += mr
                }
            } else {
                // Rows of A run along k: transpose 16 x 16 blocks (rows beyond MR are zero),
                // then store 16 lanes per p; each store's last 4 lanes are overwritten by the next.
                var p = 0
                while p + 16 <= kc {
                    transpose16x16(a + (i0 + i) * lda + p0 + p, srcStride: lda, rows: rows, out + p * mr, dstStride: mr)
                    p += 16
                }
                while p < kc {
                    for r in 0..<mr { out[p * mr + r] = r < rows ? a[(i0 + i + r) * lda + p0 + p] : 0 }
                    p += 1
                }
                out += kc * mr
            }
            i += mr
        }
    }

    /// Packs op(B)[p0..<p0+kc, j0..<j0+nc] as NR-column micro-panels: panel q holds, for each p,
    /// the NR values op(B)[p0 + p, j0 + q·NR + c] (zeros beyond the last column).
    @inline(never)
    static func packB(_ s: GemmShape, b: UnsafePointer<Float>, ldb: Int, p0: Int, kc: Int, j0: Int, nc: Int,
                      into dst: UnsafeMutablePointer<Float>) {
        var out = dst
        var j = 0
        while j < nc {
            let cols = min(nr, nc - j)
            if s.transB {
                // op(B)[p, c] = B[c, p]: rows of B run along k; transpose 16 x 16 blocks, one
                // half-panel of 16 rows of B after the other (16 read streams, not 32: the
                // hardware prefetchers keep up with 16; 128x1000x784 N,T on Zen 2, one thread: 62 -> 70 GFLOP/s).
                let whole = kc / 16 * 16
                for half in 0..<2 {
                    let rows = max(0, min(16, cols - half * 16))
                    var p = 0
                    while p < whole {
                        transpose16x16(b + (j0 + j + half * 16) * ldb + p0 + p, srcStride: ldb,
                                       rows: rows, out + p * nr + half * 16, dstStride: nr)
                        p += 16
                    }
                }
                var p = whole
                while p < kc {
                    for c in 0..<nr { out[p * nr + c] = c < cols ? b[(j0 + j + c) * ldb + p0 + p] : 0 }
                    p += 1
                }
            } else if cols == nr {
                for p in 0..<kc {
                    let src = b + (p0 + p) * ldb + j0 + j
                    store16(load16(src), out + p * nr)
                    store16(load16(src + 16), out + p * nr + 16)
                }
            } else {
                for p in 0..<kc {
                    let src = b + (p0 + p) * ldb + j0 + j
                    for c in 0..<cols { out[p * nr + c] = src[c] }
                    for c in cols..<nr { out[p * nr + c] = 0 }
                }
            }
            out += kc * nr
            j += nr
        }
    }
}

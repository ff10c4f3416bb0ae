// Packing: copies a block of A or B into the order the micro-kernel reads it, zero-padding the
// edge panels so the kernel never needs a bounds check. Handles the transposes, so the kernel
// sees one layout only.

extension GemmBlocking {
    /// Packs op(A)[i0..<i0+mc, p0..<p0+kc] as MR-row micro-panels: panel q holds, for each p,
    /// the MR values op(A)[i0 + q·MR + r, p0 + p], r = 0..<MR (zeros beyond the last row).
    @inline(__always)
    static func packA(_ s: GemmShape, a: UnsafePointer<Float>, lda: Int, i0: Int, mc: Int, p0: Int, kc: Int,
                      into dst: UnsafeMutablePointer<Float>) {
        var out = dst
        var i = 0
        while i < mc {
            let rows = min(mr, mc - i)
            if s.transA {
                // op(A)[r, p] = A[p, r]: MR consecutive floats per p.
                for p in 0..<kc {
                    let src = a + (p0 + p) * lda + i0 + i
                    for r in 0..<rows { out[r] = src[r] }
                    for r in rows..<mr { out[r] = 0 }
                    out += mr
                }
            } else {
                for r in 0..<rows {
                    let src = a + (i0 + i + r) * lda + p0
                    for p in 0..<kc { out[p * mr + r] = src[p] }
                }
                if rows < mr { for p in 0..<kc { for r in rows..<mr { out[p * mr + r] = 0 } } }
                out += kc * mr
            }
            i += mr
        }
    }

    /// Packs op(B)[p0..<p0+kc, j0..<j0+nc] as NR-column micro-panels: panel q holds, for each p,
    /// the NR values op(B)[p0 + p, j0 + q·NR + c] (zeros beyond the last column).
    @inline(__always)
    static func packB(_ s: GemmShape, b: UnsafePointer<Float>, ldb: Int, p0: Int, kc: Int, j0: Int, nc: Int,
                      into dst: UnsafeMutablePointer<Float>) {
        var out = dst
        var j = 0
        while j < nc {
            let cols = min(nr, nc - j)
            if s.transB {
                // op(B)[p, c] = B[c, p]: read each of the NR rows of B contiguously.
                for c in 0..<cols {
                    let src = b + (j0 + j + c) * ldb + p0
                    for p in 0..<kc { out[p * nr + c] = src[p] }
                }
                if cols < nr { for p in 0..<kc { for c in cols..<nr { out[p * nr + c] = 0 } } }
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

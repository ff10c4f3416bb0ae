// Single-precision matrix multiply, row-major: C = alpha·op(A)·op(B) + beta·C.
// op(A) is (m, k) and op(B) is (k, n); a transposed operand is stored as its transpose.
// With beta == 0, C is never read (it may hold NaN).

/// Which operands are transposed; `A·Bᵀ` and `Aᵀ·B` are the products a backward pass needs.
public struct GemmShape: Sendable, Equatable {
    public var m: Int, n: Int, k: Int
    public var transA: Bool, transB: Bool
    public init(m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false) {
        self.m = m; self.n = n; self.k = k; self.transA = transA; self.transB = transB
    }
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}

/// The naive triple loop, in Double: the reference every fast path is tested against.
public func gemmReference(_ s: GemmShape, alpha: Float,
                          a: UnsafePointer<Float>, lda: Int,
                          b: UnsafePointer<Float>, ldb: Int,
                          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in 0..<s.m {
        for j in 0..<s.n {
            var sum = 0.0
            for p in 0..<s.k {
                let av = s.transA ? a[p * lda + i] : a[i * lda + p]
                let bv = s.transB ? b[j * ldb + p] : b[p * ldb + j]
                sum += Double(av) * Double(bv)
            }
            let old: Double = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
            c[i * ldc + j] = Float(Double(alpha) * sum + old)
        }
    }
}

/// C = alpha·op(A)·op(B) + beta·C. Rows of C are independent, so `threads` workers take
/// fixed row ranges and the result does not depend on the thread count.
public func gemm(_ s: GemmShape, alpha: Float = 1,
                 a: UnsafePointer<Float>, lda: Int,
                 b: UnsafePointer<Float>, ldb: Int,
                 beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
                 threads: Int = 1) {
    if s.m == 0 || s.n == 0 { return }
    let workers = s.flops < 2e6 ? 1 : max(1, min(threads, s.m))
    parallelFor(workers, threads: workers) { w in
        let lo = s.m * w / workers, hi = s.m * (w + 1) / workers
        gemmRows(s, lo, hi, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

private func gemmRows(_ s: GemmShape, _ lo: Int, _ hi: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in lo..<hi {
        let ci = c + i * ldc
        if !s.transB && !s.transA || !s.transB {
            // C[i, :] = beta·C[i, :] + Σ_p alpha·A(i, p)·B[p, :]; rows of B are contiguous.
            scale(beta, ci, s.n)
            for p in 0..<s.k {
                let av = s.transA ? a[p * lda + i] : a[i * lda + p]
                if av != 0 { axpy(alpha * av, b + p * ldb, ci, s.n) }
            }
        } else if !s.transA {
            // C[i, j] = A[i, :]·B[j, :]; both rows contiguous.
            let ai = a + i * lda
            for j in 0..<s.n {
                let v = alpha * dot(ai, b + j * ldb, s.k)
                ci[j] = beta == 0 ? v : v + beta * ci[j]
            }
        } else {
            for j in 0..<s.n {
                var sum: Float = 0
                for p in 0..<s.k { sum = sum.addingProduct(a[p * lda + i], b[j * ldb + p]) }
                ci[j] = beta == 0 ? alpha * sum : alpha * sum + beta * ci[j]
            }
        }
    }
}

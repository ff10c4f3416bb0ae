// Symmetric eigendecomposition (the job of LAPACK's dsyev): A = V·Λ·Vᵀ with orthonormal V, by
// the cyclic Jacobi method: sweep over every off-diagonal pair (p, q), rotating it to zero, until
// the off-diagonal mass is negligible. Jacobi is slower than tridiagonal QR (about 10 sweeps of
// 6n³ flops against 9n³ in all) but simple, and accurate to full relative precision on the small
// eigenvalues, which is what matters when a whitening transform divides by their square roots.

public struct SymmetricEigen: Sendable {
    /// Ascending.
    public let values: [Double]
    /// n x n; column j is the unit eigenvector of values[j].
    public let vectors: Matrix
    /// Jacobi sweeps it took.
    public let sweeps: Int

    /// `a` must be symmetric (checked to a relative 1e-12); at most `maxSweeps` sweeps.
    public init(_ a: Matrix, maxSweeps: Int = 60) {
        let n = a.rows
        precondition(a.cols == n, "SymmetricEigen: needs a square matrix, got \(a.rows)x\(a.cols)")
        let scale = max(a.maxAbs, .leastNormalMagnitude)
        for i in 0..<n { for j in 0..<i { precondition(abs(a[i, j] - a[j, i]) <= 1e-12 * scale, "SymmetricEigen: not symmetric") } }
        var w = a, v = Matrix.identity(n), sweep = 0
        func offDiagonal() -> Double {
            var s = 0.0
            for i in 0..<n { for j in 0..<n where i != j { s += w[i, j] * w[i, j] } }
            return s
        }
        let total = w.values.reduce(0) { $0 + $1 * $1 }
        while sweep < maxSweeps && offDiagonal() > 1e-30 * total {
            sweep += 1
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) where w[p, q] != 0 {
                    // The rotation (c, s) that zeroes w[p, q]: t = tan θ solves t² + 2τt − 1 = 0,
                    // τ = (w_qq − w_pp) / (2 w_pq); the smaller root keeps the rotation small.
                    let tau = (w[q, q] - w[p, p]) / (2 * w[p, q])
                    let t = (tau >= 0 ? 1 : -1) / (abs(tau) + (1 + tau * tau).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot(), s = t * c
                    for k in 0..<n {  // columns p and q: W ← W·J
                        let wp = w[k, p], wq = w[k, q]
                        w[k, p] = c * wp - s * wq
                        w[k, q] = s * wp + c * wq
                    }
                    for k in 0..<n {  // rows p and q: W ← Jᵀ·W
                        let wp = w[p, k], wq = w[q, k]
                        w[p, k] = c * wp - s * wq
                        w[q, k] = s * wp + c * wq
                    }
                    w[p, q] = 0
                    w[q, p] = 0
                    for k in 0..<n {
                        let vp = v[k, p], vq = v[k, q]
                        v[k, p] = c * vp - s * vq
                        v[k, q] = s * vp + c * vq
                    }
                }
            }
        }
        let order = (0..<n).sorted { w[$0, $0] < w[$1, $1] }
        values = order.map { w[$0, $0] }
        var sorted = Matrix(rows: n, cols: n)
        for (j, src) in order.enumerated() { for i in 0..<n { sorted[i, j] = v[i, src] } }
        vectors = sorted
        sweeps = sweep
    }
}

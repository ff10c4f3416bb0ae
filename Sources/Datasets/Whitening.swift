// ZCA whitening (Bell & Sejnowski 1997; the "whitened" CIFAR-10 of the paper's Figure 3):
// x ← W·(x − μ) with μ the training set's per-feature mean and W = U·(S + ε)^(−1/2)·Uᵀ for the
// covariance C = U·S·Uᵀ of the training features. The covariance goes through our GEMM and the
// inverse square root of C + εI through a coupled Newton–Schulz iteration on the same GEMM
// (Higham, "Functions of Matrices", 2008, eq. 6.35): with A scaled so that its eigenvalues lie in
// (0, 1],
//     T_k = (3I − Z_k·Y_k) / 2,   Y_{k+1} = Y_k·T_k,   Z_{k+1} = T_k·Z_k,   Y_0 = A, Z_0 = I,
// Y_k → A^(1/2) and Z_k → A^(−1/2), quadratically once Z_k·Y_k is near I. Every step is three
// d x d products, so d = 3072 costs seconds where a float64 eigensolver would cost minutes; the
// tests check it against the Jacobi eigensolver of LinearAlgebra on small matrices.
import Kernels

public enum Whitening {
    /// μ and W for the rows of x (n x d). Float32 throughout.
    public static func zca(_ x: UnsafePointer<Float>, rows n: Int, features d: Int, epsilon: Double,
                           threads: Int) -> (mean: [Float], matrix: [Float], iterations: Int) {
        var mean = [Double](repeating: 0, count: d)
        for r in 0..<n { for j in 0..<d { mean[j] += Double(x[r * d + j]) } }
        let mu = mean.map { Float($0 / Double(max(n, 1))) }
        // Centred copy, in blocks of rows: C = Σ_blocks Xcᵀ·Xc / n (the block sums added in order).
        let c = FloatBuffer(count: d * d)
        let blockRows = 1024
        let block = FloatBuffer(count: min(n, blockRows) * d)
        var first = true
        for r0 in stride(from: 0, to: n, by: blockRows) {
            let rows = min(blockRows, n - r0)
            for r in 0..<rows { for j in 0..<d { block.base[r * d + j] = x[(r0 + r) * d + j] - mu[j] } }
            gemm(GemmShape(m: d, n: d, k: rows, transA: true), alpha: 1 / Float(n), a: block.base, lda: d,
                 b: block.base, ldb: d, beta: first ? 0 : 1, c: c.base, ldc: d, threads: threads)
            first = false
        }
        // Exactly symmetric, then C + εI.
        for i in 0..<d {
            for j in (i + 1)..<d {
                let v = (c.base[i * d + j] + c.base[j * d + i]) / 2
                c.base[i * d + j] = v; c.base[j * d + i] = v
            }
            c.base[i * d + i] += Float(epsilon)
        }
        let (w, iterations) = inverseSquareRoot(c, d, threads: threads)
        return (mu, w.array, iterations)
    }

    /// A^(−1/2) of a symmetric positive definite d x d matrix (overwritten), by Newton–Schulz.
    /// Stops when ‖I − Z·Y‖_F stops falling or is below 1e-6·√d.
    public static func inverseSquareRoot(_ a: FloatBuffer, _ d: Int, threads: Int, maxIterations: Int = 100) -> (FloatBuffer, iterations: Int) {
        // Scale by the Frobenius norm (>= the largest eigenvalue), so eigenvalues lie in (0, 1].
        var norm = 0.0
        for i in 0..<(d * d) { norm += Double(a.base[i]) * Double(a.base[i]) }
        let s = norm.squareRoot()
        guard s > 0 else { return (a, 0) }
        scale(Float(1 / s), a.base, d * d)
        var y = a, z = FloatBuffer(count: d * d)
        for i in 0..<d { z.base[i * d + i] = 1 }
        let t = FloatBuffer(count: d * d)
        var y2 = FloatBuffer(count: d * d), z2 = FloatBuffer(count: d * d)
        var previous = Double.infinity, iterations = 0
        let shape = GemmShape(m: d, n: d, k: d)
        while iterations < maxIterations {
            // t = (3I − Z·Y)/2, and the residual ‖I − Z·Y‖_F on the way.
            gemm(shape, alpha: -0.5, a: z.base, lda: d, b: y.base, ldb: d, beta: 0, c: t.base, ldc: d, threads: threads)
            var residual = 0.0
            for i in 0..<d {
                t.base[i * d + i] += 1.5
                for j in 0..<d {
                    // 2·(t − I) = I − Z·Y
                    let e = 2 * (Double(t.base[i * d + j]) - (i == j ? 1 : 0))
                    residual += e * e
                }
            }
            residual = residual.squareRoot()
            if residual >= previous || residual < 1e-6 * Double(d).squareRoot() { break }
            previous = residual
            gemm(shape, a: y.base, lda: d, b: t.base, ldb: d, beta: 0, c: y2.base, ldc: d, threads: threads)
            gemm(shape, a: t.base, lda: d, b: z.base, ldb: d, beta: 0, c: z2.base, ldc: d, threads: threads)
            swap(&y, &y2)
            swap(&z, &z2)
            iterations += 1
        }
        // Z ≈ (A/s)^(−1/2), so A^(−1/2) = Z / √s; symmetrised against rounding.
        let f = Float(1 / s.squareRoot())
        for i in 0..<d {
            for j in i..<d {
                let v = (z.base[i * d + j] + z.base[j * d + i]) / 2 * f
                z.base[i * d + j] = v; z.base[j * d + i] = v
            }
        }
        return (z, iterations)
    }

    /// Rows of x (n x d) in place: x ← W·(x − μ), through the GEMM in blocks of rows.
    public static func apply(mean: [Float], matrix w: [Float], to x: UnsafeMutablePointer<Float>, rows n: Int,
                             features d: Int, threads: Int) {
        let blockRows = 1024
        let block = FloatBuffer(count: min(max(n, 1), blockRows) * d)
        w.withUnsafeBufferPointer { wp in
            for r0 in stride(from: 0, to: n, by: blockRows) {
                let rows = min(blockRows, n - r0)
                for r in 0..<rows { for j in 0..<d { block.base[r * d + j] = x[(r0 + r) * d + j] - mean[j] } }
                // (W·x_r)ᵀ = x_rᵀ·Wᵀ = x_rᵀ·W (W is symmetric).
                gemm(GemmShape(m: rows, n: d, k: d), a: block.base, lda: d, b: wp.baseAddress!, ldb: d,
                     beta: 0, c: x + r0 * d, ldc: d, threads: threads)
            }
        }
    }
}

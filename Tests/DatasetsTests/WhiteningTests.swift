// ZCA whitening: the Newton–Schulz inverse square root against the float64 Jacobi eigensolver,
// and whitened data with identity covariance.
@testable import Datasets
import Foundation
import Kernels
import LinearAlgebra
import Testing

/// A random symmetric positive definite matrix U·diag(λ)·Uᵀ with eigenvalues spread over [lo, hi].
func spd(_ d: Int, lo: Double, hi: Double, seed: UInt64) -> Matrix {
    var rng = RNG(seed: seed)
    var a = Matrix(rows: d, cols: d)
    for i in 0..<d { for j in 0..<d { a[i, j] = rng.normal() } }
    let q = SymmetricEigen(a.multiplied(by: a.transposed)).vectors  // an orthogonal basis
    var m = Matrix(rows: d, cols: d)
    for k in 0..<d {
        let lambda = lo * pow(hi / lo, Double(k) / Double(max(1, d - 1)))
        for i in 0..<d { for j in 0..<d { m[i, j] += lambda * q[i, k] * q[j, k] } }
    }
    return m
}

@Test(arguments: [(d: 5, lo: 0.5, hi: 2.0), (d: 24, lo: 1e-3, hi: 1.0), (d: 40, lo: 0.1, hi: 300)])
func newtonSchulzInverseSquareRootMatchesTheEigensolver(_ c: (d: Int, lo: Double, hi: Double)) {
    let a = spd(c.d, lo: c.lo, hi: c.hi, seed: UInt64(c.d))
    let e = SymmetricEigen(a)
    var expected = Matrix(rows: c.d, cols: c.d)
    for k in 0..<c.d {
        let f = 1 / e.values[k].squareRoot()
        for i in 0..<c.d { for j in 0..<c.d { expected[i, j] += f * e.vectors[i, k] * e.vectors[j, k] } }
    }
    let buffer = FloatBuffer(a.values.map { Float($0) })
    let (z, iterations) = Whitening.inverseSquareRoot(buffer, c.d, threads: 1)
    let scale = expected.maxAbs
    var worst = 0.0
    for i in 0..<(c.d * c.d) { worst = max(worst, abs(Double(z.base[i]) - expected.values[i])) }
    // Float32 products: relative error grows with the condition number (here up to 3000).
    #expect(worst / scale < 2e-4 * (c.hi / c.lo).squareRoot(), "worst \(worst), scale \(scale), \(iterations) iterations")
    #expect(iterations > 0 && iterations < 60)
}

@Test func zcaWhitenedDataHasIdentityCovariance() {
    // 2000 samples of 12 correlated features with covariance eigenvalues in [0.05, 4]: with ε far
    // below the smallest eigenvalue, W·C·W = C·(C + εI)^(−1) is I to within ε/λ_min = 2e-5,
    // while the estimated covariance has sampling error on top of that only in the mean.
    let n = 2000, d = 12
    let mixing = spd(d, lo: 0.05, hi: 4, seed: 3)
    let root = SymmetricEigen(mixing)
    var rng = RNG(seed: 12)
    var x = [Float](repeating: 0, count: n * d)
    for r in 0..<n {
        let z = (0..<d).map { _ in rng.normal() }
        for i in 0..<d {
            var s = 5.0 + Double(i)  // a mean to subtract
            for k in 0..<d { s += root.vectors[i, k] * root.values[k].squareRoot() * z[k] }
            x[r * d + i] = Float(s)
        }
    }
    let (mean, w, _) = Whitening.zca(x, rows: n, features: d, epsilon: 1e-6, threads: 2)
    #expect(abs(mean[3] - 8) < 0.2)
    Whitening.apply(mean: mean, matrix: w, to: &x, rows: n, features: d, threads: 2)
    var worst = 0.0
    for i in 0..<d {
        var m = 0.0
        for r in 0..<n { m += Double(x[r * d + i]) }
        #expect(abs(m / Double(n)) < 1e-4)
        for j in 0..<d {
            var c = 0.0
            for r in 0..<n { c += Double(x[r * d + i]) * Double(x[r * d + j]) }
            worst = max(worst, abs(c / Double(n) - (i == j ? 1 : 0)))
        }
    }
    // The same data's own covariance is whitened, so no sampling error: what remains is ε and the
    // Float32 arithmetic (condition number 80).
    #expect(worst < 1e-3, "worst deviation from I: \(worst)")
    // W is symmetric (ZCA, not PCA whitening).
    for i in 0..<d { for j in 0..<d { #expect(w[i * d + j] == w[j * d + i]) } }
}

// Dense float64 routines checked on worked examples and by reconstruction (Q·R = A, QᵀQ = I,
// V·Λ·Vᵀ = A, VᵀV = I, L·Lᵀ = A) on random and ill-conditioned (Hilbert) matrices.
import Foundation
import LinearAlgebra
import Testing

/// A reproducible random matrix with entries in [-1, 1) (a small LCG: no dependency on Kernels).
func randomMatrix(_ m: Int, _ n: Int, seed: UInt64) -> Matrix {
    var x = seed &* 6364136223846793005 &+ 1442695040888963407
    return Matrix(rows: m, cols: n, values: (0..<(m * n)).map { _ in
        x = x &* 6364136223846793005 &+ 1442695040888963407
        return Double(x >> 11) * 0x1p-52 - 1
    })
}

func hilbert(_ n: Int) -> Matrix { Matrix(rows: n, cols: n, values: (0..<(n * n)).map { 1 / Double($0 / n + $0 % n + 1) }) }

@Test func qrOfAWorkedExample() {
    // The classic 3x3 example: A = [[12, -51, 4], [6, 167, -68], [-4, 24, -41]] has
    // R = [[14, 21, -14], [0, 175, -70], [0, 0, 35]] and Q's first column (6, 3, -2)/7.
    let qr = QR(Matrix([[12, -51, 4], [6, 167, -68], [-4, 24, -41]]))
    let r = Matrix([[14, 21, -14], [0, 175, -70], [0, 0, 35]])
    #expect((qr.r - r).maxAbs < 1e-12)
    #expect(abs(qr.q[0, 0] - 6.0 / 7) < 1e-14 && abs(qr.q[1, 0] - 3.0 / 7) < 1e-14 && abs(qr.q[2, 0] + 2.0 / 7) < 1e-14)
}

@Test(arguments: [(1, 1), (5, 5), (9, 4), (40, 17), (64, 64)])
func qrReconstructsRandomMatrices(_ shape: (Int, Int)) {
    let a = randomMatrix(shape.0, shape.1, seed: UInt64(shape.0 * 100 + shape.1))
    let qr = QR(a)
    #expect((qr.q.multiplied(by: qr.r) - a).maxAbs < 1e-13 * Double(shape.0))
    #expect((qr.q.transposed.multiplied(by: qr.q) - .identity(shape.1)).maxAbs < 1e-13 * Double(shape.0))
    for i in 0..<shape.1 { for j in 0..<i { #expect(qr.r[i, j] == 0) }; #expect(qr.r[i, i] >= 0) }
}

@Test func qrStaysOrthogonalOnAnIllConditionedMatrix() {
    // Hilbert 10 has condition number ~1.6e13; Householder keeps Q orthogonal to rounding anyway.
    let a = hilbert(10), qr = QR(a)
    #expect((qr.q.transposed.multiplied(by: qr.q) - .identity(10)).maxAbs < 1e-14 * 10)
    #expect((qr.q.multiplied(by: qr.r) - a).maxAbs < 1e-15 * 10)
}

@Test func leastSquaresFitsALineExactlyAndSolvesSquareSystems() {
    // y = 2 + 3x through four points, and a worked 2x2 system: 2x + y = 5, x + 3y = 10 → (1, 3).
    let a = Matrix([[1, 0], [1, 1], [1, 2], [1, 3]])
    let x = QR(a).leastSquares([2, 5, 8, 11])!
    #expect(abs(x[0] - 2) < 1e-13 && abs(x[1] - 3) < 1e-13)
    let y = QR(Matrix([[2, 1], [1, 3]])).leastSquares([5, 10])!
    #expect(abs(y[0] - 1) < 1e-14 && abs(y[1] - 3) < 1e-14)
    #expect(Triangular.solveUpper(Matrix([[1, 2], [0, 0]]), [1, 1]) == nil)
}

@Test func eigenOfWorkedExamples() {
    // [[2, 1], [1, 2]]: eigenvalues 1 and 3, eigenvectors (1, −1)/√2 and (1, 1)/√2.
    let e = SymmetricEigen(Matrix([[2, 1], [1, 2]]))
    #expect(abs(e.values[0] - 1) < 1e-15 && abs(e.values[1] - 3) < 1e-15)
    #expect(abs(abs(e.vectors[0, 1]) - 0.5.squareRoot()) < 1e-15 && abs(e.vectors[0, 1] - e.vectors[1, 1]) < 1e-15)
    // A diagonal matrix is its own decomposition, sorted.
    let d = SymmetricEigen(Matrix([[3, 0, 0], [0, -1, 0], [0, 0, 2]]))
    #expect(d.values == [-1, 2, 3] && d.sweeps == 0)
}

@Test(arguments: [3, 8, 30])
func eigenReconstructsRandomSymmetricMatrices(_ n: Int) {
    let b = randomMatrix(n, n, seed: UInt64(n))
    let a = Matrix(rows: n, cols: n, values: (0..<(n * n)).map { (b.values[$0] + b.values[($0 % n) * n + $0 / n]) / 2 })
    let e = SymmetricEigen(a)
    var lambda = Matrix(rows: n, cols: n)
    for i in 0..<n { lambda[i, i] = e.values[i] }
    #expect((e.vectors.multiplied(by: lambda).multiplied(by: e.vectors.transposed) - a).maxAbs < 1e-13 * Double(n))
    #expect((e.vectors.transposed.multiplied(by: e.vectors) - .identity(n)).maxAbs < 1e-13 * Double(n))
    #expect(zip(e.values, e.values.dropFirst()).allSatisfy { $0 <= $1 })
    #expect(e.sweeps < 15)
}

@Test func eigenKeepsTheSmallEigenvaluesOfAnIllConditionedMatrix() {
    // Hilbert 8's smallest eigenvalue is 1.111538966e-10 (condition ~1.5e10): Jacobi gets it to
    // a relative 1e-6 even though it is 1e-10 of the largest.
    let e = SymmetricEigen(hilbert(8))
    #expect(abs(e.values[0] - 1.111538966e-10) / 1.111538966e-10 < 1e-6)
    #expect(abs(e.values[7] - 1.695938996) < 1e-8)
}

@Test func choleskyOfAWorkedExampleAndItsSolve() {
    // [[4, 12, −16], [12, 37, −43], [−16, −43, 98]] = L·Lᵀ with L = [[2, 0, 0], [6, 1, 0], [−8, 5, 3]].
    let c = Cholesky(Matrix([[4, 12, -16], [12, 37, -43], [-16, -43, 98]]))!
    #expect((c.l - Matrix([[2, 0, 0], [6, 1, 0], [-8, 5, 3]])).maxAbs < 1e-14)
    // A·(1, 2, 3) = (−20, −43, 192).
    let x = c.solve([-20, -43, 192])
    #expect(abs(x[0] - 1) < 1e-12 && abs(x[1] - 2) < 1e-12 && abs(x[2] - 3) < 1e-12)
    #expect(Cholesky(Matrix([[1, 2], [2, 1]])) == nil)  // indefinite
}

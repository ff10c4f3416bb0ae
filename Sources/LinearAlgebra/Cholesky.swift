// Cholesky factorisation and solves (LAPACK's dpotrf / dpotrs): A = L·Lᵀ for symmetric positive
// definite A, and A·x = b through two triangular solves.

public struct Cholesky: Sendable {
    /// Lower triangular, positive diagonal.
    public let l: Matrix

    /// Nil when `a` is not (numerically) positive definite: a pivot <= 0.
    public init?(_ a: Matrix) {
        let n = a.rows
        precondition(a.cols == n, "Cholesky: needs a square matrix")
        var l = Matrix(rows: n, cols: n)
        for j in 0..<n {
            var d = a[j, j]
            for k in 0..<j { d -= l[j, k] * l[j, k] }
            guard d > 0 else { return nil }
            l[j, j] = d.squareRoot()
            for i in (j + 1)..<max(j + 1, n) {
                var s = a[i, j]
                for k in 0..<j { s -= l[i, k] * l[j, k] }
                l[i, j] = s / l[j, j]
            }
        }
        self.l = l
    }

    /// x with A·x = b: L·y = b, then Lᵀ·x = y.
    public func solve(_ b: [Double]) -> [Double] {
        let y = Triangular.solveLower(l, b)!
        return Triangular.solveUpper(l.transposed, y)!
    }
}

// Householder QR (the job of LAPACK's dgeqrf + dorgqr): A = Q·R for an m x n matrix with m >= n,
// Q with orthonormal columns (m x n), R upper triangular (n x n); and least squares through it.

public struct QR: Sendable {
    /// m x n, orthonormal columns.
    public let q: Matrix
    /// n x n, upper triangular; its diagonal is made non-negative where the column is nonzero.
    public let r: Matrix

    /// Factors `a` by n Householder reflections H_k = I − 2·v·vᵀ/(vᵀv), each zeroing column k
    /// below the diagonal; v's first entry is chosen with the sign that avoids cancellation.
    public init(_ a: Matrix) {
        let m = a.rows, n = a.cols
        precondition(m >= n, "QR: needs rows >= cols, got \(m)x\(n)")
        var w = a                         // becomes R in its upper triangle
        var reflectors: [[Double]] = []   // v_k, length m − k
        for k in 0..<n {
            var v = (k..<m).map { w[$0, k] }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm == 0 { reflectors.append([]); continue }
            v[0] += v[0] >= 0 ? norm : -norm
            let vv = v.reduce(0) { $0 + $1 * $1 }
            for j in k..<n {
                var dot = 0.0
                for i in k..<m { dot += v[i - k] * w[i, j] }
                let f = 2 * dot / vv
                for i in k..<m { w[i, j] -= f * v[i - k] }
            }
            reflectors.append(v)
        }
        // Q = H_0 · H_1 ⋯ H_{n−1} applied to the first n columns of the identity, last first.
        var q = Matrix(rows: m, cols: n)
        for i in 0..<n { q[i, i] = 1 }
        for k in stride(from: n - 1, through: 0, by: -1) where !reflectors[k].isEmpty {
            let v = reflectors[k], vv = v.reduce(0) { $0 + $1 * $1 }
            for j in 0..<n {
                var dot = 0.0
                for i in k..<m { dot += v[i - k] * q[i, j] }
                let f = 2 * dot / vv
                for i in k..<m { q[i, j] -= f * v[i - k] }
            }
        }
        var r = Matrix(rows: n, cols: n)
        for i in 0..<n { for j in i..<n { r[i, j] = w[i, j] } }
        // Signs: make R's diagonal non-negative (flip a row of R and the column of Q together).
        for i in 0..<n where r[i, i] < 0 {
            for j in i..<n { r[i, j] = -r[i, j] }
            for row in 0..<m { q[row, i] = -q[row, i] }
        }
        self.q = q
        self.r = r
    }

    /// The x minimising ‖A·x − b‖₂: R·x = Qᵀ·b. Nil when R is singular (rank-deficient A).
    public func leastSquares(_ b: [Double]) -> [Double]? {
        precondition(b.count == q.rows, "QR.leastSquares: b has \(b.count) entries, A has \(q.rows) rows")
        let qtb = q.transposed.multiplied(by: b)
        return Triangular.solveUpper(r, qtb)
    }
}

/// Triangular solves (LAPACK's dtrtrs): back and forward substitution.
public enum Triangular {
    /// Solves U·x = b for upper triangular U; nil when a diagonal entry is zero.
    public static func solveUpper(_ u: Matrix, _ b: [Double]) -> [Double]? {
        let n = u.rows
        precondition(u.cols == n && b.count == n)
        var x = b
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = x[i]
            for j in (i + 1)..<max(i + 1, n) { s -= u[i, j] * x[j] }
            guard u[i, i] != 0 else { return nil }
            x[i] = s / u[i, i]
        }
        return x
    }

    /// Solves L·x = b for lower triangular L; nil when a diagonal entry is zero.
    public static func solveLower(_ l: Matrix, _ b: [Double]) -> [Double]? {
        let n = l.rows
        precondition(l.cols == n && b.count == n)
        var x = b
        for i in 0..<n {
            var s = x[i]
            for j in 0..<i { s -= l[i, j] * x[j] }
            guard l[i, i] != 0 else { return nil }
            x[i] = s / l[i, i]
        }
        return x
    }
}

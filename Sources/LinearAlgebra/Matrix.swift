// Dense float64 matrices for the small linear algebra adam-bench needs (SFO's subspace, ZCA
// whitening): row-major storage, shapes checked at every entry point.

/// A dense rows x cols matrix of Double, row-major: element (i, j) is `values[i * cols + j]`.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    public var values: [Double]

    public init(rows: Int, cols: Int, values: [Double]) {
        precondition(rows >= 0 && cols >= 0 && values.count == rows * cols, "Matrix: \(values.count) values for \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    public init(rows: Int, cols: Int) { self.init(rows: rows, cols: cols, values: [Double](repeating: 0, count: rows * cols)) }

    /// From nested rows, e.g. `Matrix([[1, 2], [3, 4]])`.
    public init(_ nested: [[Double]]) {
        let cols = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == cols }, "Matrix: rows of different lengths")
        self.init(rows: nested.count, cols: cols, values: nested.flatMap { $0 })
    }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    public subscript(i: Int, j: Int) -> Double {
        get { values[i * cols + j] }
        set { values[i * cols + j] = newValue }
    }

    public var transposed: Matrix {
        var t = Matrix(rows: cols, cols: rows)
        for i in 0..<rows { for j in 0..<cols { t[j, i] = self[i, j] } }
        return t
    }

    /// self · other (a plain triple loop: these matrices are small; the GEMM in Kernels is for
    /// Float training work).
    public func multiplied(by other: Matrix) -> Matrix {
        precondition(cols == other.rows, "Matrix: \(rows)x\(cols) times \(other.rows)x\(other.cols)")
        var c = Matrix(rows: rows, cols: other.cols)
        for i in 0..<rows {
            for k in 0..<cols {
                let a = self[i, k]
                if a == 0 { continue }
                for j in 0..<other.cols { c.values[i * other.cols + j] += a * other.values[k * other.cols + j] }
            }
        }
        return c
    }

    public func multiplied(by x: [Double]) -> [Double] {
        precondition(cols == x.count, "Matrix: \(rows)x\(cols) times a vector of \(x.count)")
        return (0..<rows).map { i in (0..<cols).reduce(0.0) { $0 + self[i, $1] * x[$1] } }
    }

    /// The largest |a_ij|: the norm the tests measure residuals in.
    public var maxAbs: Double { values.reduce(0) { max($0, abs($1)) } }

    public static func - (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.cols == b.cols)
        return Matrix(rows: a.rows, cols: a.cols, values: zip(a.values, b.values).map { $0 - $1 })
    }
}

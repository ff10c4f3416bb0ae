// Sparse examples in compressed sparse row (CSR) form: bag-of-words vectors and libsvm files are
// held this way from the file to the first layer (dense IMDB would be 25,000 x 10,000 floats).
import Kernels

public struct SparseRows: @unchecked Sendable {
    /// The width of a row (features); every index is below it.
    public let columns: Int
    /// count + 1 offsets: row r is indices/values[rowStart[r] ..< rowStart[r + 1]].
    public let rowStart: [Int]
    /// Column of each nonzero, strictly increasing within a row.
    public let indices: [Int32]
    public let values: [Float]

    public init(columns: Int, rowStart: [Int], indices: [Int32], values: [Float]) {
        precondition(rowStart.first == 0 && rowStart.last == indices.count && indices.count == values.count)
        self.columns = columns
        self.rowStart = rowStart
        self.indices = indices
        self.values = values
    }

    public var count: Int { rowStart.count - 1 }
    public var nonzeros: Int { indices.count }

    /// The first n rows.
    public func prefix(_ n: Int) -> SparseRows {
        let n = min(n, count), end = rowStart[n]
        return SparseRows(columns: columns, rowStart: Array(rowStart[0...n]), indices: Array(indices[0..<end]),
                          values: Array(values[0..<end]))
    }

    /// The most nonzeros any `rows` rows hold together: the scratch a minibatch of that many rows
    /// needs whatever the shuffle.
    public func maxNonzeros(rows: Int) -> Int {
        var lengths = (0..<count).map { rowStart[$0 + 1] - rowStart[$0] }
        lengths.sort(by: >)
        return lengths.prefix(rows).reduce(0, +)
    }

    /// The rows as a dense (count, columns) matrix, for tests and the dense reference path.
    public func densified() -> FloatBuffer {
        let out = FloatBuffer(count: count * columns)
        for r in 0..<count {
            for k in rowStart[r]..<rowStart[r + 1] { out[r * columns + Int(indices[k])] = values[k] }
        }
        return out
    }

    /// The rows of a dense (count, columns) matrix, its zeros left out.
    public static func fromDense(_ x: UnsafePointer<Float>, rows: Int, columns: Int) -> SparseRows {
        var start = [0], indices: [Int32] = [], values: [Float] = []
        for r in 0..<rows {
            for c in 0..<columns where x[r * columns + c] != 0 {
                indices.append(Int32(c))
                values.append(x[r * columns + c])
            }
            start.append(indices.count)
        }
        return SparseRows(columns: columns, rowStart: start, indices: indices, values: values)
    }
}

// Products of a minibatch of sparse rows (CSR) with a dense weight matrix in PyTorch's layout
// (outputs, columns): the first layer of a model on bag-of-words inputs. Both touch only the
// nonzeros; neither ever forms a dense copy of the batch. Threads take disjoint blocks of
// outputs, and every sum runs in a fixed order, so results do not depend on the thread count.

/// Rows of a sparse matrix: row r holds (indices[k], values[k]) for k in rowStart[r] ..<
/// rowStart[r + 1], indices strictly increasing. Offsets are into `indices` and `values` as given,
/// so a view of rows lo..< of a larger set passes rowStart + lo and the set's own arrays.
public struct CSRBatch: @unchecked Sendable {
    public let rowStart: UnsafePointer<Int>
    public let indices: UnsafePointer<Int32>
    /// Mutable so that input dropout can scale a minibatch's own copy in place.
    public let values: UnsafeMutablePointer<Float>
    public let count: Int
    public let columns: Int

    public init(rowStart: UnsafePointer<Int>, indices: UnsafePointer<Int32>, values: UnsafeMutablePointer<Float>,
                count: Int, columns: Int) {
        self.rowStart = rowStart
        self.indices = indices
        self.values = values
        self.count = count
        self.columns = columns
    }

    public var nonzeros: Int { count == 0 ? 0 : rowStart[count] - rowStart[0] }
}

/// C[i, j] = Σ_k x[i, k]·W[j, k] (C = X·Wᵀ, overwritten): W is (outputs, x.columns) with row
/// stride ldw, C is (x.count, outputs) with row stride ldc. Each sum runs over row i's nonzeros
/// in four interleaved partial sums, added as (s0 + s1) + (s2 + s3).
public func sparseTimesWeightsT(_ x: CSRBatch, w: UnsafePointer<Float>, ldw: Int, outputs: Int,
                                c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1) {
    let workers = sparseWorkers(outputs: outputs, nonzeros: x.nonzeros, threads: threads)
    parallelFor(workers, threads: workers) { t in
        for j in (outputs * t / workers)..<(outputs * (t + 1) / workers) {
            let wj = w + j * ldw
            for i in 0..<x.count {
                c[i * ldc + j] = sparseDot(x, row: i, wj)
            }
        }
    }
}

/// Σ over row i's nonzeros of value·w[index], in the fixed order of `sparseTimesWeightsT`.
@inline(__always)
func sparseDot(_ x: CSRBatch, row i: Int, _ w: UnsafePointer<Float>) -> Float {
    var k = x.rowStart[i]
    let end = x.rowStart[i + 1]
    var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
    let idx = x.indices, val = x.values
    while k + 4 <= end {
        s0 = s0.addingProduct(val[k], w[Int(idx[k])])
        s1 = s1.addingProduct(val[k + 1], w[Int(idx[k + 1])])
        s2 = s2.addingProduct(val[k + 2], w[Int(idx[k + 2])])
        s3 = s3.addingProduct(val[k + 3], w[Int(idx[k + 3])])
        k += 4
    }
    while k < end { s0 = s0.addingProduct(val[k], w[Int(idx[k])]); k += 1 }
    return (s0 + s1) + (s2 + s3)
}

/// G = dZᵀ·X (overwritten): G[j, c] = Σ_i dZ[i, j]·x[i, c] over the rows in order, zero where no
/// row has column c. dZ is (x.count, outputs) with row stride ldz; G is (outputs, x.columns) with
/// row stride ldg. The weight gradient of a layer whose input is X.
public func sparseWeightGradient(_ x: CSRBatch, dz: UnsafePointer<Float>, ldz: Int, outputs: Int,
                                 g: UnsafeMutablePointer<Float>, ldg: Int, threads: Int = 1) {
    let workers = sparseWorkers(outputs: outputs, nonzeros: x.nonzeros, threads: threads)
    parallelFor(workers, threads: workers) { t in
        for j in (outputs * t / workers)..<(outputs * (t + 1) / workers) {
            let gj = g + j * ldg
            gj.update(repeating: 0, count: x.columns)
            for i in 0..<x.count {
                let d = dz[i * ldz + j]
                if d == 0 { continue }  // adds exactly nothing (a dropped or saturated row)
                for k in x.rowStart[i]..<x.rowStart[i + 1] {
                    let col = Int(x.indices[k])
                    gj[col] = gj[col].addingProduct(d, x.values[k])
                }
            }
        }
    }
}

/// Threads for a sparse product: one unless there are outputs to split and work to pay for it.
@inline(__always)
func sparseWorkers(outputs: Int, nonzeros: Int, threads: Int) -> Int {
    Double(outputs) * Double(nonzeros) < 2e5 ? 1 : max(1, min(threads, outputs))
}

// A minibatch of sparse rows gathered from a data set into CSR scratch owned by one training
// point: allocated once, at the most nonzeros any minibatch can hold, so a step allocates
// nothing. The model may scale the copy's values in place (input dropout); the data set's own
// rows are never written.
import Datasets
import Kernels
import NN

final class SparseMinibatch {
    let capacity: Int
    let rowStart: UnsafeMutablePointer<Int>
    let indices: UnsafeMutablePointer<Int32>
    let values: UnsafeMutablePointer<Float>
    let maxRows: Int

    init(rows: SparseRows, maxRows: Int) {
        self.maxRows = maxRows
        capacity = max(1, rows.maxNonzeros(rows: maxRows))
        rowStart = .allocate(capacity: maxRows + 1)
        rowStart.initialize(repeating: 0, count: maxRows + 1)
        indices = .allocate(capacity: capacity)
        indices.initialize(repeating: 0, count: capacity)
        values = .allocate(capacity: capacity)
        values.initialize(repeating: 0, count: capacity)
    }

    deinit {
        rowStart.deallocate()
        indices.deallocate()
        values.deallocate()
    }

    /// Copies rows source(0) … source(m - 1) of `rows` into the scratch and returns them as a batch.
    func gather(_ rows: SparseRows, count m: Int, source: (Int) -> Int) -> CSRBatch {
        precondition(m <= maxRows)
        rows.rowStart.withUnsafeBufferPointer { start in
            rows.indices.withUnsafeBufferPointer { idx in
                rows.values.withUnsafeBufferPointer { val in
                    var k = 0
                    rowStart[0] = 0
                    for r in 0..<m {
                        let s = source(r), lo = start[s], len = start[s + 1] - lo
                        (indices + k).update(from: idx.baseAddress! + lo, count: len)
                        (values + k).update(from: val.baseAddress! + lo, count: len)
                        k += len
                        rowStart[r + 1] = k
                    }
                }
            }
        }
        return CSRBatch(rowStart: rowStart, indices: indices, values: values, count: m, columns: rows.columns)
    }
}

extension SparseRows {
    /// Rows lo ..< lo + m as a read-only batch over this set's own arrays, for `body` only.
    func withBatch<R>(lo: Int, count m: Int, _ body: (CSRBatch) -> R) -> R {
        rowStart.withUnsafeBufferPointer { start in
            indices.withUnsafeBufferPointer { idx in
                values.withUnsafeBufferPointer { val in
                    body(CSRBatch(rowStart: start.baseAddress! + lo, indices: idx.baseAddress!,
                                  values: UnsafeMutablePointer(mutating: val.baseAddress!), count: m, columns: columns))
                }
            }
        }
    }
}

/// Summed loss and correct count of `model` on rows lo ..< lo + m of `set`, dense or sparse.
func evaluateRows(_ model: Model, _ params: FloatBuffer, _ set: LabeledData, lo: Int, count m: Int) -> (lossSum: Double, correct: Int) {
    set.labels.withUnsafeBufferPointer { labels in
        if let sparse = set.sparse {
            return sparse.withBatch(lo: lo, count: m) { x in
                (model as! SparseInputModel).evaluate(parameters: params.base, rows: x, labels: labels.baseAddress! + lo, firstRow: lo)
            }
        }
        return model.evaluate(parameters: params.base, x: set.x.base + lo * set.inputSize, labels: labels.baseAddress! + lo,
                              count: m, firstRow: lo)
    }
}

// Inverted dropout (Srivastava et al. 2014): during training each unit is kept with probability
// 1 − p and scaled by 1/(1 − p), so evaluation uses the network as it is.
import Kernels

public struct Dropout: Sendable, Equatable {
    public let p: Float
    /// A unit is dropped when its 16-bit uniform is below this. Four masks come from each 64-bit
    /// draw, so the drop probability is p rounded to a multiple of 2^-16 (exact for 0.5, 0.25, …).
    let threshold: UInt64
    let keepScale: Float

    public init(p: Double) {
        precondition(p >= 0 && p < 1)
        self.p = Float(p)
        threshold = UInt64((p * 65536).rounded())
        keepScale = Float(1 / (1 - p))
    }

    public var isActive: Bool { threshold > 0 }

    /// Fills mask[0..<n] with 0 (dropped) or 1/(1 − p) (kept).
    @inline(__always)
    public func fillMask(_ mask: UnsafeMutablePointer<Float>, _ n: Int, rng: inout RNG) {
        draw(n, rng: &rng) { i, m in mask[i] = m }
    }

    /// Scales values[0..<n] in place by the mask `fillMask` would draw from the same stream (so a
    /// sparse row whose nonzeros are its first n features drops exactly what the dense row drops).
    @inline(__always)
    public func apply(to values: UnsafeMutablePointer<Float>, _ n: Int, rng: inout RNG) {
        draw(n, rng: &rng) { i, m in values[i] = values[i] * m }
    }

    /// The masks of units 0..<n in order, four 16-bit uniforms from each 64-bit draw.
    @inline(__always)
    func draw(_ n: Int, rng: inout RNG, _ body: (Int, Float) -> Void) {
        var i = 0
        while i < n {
            var bits = rng.next()
            for _ in 0..<min(4, n - i) {
                body(i, bits & 0xFFFF < threshold ? 0 : keepScale)
                bits >>= 16
                i += 1
            }
        }
    }
}

/// Input dropout on the nonzero features of sparse rows, in place: row r's k-th nonzero takes the
/// k-th mask of stream (key, layer 0, row r), the stream the dense input dropout of row r uses.
func applySparseInputDropout(_ x: CSRBatch, dropout: Dropout, key: UInt64, blocks: Int) {
    let n = x.count
    parallelFor(blocks, threads: blocks) { blk in
        for r in (n * blk / blocks)..<(n * (blk + 1) / blocks) {
            var rowRNG = DenseLayers.maskRNG(key, layer: 0, row: r)
            dropout.apply(to: x.values + x.rowStart[r], x.rowStart[r + 1] - x.rowStart[r], rng: &rowRNG)
        }
    }
}

// The optimizer interface: one update on one flat parameter vector. An optimizer never sees the
// model; its state is flat buffers with the parameters' layout (llm.c's gpt2_update).
import Kernels

/// A first-order method. `step` applies one update with the (already scheduled) learning rate;
/// the optimizer counts its own steps, so t starts at 1 on the first call, as in Algorithm 1.
public protocol Optimizer: AnyObject {
    var steps: Int { get }
    func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, lr: Float)

    /// The optimizer's whole state besides its settings, for checkpoints: running scalars (the
    /// step count first) and flat buffers (moments, accumulators) in a fixed order. Setting the
    /// scalars and copying into the buffers continues the run exactly where it was saved.
    var stateScalars: [Double] { get set }
    var stateBuffers: [FloatBuffer] { get }
}

extension Optimizer {
    /// Restores a saved state; false (and nothing changed) when its shape is not this optimizer's.
    public func restore(scalars: [Double], buffers: [[Float]]) -> Bool {
        let mine = stateBuffers
        guard scalars.count == stateScalars.count, buffers.count == mine.count,
              zip(buffers, mine).allSatisfy({ $0.count == $1.count }),
              let t = scalars.first, t >= 0, t <= 0x1p52, t == t.rounded() else { return false }
        for (saved, b) in zip(buffers, mine) where b.count > 0 {
            saved.withUnsafeBufferPointer { b.base.update(from: $0.baseAddress!, count: b.count) }
        }
        stateScalars = scalars
        return true
    }
}

/// Element-wise updates are memory-bound; above this many parameters they are split into
/// fixed chunks run on several threads. Chunks never interact, so results are thread-count free.
let updateChunk = 1 << 16

/// Runs body(lo, hi) over 0..<count in fixed chunks, on up to `threads` threads.
@inline(__always)
func forEachChunk(_ count: Int, threads: Int, _ body: (Int, Int) -> Void) {
    let chunks = (count + updateChunk - 1) / updateChunk
    if chunks <= 1 || threads <= 1 { body(0, count); return }
    parallelFor(min(chunks, threads), threads: threads) { w in
        let per = (chunks + threads - 1) / threads
        let lo = min(count, w * per * updateChunk), hi = min(count, (w + 1) * per * updateChunk)
        if lo < hi { body(lo, hi) }
    }
}

/// Runs body(i, n) over lo..<hi in steps of 16 lanes; n < 16 only for the last step. The update
/// is written once on Vec16 values (`lanes`/`store`), so LLVM need not prove the buffers apart to
/// vectorise it, and a lane computes the same bits wherever it falls.
@inline(__always)
func forEach16(_ lo: Int, _ hi: Int, _ body: (Int, Int) -> Void) {
    var i = lo
    while i + 16 <= hi { body(i, 16); i += 16 }
    if i < hi { body(i, hi - i) }
}

/// 16 lanes of p from i (lanes past n are zero).
@inline(__always)
func lanes(_ p: UnsafePointer<Float>, _ i: Int, _ n: Int) -> Vec16 {
    if n == 16 { return load16(p + i) }
    var v = Vec16()
    for k in 0..<n { v[k] = p[i + k] }
    return v
}

@inline(__always)
func lanes(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ n: Int) -> Vec16 { lanes(UnsafePointer(p), i, n) }

/// Stores the first n lanes of v at p + i.
@inline(__always)
func store(_ v: Vec16, _ p: UnsafeMutablePointer<Float>, _ i: Int, _ n: Int) {
    if n == 16 { store16(v, p + i); return }
    for k in 0..<n { p[i + k] = v[k] }
}

/// max(a, b) lane by lane (neither is NaN in the optimizers' use).
@inline(__always)
func maximum(_ a: Vec16, _ b: Vec16) -> Vec16 { a.replacing(with: b, where: b .> a) }

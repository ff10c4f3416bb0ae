// The optimizer interface: one update on one flat parameter vector. An optimizer never sees the
// model; its state is flat buffers with the parameters' layout (llm.c's gpt2_update).
import Kernels

/// A first-order method. `step` applies one update with the (already scheduled) learning rate;
/// the optimizer counts its own steps, so t starts at 1 on the first call, as in Algorithm 1.
public protocol Optimizer: AnyObject {
    var steps: Int { get }
    func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, lr: Float)
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

/// Mutable optimizer state read and written by worker threads on disjoint ranges.
typealias State = UnsafeMutablePointer<Float>

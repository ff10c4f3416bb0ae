// Deterministic parallelism: work is split into a fixed number of blocks whose results are
// independent, so the answer never depends on how many threads ran them.
import Dispatch

/// Runs body(0..<count) on up to `threads` threads; block i always does the same work.
public func parallelFor(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    if count <= 0 { return }
    if threads <= 1 || count == 1 {
        for i in 0..<count { body(i) }
        return
    }
    let workers = min(threads, count)
    if WorkerPool.shared.run(count, threads: workers, body) { return }
    // The pool is busy (a nested or concurrent caller) or smaller than asked: use Dispatch.
    withoutActuallyEscaping(body) { body in
        let box = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var i = w
            while i < count { box.value(i); i += workers }
        }
    }
}

/// Wraps a value the caller guarantees is used safely across threads.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

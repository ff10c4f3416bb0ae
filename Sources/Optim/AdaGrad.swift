// AdaGrad (Duchi, Hazan & Singer 2011).
import Kernels

/// `adagrad`: s ← s + g²;  θ ← θ − lr·g / (√s + eps).
/// eps sits outside the square root. Defaults: lr 0.01, eps 1e-10, initial_accumulator 0.
public final class AdaGrad: Optimizer {
    public let count: Int
    public let eps: Float
    public private(set) var steps = 0
    let sumSquares: FloatBuffer
    let threads: Int

    public var stateScalars: [Double] {
        get { [Double(steps)] }
        set { steps = Int(newValue[0]) }
    }
    public var stateBuffers: [FloatBuffer] { [sumSquares] }

    public init(count: Int, eps: Float, initialAccumulator: Float, threads: Int = 1) {
        self.count = count
        self.eps = eps
        self.threads = threads
        sumSquares = FloatBuffer(count: count)
        sumSquares.fill(initialAccumulator)
    }

    public func step(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, lr: Float) {
        steps += 1
        let s = sumSquares.base, eps = Vec16(repeating: eps), rate = Vec16(repeating: lr)
        forEachChunk(count, threads: threads) { lo, hi in
            forEach16(lo, hi) { i, n in
                let gi = lanes(g, i, n)
                let si = lanes(s, i, n) + gi * gi
                store(si, s, i, n)
                store(lanes(p, i, n) - rate * gi / (si.squareRoot() + eps), p, i, n)
            }
        }
    }
}

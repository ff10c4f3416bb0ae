// Temporal averaging of the parameters for evaluation (section 7.2 of the paper).
import Kernels

public enum AveragingKind: Sendable, Equatable {
    /// θ̄ ← β·θ̄ + (1−β)·θ; evaluation uses θ̄ / (1 − β^t) (bias-corrected, as the paper).
    case ema(beta: Double)
    /// θ̄_t = (θ_1 + … + θ_t) / t (Polyak & Juditsky 1992).
    case polyak

    public var name: String {
        switch self {
        case .ema(let beta): return "ema(beta=\(formatNumber(beta)))"
        case .polyak: return "polyak"
        }
    }
}

/// The running average of the parameters, updated after every optimizer step.
public final class ParameterAverage {
    public let kind: AveragingKind
    public private(set) var steps = 0
    let average: FloatBuffer

    /// For checkpoints: the number of averaged steps and the running average.
    public var state: (steps: Int, average: FloatBuffer) { (steps, average) }

    /// Restores a saved average; false (and nothing changed) when it does not fit.
    public func restore(steps: Int, average values: [Float]) -> Bool {
        guard steps >= 0, values.count == average.count else { return false }
        if !values.isEmpty { values.withUnsafeBufferPointer { average.base.update(from: $0.baseAddress!, count: average.count) } }
        self.steps = steps
        return true
    }

    public init(kind: AveragingKind, count: Int) {
        self.kind = kind
        average = FloatBuffer(count: count)
    }

    public func update(_ theta: UnsafePointer<Float>) {
        steps += 1
        let a = average.base
        switch kind {
        case .ema(let beta):
            let b = Float(beta), c = Float(1 - beta)
            for i in 0..<average.count { a[i] = b * a[i] + c * theta[i] }
        case .polyak:
            let w = Float(1 / Double(steps))
            for i in 0..<average.count { a[i] += w * (theta[i] - a[i]) }
        }
    }

    /// Writes the averaged parameters; before any step they are `theta` itself.
    public func write(into out: UnsafeMutablePointer<Float>, current theta: UnsafePointer<Float>) {
        guard steps > 0 else { out.update(from: theta, count: average.count); return }
        switch kind {
        case .ema(let beta):
            let scale = Float(1 / (1 - pow_(beta, Double(steps))))
            for i in 0..<average.count { out[i] = average.base[i] * scale }
        case .polyak:
            out.update(from: average.base, count: average.count)
        }
    }
}

// Synthetic full-batch objectives for checking optimizers where the answer is known.
import Kernels

/// A deterministic function of θ with its gradient (plus optional seeded gradient noise).
public protocol Objective: AnyObject {
    var dimension: Int { get }
    var initial: [Float] { get }
    func value(_ theta: UnsafePointer<Float>) -> Double
    func gradient(_ theta: UnsafePointer<Float>, into g: UnsafeMutablePointer<Float>, rng: inout RNG)
}

/// f(θ) = ½·Σ a_i·(θ_i − b_i)²; ∇f = a·(θ − b) (+ σ·N(0, 1) per coordinate if noise σ > 0).
public final class Quadratic: Objective {
    public let curvatures: [Double], targets: [Double], initial: [Float]
    public let noise: Double
    public var dimension: Int { curvatures.count }

    public init(curvatures: [Double], targets: [Double], initial: [Float], noise: Double = 0) {
        precondition(curvatures.count == targets.count && targets.count == initial.count)
        self.curvatures = curvatures
        self.targets = targets
        self.initial = initial
        self.noise = noise
    }

    public func value(_ theta: UnsafePointer<Float>) -> Double {
        var f = 0.0
        for i in 0..<dimension {
            let d = Double(theta[i]) - targets[i]
            f += 0.5 * curvatures[i] * d * d
        }
        return f
    }

    public func gradient(_ theta: UnsafePointer<Float>, into g: UnsafeMutablePointer<Float>, rng: inout RNG) {
        for i in 0..<dimension {
            var gi = curvatures[i] * (Double(theta[i]) - targets[i])
            if noise > 0 { gi += noise * rng.normal() }
            g[i] = Float(gi)
        }
    }
}

/// f(x, y) = (a − x)² + b·(y − x²)²; minimum 0 at (a, a²).
public final class Rosenbrock: Objective {
    public let a: Double, b: Double, initial: [Float]
    public var dimension: Int { 2 }

    public init(a: Double, b: Double, initial: [Float]) {
        precondition(initial.count == 2)
        self.a = a
        self.b = b
        self.initial = initial
    }

    public func value(_ theta: UnsafePointer<Float>) -> Double {
        let x = Double(theta[0]), y = Double(theta[1])
        return (a - x) * (a - x) + b * (y - x * x) * (y - x * x)
    }

    public func gradient(_ theta: UnsafePointer<Float>, into g: UnsafeMutablePointer<Float>, rng: inout RNG) {
        let x = Double(theta[0]), y = Double(theta[1])
        g[0] = Float(-2 * (a - x) - 4 * b * x * (y - x * x))
        g[1] = Float(2 * b * (y - x * x))
    }
}

// Every optimizer checked step by step: against numbers worked out by hand, against a Double
// reference written straight from SPEC section 4, and against the identities between them.
import Foundation
import Kernels
@testable import Optim
import Testing

func hyper(_ name: String, _ given: [String: HyperValue] = [:]) -> Hyperparameters {
    let spec = Optimizers.named(name)!
    return Hyperparameters(spec.hyperparameters.map { ($0.name, given[$0.name] ?? $0.defaultValue!) })
}

/// Runs `name` on one parameter starting at 1 with the given gradients; returns θ after each step.
func trajectory(_ name: String, _ given: [String: HyperValue], gradients: [Float]) -> [Float] {
    let h = hyper(name, given)
    let opt = Optimizers.named(name)!.make(h, count: 1)
    var theta: [Float] = [1]
    var out: [Float] = []
    for g in gradients {
        opt.step(parameters: &theta, gradients: [g], lr: Float(h.number("lr")))
        out.append(theta[0])
    }
    return out
}

struct HandCase: CustomTestStringConvertible, Sendable {
    let optimizer: String
    let hyper: [String: HyperValue]
    let gradients: [Float]
    let expected: [Double]
    let why: String
    var testDescription: String { "\(optimizer): \(why)" }
}

// θ0 = 1 throughout. Each expectation is worked out from the update rule in the comment.
let handCases: [HandCase] = [
    HandCase(optimizer: "sgd", hyper: ["lr": .number(0.1)], gradients: [0.5], expected: [0.95],
             why: "θ ← 1 − 0.1·0.5"),
    HandCase(optimizer: "sgd", hyper: ["lr": .number(0.1), "momentum": .number(0.9)], gradients: [0.5, 0.5],
             expected: [0.95, 0.855], why: "v = 0.5, then 0.95; θ ← θ − 0.1·v"),
    HandCase(optimizer: "nesterov", hyper: ["lr": .number(0.1)], gradients: [0.5, 0.5], expected: [0.905, 0.7695],
             why: "v = 0.5: θ ← 1 − 0.1·(0.5 + 0.45); v = 0.95: θ ← 0.905 − 0.1·(0.5 + 0.855)"),
    HandCase(optimizer: "adagrad", hyper: ["lr": .number(0.1)], gradients: [0.5, 0.5], expected: [0.9, 0.8292893218813453],
             why: "s = 0.25: step 0.1·0.5/0.5; s = 0.5: step 0.1·0.5/√0.5"),
    HandCase(optimizer: "rmsprop", hyper: ["lr": .number(0.01)], gradients: [0.5], expected: [0.9],
             why: "v = 0.01·0.25: step 0.01·0.5/0.05"),
    HandCase(optimizer: "adadelta", hyper: [:], gradients: [0.5], expected: [0.9968377855834876],
             why: "Eg = 0.025: Δ = √1e-6/√0.025001·0.5"),
    HandCase(optimizer: "adam", hyper: ["lr": .number(0.1)], gradients: [0.5, 0.5], expected: [0.900000002, 0.800000004],
             why: "constant g: m̂ = 0.5, v̂ = 0.25 every step, so each step is 0.1·0.5/(0.5 + 1e-8)"),
    HandCase(optimizer: "adam", hyper: ["lr": .number(0.1), "bias_correction": .flag(false)], gradients: [0.5],
             expected: [0.6837724339830356], why: "no correction: m = 0.05, v = 0.00025: step 0.1·0.05/√0.00025"),
    HandCase(optimizer: "adamax", hyper: [:], gradients: [0.5], expected: [0.998],
             why: "m = 0.05, u = 0.5 + 1e-8: step (0.002/0.1)·0.05/0.5"),
    HandCase(optimizer: "amsgrad", hyper: ["lr": .number(0.1)], gradients: [0.5, 0], expected: [0.900000002, 0.8330276897727609],
             why: "second step: v falls to 0.00024975 but max(v) = 0.00025 stays"),
    HandCase(optimizer: "adamw", hyper: ["lr": .number(0.1)], gradients: [0.5], expected: [0.899000002],
             why: "θ·(1 − 0.1·0.01) = 0.999, then the Adam step 0.1"),
    HandCase(optimizer: "nadam", hyper: [:], gradients: [0.5], expected: [0.9978870964855473],
             why: "μ1 = 0.9(1 − ½·0.96^0.004), μ2 likewise at 0.008, torch's two-term step"),
]

@Test(arguments: handCases)
func optimizerMatchesHandWorkedSteps(_ c: HandCase) {
    let got = trajectory(c.optimizer, c.hyper, gradients: c.gradients)
    for (step, (g, e)) in zip(got, c.expected).enumerated() {
        #expect(abs(Double(g) - e) <= 2e-7, "step \(step + 1): got \(g), expected \(e)")
    }
}

@Test func everyOptimizerHasAHandWorkedCase() {
    let covered = Set(handCases.map(\.optimizer))
    // SFO has its own driver; its worked cases are in SFOTests.
    #expect(covered == Set(Optimizers.stepperNames))
}

// MARK: - A Double reference, written from SPEC section 4, over many steps and coordinates

struct Reference {
    var m: [Double], v: [Double], u: [Double], vmax: [Double], ex: [Double], t = 0, muProduct = 1.0
    init(_ n: Int, initialAccumulator: Double = 0) {
        m = Array(repeating: 0, count: n); v = Array(repeating: initialAccumulator, count: n)
        u = m; vmax = m; ex = m
    }

    mutating func step(_ name: String, _ h: Hyperparameters, _ theta: inout [Double], _ g: [Double], lr: Double) {
        t += 1
        let t = Double(self.t)
        for i in 0..<theta.count {
            switch name {
            case "sgd", "nesterov":
                let mu = h.number("momentum")
                m[i] = mu * m[i] + g[i]
                theta[i] -= lr * (name == "nesterov" ? g[i] + mu * m[i] : m[i])
            case "adagrad":
                v[i] += g[i] * g[i]
                theta[i] -= lr * g[i] / (v[i].squareRoot() + h.number("eps"))
            case "rmsprop":
                let rho = h.number("rho")
                v[i] = rho * v[i] + (1 - rho) * g[i] * g[i]
                let vhat = h.flag("bias_correction") ? v[i] / (1 - pow(rho, t)) : v[i]
                theta[i] -= lr * g[i] / (vhat.squareRoot() + h.number("eps"))
            case "adadelta":
                let rho = h.number("rho"), eps = h.number("eps")
                v[i] = rho * v[i] + (1 - rho) * g[i] * g[i]
                let delta = (ex[i] + eps).squareRoot() / (v[i] + eps).squareRoot() * g[i]
                ex[i] = rho * ex[i] + (1 - rho) * delta * delta
                theta[i] -= lr * delta
            case "adam", "amsgrad", "adamw":
                let b1 = h.number("beta1"), b2 = h.number("beta2"), eps = h.number("eps")
                let lambda = name == "adam" ? h.number("beta1_decay") : 1
                let correct = name == "adam" ? h.flag("bias_correction") : true
                if name == "adamw" { theta[i] *= 1 - lr * h.number("weight_decay") }
                let b1t = b1 * pow(lambda, t - 1)
                m[i] = b1t * m[i] + (1 - b1t) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                vmax[i] = max(vmax[i], v[i])
                let vUsed = name == "amsgrad" ? vmax[i] : v[i]
                if name == "adam" && h.choice("epsilon_form") == "efficient" {
                    let at = correct ? lr * (1 - pow(b2, t)).squareRoot() / (1 - pow(b1, t)) : lr
                    theta[i] -= at * m[i] / (vUsed.squareRoot() + eps)
                } else {
                    let mhat = correct ? m[i] / (1 - pow(b1, t)) : m[i]
                    let vhat = correct ? vUsed / (1 - pow(b2, t)) : vUsed
                    theta[i] -= lr * mhat / (vhat.squareRoot() + eps)
                }
            case "adamax":
                let b1 = h.number("beta1"), b2 = h.number("beta2")
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                u[i] = max(b2 * u[i], abs(g[i]) + h.number("eps"))
                theta[i] -= lr / (1 - pow(b1, t)) * m[i] / u[i]
            case "nadam":
                let b1 = h.number("beta1"), b2 = h.number("beta2"), psi = h.number("momentum_decay")
                let mu = b1 * (1 - 0.5 * pow(0.96, t * psi)), muNext = b1 * (1 - 0.5 * pow(0.96, (t + 1) * psi))
                if i == 0 { muProduct *= mu }
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                let d = (v[i] / (1 - pow(b2, t))).squareRoot() + h.number("eps")
                theta[i] -= lr * (1 - mu) / (1 - muProduct) * g[i] / d + lr * muNext / (1 - muProduct * muNext) * m[i] / d
            default: Issue.record("no reference for \(name)")
            }
        }
    }
}

struct ReferenceCase: CustomTestStringConvertible, Sendable {
    let optimizer: String
    let hyper: [String: HyperValue]
    var testDescription: String { "\(optimizer) \(hyper.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))" }
}

let referenceCases: [ReferenceCase] = [
    ReferenceCase(optimizer: "sgd", hyper: ["lr": .number(0.05)]),
    ReferenceCase(optimizer: "sgd", hyper: ["lr": .number(0.05), "momentum": .number(0.8)]),
    ReferenceCase(optimizer: "nesterov", hyper: ["lr": .number(0.05)]),
    ReferenceCase(optimizer: "adagrad", hyper: ["lr": .number(0.1)]),
    ReferenceCase(optimizer: "rmsprop", hyper: [:]),
    ReferenceCase(optimizer: "rmsprop", hyper: ["bias_correction": .flag(true)]),
    ReferenceCase(optimizer: "adadelta", hyper: [:]),
    ReferenceCase(optimizer: "adam", hyper: [:]),
    ReferenceCase(optimizer: "adam", hyper: ["bias_correction": .flag(false)]),
    ReferenceCase(optimizer: "adam", hyper: ["beta1_decay": .number(0.9)]),
    ReferenceCase(optimizer: "adam", hyper: ["epsilon_form": .choice("efficient"), "eps": .number(1e-3)]),
    ReferenceCase(optimizer: "adam", hyper: ["beta1": .number(0)]),
    ReferenceCase(optimizer: "adamax", hyper: [:]),
    ReferenceCase(optimizer: "nadam", hyper: [:]),
    ReferenceCase(optimizer: "amsgrad", hyper: [:]),
    ReferenceCase(optimizer: "adamw", hyper: ["weight_decay": .number(0.1)]),
]

@Test(arguments: referenceCases)
func optimizerMatchesDoubleReference(_ c: ReferenceCase) {
    let n = 37, h = hyper(c.optimizer, c.hyper)
    let opt = Optimizers.named(c.optimizer)!.make(h, count: n)
    var rng = RNG(seed: 5, stream: 1)
    var theta = (0..<n).map { _ in Float(rng.normal()) }
    var reference = theta.map(Double.init)
    var state = Reference(n)
    for step in 1...25 {
        // Gradients that shrink and change sign, so max(), sqrt and bias terms all matter.
        let g = (0..<n).map { _ in Float(rng.normal() / Double(step)) }
        let lr = Float(h.number("lr"))
        opt.step(parameters: &theta, gradients: g, lr: lr)
        state.step(c.optimizer, h, &reference, g.map(Double.init), lr: Double(lr))
    }
    for i in 0..<n {
        #expect(abs(Double(theta[i]) - reference[i]) <= 2e-5 * max(1, abs(reference[i])), "θ[\(i)]")
    }
}

// MARK: - Identities

@Test func rmspropWithBiasCorrectionIsAdamWithoutMomentum() {
    let rms = trajectory("rmsprop", ["lr": .number(0.01), "rho": .number(0.999), "eps": .number(1e-8), "bias_correction": .flag(true)],
                         gradients: [0.3, -0.2, 0.7, 0.1])
    let adam = trajectory("adam", ["lr": .number(0.01), "beta1": .number(0), "beta2": .number(0.999), "eps": .number(1e-8)],
                          gradients: [0.3, -0.2, 0.7, 0.1])
    #expect(rms == adam)
}

@Test func efficientFormEqualsAlgorithm1WhenEpsilonIsRescaled() {
    // One step: Algorithm 1 with ε equals the efficient form with ε̂ = ε·√(1 − β2).
    let eps = 1e-3
    let a1 = trajectory("adam", ["lr": .number(0.1), "eps": .number(eps)], gradients: [0.02])
    let ef = trajectory("adam", ["lr": .number(0.1), "eps": .number(eps * (1 - 0.999).squareRoot()),
                                 "epsilon_form": .choice("efficient")], gradients: [0.02])
    #expect(abs(a1[0] - ef[0]) < 1e-6)
    // With the same ε they differ, which is why the setting exists.
    let same = trajectory("adam", ["lr": .number(0.1), "eps": .number(eps), "epsilon_form": .choice("efficient")], gradients: [0.02])
    #expect(abs(a1[0] - same[0]) > 1e-3)
}

@Test func adamaxKeepsTheInfinityNormOfPastGradients() {
    let opt = AdaMax(count: 1, beta1: 0.9, beta2: 0.5, eps: 1e-8)
    var theta: [Float] = [0]
    var expectedU: Float = 0
    for g: Float in [4, -1, 0.5, -3] {
        opt.step(parameters: &theta, gradients: [g], lr: 0.002)
        expectedU = max(0.5 * expectedU, abs(g) + 1e-8)
        #expect(opt.u[0] == expectedU)
    }
}

@Test func adamStepIsBoundedByTheLearningRate() {
    // Section 2.1: |Δθ| ≲ α whatever the gradient's scale.
    for scale: Float in [1e-6, 1, 1e6] {
        let got = trajectory("adam", ["lr": .number(0.01)], gradients: [scale, scale * 0.5, -scale])
        var previous: Float = 1
        for x in got { #expect(abs(x - previous) <= 0.0101); previous = x }
    }
}

@Test func updatesAreIdenticalForAnyThreadCount() {
    let n = 300_001
    var rng = RNG(seed: 9)
    let g = (0..<n).map { _ in Float(rng.normal()) }
    for name in ["adam", "nesterov", "adagrad", "adamax", "nadam", "adadelta"] {
        let h = hyper(name, ["lr": .number(0.01)])
        var one = [Float](repeating: 1, count: n), two = one
        let a = Optimizers.named(name)!.make(h, count: n, threads: 1), b = Optimizers.named(name)!.make(h, count: n, threads: 2)
        for _ in 0..<2 {
            a.step(parameters: &one, gradients: g, lr: 0.01)
            b.step(parameters: &two, gradients: g, lr: 0.01)
        }
        #expect(one == two, "\(name)")
    }
}

// MARK: - Schedules and averaging

@Test func inverseSqrtScheduleUsesTheChosenUnit() {
    #expect(Schedule.constant.rate(0.1, iteration: 100, epoch: 3) == 0.1)
    #expect(Schedule.inverseSqrt(per: .iteration).rate(0.1, iteration: 4, epoch: 1) == 0.05)
    #expect(Schedule.inverseSqrt(per: .epoch).rate(0.1, iteration: 400, epoch: 4) == 0.05)
    #expect(Schedule.inverseSqrt(per: .iteration).rate(0.1, iteration: 1, epoch: 1) == 0.1)
}

@Test func emaAveragingIsBiasCorrectedAndPolyakIsTheMean() {
    let ema = ParameterAverage(kind: .ema(beta: 0.9), count: 1)
    let polyak = ParameterAverage(kind: .polyak, count: 1)
    var out: [Float] = [0]
    for theta: Float in [2, 4, 6] {
        ema.update([theta])
        polyak.update([theta])
    }
    polyak.write(into: &out, current: [6])
    #expect(abs(out[0] - 4) < 1e-6)
    // θ̄ = 0.1·(0.81·2 + 0.9·4 + 6) = 1.122; corrected by 1 − 0.9³ = 0.271.
    ema.write(into: &out, current: [6])
    #expect(abs(Double(out[0]) - 1.122 / 0.271) < 1e-5)
    // After one step the corrected EMA is the parameter itself.
    let first = ParameterAverage(kind: .ema(beta: 0.999), count: 1)
    first.update([3])
    first.write(into: &out, current: [3])
    #expect(abs(out[0] - 3) < 1e-5)
}

@Test func hyperparameterDomainsRefuseBadValues() {
    #expect(HyperDomain.unitInterval.check(.number(1.5)) == "must be in [0, 1), got 1.5")
    #expect(HyperDomain.positive.check(.number(0)) != nil)
    #expect(HyperDomain.decayFactor.check(.number(1)) == nil)
    #expect(HyperDomain.flag.check(.number(1)) != nil)
    #expect(HyperDomain.choice(["a", "b"]).check(.choice("c")) != nil)
    #expect(HyperDomain.nonNegative.check(.number(.infinity)) != nil)
}

// MARK: - State for checkpoints

/// Every optimizer (and every setting that adds state: AMSGrad's max, β1 = 0's missing m)
/// saved after three steps and restored into a fresh instance continues bit for bit.
@Test(arguments: Optimizers.stepperNames.map { ($0, [String: HyperValue]()) } + [
    ("adam", ["amsgrad": .flag(true)]), ("adam", ["beta1": .number(0)]), ("nesterov", ["momentum": .number(0)]),
])
func savedStateContinuesBitForBit(_ c: (String, [String: HyperValue])) {
    let n = 37
    var rng = RNG(seed: 4)
    let grads = (0..<6).map { _ in (0..<n).map { _ in Float(rng.normal()) } }
    let h = hyper(c.0, c.1.merging(["lr": .number(0.01)]) { $1 })
    let a = Optimizers.named(c.0)!.make(h, count: n)
    var theta = [Float](repeating: 0.5, count: n)
    for g in grads.prefix(3) { a.step(parameters: &theta, gradients: g, lr: 0.01) }
    let b = Optimizers.named(c.0)!.make(h, count: n)
    #expect(b.restore(scalars: a.stateScalars, buffers: a.stateBuffers.map(\.array)))
    #expect(b.steps == 3)
    var thetaB = theta
    for g in grads.suffix(3) {
        a.step(parameters: &theta, gradients: g, lr: 0.01)
        b.step(parameters: &thetaB, gradients: g, lr: 0.01)
    }
    #expect(theta == thetaB, "\(c)")
    // A state of another shape is refused and changes nothing.
    let fresh = Optimizers.named(c.0)!.make(h, count: n)
    #expect(!fresh.restore(scalars: a.stateScalars, buffers: a.stateBuffers.map { Array($0.array.dropLast()) } + [[1]]))
    #expect(!fresh.restore(scalars: [-1] + a.stateScalars.dropFirst(), buffers: a.stateBuffers.map(\.array)))
    #expect(fresh.steps == 0 && fresh.stateBuffers.allSatisfy { $0.array.allSatisfy { $0 == 0 } || c.0 == "adagrad" })
}

@Test func averagesRestoreTheirStepsAndValues() {
    for kind in [AveragingKind.ema(beta: 0.9), .polyak] {
        let a = ParameterAverage(kind: kind, count: 3), b = ParameterAverage(kind: kind, count: 3)
        for t in 1...4 { a.update([Float(t), 2 * Float(t), -Float(t)]) }
        #expect(b.restore(steps: a.state.steps, average: a.state.average.array))
        #expect(!b.restore(steps: 1, average: [1, 2]))
        a.update([5, 10, -5]); b.update([5, 10, -5])
        var x = [Float](repeating: 0, count: 3), y = x
        a.write(into: &x, current: [0, 0, 0]); b.write(into: &y, current: [0, 0, 0])
        #expect(x == y && b.steps == 5)
    }
}

/// AdaGrad's default ε is SPEC's 1e-10, seen in one step where ε matters: g = 1e-10 gives
/// √s = 1e-10, so the step is lr·g/(2e-10) = lr/2 = 0.005 (with ε = 1e-8 it would be 0.0001).
@Test func adagradDefaultEpsilonShowsInAStepWhereItMatters() {
    #expect(hyper("adagrad").number("eps") == 1e-10)
    let theta = trajectory("adagrad", [:], gradients: [1e-10])
    #expect(abs(theta[0] - (1 - 0.005)) < 1e-6, "\(theta)")
}

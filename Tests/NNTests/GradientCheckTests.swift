// Finite-difference gradient checks: every analytic gradient against central differences of
// the loss, computed in Float with a step that balances truncation and rounding error.
import Foundation
import Kernels
import NN
import Testing

/// Relative error between analytic and numeric gradients of `loss` at `params`. Gradients smaller
/// than `floor` are compared absolutely: Float rounding of the loss (relative 1e-7) divided by 2·step
/// swamps them, more so the larger the loss.
func gradientError(params: [Float], analytic: [Float], step: Float = 1e-2, floor: Double = 1e-3,
                   loss: ([Float]) -> Double) -> Double {
    var worst = 0.0
    for i in 0..<params.count {
        var plus = params, minus = params
        plus[i] += step
        minus[i] -= step
        let numeric = (loss(plus) - loss(minus)) / Double(2 * step)
        let scale = max(floor, abs(numeric) + abs(Double(analytic[i])))
        worst = max(worst, abs(numeric - Double(analytic[i])) / scale)
    }
    return worst
}

@Test(arguments: [(n: 1, l2: Float(0)), (n: 7, l2: 0), (n: 16, l2: 0.1)])
func logisticRegressionGradientMatchesFiniteDifferences(_ c: (n: Int, l2: Float)) {
    let d = 13, classes = 4
    let model = LogisticRegression(inputSize: d, classes: classes, maxBatch: 16)
    var rng = RNG(seed: 11)
    var params = [Float](repeating: 0, count: model.parameterCount)
    // Every parameter random, biases included: with biases at 0, L2 wrongly applied to them
    // would add nothing and pass unseen.
    for i in params.indices { params[i] = Float(rng.normal() * 0.25) }
    let x = (0..<(c.n * d)).map { _ in rng.uniform() }
    let labels = (0..<c.n).map { _ in Int32(rng.below(classes)) }
    func loss(_ p: [Float]) -> Double {
        var g = [Float](repeating: 0, count: p.count), r = rng
        let data = model.lossAndGradient(parameters: p, gradients: &g, x: x, labels: labels, count: c.n, rng: &r)
        return data + model.l2Penalty(c.l2, parameters: p)
    }
    var grads = [Float](repeating: 0, count: params.count), r = rng
    _ = model.lossAndGradient(parameters: params, gradients: &grads, x: x, labels: labels, count: c.n, rng: &r)
    model.addL2(c.l2, parameters: params, gradients: &grads)
    // The bias must not take L2: perturbing it changes only the data loss.
    #expect(gradientError(params: params, analytic: grads, loss: loss) < 2e-3)
}

@Test func softmaxCrossEntropyOfUniformLogitsIsLogClasses() {
    let logits = [Float](repeating: 3, count: 2 * 5)
    var d = [Float](repeating: 0, count: 10), correct = 0
    let loss = SoftmaxCrossEntropy.forward(logits: logits, labels: [0, 4], n: 2, classes: 5, dlogits: &d, correct: &correct)
    #expect(abs(loss - 2 * log(5.0)) < 1e-5)
    // (softmax − onehot)/n: 0.2/2 everywhere, minus 1/2 at the label.
    #expect(abs(d[0] - (0.1 - 0.5)) < 1e-6 && abs(d[1] - 0.1) < 1e-6 && abs(d[9] - (0.1 - 0.5)) < 1e-6)
    #expect(correct == 1)  // ties go to the first class
}

@Test func softmaxCrossEntropyIsStableForHugeLogits() {
    var correct = 0
    let loss = SoftmaxCrossEntropy.forward(logits: [1000, 0, -1000], labels: [1], n: 1, classes: 3, dlogits: nil, correct: &correct)
    #expect(abs(loss - 1000) < 1e-3)
}

@Test func initialisationFollowsTheConfigAndSparesBiases() {
    let model = LogisticRegression(inputSize: 100, classes: 10, maxBatch: 1)
    var p = [Float](repeating: 7, count: model.parameterCount)
    var rng = RNG(seed: 1)
    model.initialize(&p, .zeros, rng: &rng)
    #expect(p.allSatisfy { $0 == 0 })
    model.initialize(&p, .glorotUniform, rng: &rng)
    let limit = Float((6.0 / 110).squareRoot())
    #expect(p[0..<1000].allSatisfy { abs($0) <= limit } && p[0..<1000].contains { abs($0) > limit / 2 })
    #expect(p[1000...].allSatisfy { $0 == 0 })
    var again = p, rngA = RNG(seed: 4), rngB = RNG(seed: 4)
    model.initialize(&p, .normal(std: 0.1), rng: &rngA)
    model.initialize(&again, .normal(std: 0.1), rng: &rngB)
    #expect(p == again)
}

@Test func syntheticObjectiveGradientsMatchFiniteDifferences() {
    var rng = RNG(seed: 1)
    let quadratic = Quadratic(curvatures: [1, 10, 0.5], targets: [1, -2, 0], initial: [0, 0, 0])
    let rosenbrock = Rosenbrock(a: 1, b: 100, initial: [-1.5, 2])
    for (objective, point) in [(quadratic as Objective, [Float(0.3), 0.7, -1]), (rosenbrock, [-1.2, 1])] {
        var g = [Float](repeating: 0, count: point.count)
        objective.gradient(point, into: &g, rng: &rng)
        #expect(gradientError(params: point, analytic: g, step: 1e-3) { objective.value($0) } < 1e-3)
    }
    #expect(rosenbrock.value([1, 1]) == 0)
    #expect(quadratic.value([1, -2, 0]) == 0)
}

@Test func quadraticNoiseIsSeeded() {
    let q = Quadratic(curvatures: [1], targets: [0], initial: [0], noise: 0.5)
    var a = RNG(seed: 3), b = RNG(seed: 3)
    var g1: [Float] = [0], g2: [Float] = [0]
    q.gradient([1], into: &g1, rng: &a)
    q.gradient([1], into: &g2, rng: &b)
    #expect(g1 == g2 && g1[0] != 1)
}

struct MLPCase: CustomTestStringConvertible, Sendable {
    let activation: Activation
    let inputDropout: Double, hiddenDropout: Double
    let hidden: [Int]
    let l2: Float
    var testDescription: String { "\(activation) hidden \(hidden) dropout \(inputDropout)/\(hiddenDropout) l2 \(l2)" }
}

@Test(arguments: [
    MLPCase(activation: .relu, inputDropout: 0, hiddenDropout: 0, hidden: [9], l2: 0),
    MLPCase(activation: .relu, inputDropout: 0.2, hiddenDropout: 0.5, hidden: [9, 7], l2: 0.01),
    MLPCase(activation: .softplus, inputDropout: 0, hiddenDropout: 0.5, hidden: [8, 6], l2: 0),
    MLPCase(activation: .tanh, inputDropout: 0.3, hiddenDropout: 0.25, hidden: [5, 6, 7], l2: 0.1),
])
func mlpGradientMatchesFiniteDifferencesWithMasksFixed(_ c: MLPCase) {
    let d = 11, classes = 3, n = 6
    let model = MLP(inputSize: d, hidden: c.hidden, classes: classes, activation: c.activation,
                    inputDropout: c.inputDropout, hiddenDropout: c.hiddenDropout, maxBatch: 8)
    var rng = RNG(seed: 21)
    var params = [Float](repeating: 0, count: model.parameterCount)
    model.initialize(&params, .glorotUniform, rng: &rng)
    // Biases away from zero so ReLU kinks are not hit by the ±step probes.
    for v in model.layout.views where !v.isWeight { for i in 0..<v.count { params[v.offset + i] = 0.3 * rng.uniform() } }
    let x = (0..<(n * d)).map { _ in rng.uniform() + 0.1 }
    let labels = (0..<n).map { _ in Int32(rng.below(classes)) }
    let maskSeed = rng  // every evaluation below draws the same dropout masks
    func loss(_ p: [Float]) -> Double {
        var g = [Float](repeating: 0, count: p.count), r = maskSeed
        return model.lossAndGradient(parameters: p, gradients: &g, x: x, labels: labels, count: n, rng: &r)
            + model.l2Penalty(c.l2, parameters: p)
    }
    var grads = [Float](repeating: 0, count: params.count), r = maskSeed
    _ = model.lossAndGradient(parameters: params, gradients: &grads, x: x, labels: labels, count: n, rng: &r)
    model.addL2(c.l2, parameters: params, gradients: &grads)
    // The error is U-shaped in the step (truncation ~h², Float rounding ~1/h); for tanh its minimum
    // is near h = 0.01. ReLU needs a small step so probes do not cross its kink.
    let step: Float = c.activation == .relu ? 2e-3 : 1e-2
    #expect(gradientError(params: params, analytic: grads, step: step, loss: loss) < 5e-3)
}

@Test func dropoutKeepsTheExpectedFractionAndScales() {
    let dropout = Dropout(p: 0.25)
    var rng = RNG(seed: 1)
    var mask = [Float](repeating: -1, count: 100_003)
    dropout.fillMask(&mask, mask.count, rng: &rng)
    let kept = mask.filter { $0 != 0 }
    #expect(kept.allSatisfy { $0 == Float(1 / 0.75) })
    #expect(abs(Double(kept.count) / Double(mask.count) - 0.75) < 0.01)
    #expect(!Dropout(p: 0).isActive)
}

@Test func mlpEvaluationUsesNoDropout() {
    let model = MLP(inputSize: 4, hidden: [5], classes: 2, activation: .relu, inputDropout: 0.5, hiddenDropout: 0.5, maxBatch: 4)
    var rng = RNG(seed: 2)
    var params = [Float](repeating: 0, count: model.parameterCount)
    model.initialize(&params, .glorotUniform, rng: &rng)
    let x: [Float] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    let first = model.evaluate(parameters: params, x: x, labels: [0, 1], count: 2, firstRow: 0)
    let second = model.evaluate(parameters: params, x: x, labels: [0, 1], count: 2, firstRow: 0)
    #expect(first.lossSum == second.lossSum)
    // The same weights without dropout give the same evaluation: nothing is dropped or scaled.
    let plain = MLP(inputSize: 4, hidden: [5], classes: 2, activation: .relu, inputDropout: 0, hiddenDropout: 0, maxBatch: 4)
    let reference = plain.evaluate(parameters: params, x: x, labels: [0, 1], count: 2, firstRow: 0)
    #expect(first.lossSum == reference.lossSum && first.correct == reference.correct)
}

@Test(arguments: [Activation.softplus, .tanh])
func vaeGradientMatchesFiniteDifferencesWithNoiseFixed(_ activation: Activation) {
    let d = 12, n = 5
    let model = VAE(inputSize: d, hidden: 7, latent: 3, activation: activation, maxBatch: 8)
    var rng = RNG(seed: 31)
    var params = [Float](repeating: 0, count: model.parameterCount)
    model.initialize(&params, .glorotUniform, rng: &rng)
    let x = (0..<(n * d)).map { _ in Float(rng.below(2)) }  // binarised pixels
    let noiseSeed = rng  // every evaluation below draws the same ε
    func loss(_ p: [Float]) -> Double {
        var g = [Float](repeating: 0, count: p.count), r = noiseSeed
        return model.lossAndGradient(parameters: p, gradients: &g, x: x, labels: [Int32](repeating: 0, count: n), count: n, rng: &r)
    }
    var grads = [Float](repeating: 0, count: params.count), r = noiseSeed
    _ = model.lossAndGradient(parameters: params, gradients: &grads, x: x, labels: [Int32](repeating: 0, count: n), count: n, rng: &r)
    // The loss sums 12 pixels' cross-entropies per example (about 10 here), ten times a classifier's.
    #expect(gradientError(params: params, analytic: grads, step: 1e-2, floor: 1e-2, loss: loss) < 5e-3)
}

@Test func vaeEvaluationNoiseIsFixedPerRowWhateverTheChunks() {
    let d = 6
    let model = VAE(inputSize: d, hidden: 4, latent: 2, maxBatch: 4)
    var rng = RNG(seed: 2)
    var params = [Float](repeating: 0, count: model.parameterCount)
    model.initialize(&params, .glorotUniform, rng: &rng)
    let x = (0..<(4 * d)).map { _ in Float(rng.below(2)) }
    let whole = model.evaluate(parameters: params, x: x, labels: [0, 0, 0, 0], count: 4, firstRow: 0).lossSum
    let first = model.evaluate(parameters: params, x: x, labels: [0, 0], count: 2, firstRow: 0).lossSum
    let second = x.withUnsafeBufferPointer { model.evaluate(parameters: params, x: $0.baseAddress! + 2 * d, labels: [0, 0], count: 2, firstRow: 2).lossSum }
    #expect(abs(whole - (first + second)) < 1e-4 * abs(whole))
    #expect(!model.reportsAccuracy)
}

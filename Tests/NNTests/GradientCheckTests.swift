// Finite-difference gradient checks: every analytic gradient against central differences of
// the loss, computed in Float with a step that balances truncation and rounding error.
import Foundation
import Kernels
import NN
import Testing

/// Relative error between analytic and numeric gradients of `loss` at `params`.
func gradientError(params: [Float], analytic: [Float], step: Float = 1e-2, loss: ([Float]) -> Double) -> Double {
    var worst = 0.0
    for i in 0..<params.count {
        var plus = params, minus = params
        plus[i] += step
        minus[i] -= step
        let numeric = (loss(plus) - loss(minus)) / Double(2 * step)
        let scale = max(1e-3, abs(numeric) + abs(Double(analytic[i])))
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
    model.initialize(&params, .normal(std: 0.5), rng: &rng)
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

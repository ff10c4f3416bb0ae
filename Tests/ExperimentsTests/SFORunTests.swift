// SFO driven on a model: the training set split into deterministic subfunctions that sum to the
// full objective, and whole runs that are the same for any thread count.
import Datasets
@testable import Config
@testable import Results
@testable import Training
import Foundation
import Kernels
import NN
import TestSupport
import Testing

@Test func subfunctionBlocksAreContiguousAndAsEvenAsPossible() {
    #expect(SubfunctionObjective.blocks(count: 10, into: 3) == [0..<4, 4..<7, 7..<10])
    #expect(SubfunctionObjective.blocks(count: 9, into: 3) == [0..<3, 3..<6, 6..<9])
    #expect(SubfunctionObjective.blocks(count: 5, into: 5).allSatisfy { $0.count == 1 })
}

@Test func subfunctionsSumToTheFullObjectiveAndItsGradient() {
    // 23 rows of 7 features, 3 classes, L2 0.1: Σ_i f_i = mean loss + (λ/2)·Σw², and the same for
    // the gradients, against one full-batch evaluation.
    let n = 23, d = 7, classes = 3
    var rng = RNG(seed: 4)
    let x = FloatBuffer((0..<(n * d)).map { _ in rng.uniform() })
    let labels = (0..<n).map { Int32($0 % classes) }
    let data = LabeledData(x: x, labels: labels, inputSize: d)
    let model = LogisticRegression(inputSize: d, classes: classes, maxBatch: n)
    let objective = SubfunctionObjective(model: model, data: data, subfunctions: 4, l2: 0.1)
    let point = (0..<model.parameterCount).map { _ in Double(rng.normal() * 0.3) }
    var total = 0.0, gradient = [Double](repeating: 0, count: point.count)
    for i in 0..<4 {
        let (f, g) = objective.evaluate(i, at: point)
        total += f
        for t in g.indices { gradient[t] += g[t] }
    }
    let p = FloatBuffer(point.map { Float($0) }), full = FloatBuffer(count: point.count)
    var r = RNG(seed: 0)
    let mean = labels.withUnsafeBufferPointer {
        model.lossAndGradient(parameters: p.base, gradients: full.base, x: x.base, labels: $0.baseAddress!, count: n, rng: &r)
    }
    model.addL2(0.1, parameters: p.base, gradients: full.base)
    let expected = mean + model.l2Penalty(0.1, parameters: p.base)
    #expect(abs(total - expected) < 1e-6)
    for t in gradient.indices { #expect(abs(gradient[t] - Double(full[t])) < 1e-5) }
    // Deterministic: the same point gives the same value and gradient.
    #expect(objective.evaluate(2, at: point).value == objective.evaluate(2, at: point).value)
}

let sfoConfig = """
{"name": "sfo", "dataset": {"name": "mnist", "path": "m"},
 "model": {"kind": "mlp", "hidden": [8], "l2": 1e-4},
 "training": {"epochs": 4, "batch_size": 10, "seed": 2},
 "arms": [{"name": "sfo", "optimizer": "sfo", "subfunctions": 5}, {"name": "adam", "optimizer": "adam"}]}
"""

@Test func sfoRunsAreTheSameForAnyThreadCountAndFallOnTheTrainingCost() throws {
    let dir = TemporaryDirectory()
    try Fixtures.writeMNIST(to: dir.file("m"), train: 40, test: 20)
    let one = try run(sfoConfig, dataDirectory: dir.path, threads: 1)
    let two = try run(sfoConfig, dataDirectory: dir.path, threads: 2)
    #expect(CurvesCSV.render(one) == CurvesCSV.render(two))
    let rows = one[0].rows
    #expect(rows.count == 5)
    // An SFO epoch is N evaluations (failed-step extras included): iterations count them.
    #expect(rows[1].iteration >= 5 && rows[4].iteration >= 20)
    #expect(rows[4].trainLoss! < rows[1].trainLoss!)
}

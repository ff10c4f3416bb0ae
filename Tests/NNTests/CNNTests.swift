// The convolutional layers of Figure 3's network: convolution with "same" padding, max-pooling
// with PyTorch's tie rule, and the whole CNN, against direct Double formulas and finite
// differences; and the same gradients for any thread count.
import Foundation
import Kernels
@testable import NN
import Testing

/// Y[o][y][x] = b[o] + Σ_{i,ky,kx} W[o][i][ky][kx]·X[i][y+ky−p][x+kx−p], in Double, zero outside.
func directConvolution(_ x: [Float], _ g: ConvGeometry, out: Int, weights w: [Float], bias: [Float]) -> [Double] {
    let k = g.kernel, p = g.pad, h = g.height, wd = g.width
    var y = [Double](repeating: 0, count: out * h * wd)
    for o in 0..<out {
        for r in 0..<h {
            for c in 0..<wd {
                var s = Double(bias[o])
                for i in 0..<g.channels {
                    for ky in 0..<k {
                        for kx in 0..<k {
                            let sy = r + ky - p, sx = c + kx - p
                            guard sy >= 0 && sy < h && sx >= 0 && sx < wd else { continue }
                            s += Double(w[((o * g.channels + i) * k + ky) * k + kx]) * Double(x[(i * h + sy) * wd + sx])
                        }
                    }
                }
                y[(o * h + r) * wd + c] = s
            }
        }
    }
    return y
}

struct ConvCase: CustomTestStringConvertible, Sendable {
    let channels: Int, out: Int, height: Int, width: Int, kernel: Int
    var testDescription: String { "\(channels)->\(out) \(height)x\(width) k\(kernel)" }
}

@Test(arguments: [ConvCase(channels: 2, out: 3, height: 5, width: 7, kernel: 3),
                  ConvCase(channels: 3, out: 4, height: 6, width: 6, kernel: 5),
                  ConvCase(channels: 1, out: 2, height: 3, width: 4, kernel: 5),  // kernel wider than the image
                  ConvCase(channels: 2, out: 3, height: 8, width: 8, kernel: 5),  // the transposed panels of width 8
                  ConvCase(channels: 1, out: 2, height: 2, width: 16, kernel: 3),  // and of width 16
                  ConvCase(channels: 4, out: 5, height: 7, width: 9, kernel: 5)])
func convolutionMatchesTheDirectSumAndItsGradientsFiniteDifferences(_ c: ConvCase) {
    let g = ConvGeometry(channels: c.channels, height: c.height, width: c.width, kernel: c.kernel)
    var rng = RNG(seed: 3)
    let x = (0..<(c.channels * g.pixels)).map { _ in rng.uniform() * 2 - 1 }
    let w = (0..<(c.out * g.patch)).map { _ in rng.uniform() * 2 - 1 }
    let b = (0..<c.out).map { _ in rng.uniform() }
    let col = FloatBuffer(count: g.patch * g.pixels)
    var y = [Float](repeating: .nan, count: c.out * g.pixels)
    Convolution.forward(x, g, outChannels: c.out, weights: w, bias: b, out: &y)
    let expected = directConvolution(x, g, out: c.out, weights: w, bias: b)
    for i in y.indices { #expect(abs(Double(y[i]) - expected[i]) < 1e-5 * max(1, abs(expected[i]))) }

    // L = Σ r ⊙ Y is linear in W, b and X, so central differences are exact up to rounding.
    let r = (0..<(c.out * g.pixels)).map { _ in rng.uniform() * 2 - 1 }
    func loss(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
        zip(directConvolution(x, g, out: c.out, weights: w, bias: b), r).reduce(0) { $0 + $1.0 * Double($1.1) }
    }
    var dW = [Float](repeating: .nan, count: w.count), dB = [Float](repeating: .nan, count: c.out)
    Convolution.weightGradient(r, input: x, g, outChannels: c.out, dWeights: &dW, dBias: &dB, accumulate: false)
    var flipped = [Float](repeating: 0, count: w.count)
    Convolution.flip(w, outChannels: c.out, inChannels: c.channels, kernel: c.kernel, into: &flipped)
    var dX = [Float](repeating: .nan, count: x.count)
    let packed = PackedA(m: c.channels, k: c.out * c.kernel * c.kernel)
    packed.pack(flipped, lda: c.out * c.kernel * c.kernel)
    var padded = [Float](repeating: 0, count: Convolution.paddedSize(g.with(channels: c.out)))
    Convolution.inputGradient(r, g, flipped: packed, dInput: &dX, padded: &padded)
    let h: Float = 0.25
    func numeric(_ bump: (Float) -> Double) -> Double { (bump(h) - bump(-h)) / Double(2 * h) }
    for i in w.indices {
        let n = numeric { s in var w2 = w; w2[i] += s; return loss(x, w2, b) }
        #expect(abs(n - Double(dW[i])) < 1e-4 * max(1, abs(n)), "dW[\(i)]")
    }
    for o in 0..<c.out {
        let n = numeric { s in var b2 = b; b2[o] += s; return loss(x, w, b2) }
        #expect(abs(n - Double(dB[o])) < 1e-4 * max(1, abs(n)), "db[\(o)]")
    }
    for i in x.indices {
        let n = numeric { s in var x2 = x; x2[i] += s; return loss(x2, w, b) }
        #expect(abs(n - Double(dX[i])) < 1e-4 * max(1, abs(n)), "dX[\(i)] (at the border when its row or column is near the edge)")
    }
    // accumulate adds to what is there.
    var twice = dW, twiceB = dB
    Convolution.weightGradient(r, input: x, g, outChannels: c.out, dWeights: &twice, dBias: &twiceB, accumulate: true)
    for i in dW.indices { #expect(abs(twice[i] - 2 * dW[i]) <= 1e-5 * max(1, abs(dW[i]))) }
}

@Test func maxPoolMatchesPyTorchSizesWindowsAndTieRule() {
    let pool = MaxPool(size: 3, stride: 2, pad: 1)
    #expect(pool.outputSize(32) == 16 && pool.outputSize(16) == 8 && pool.outputSize(8) == 4 && pool.outputSize(7) == 4)
    // A 4 x 4 plane of equal values: every window's first pixel in scan order (row-major,
    // padding skipped) is its maximum, as in PyTorch.
    let plane = [Float](repeating: 1, count: 16)
    var out = [Float](repeating: 0, count: 4), idx = [Int32](repeating: -1, count: 4)
    pool.forward(plane, height: 4, width: 4, out: &out, argmax: &idx)
    #expect(out == [1, 1, 1, 1])
    // Windows start at rows/columns -1, 1: the first pixel inside is (0,0), (0,1), (1,0), (1,1).
    #expect(idx == [0, 1, 4, 5])
    var dIn = [Float](repeating: .nan, count: 16)
    pool.backward([1, 2, 3, 4], argmax: idx, height: 4, width: 4, dInput: &dIn)
    #expect(dIn == [1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    // Overlapping windows add their gradients at a shared maximum.
    var peak = [Float](repeating: 0, count: 16)
    peak[5] = 9  // (1,1) lies in all four windows
    pool.forward(peak, height: 4, width: 4, out: &out, argmax: &idx)
    #expect(out == [9, 9, 9, 9] && idx == [5, 5, 5, 5])
    pool.backward([1, 2, 3, 4], argmax: idx, height: 4, width: 4, dInput: &dIn)
    #expect(dIn[5] == 10 && dIn.reduce(0, +) == 10)
    // −∞ padding: a window of negative values takes its maximum, not 0.
    let negative = (0..<16).map { -Float($0) - 1 }
    pool.forward(negative, height: 4, width: 4, out: &out, argmax: &idx)
    #expect(out == [-1, -2, -5, -6])
}

@Test func maxPoolGradientMatchesFiniteDifferences() {
    let pool = MaxPool(size: 3, stride: 2, pad: 1)
    var rng = RNG(seed: 8)
    let h = 7, w = 6, oh = pool.outputSize(h), ow = pool.outputSize(w)
    // Distinct values far apart (a permutation), so ±step never changes a window's maximum.
    var order = Array(0..<(h * w))
    for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
    let x = order.map { Float($0) }
    let r = (0..<(oh * ow)).map { _ in rng.uniform() * 2 - 1 }
    func loss(_ x: [Float]) -> Double {
        var out = [Float](repeating: 0, count: oh * ow), idx = [Int32](repeating: 0, count: oh * ow)
        pool.forward(x, height: h, width: w, out: &out, argmax: &idx)
        return zip(out, r).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
    var out = [Float](repeating: 0, count: oh * ow), idx = [Int32](repeating: 0, count: oh * ow)
    pool.forward(x, height: h, width: w, out: &out, argmax: &idx)
    var dX = [Float](repeating: 0, count: h * w)
    pool.backward(r, argmax: idx, height: h, width: w, dInput: &dX)
    for i in x.indices {
        var p = x, m = x
        p[i] += 0.1; m[i] -= 0.1
        let numeric = (loss(p) - loss(m)) / 0.2
        #expect(abs(numeric - Double(dX[i])) < 1e-4, "dX[\(i)]")
    }
}

struct CNNCase: CustomTestStringConvertible, Sendable {
    let channels: Int, side: Int, conv: [Int], kernel: Int, hidden: [Int]
    let inputDropout: Double, hiddenDropout: Double, n: Int
    var algorithm: ConvAlgorithm = .direct
    var testDescription: String { "\(channels)x\(side)x\(side) conv \(conv) k\(kernel) hidden \(hidden) dropout \(inputDropout)/\(hiddenDropout) n \(n) \(algorithm)" }
}

func smallCNN(_ c: CNNCase, threads: Int = 1) -> CNN {
    CNN(channels: c.channels, height: c.side, width: c.side, conv: c.conv, kernel: c.kernel,
        pool: MaxPool(size: 3, stride: 2, pad: 1), hidden: c.hidden, classes: 3,
        inputDropout: c.inputDropout, hiddenDropout: c.hiddenDropout, maxBatch: c.n, threads: threads, algorithm: c.algorithm)
}

@Test(arguments: [
    CNNCase(channels: 2, side: 8, conv: [3, 4], kernel: 3, hidden: [5], inputDropout: 0, hiddenDropout: 0, n: 3),
    CNNCase(channels: 3, side: 8, conv: [3, 2], kernel: 5, hidden: [6], inputDropout: 0.2, hiddenDropout: 0.5, n: 4),
    CNNCase(channels: 1, side: 6, conv: [2], kernel: 3, hidden: [], inputDropout: 0, hiddenDropout: 0, n: 2),
    CNNCase(channels: 3, side: 8, conv: [3, 2], kernel: 5, hidden: [6], inputDropout: 0, hiddenDropout: 0, n: 4),
    // Winograd's forward product and both gradients. Its 5 x 5
    // layers round more (F(4x4, 5x5)'s points spread wider) than a Float difference quotient
    // tolerates here (worst 0.023 at the 2e-3 probes); their gradients are checked against the
    // direct network's instead (aCNNWithWinogradMatchesTheDirectCNN, 1e-4 relative).
    CNNCase(channels: 2, side: 8, conv: [3, 4], kernel: 3, hidden: [5], inputDropout: 0, hiddenDropout: 0, n: 3, algorithm: .winograd),
])
func cnnGradientMatchesFiniteDifferencesWithMasksFixed(_ c: CNNCase) {
    let model = smallCNN(c)
    var rng = RNG(seed: 31)
    var params = [Float](repeating: 0, count: model.parameterCount)
    model.initialize(&params, .glorotUniform, rng: &rng)
    for v in model.layout.views where !v.isWeight { for i in 0..<v.count { params[v.offset + i] = 0.2 * rng.uniform() } }
    let d = model.inputSize
    let x = (0..<(c.n * d)).map { _ in rng.uniform() * 2 - 0.5 }
    let labels = (0..<c.n).map { _ in Int32(rng.below(3)) }
    let maskSeed = rng
    func loss(_ p: [Float]) -> Double {
        var g = [Float](repeating: 0, count: p.count), r = maskSeed
        return model.lossAndGradient(parameters: p, gradients: &g, x: x, labels: labels, count: c.n, rng: &r)
    }
    var grads = [Float](repeating: 0, count: params.count), r = maskSeed
    _ = model.lossAndGradient(parameters: params, gradients: &grads, x: x, labels: labels, count: c.n, rng: &r)
    // ReLU and max-pool are piecewise linear: a probe that crosses a kink (a pre-activation near
    // 0, two window values near each other) gives a wrong difference. Such a probe shows as central
    // differences at h = 1e-3 and h/4 that disagree; then the h/4 difference is checked, with a
    // looser tolerance for its larger Float noise (the loss's rounding over 2h). Gradients below
    // 1e-2 are compared absolutely (Float noise of the loss is about 1e-4 of them). A parameter
    // whose every probe crosses a kink is skipped; those must stay rare.
    var skipped = 0, worst = 0.0
    for i in params.indices {
        func numeric(_ h: Float) -> Double {
            var plus = params, minus = params
            plus[i] += h; minus[i] -= h
            return (loss(plus) - loss(minus)) / Double(2 * h)
        }
        func error(_ n: Double, floor: Double) -> Double { abs(n - Double(grads[i])) / max(floor, abs(n) + abs(Double(grads[i]))) }
        // Winograd's forward rounds about 10x more than the direct sums (WinogradTests.swift), noise
        // that a difference over 2h magnifies: its probes are twice as wide.
        let h: Float = c.algorithm == .direct ? 1e-3 : 2e-3
        let coarse = numeric(h), fine = numeric(h / 4)
        if abs(coarse - fine) <= 2e-3 + 0.02 * abs(fine) {
            worst = max(worst, min(error(coarse, floor: 1e-2), error(fine, floor: 1e-2)))
        } else if error(fine, floor: 2e-2) < 5e-2 {
            continue
        } else {
            skipped += 1
        }
    }
    #expect(worst < 2e-2)
    #expect(skipped * 50 <= params.count, "\(skipped) of \(params.count) parameters' probes all crossed a kink")
}

@Test(arguments: [ConvAlgorithm.direct, .winograd])
func cnnGradientsAndLossAreTheSameForAnyThreadCount(_ algorithm: ConvAlgorithm) {
    // 70 images: three groups of the convolutional part (32, 32, 6).
    let c = CNNCase(channels: 3, side: 8, conv: [4, 8], kernel: 5, hidden: [7], inputDropout: 0.2, hiddenDropout: 0.5, n: 70,
                    algorithm: algorithm)
    var rng = RNG(seed: 5)
    let reference = smallCNN(c)
    var params = [Float](repeating: 0, count: reference.parameterCount)
    reference.initialize(&params, .glorotUniform, rng: &rng)
    let x = (0..<(c.n * reference.inputSize)).map { _ in rng.uniform() }
    let labels = (0..<c.n).map { _ in Int32(rng.below(3)) }
    var results: [([Float], Double)] = []
    for threads in [1, 2, 3] {
        let model = smallCNN(c, threads: threads)
        var g = [Float](repeating: .nan, count: params.count), r = RNG(seed: 77)
        let loss = model.lossAndGradient(parameters: params, gradients: &g, x: x, labels: labels, count: c.n, rng: &r)
        results.append((g, loss))
    }
    #expect(results[1].0 == results[0].0 && results[2].0 == results[0].0)
    #expect(results[1].1 == results[0].1 && results[2].1 == results[0].1)
    // A batch smaller than maxBatch after a full one leaves no stale group sums behind.
    let model = smallCNN(c, threads: 2)
    var g = [Float](repeating: 0, count: params.count), r = RNG(seed: 77)
    _ = model.lossAndGradient(parameters: params, gradients: &g, x: x, labels: labels, count: c.n, rng: &r)
    var small = [Float](repeating: 0, count: params.count), r1 = RNG(seed: 9), r2 = RNG(seed: 9)
    _ = model.lossAndGradient(parameters: params, gradients: &small, x: x, labels: labels, count: 5, rng: &r1)
    var fresh = [Float](repeating: 0, count: params.count)
    _ = smallCNN(c).lossAndGradient(parameters: params, gradients: &fresh, x: x, labels: labels, count: 5, rng: &r2)
    #expect(small == fresh)
}

@Test func cnnLayoutFollowsPyTorch() {
    let model = CNN(channels: 3, height: 32, width: 32, conv: [64, 64, 128], kernel: 5, pool: MaxPool(size: 3, stride: 2, pad: 1),
                    hidden: [1000], classes: 10, inputDropout: 0, hiddenDropout: 0, maxBatch: 1)
    #expect(model.layout.views.map(\.name) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight",
                                               "conv3.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
    #expect(model.layout.views[0].shape == [64, 3, 5, 5] && model.layout.views[4].shape == [128, 64, 5, 5])
    #expect(model.layout.views[6].shape == [1000, 2048] && model.flatSize == 2048)
    #expect(model.parameterCount == 2_371_266)
}


@Test(arguments: [(32, 32), (16, 16), (8, 8), (7, 5), (3, 31), (1, 2), (5, 32), (1, 16), (2, 17), (4, 1)])
func maxPoolFastPathEqualsTheWindowLoop(_ size: (h: Int, w: Int)) {
    let pool = MaxPool(size: 3, stride: 2, pad: 1)
    var rng = RNG(seed: UInt64(size.h * 100 + size.w))
    // Few distinct values (many ties), some −∞ and a NaN.
    var x = (0..<(size.h * size.w)).map { _ in Float(rng.below(4)) - 2 }
    x[rng.below(x.count)] = -.infinity
    if x.count > 3 { x[rng.below(x.count)] = .nan }
    let n = pool.outputSize(size.h) * pool.outputSize(size.w)
    var fast = [Float](repeating: 0, count: n), slow = fast
    var fastAt = [Int32](repeating: -1, count: n), slowAt = fastAt
    pool.forward3x3Stride2(x, height: size.h, width: size.w, out: &fast, argmax: &fastAt)
    pool.forwardAnySize(x, height: size.h, width: size.w, out: &slow, argmax: &slowAt)
    #expect(fastAt == slowAt)
    #expect(zip(fast, slow).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
    // A plane of −∞ only: every window's maximum is −∞ at its first pixel.
    let minusInfinity = [Float](repeating: -.infinity, count: x.count)
    pool.forward3x3Stride2(minusInfinity, height: size.h, width: size.w, out: &fast, argmax: &fastAt)
    pool.forwardAnySize(minusInfinity, height: size.h, width: size.w, out: &slow, argmax: &slowAt)
    #expect(fastAt == slowAt)
    #expect(fast == slow)
}

@Test(arguments: [ConvCase(channels: 3, out: 13, height: 32, width: 32, kernel: 5),
                  ConvCase(channels: 16, out: 7, height: 16, width: 16, kernel: 5),
                  ConvCase(channels: 20, out: 12, height: 8, width: 8, kernel: 5),
                  ConvCase(channels: 2, out: 3, height: 5, width: 7, kernel: 3)])
func implicitIm2colPanelsEqualPackingTheExplicitMatrixBitForBit(_ c: ConvCase) {
    let g = ConvGeometry(channels: c.channels, height: c.height, width: c.width, kernel: c.kernel)
    var rng = RNG(seed: 2)
    let x = (0..<(c.channels * g.pixels)).map { _ in rng.uniform() * 2 - 1 }
    let w = (0..<(c.out * g.patch)).map { _ in rng.uniform() * 2 - 1 }
    var implicit = [Float](repeating: .nan, count: c.out * g.pixels)
    Convolution.forward(x, g, outChannels: c.out, weights: w, bias: nil, out: &implicit)
    var col = [Float](repeating: .nan, count: g.patch * g.pixels)
    Convolution.im2col(x, g, &col)
    var explicit = [Float](repeating: .nan, count: c.out * g.pixels)
    gemm(GemmShape(m: c.out, n: g.pixels, k: g.patch), a: w, lda: g.patch, b: col, ldb: g.pixels, c: &explicit, ldc: g.pixels)
    #expect(implicit == explicit)
    // The weight gradient's transposed panels, likewise.
    let dOut = (0..<(c.out * g.pixels)).map { _ in rng.uniform() * 2 - 1 }
    var dW = [Float](repeating: .nan, count: c.out * g.patch), dB = [Float](repeating: .nan, count: c.out)
    Convolution.weightGradient(dOut, input: x, g, outChannels: c.out, dWeights: &dW, dBias: &dB, accumulate: false)
    var dWExplicit = [Float](repeating: .nan, count: c.out * g.patch)
    gemm(GemmShape(m: c.out, n: g.patch, k: g.pixels, transB: true), a: dOut, lda: g.pixels, b: col, ldb: g.pixels,
         c: &dWExplicit, ldc: g.patch)
    #expect(dW == dWExplicit)
}

@Test func theGroupsOfABatchAddUpToTheWholeBatchsGradient() {
    // 70 images are three groups (32, 32, 6): the batch's mean gradient must be the images'
    // weighted group means, every group counted once.
    let c = CNNCase(channels: 2, side: 8, conv: [3, 4], kernel: 3, hidden: [5], inputDropout: 0, hiddenDropout: 0, n: 70)
    let model = smallCNN(c, threads: 2)
    var rng = RNG(seed: 6)
    var params = [Float](repeating: 0, count: model.parameterCount)
    model.initialize(&params, .glorotUniform, rng: &rng)
    let d = model.inputSize
    let x = (0..<(c.n * d)).map { _ in rng.uniform() }
    let labels = (0..<c.n).map { _ in Int32(rng.below(3)) }
    var whole = [Float](repeating: 0, count: params.count), r = RNG(seed: 1)
    _ = model.lossAndGradient(parameters: params, gradients: &whole, x: x, labels: labels, count: c.n, rng: &r)
    var combined = [Double](repeating: 0, count: params.count)
    for (lo, count) in [(0, 32), (32, 32), (64, 6)] {
        var part = [Float](repeating: 0, count: params.count)
        x.withUnsafeBufferPointer { xs in
            labels.withUnsafeBufferPointer { ls in
                _ = model.lossAndGradient(parameters: params, gradients: &part, x: xs.baseAddress! + lo * d,
                                          labels: ls.baseAddress! + lo, count: count, rng: &r)
            }
        }
        for i in part.indices { combined[i] += Double(part[i]) * Double(count) / Double(c.n) }
    }
    let scale = combined.map(abs).max()!
    for i in whole.indices { #expect(abs(Double(whole[i]) - combined[i]) <= 1e-5 * scale, "parameter \(i)") }
}

// Winograd's F(m x m, r x r) (Sources/NN/Winograd.swift, WinogradConvolution.swift) against the
// direct convolution in Double: the derived matrices are exact in Double, and the Float layer
// stays within `WinogradTransform.errorBound` of the output's RMS on borders, 1 x 1 images, odd
// sizes, 1 and 3 channels, many images (several chunks), as a forward product and as the input
// gradient's "same" convolution with turned kernels; the CNN with it matches the direct CNN.
import Foundation
import Kernels
@testable import NN
import Testing

@Test(arguments: [3, 5, 7])
func winogradMatricesComputeTheCorrelationExactlyInDouble(_ r: Int) {
    let t = WinogradTransform(kernel: r), m = t.m
    #expect(m == 8 - r + 1)
    var rng = RNG(seed: UInt64(r))
    for _ in 0..<5 {
        let g = (0..<r).map { _ in Double(rng.uniform() * 2 - 1) }
        let d = (0..<8).map { _ in Double(rng.uniform() * 2 - 1) }
        // y = Aᵀ [(G g) ⊙ (Bᵀ d)] against y_i = Σ_k g_k d_{i+k}.
        let gg = (0..<8).map { j in (0..<r).reduce(0.0) { $0 + t.g[j * r + $1] * g[$1] } }
        let dd = (0..<8).map { j in (0..<8).reduce(0.0) { $0 + t.bt[j * 8 + $1] * d[$1] } }
        for i in 0..<m {
            let y = (0..<8).reduce(0.0) { $0 + t.at[i * 8 + $1] * gg[$1] * dd[$1] }
            let expected = (0..<r).reduce(0.0) { $0 + g[$1] * d[i + $1] }
            #expect(abs(y - expected) < 1e-12)
        }
    }
}

@Test func winogradMatricesAreTheKnownOnesForTheSeventhPoint() {
    // Bᵀ's first row is the polynomial (x² − 1)(x² − 4)(x² − 1/4) = x⁶ − 5.25x⁴ + 5.25x² − 1,
    // worked out by hand; Aᵀ's last column picks the leading coefficient.
    let t = WinogradTransform(kernel: 5)
    let first: [Double] = [-1, 0, 5.25, 0, -5.25, 0, 1, 0], last: [Double] = [0, -1, 0, 5.25, 0, -5.25, 0, 1]
    let leading: [Double] = [0, 0, 0, 1], atTwo: [Double] = [1, 2, 4, 8]
    #expect(Array(t.bt[0..<8]) == first)
    #expect(Array(t.bt[56..<64]) == last)
    #expect((0..<4).map { t.at[$0 * 8 + 7] } == leading)
    #expect((0..<4).map { t.at[$0 * 8 + 3] } == atTwo)
}

struct WinogradCase: CustomTestStringConvertible, Sendable {
    let channels: Int, out: Int, height: Int, width: Int, kernel: Int, images: Int
    var testDescription: String { "\(images) x \(channels)->\(out) \(height)x\(width) k\(kernel)" }
}

/// The largest |Winograd − direct| over the outputs, relative to the outputs' RMS.
func winogradError(_ c: WinogradCase, seed: UInt64 = 4) -> Double {
    let g = ConvGeometry(channels: c.channels, height: c.height, width: c.width, kernel: c.kernel)
    var rng = RNG(seed: seed)
    let x = (0..<(c.images * c.channels * g.pixels)).map { _ in rng.uniform() * 2 - 1 }
    let w = (0..<(c.out * g.patch)).map { _ in rng.uniform() * 2 - 1 }
    let b = (0..<c.out).map { _ in rng.uniform() - 0.5 }
    let engine = WinogradConvolution(geometry: g, outChannels: c.out)
    engine.transformWeights(w)
    var y = [Float](repeating: .nan, count: c.images * c.out * g.pixels)
    engine.forward(x, count: c.images, bias: b, out: &y, scratch: WinogradConvolution.Scratch(serving: [engine]))
    var worst = 0.0, squares = 0.0
    for image in 0..<c.images {
        let xi = Array(x[(image * c.channels * g.pixels)..<((image + 1) * c.channels * g.pixels)])
        let expected = directConvolution(xi, g, out: c.out, weights: w, bias: b)
        for i in expected.indices {
            worst = max(worst, abs(Double(y[image * c.out * g.pixels + i]) - expected[i]))
            squares += expected[i] * expected[i]
        }
    }
    let rms = (squares / Double(c.images * c.out * g.pixels)).squareRoot()
    return y.contains { !$0.isFinite } ? .infinity : worst / rms
}

@Test(arguments: [
    WinogradCase(channels: 1, out: 1, height: 1, width: 1, kernel: 5, images: 1),   // one pixel: all border
    WinogradCase(channels: 3, out: 2, height: 5, width: 7, kernel: 5, images: 2),    // ragged tiles on both edges
    WinogradCase(channels: 1, out: 4, height: 13, width: 9, kernel: 3, images: 3),
    WinogradCase(channels: 2, out: 3, height: 6, width: 11, kernel: 7, images: 2),
    WinogradCase(channels: 3, out: 5, height: 32, width: 32, kernel: 5, images: 2),  // a first layer: 64 tiles an image
    WinogradCase(channels: 16, out: 7, height: 8, width: 8, kernel: 5, images: 37),  // 16 images a chunk: three chunks
    WinogradCase(channels: 64, out: 64, height: 16, width: 16, kernel: 5, images: 5),  // Figure 3's conv2
    WinogradCase(channels: 64, out: 128, height: 8, width: 8, kernel: 5, images: 17),  // conv3
    WinogradCase(channels: 128, out: 64, height: 8, width: 8, kernel: 5, images: 3),   // conv3's input gradient
    WinogradCase(channels: 300, out: 13, height: 4, width: 4, kernel: 3, images: 2),   // more channels than a GEMM k block
])
func winogradConvolutionMatchesTheDirectSumWithinItsBound(_ c: WinogradCase) {
    let error = winogradError(c)
    #expect(error < WinogradTransform.errorBound(kernel: c.kernel), "error \(error) of the output's RMS")
}

@Test func winogradInputGradientIsTheTurnedKernelsConvolution() {
    // dX of Y = conv(X, W) is the "same" convolution of dY with flip(W); checked through
    // L = Σ r ⊙ conv(X, W), whose gradient in X is exact: dX[i][p] = Σ_o (flip(W) * r)[i][p].
    let c = 6, o = 5, h = 7, w = 10, k = 5
    let g = ConvGeometry(channels: c, height: h, width: w, kernel: k)
    var rng = RNG(seed: 8)
    let weights = (0..<(o * g.patch)).map { _ in rng.uniform() * 2 - 1 }
    let r = (0..<(o * g.pixels)).map { _ in rng.uniform() * 2 - 1 }
    var flipped = [Float](repeating: 0, count: weights.count)
    Convolution.flip(weights, outChannels: o, inChannels: c, kernel: k, into: &flipped)
    let engine = WinogradConvolution(geometry: g.with(channels: o), outChannels: c)
    engine.transformWeights(flipped)
    var dx = [Float](repeating: .nan, count: c * g.pixels)
    engine.forward(r, count: 1, bias: nil, out: &dx, scratch: WinogradConvolution.Scratch(serving: [engine]))
    // dL/dX[i][y][x] = Σ_{o,ky,kx} r[o][y−ky+p][x−kx+p] W[o][i][ky][kx], in Double.
    var worst = 0.0, squares = 0.0
    for i in 0..<c {
        for y in 0..<h {
            for x in 0..<w {
                var s = 0.0
                for oc in 0..<o {
                    for ky in 0..<k {
                        for kx in 0..<k {
                            let sy = y - ky + g.pad, sx = x - kx + g.pad
                            guard sy >= 0 && sy < h && sx >= 0 && sx < w else { continue }
                            s += Double(r[(oc * h + sy) * w + sx]) * Double(weights[((oc * c + i) * k + ky) * k + kx])
                        }
                    }
                }
                worst = max(worst, abs(Double(dx[(i * h + y) * w + x]) - s))
                squares += s * s
            }
        }
    }
    #expect(worst / (squares / Double(c * g.pixels)).squareRoot() < WinogradTransform.errorBound(kernel: k))
}

@Test(arguments: [
    CNNCase(channels: 3, side: 16, conv: [8, 16, 32], kernel: 5, hidden: [10], inputDropout: 0.2, hiddenDropout: 0.5, n: 40),
    CNNCase(channels: 3, side: 9, conv: [3, 2], kernel: 5, hidden: [6], inputDropout: 0.2, hiddenDropout: 0.5, n: 4),
    CNNCase(channels: 2, side: 11, conv: [4, 5, 3], kernel: 3, hidden: [], inputDropout: 0, hiddenDropout: 0, n: 35),
])
func aCNNWithWinogradMatchesTheDirectCNN(_ base: CNNCase) {
    // Loss and every gradient of the whole network, every layer by Winograd, within a small
    // relative distance of the direct network's.
    var winogradCase = base
    winogradCase.algorithm = .winograd
    let direct = smallCNN(base), winograd = smallCNN(winogradCase)
    let forward: [Bool] = winograd.winograd.map { $0 != nil }, input: [Bool] = winograd.winogradInput.map { $0 != nil }
    #expect(forward.allSatisfy { $0 } && !input[0] && input.dropFirst().allSatisfy { $0 })
    var rng = RNG(seed: 12)
    var params = [Float](repeating: 0, count: direct.parameterCount)
    direct.initialize(&params, .glorotUniform, rng: &rng)
    let x = (0..<(base.n * direct.inputSize)).map { _ in rng.uniform() * 2 - 1 }
    let labels = (0..<base.n).map { _ in Int32(rng.below(3)) }
    var gd = [Float](repeating: .nan, count: params.count), gw = gd
    var r1 = RNG(seed: 3), r2 = RNG(seed: 3)
    let ld = direct.lossAndGradient(parameters: params, gradients: &gd, x: x, labels: labels, count: base.n, rng: &r1)
    let lw = winograd.lossAndGradient(parameters: params, gradients: &gw, x: x, labels: labels, count: base.n, rng: &r2)
    #expect(abs(ld - lw) < 1e-5 * abs(ld))
    for v in direct.layout.views {
        let a = (0..<v.count).map { Double(gd[v.offset + $0]) }, b = (0..<v.count).map { Double(gw[v.offset + $0]) }
        let diff = zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        let norm = a.map { $0 * $0 }.reduce(0, +).squareRoot()
        #expect(diff <= 1e-4 * norm, "\(v.name): \(diff) against norm \(norm)")
    }
}

@Test func autoChoosesWinogradByShapeAlone() {
    let rule = ConvAlgorithm.auto
    #expect(!rule.usesWinograd(ConvGeometry(channels: 3, height: 32, width: 32, kernel: 5)))
    #expect(rule.usesWinograd(ConvGeometry(channels: 64, height: 16, width: 16, kernel: 5)))
    #expect(!rule.usesWinograd(ConvGeometry(channels: 64, height: 16, width: 16, kernel: 3)))
    #expect(ConvAlgorithm.winograd.usesWinograd(ConvGeometry(channels: 1, height: 4, width: 4, kernel: 3)))
    #expect(!ConvAlgorithm.winograd.usesWinograd(ConvGeometry(channels: 8, height: 4, width: 4, kernel: 1)))
    #expect(!ConvAlgorithm.direct.usesWinograd(ConvGeometry(channels: 64, height: 16, width: 16, kernel: 5)))
}

@Test func theButterfliesAreTheDerivedMatrices() {
    // Each unit vector e_j through a butterfly gives column j of the matrix, exactly (every entry
    // of Bᵀ and of Aᵀ is a binary fraction).
    let t = WinogradTransform(kernel: 5)
    for j in 0..<8 {
        var e = [Float](repeating: 0, count: 8 * 16)
        for lane in 0..<16 { e[j * 16 + lane] = 1 }
        let input = WinogradTransform.inputButterfly(Octet(e, stride: 16))
        let column = [input.v0, input.v1, input.v2, input.v3, input.v4, input.v5, input.v6, input.v7].map { Double($0[3]) }
        #expect(column == (0..<8).map { t.bt[$0 * 8 + j] })
        let (y0, y1, y2, y3) = WinogradTransform.outputButterfly4(Octet(e, stride: 16))
        #expect([y0, y1, y2, y3].map { Double($0[11]) } == (0..<4).map { t.at[$0 * 8 + j] })
    }
}

@Test(arguments: [
    WinogradCase(channels: 3, out: 2, height: 5, width: 7, kernel: 5, images: 2),
    WinogradCase(channels: 2, out: 3, height: 9, width: 6, kernel: 3, images: 3),
    WinogradCase(channels: 16, out: 8, height: 8, width: 8, kernel: 5, images: 37),   // three chunks
    WinogradCase(channels: 64, out: 64, height: 16, width: 16, kernel: 5, images: 6),
])
func winogradWeightGradientMatchesTheDirectOne(_ c: WinogradCase) {
    // dW and db against Convolution.weightGradient (im2col, itself checked against finite
    // differences), summed over the images; then added to what is there when accumulating.
    let g = ConvGeometry(channels: c.channels, height: c.height, width: c.width, kernel: c.kernel)
    var rng = RNG(seed: 21)
    let x = (0..<(c.images * c.channels * g.pixels)).map { _ in rng.uniform() * 2 - 1 }
    let dy = (0..<(c.images * c.out * g.pixels)).map { _ in rng.uniform() * 2 - 1 }
    var expectedW = [Float](repeating: 0, count: c.out * g.patch), expectedB = [Float](repeating: 0, count: c.out)
    for image in 0..<c.images {
        let xi = Array(x[(image * c.channels * g.pixels)..<((image + 1) * c.channels * g.pixels)])
        let di = Array(dy[(image * c.out * g.pixels)..<((image + 1) * c.out * g.pixels)])
        Convolution.weightGradient(di, input: xi, g, outChannels: c.out, dWeights: &expectedW, dBias: &expectedB, accumulate: image > 0)
    }
    let engine = WinogradConvolution(geometry: g, outChannels: c.out)
    let scratch = WinogradConvolution.Scratch(serving: [engine])
    var dw = [Float](repeating: .nan, count: expectedW.count), db = [Float](repeating: .nan, count: c.out)
    engine.weightGradient(dy, input: x, count: c.images, dWeights: &dw, dBias: &db, accumulate: false, scratch: scratch)
    func relativeError(_ a: [Float], _ b: [Float]) -> Double {
        let diff = zip(a, b).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
        return diff / b.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
    }
    #expect(relativeError(dw, expectedW) < WinogradTransform.errorBound(kernel: c.kernel))
    #expect(relativeError(db, expectedB) < 1e-5)
    engine.weightGradient(dy, input: x, count: c.images, dWeights: &dw, dBias: &db, accumulate: true, scratch: scratch)
    #expect(relativeError(dw, expectedW.map { 2 * $0 }) < WinogradTransform.errorBound(kernel: c.kernel))
}

// `adam-bench bench winograd`: how far Winograd's F(4x4, 5x5) lands from the direct convolution
// on the layers of Figure 3's network, for each of the three products, on random data: the
// measured side of the bound the tests hold it to (WinogradTransform.errorBound).
import Kernels
import NN

extension Benchmarks {
    public struct WinogradError: Sendable {
        public let layer: String, product: String
        /// The largest |Winograd − direct| relative to the direct result's RMS.
        public let relativeError: Double
    }

    /// Figure 3's conv2 and conv3 (and conv3's input gradient, 128 → 64 channels), 32 images of
    /// uniform values in [−1, 1] and weights of Glorot's scale; the direct products are the im2col
    /// GEMMs (whose own rounding is about 1e-7 of the RMS).
    public static func winogradErrors(seed: UInt64 = 1) -> [WinogradError] {
        var rng = RNG(seed: seed)
        var rows: [WinogradError] = []
        for (layer, c, o, side) in [("conv2", 64, 64, 16), ("conv3", 64, 128, 8), ("conv3 input gradient", 128, 64, 8)] {
            let g = ConvGeometry(channels: c, height: side, width: side, kernel: 5), images = 32
            let scale = Float((6.0 / Double((c + o) * 25)).squareRoot())
            let x = FloatBuffer(count: images * c * g.pixels), w = FloatBuffer(count: o * g.patch)
            let dy = FloatBuffer(count: images * o * g.pixels)
            for i in 0..<x.count { x[i] = rng.uniform() * 2 - 1 }
            for i in 0..<w.count { w[i] = (rng.uniform() * 2 - 1) * scale }
            for i in 0..<dy.count { dy[i] = rng.uniform() * 2 - 1 }
            let engine = WinogradConvolution(geometry: g, outChannels: o)
            let scratch = WinogradConvolution.Scratch(serving: [engine])
            engine.transformWeights(w.base)
            let fast = FloatBuffer(count: images * o * g.pixels), direct = FloatBuffer(count: images * o * g.pixels)
            engine.forward(x.base, count: images, bias: nil, out: fast.base, scratch: scratch)
            for i in 0..<images {
                Convolution.forward(x.base + i * c * g.pixels, g, outChannels: o, weights: w.base, bias: nil,
                                    out: direct.base + i * o * g.pixels)
            }
            rows.append(WinogradError(layer: layer, product: "forward", relativeError: relative(fast, direct)))
            let dwFast = FloatBuffer(count: o * g.patch), dwDirect = FloatBuffer(count: o * g.patch)
            let dbFast = FloatBuffer(count: o), dbDirect = FloatBuffer(count: o)
            engine.weightGradient(dy.base, input: x.base, count: images, dWeights: dwFast.base, dBias: dbFast.base,
                                  accumulate: false, scratch: scratch)
            for i in 0..<images {
                Convolution.weightGradient(dy.base + i * o * g.pixels, input: x.base + i * c * g.pixels, g, outChannels: o,
                                           dWeights: dwDirect.base, dBias: dbDirect.base, accumulate: i > 0)
            }
            rows.append(WinogradError(layer: layer, product: "weight gradient", relativeError: relative(dwFast, dwDirect)))
        }
        return rows
    }

    static func relative(_ a: FloatBuffer, _ b: FloatBuffer) -> Double {
        var worst = 0.0, squares = 0.0
        for i in 0..<a.count {
            worst = max(worst, abs(Double(a[i]) - Double(b[i])))
            squares += Double(b[i]) * Double(b[i])
        }
        return worst / (squares / Double(max(1, b.count))).squareRoot()
    }
}

// 2-D convolution, stride 1, "same" zero padding (k odd, pad (k − 1)/2), on one image in (channel,
// row, column) order, with PyTorch's weight layout (out, in, k, k). Lowered to the GEMM through
// im2col: the (in·k·k, rows·cols) matrix whose column p holds the patch under output pixel p.
//   forward      Y (out, pixels)  = W (out, in·k·k) · col(X)
//   weights      dW (out, in·k·k) += dY (out, pixels) · col(X)ᵀ
//   input        dX (in, pixels)  = flip(W) (in, out·k·k) · col(dY)
// The input gradient is itself a "same" convolution of dY with the kernel turned by 180 degrees
// and its channel axes swapped, so one lowering serves all three products.
import Kernels

public struct ConvGeometry: Sendable, Equatable {
    /// The input: channels x height x width.
    public let channels: Int, height: Int, width: Int
    public let kernel: Int
    public init(channels: Int, height: Int, width: Int, kernel: Int) {
        precondition(kernel % 2 == 1, "same padding needs an odd kernel")
        self.channels = channels; self.height = height; self.width = width; self.kernel = kernel
    }
    public var pad: Int { kernel / 2 }
    /// Rows of col(X): one per (channel, ky, kx).
    public var patch: Int { channels * kernel * kernel }
    public var pixels: Int { height * width }
    /// The geometry of the same image with another channel count (the output, or dY).
    public func with(channels c: Int) -> ConvGeometry { ConvGeometry(channels: c, height: height, width: width, kernel: kernel) }
}

public enum Convolution {
    /// col[(c·k + ky)·k + kx][y·W + x] = X[c][y + ky − pad][x + kx − pad], zero outside the image.
    public static func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ col: UnsafeMutablePointer<Float>) {
        let h = g.height, w = g.width, k = g.kernel, pad = g.pad, hw = g.pixels
        var row = col
        for c in 0..<g.channels {
            let plane = x + c * hw
            for ky in 0..<k {
                for kx in 0..<k {
                    let dx = kx - pad
                    // Output columns whose source column x + dx is inside the image.
                    let lo = max(0, -dx), hi = min(w, w - dx)
                    for y in 0..<h {
                        let out = row + y * w
                        let sy = y + ky - pad
                        if sy < 0 || sy >= h || lo >= hi {
                            out.update(repeating: 0, count: w)
                            continue
                        }
                        if lo > 0 { out.update(repeating: 0, count: lo) }
                        (out + lo).update(from: plane + sy * w + lo + dx, count: hi - lo)
                        if hi < w { (out + hi).update(repeating: 0, count: w - hi) }
                    }
                    row += hw
                }
            }
        }
    }

    /// Y (outChannels, pixels) = W · col(X) (+ bias per output channel when given).
    /// `col` is scratch of patch·pixels floats.
    public static func forward(_ x: UnsafePointer<Float>, _ g: ConvGeometry, outChannels: Int,
                               weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               out: UnsafeMutablePointer<Float>, col: UnsafeMutablePointer<Float>) {
        im2col(x, g, col)
        gemm(GemmShape(m: outChannels, n: g.pixels, k: g.patch), a: weights, lda: g.patch,
             b: col, ldb: g.pixels, beta: 0, c: out, ldc: g.pixels)
        if let bias {
            for o in 0..<outChannels {
                let v = Vec16(repeating: bias[o]), row = out + o * g.pixels
                var i = 0
                while i + 16 <= g.pixels { store16(load16(row + i) + v, row + i); i += 16 }
                while i < g.pixels { row[i] += bias[o]; i += 1 }
            }
        }
    }

    /// dW (outChannels, patch) = dY · col(X)ᵀ, added to dW when `accumulate`; db += Σ_pixels dY.
    public static func weightGradient(_ dOut: UnsafePointer<Float>, input x: UnsafePointer<Float>, _ g: ConvGeometry,
                                      outChannels: Int, dWeights: UnsafeMutablePointer<Float>,
                                      dBias: UnsafeMutablePointer<Float>, accumulate: Bool,
                                      col: UnsafeMutablePointer<Float>) {
        im2col(x, g, col)
        gemm(GemmShape(m: outChannels, n: g.patch, k: g.pixels, transB: true), a: dOut, lda: g.pixels,
             b: col, ldb: g.pixels, beta: accumulate ? 1 : 0, c: dWeights, ldc: g.patch)
        for o in 0..<outChannels {
            let s = sum(dOut + o * g.pixels, g.pixels)
            dBias[o] = accumulate ? dBias[o] + s : s
        }
    }

    /// dX (inChannels, pixels) = flip(W) · col(dY); `flipped` comes from `flip`.
    public static func inputGradient(_ dOut: UnsafePointer<Float>, _ g: ConvGeometry, outChannels: Int,
                                     flipped: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>,
                                     col: UnsafeMutablePointer<Float>) {
        forward(dOut, g.with(channels: outChannels), outChannels: g.channels, weights: flipped, bias: nil,
                out: dInput, col: col)
    }

    /// flipped[i][o][ky][kx] = W[o][i][k − 1 − ky][k − 1 − kx]: the (in, out·k·k) weights of the
    /// input gradient's convolution.
    public static func flip(_ w: UnsafePointer<Float>, outChannels: Int, inChannels: Int, kernel k: Int,
                            into flipped: UnsafeMutablePointer<Float>) {
        let kk = k * k
        for o in 0..<outChannels {
            for i in 0..<inChannels {
                let src = w + (o * inChannels + i) * kk, dst = flipped + (i * outChannels + o) * kk
                for t in 0..<kk { dst[t] = src[kk - 1 - t] }
            }
        }
    }

    /// Σ x[0..<n] in a fixed order (16 lanes, then the lanes in turn).
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Vec16(), i = 0
        while i + 16 <= n { acc += load16(x + i); i += 16 }
        var s = acc.sum()
        while i < n { s += x[i]; i += 1 }
        return s
    }
}

/// Max pooling over size x size windows with a stride and implicit −∞ padding (PyTorch's
/// MaxPool2d). The gradient goes to the first maximum of each window in scan order, as in PyTorch.
public struct MaxPool: Sendable, Equatable {
    public let size: Int, stride: Int, pad: Int
    public init(size: Int, stride: Int, pad: Int) {
        self.size = size; self.stride = stride; self.pad = pad
    }

    /// PyTorch's output size (floor mode).
    public func outputSize(_ n: Int) -> Int { (n + 2 * pad - size) / stride + 1 }

    /// One plane h x w into oh x ow; `argmax` receives the input index of each output's maximum.
    public func forward(_ x: UnsafePointer<Float>, height h: Int, width w: Int, out: UnsafeMutablePointer<Float>,
                        argmax: UnsafeMutablePointer<Int32>) {
        let oh = outputSize(h), ow = outputSize(w)
        for oy in 0..<oh {
            let y0 = oy * stride - pad
            for ox in 0..<ow {
                let x0 = ox * stride - pad
                // As PyTorch: start at the window's first pixel with −∞; a NaN always wins.
                var best = -Float.infinity, at = max(0, y0) * w + max(0, x0)
                for y in max(0, y0)..<min(h, y0 + size) {
                    for xx in max(0, x0)..<min(w, x0 + size) {
                        let v = x[y * w + xx]
                        if v > best || v.isNaN { best = v; at = y * w + xx }
                    }
                }
                out[oy * ow + ox] = best
                argmax[oy * ow + ox] = Int32(at)
            }
        }
    }

    /// dX (h x w, overwritten) from dY (oh x ow) and forward's argmax.
    public func backward(_ dOut: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, height h: Int, width w: Int,
                         dInput: UnsafeMutablePointer<Float>) {
        dInput.update(repeating: 0, count: h * w)
        for i in 0..<(outputSize(h) * outputSize(w)) { dInput[Int(argmax[i])] += dOut[i] }
    }
}

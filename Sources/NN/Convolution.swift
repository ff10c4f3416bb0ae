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

    /// Y (outChannels, pixels) = W · col(X) (+ bias per output channel when given), with the
    /// weights packed once (`PackedA(m: outChannels, k: patch)`) and col(X) written straight into
    /// the GEMM's panels (Im2colPanels): no patch matrix is materialised.
    /// `padded` is scratch of `paddedSize(g)` floats.
    public static func forward(_ x: UnsafePointer<Float>, _ g: ConvGeometry, weights: PackedA, bias: UnsafePointer<Float>?,
                               out: UnsafeMutablePointer<Float>, padded: UnsafeMutablePointer<Float>) {
        precondition(weights.k == g.patch)
        let outChannels = weights.m
        pad(x, g, into: padded)
        gemm(weights, n: g.pixels, b: Im2colPanels(padded: padded, geometry: g), c: out, ldc: g.pixels)
        if let bias {
            for o in 0..<outChannels {
                let v = Vec16(repeating: bias[o]), row = out + o * g.pixels
                var i = 0
                while i + 16 <= g.pixels { store16(load16(row + i) + v, row + i); i += 16 }
                while i < g.pixels { row[i] += bias[o]; i += 1 }
            }
        }
    }

    /// The same with unpacked weights (outChannels x patch), for one-off products and tests.
    public static func forward(_ x: UnsafePointer<Float>, _ g: ConvGeometry, outChannels: Int,
                               weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>) {
        let packed = PackedA(m: outChannels, k: g.patch)
        packed.pack(weights, lda: g.patch)
        let padded = FloatBuffer(count: paddedSize(g))
        forward(x, g, weights: packed, bias: bias, out: out, padded: padded.base)
    }

    /// Floats of the zero-padded copy of an image of geometry g.
    public static func paddedSize(_ g: ConvGeometry) -> Int {
        g.channels * (g.height + 2 * g.pad) * (g.width + 2 * g.pad)
    }

    /// The image with `pad` zeros around each channel: (channels, height + 2·pad, width + 2·pad).
    public static func pad(_ x: UnsafePointer<Float>, _ g: ConvGeometry, into out: UnsafeMutablePointer<Float>) {
        let pw = g.width + 2 * g.pad, ph = g.height + 2 * g.pad
        out.update(repeating: 0, count: g.channels * ph * pw)
        for c in 0..<g.channels {
            for y in 0..<g.height {
                (out + (c * ph + y + g.pad) * pw + g.pad).update(from: x + (c * g.height + y) * g.width, count: g.width)
            }
        }
    }

    /// dW (outChannels, patch) = dY · col(X)ᵀ, added to dW when `accumulate`; db += Σ_pixels dY.
    /// `dOutPacked` is scratch PackedA(m: outChannels, k: pixels); `padded` of paddedSize(g).
    public static func weightGradient(_ dOut: UnsafePointer<Float>, input x: UnsafePointer<Float>, _ g: ConvGeometry,
                                      dOutPacked: PackedA, dWeights: UnsafeMutablePointer<Float>,
                                      dBias: UnsafeMutablePointer<Float>, accumulate: Bool,
                                      padded: UnsafeMutablePointer<Float>, col: UnsafeMutablePointer<Float>) {
        let outChannels = dOutPacked.m
        if weightGradientIsImplicit(g) {
            pad(x, g, into: padded)
            dOutPacked.pack(dOut, lda: g.pixels)
            gemm(dOutPacked, n: g.patch, b: Im2colTransposedPanels(padded: padded, geometry: g), beta: accumulate ? 1 : 0,
                 c: dWeights, ldc: g.patch)
        } else {
            im2col(x, g, col)
            gemm(GemmShape(m: outChannels, n: g.patch, k: g.pixels, transB: true), a: dOut, lda: g.pixels,
                 b: col, ldb: g.pixels, beta: accumulate ? 1 : 0, c: dWeights, ldc: g.patch)
        }
        for o in 0..<outChannels {
            let s = sum(dOut + o * g.pixels, g.pixels)
            dBias[o] = accumulate ? dBias[o] + s : s
        }
    }

    /// Whether the weight gradient of g writes col(X)ᵀ straight into panels (else `col` is used).
    public static func weightGradientIsImplicit(_ g: ConvGeometry) -> Bool {
        Im2colTransposedPanels.handles(g) && g.pixels % 16 == 0
    }

    /// The same with its scratch allocated here, for one-off products and tests.
    public static func weightGradient(_ dOut: UnsafePointer<Float>, input x: UnsafePointer<Float>, _ g: ConvGeometry,
                                      outChannels: Int, dWeights: UnsafeMutablePointer<Float>,
                                      dBias: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let padded = FloatBuffer(count: paddedSize(g)), col = FloatBuffer(count: g.patch * g.pixels)
        weightGradient(dOut, input: x, g, dOutPacked: PackedA(m: outChannels, k: g.pixels), dWeights: dWeights,
                       dBias: dBias, accumulate: accumulate, padded: padded.base, col: col.base)
    }

    /// dX (inChannels, pixels) = flip(W) · col(dY); `flipped` is `flip`'s result packed as
    /// PackedA(m: inChannels, k: outChannels·k·k).
    /// `padded` is scratch of `paddedSize` floats of dY's geometry.
    public static func inputGradient(_ dOut: UnsafePointer<Float>, _ g: ConvGeometry, flipped: PackedA,
                                     dInput: UnsafeMutablePointer<Float>, padded: UnsafeMutablePointer<Float>) {
        precondition(flipped.m == g.channels)
        forward(dOut, g.with(channels: flipped.k / (g.kernel * g.kernel)), weights: flipped, bias: nil, out: dInput, padded: padded)
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

/// col(X) written straight into the GEMM's packed B panels: panel q holds, for each patch row
/// p = (c·k + ky)·k + kx, the 32 pixels j0 + 32q ..< j0 + 32(q + 1) of that row. The image is read
/// from a zero-padded copy (`Convolution.pad`), so each pixel run is one unchecked contiguous
/// copy of a shifted image row: 32 floats when the width is a multiple of 32, else 32 / width
/// whole rows.
public struct Im2colPanels: PanelSource {
    let padded: UnsafePointer<Float>
    let geometry: ConvGeometry

    /// `padded` holds the image as `Convolution.pad` writes it.
    public init(padded: UnsafePointer<Float>, geometry: ConvGeometry) {
        self.padded = padded
        self.geometry = geometry
    }

    public func pack(p0: Int, kc: Int, j0: Int, nc: Int, into dst: UnsafeMutablePointer<Float>) {
        let g = geometry, w = g.width, k = g.kernel, n = g.pixels
        let pw = w + 2 * g.pad, plane = (g.height + 2 * g.pad) * pw
        let width = gemmPanelWidth
        var panel = dst
        for q in stride(from: 0, to: nc, by: width) {
            let first = j0 + q
            let y0 = first / w, x0 = first % w
            let whole = min(width, n - first)  // pixels of this panel inside the image
            // Patch row p0 as (channel, ky, kx), then counted up.
            var c = p0 / (k * k), ky = p0 % (k * k) / k, kx = p0 % k
            for p in 0..<kc {
                // Pixel (y, x) of this patch row is padded[c][y + ky][x + kx].
                let src = padded + c * plane + (y0 + ky) * pw + x0 + kx
                let o = panel + p * width
                if whole == width && w % width == 0 {
                    store16(load16(src), o)
                    store16(load16(src + 16), o + 16)
                } else if whole == width && w == 16 {
                    store16(load16(src), o)
                    store16(load16(src + pw), o + 16)
                } else if whole == width && w == 8 {
                    for r in 0..<4 { (o + 8 * r).storeBytes8(UnsafeRawPointer(src + r * pw).loadUnaligned(as: SIMD8<Float>.self)) }
                } else {
                    var y = y0, x = x0
                    for t in 0..<width {
                        if t < whole {
                            o[t] = padded[c * plane + (y + ky) * pw + x + kx]
                            x += 1
                            if x == w { x = 0; y += 1 }
                        } else {
                            o[t] = 0
                        }
                    }
                }
                kx += 1
                if kx == k { kx = 0; ky += 1; if ky == k { ky = 0; c += 1 } }
            }
            panel += kc * width
        }
    }
}

/// col(X)ᵀ written straight into the GEMM's packed B panels, for the weight gradient
/// dW = dY·col(X)ᵀ: B's rows are pixels (k) and its columns patch rows (n). Each 16 x 16 block
/// (16 patch rows by 16 pixels of one image row, or two half rows when the width is 8) is loaded
/// from the zero-padded image and transposed in registers, as packB transposes a stored Bᵀ.
public struct Im2colTransposedPanels: PanelSource {
    let padded: UnsafePointer<Float>
    let geometry: ConvGeometry

    public init(padded: UnsafePointer<Float>, geometry: ConvGeometry) {
        self.padded = padded
        self.geometry = geometry
    }

    /// Whether the pixel blocks are whole: widths 8, 16 or a multiple of 16.
    public static func handles(_ g: ConvGeometry) -> Bool { g.width == 8 || g.width % 16 == 0 }

    public func pack(p0: Int, kc: Int, j0: Int, nc: Int, into dst: UnsafeMutablePointer<Float>) {
        let g = geometry, w = g.width, k = g.kernel, kk = k * k, patch = g.patch
        let pw = w + 2 * g.pad, plane = (g.height + 2 * g.pad) * pw
        let width = gemmPanelWidth
        precondition(kc % 16 == 0 && Self.handles(g))
        // Where patch row j starts in the padded image, relative to pixel (0, 0).
        @inline(__always) func origin(_ j: Int) -> Int {
            let c = j / kk, r = j % kk
            return c * plane + (r / k) * pw + r % k
        }
        var panel = dst
        for q in stride(from: 0, to: nc, by: width) {
            for half in 0..<2 {
                let firstRow = j0 + q + 16 * half
                let rows = max(0, min(16, patch - firstRow))
                var origins = SIMD16<Int>()  // stays in registers: no allocation
                for r in 0..<rows { origins[r] = origin(firstRow + r) }
                for p in stride(from: 0, to: kc, by: 16) {
                    let pixel = p0 + p, y = pixel / w, x = pixel % w
                    let at = padded + y * pw + x
                    let out = panel + p * width + 16 * half
                    if w == 8 {
                        transpose16x16(row: { r in
                            guard r < rows else { return Vec16() }
                            let s = at + origins[r]
                            return Vec16(lowHalf: UnsafeRawPointer(s).loadUnaligned(as: SIMD8<Float>.self),
                                         highHalf: UnsafeRawPointer(s + pw).loadUnaligned(as: SIMD8<Float>.self))
                        }, out, dstStride: width)
                    } else {
                        transpose16x16(row: { r in r < rows ? load16(at + origins[r]) : Vec16() }, out, dstStride: width)
                    }
                }
            }
            panel += kc * width
        }
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    @inline(__always)
    func storeBytes8(_ v: SIMD8<Float>) { UnsafeMutableRawPointer(self).storeBytes(of: v, as: SIMD8<Float>.self) }
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
        if size == 3 && stride == 2 && pad == 1 && w <= 32 {
            forward3x3Stride2(x, height: h, width: w, out: out, argmax: argmax)
            return
        }
        forwardAnySize(x, height: h, width: w, out: out, argmax: argmax)
    }

    /// The window loop for any size, stride and padding.
    func forwardAnySize(_ x: UnsafePointer<Float>, height h: Int, width w: Int, out: UnsafeMutablePointer<Float>,
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

    /// Figure 3's pool (3 x 3, stride 2, padding 1) on rows of at most 32 pixels, 16 outputs at
    /// once, in registers: a row is two vectors (−∞ past its end), the window's columns 2·ox and
    /// 2·ox + 1 are their even and odd lanes, and column 2·ox − 1 is the odd lanes moved up by one
    /// with −∞ at column −1. (Writing a row into a buffer and reading it back at an offset, as this
    /// once did, stalls each load on the stores before it.) Rows and columns are scanned in
    /// PyTorch's order with its rule (a larger value or a NaN takes over), so the maxima and their
    /// indices are those of the window loop.
    func forward3x3Stride2(_ x: UnsafePointer<Float>, height h: Int, width w: Int, out: UnsafeMutablePointer<Float>,
                           argmax: UnsafeMutablePointer<Int32>) {
        let oh = outputSize(h), ow = outputSize(w)
        // Indices are carried as Float lanes (exact below 2^24) to share the comparison's mask.
        let lane = SIMD16<Float>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        // The first pixel of each window inside the image: column max(0, 2·ox − 1).
        let firstColumn = pointwiseMax(lane * 2 - 1, SIMD16<Float>())
        let minusInfinity = Vec16(repeating: -.infinity)
        /// Pixels from..<w of the row at p as 16 lanes, −∞ past the row's end.
        @inline(__always) func half(_ p: UnsafePointer<Float>, _ count: Int) -> Vec16 {
            if count >= 16 { return load16(p) }
            if count <= 0 { return minusInfinity }
            var v = load16(p, count: count)
            v.replace(with: minusInfinity, where: lane .>= Float(count))
            return v
        }
        for oy in 0..<oh {
            let y0 = max(0, 2 * oy - 1), y1 = min(h - 1, 2 * oy + 1)
            var best = minusInfinity
            var at = firstColumn + Float(y0 * w)
            @inline(__always) func visit(_ v: SIMD16<Float>, _ index: SIMD16<Float>) {
                let take = (v .> best) .| (v .!= v)
                best.replace(with: v, where: take)
                at.replace(with: index, where: take)
            }
            for y in y0...y1 {
                let src = x + y * w
                let even = evenLanes(half(src, w), half(src + 16, w - 16)), odd = oddLanes(half(src, w), half(src + 16, w - 16))
                let left = Vec16(-.infinity, odd[0], odd[1], odd[2], odd[3], odd[4], odd[5], odd[6], odd[7], odd[8], odd[9],
                                 odd[10], odd[11], odd[12], odd[13], odd[14])
                let base = lane * 2 + Float(y * w)
                visit(left, base - 1)
                visit(even, base)
                visit(odd, base + 1)
            }
            store16(best, out + oy * ow, count: ow)
            for ox in 0..<ow { argmax[oy * ow + ox] = Int32(at[ox]) }
        }
    }

    /// dX (h x w, overwritten) from dY (oh x ow) and forward's argmax.
    public func backward(_ dOut: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, height h: Int, width w: Int,
                         dInput: UnsafeMutablePointer<Float>) {
        dInput.update(repeating: 0, count: h * w)
        accumulate(dOut, argmax: argmax, count: outputSize(h) * outputSize(w), into: dInput)
    }

    /// dX[argmax[i]] += dY[i] for count outputs, in order (dX zeroed by the caller): `backward`
    /// for many planes at once, their argmax already offset to the planes' positions.
    @inline(__always)
    public func accumulate(_ dOut: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, count: Int,
                           into dInput: UnsafeMutablePointer<Float>) {
        for i in 0..<count { dInput[Int(argmax[i])] += dOut[i] }
    }
}

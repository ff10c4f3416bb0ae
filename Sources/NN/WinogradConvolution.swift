// A "same" convolution (stride 1, padding (r − 1)/2) of many images at once by Winograd's
// F(m x m, r x r) on 8 x 8 tiles (Winograd.swift), the elementwise stage batched into GEMMs over
// tiles x channels as Lavin & Gray describe. With ξ one of the 64 positions of a tile:
//   1. weights  U_ξ (out, in) = (G W[o][i] Gᵀ)[ξ], packed once per step as 64 GEMM A operands;
//   2. inputs   each image zero-padded and cut into 8 x 8 tiles overlapping by r − 1 (tile (ty, tx)
//               starts at padded row m·ty, column m·tx); V_ξ (in, tiles) = (Bᵀ d B)[ξ], written
//               straight into the GEMM's packed B panels;
//   3. products M_ξ (out, tiles) = U_ξ · V_ξ, 64 GEMMs;
//   4. outputs  Y = Aᵀ M A per tile and output channel, plus the bias, cut at the image's edge.
// Images go through in chunks of about `chunkTarget` tiles so that V and M stay near the core.
// The transforms run on 16 tiles at once, one per vector lane: a tile's 8 rows are copied out
// and turned into lanes by 16 x 16 transposes, so every load and store is a whole vector.
//
// The arithmetic, and so every bit of the result, depends only on the images and weights, never
// on how many threads run the callers (each call runs on the calling thread).
import Kernels

public final class WinogradConvolution: @unchecked Sendable {
    /// The input images' geometry, and the output channels.
    public let geometry: ConvGeometry
    public let outChannels: Int
    public let transform: WinogradTransform
    /// Tiles per image (tilesY x tilesX, each m x m outputs) and the zero-padded image's size.
    let tilesY: Int, tilesX: Int, tilesPerImage: Int
    let paddedHeight: Int, paddedWidth: Int
    /// Images per chunk, and the chunk's tiles rounded up to whole 16-lane blocks.
    public let chunkImages: Int
    let chunkTiles: Int
    /// Tiles per chunk to aim for: 64 tiles of 64 channels keep V and M at 1 MiB each.
    static let chunkTarget = 64

    /// U_ξ for the 64 positions, each (outChannels, inChannels); `kernelScratch` holds them unpacked.
    let packedWeights: [PackedA]
    let kernelScratch: FloatBuffer
    /// The transforms in Float: G (8 x r), and Aᵀ as lists of its nonzero entries (Bᵀ, and Aᵀ of
    /// 5 x 5 kernels, are applied as butterflies: WinogradTransform.inputButterfly).
    let g: FloatBuffer
    let at: TransformRows
    /// 16 kernels' values as lanes (r² x 16) and their G·w (8·r x 16), while the weights are transformed.
    let weightLanes: FloatBuffer, leftProduct: FloatBuffer

    /// What one caller needs while it runs; one per thread (the CNN keeps one per group of images).
    public final class Scratch: @unchecked Sendable {
        let padded: FloatBuffer    // (chunkImages, channels, paddedHeight, paddedWidth)
        let v: FloatBuffer         // 64 packed (in, chunkTiles) B operands
        let m: FloatBuffer         // 64 (out, chunkTiles) products
        let rows: FloatBuffer      // 16 tiles x 64: the tiles' values, one tile a row
        let lanes: FloatBuffer     // 64 x 16: the same, one tile position a vector
        let stage: FloatBuffer     // 64 x 16: the first half of a transform
        let du: FloatBuffer        // 64 (out, in): the weight gradient before its transform
        let outLanes: FloatBuffer  // m² x 16: a block's outputs, one output position a vector
        let outRows: FloatBuffer   // 16 x 16: the same, one tile a row (m = 4)

        /// Scratch that serves every one of `convolutions`.
        public init(serving convolutions: [WinogradConvolution]) {
            func largest(_ f: (WinogradConvolution) -> Int) -> Int { convolutions.map(f).max() ?? 0 }
            padded = FloatBuffer(count: largest { $0.chunkImages * $0.geometry.channels * $0.paddedHeight * $0.paddedWidth })
            v = FloatBuffer(count: largest { 64 * $0.vStride })
            m = FloatBuffer(count: largest { 64 * $0.outChannels * $0.chunkTiles })
            rows = FloatBuffer(count: 16 * 64)
            lanes = FloatBuffer(count: 64 * 16)
            stage = FloatBuffer(count: 64 * 16)
            du = FloatBuffer(count: largest { 64 * $0.outChannels * $0.geometry.channels })
            outLanes = FloatBuffer(count: 64 * 16)
            outRows = FloatBuffer(count: 16 * 16)
        }
    }

    /// Floats between consecutive V_ξ.
    var vStride: Int { PackedB.count(k: geometry.channels, n: chunkTiles) }

    public init(geometry: ConvGeometry, outChannels: Int) {
        let t = WinogradTransform(kernel: geometry.kernel)
        self.geometry = geometry
        self.outChannels = outChannels
        transform = t
        tilesY = (geometry.height + t.m - 1) / t.m
        tilesX = (geometry.width + t.m - 1) / t.m
        tilesPerImage = tilesY * tilesX
        paddedHeight = t.m * tilesY + t.r - 1
        paddedWidth = t.m * tilesX + t.r - 1
        chunkImages = max(1, Self.chunkTarget / tilesPerImage)
        chunkTiles = (chunkImages * tilesPerImage + 15) / 16 * 16
        packedWeights = (0..<64).map { _ in PackedA(m: outChannels, k: geometry.channels) }
        kernelScratch = FloatBuffer(count: 64 * outChannels * geometry.channels)
        g = FloatBuffer(t.g.map(Float.init))
        at = TransformRows(t.at, rows: t.m)
        weightLanes = FloatBuffer(count: t.r * t.r * 16)
        leftProduct = FloatBuffer(count: 8 * t.r * 16)
    }

    /// U_ξ = (G W[o][i] Gᵀ)[ξ] for weights W (outChannels, inChannels, r, r), packed for the GEMMs.
    /// 16 kernels (o, i) at once, one per lane: their r² values gathered into lanes, G·w for the
    /// columns, then (G·w)·Gᵀ for the 64 positions, stored as U_ξ's 16 consecutive entries.
    public func transformWeights(_ w: UnsafePointer<Float>) {
        let r = transform.r, rr = r &* r, pairs = outChannels &* geometry.channels
        let u = kernelScratch.base, g = g.base, lanes = weightLanes.base, left = leftProduct.base
        for first in stride(from: 0, to: pairs, by: 16) {
            let count = min(16, pairs - first)
            for t in 0..<rr {
                for lane in 0..<16 { lanes[t &* 16 &+ lane] = lane < count ? w[(first &+ lane) &* rr &+ t] : 0 }
            }
            for a in 0..<8 {
                for kx in 0..<r {
                    var acc = Vec16()
                    for ky in 0..<r { acc = acc.addingProduct(load16(lanes + (ky &* r &+ kx) &* 16), g[a &* r &+ ky]) }
                    store16(acc, left + (a &* r &+ kx) &* 16)
                }
            }
            for a in 0..<8 {
                for b in 0..<8 {
                    var acc = Vec16()
                    for kx in 0..<r { acc = acc.addingProduct(load16(left + (a &* r &+ kx) &* 16), g[b &* r &+ kx]) }
                    store16(acc, u + ((a &* 8 &+ b) &* pairs &+ first), count: count)
                }
            }
        }
        for xi in 0..<64 { packedWeights[xi].pack(u + xi * pairs, lda: geometry.channels) }
    }

    /// out (count, outChannels, height, width) = the convolution of x (count, channels, height,
    /// width) with the weights last given to `transformWeights`, plus `bias` per output channel
    /// when given.
    public func forward(_ x: UnsafePointer<Float>, count: Int, bias: UnsafePointer<Float>?,
                        out: UnsafeMutablePointer<Float>, scratch s: Scratch) {
        for first in stride(from: 0, to: count, by: chunkImages) {
            let images = min(chunkImages, count - first)
            let g = geometry
            pad(x + first * g.channels * g.pixels, images: images, into: s.padded.base)
            transformInputs(images: images, scratch: s)
            for xi in 0..<64 {
                gemm(packedWeights[xi], PackedB(k: g.channels, n: chunkTiles, base: s.v.base + xi * vStride),
                     c: s.m.base + xi * outChannels * chunkTiles, ldc: chunkTiles)
            }
            transformOutputs(images: images, bias: bias, out: out + first * outChannels * g.pixels, scratch: s)
        }
    }

    /// The images with zeros around: (images, channels, paddedHeight, paddedWidth), the image at
    /// row and column (r − 1)/2.
    func pad(_ x: UnsafePointer<Float>, images: Int, into p: UnsafeMutablePointer<Float>) {
        let g = geometry, h = g.height, w = g.width, pw = paddedWidth, ph = paddedHeight, off = g.pad
        p.update(repeating: 0, count: images * g.channels * ph * pw)
        for plane in 0..<(images * g.channels) {
            for y in 0..<h {
                (p + (plane * ph + y + off) * pw + off).update(from: x + (plane * h + y) * w, count: w)
            }
        }
    }

    /// V_ξ (channels, tiles) = (Bᵀ d B)[ξ] for every tile d of the padded chunk, into s.v: as the
    /// GEMM's packed panels (the forward product's B), or row-major (the weight gradient's Bᵀ).
    func transformInputs(images: Int, packed inPanels: Bool = true, scratch s: Scratch) {
        let c = geometry.channels, m = transform.m, ph = paddedHeight, pw = paddedWidth
        let tiles = images * tilesPerImage, vs = vStride
        let rows = s.rows.base, lanes = s.lanes.base, stage = s.stage.base, v = s.v.base
        let packed = PackedB(k: c, n: chunkTiles, base: v)
        for channel in 0..<c {
            for block in stride(from: 0, to: chunkTiles, by: 16) {
                // One tile's 8 x 8 values per row of `rows`; tiles past the chunk are zero.
                for lane in 0..<16 {
                    let t = block + lane, dst = rows + lane * 64
                    guard t < tiles else { dst.update(repeating: 0, count: 64); continue }
                    let image = t / tilesPerImage, ty = t % tilesPerImage / tilesX, tx = t % tilesX
                    let src = s.padded.base + ((image * c + channel) * ph + m * ty) * pw + m * tx
                    for y in 0..<8 {
                        UnsafeMutableRawPointer(dst + 8 * y).storeBytes(
                            of: UnsafeRawPointer(src + y * pw).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
                    }
                }
                for q in 0..<4 { transpose16x16(rows + 16 * q, srcStride: 64, rows: 16, lanes + 256 * q, dstStride: 16) }
                // stage = Bᵀ d column by column; then V = stage B row by row, into the panels.
                for x in 0..<8 {
                    WinogradTransform.inputButterfly(Octet(lanes + x &* 16, stride: 128)).store(stage + x &* 16, stride: 128)
                }
                let position = inPanels ? packed.offset(row: channel, column: block) : channel &* chunkTiles &+ block
                for a in 0..<8 {
                    WinogradTransform.inputButterfly(Octet(stage + a &* 128, stride: 16)).store(v + (a &* 8) &* vs + position, stride: vs)
                }
            }
        }
    }

    /// Y = Aᵀ M A (+ bias) for every tile and output channel of the chunk, into out (images,
    /// outChannels, height, width).
    func transformOutputs(images: Int, bias: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>, scratch s: Scratch) {
        let m = transform.m, h = geometry.height, w = geometry.width, hw = geometry.pixels
        let tiles = images * tilesPerImage, ct = chunkTiles, plane = outChannels * ct
        let stage = s.stage.base, outLanes = s.outLanes.base, outRows = s.outRows.base, products = s.m.base
        for o in 0..<outChannels {
            let b0 = bias?[o] ?? 0
            for block in stride(from: 0, to: min(tiles, ct), by: 16) {
                let src = products + o * ct + block
                // stage = Aᵀ M column by column; then Y = stage A + bias row by row.
                if m == 4 {
                    let bias = Vec16(repeating: b0)
                    for x in 0..<8 {
                        let (y0, y1, y2, y3) = WinogradTransform.outputButterfly4(Octet(src + x &* plane, stride: 8 &* plane))
                        store16(y0, stage + x &* 16); store16(y1, stage + (8 + x) &* 16)
                        store16(y2, stage + (16 + x) &* 16); store16(y3, stage + (24 + x) &* 16)
                    }
                    for a in 0..<4 {
                        let (y0, y1, y2, y3) = WinogradTransform.outputButterfly4(Octet(stage + a &* 128, stride: 16))
                        store16(y0 + bias, outLanes + (a &* 4) &* 16); store16(y1 + bias, outLanes + (a &* 4 + 1) &* 16)
                        store16(y2 + bias, outLanes + (a &* 4 + 2) &* 16); store16(y3 + bias, outLanes + (a &* 4 + 3) &* 16)
                    }
                } else {
                    transformOutputsByTable(src, plane: plane, bias: b0, scratch: s)
                }
                // Each tile's m x m outputs into its image, cut at the right and bottom edges.
                let lanesUsed = min(16, tiles - block)
                if m == 4 { transpose16x16(outLanes, srcStride: 16, rows: 16, outRows, dstStride: 16) }
                for lane in 0..<lanesUsed {
                    let t = block + lane
                    let image = t / tilesPerImage, ty = t % tilesPerImage / tilesX, tx = t % tilesX
                    let y0 = m * ty, x0 = m * tx, rowsIn = min(m, h - y0), colsIn = min(m, w - x0)
                    let dst = out + (image * outChannels + o) * hw + y0 * w + x0
                    if m == 4 && colsIn == 4 {
                        for a in 0..<rowsIn {
                            UnsafeMutableRawPointer(dst + a * w).storeBytes(
                                of: UnsafeRawPointer(outRows + lane * 16 + a * 4).loadUnaligned(as: SIMD4<Float>.self),
                                as: SIMD4<Float>.self)
                        }
                    } else {
                        for a in 0..<rowsIn {
                            for b in 0..<colsIn { dst[a * w + b] = outLanes[(a * m + b) * 16 + lane] }
                        }
                    }
                }
            }
        }
    }
}

extension WinogradConvolution {
    /// The weight and bias gradients of `forward` for `count` images: x (count, channels, height,
    /// width) the inputs, dY (count, outChannels, height, width) the outputs' gradient. With
    /// dM = A dY Aᵀ per output tile (the output transform's adjoint) and V the inputs' transform,
    ///     dU_ξ (out, in) = Σ_tiles dM_ξ (out, tiles) · V_ξᵀ (tiles, in),   dW = Gᵀ dU G,
    /// the exact gradient of the convolution (in exact arithmetic), 64 GEMMs over the tiles.
    /// dW and db are overwritten, or added to when `accumulate`.
    public func weightGradient(_ dY: UnsafePointer<Float>, input x: UnsafePointer<Float>, count: Int,
                               dWeights: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>, accumulate: Bool,
                               scratch s: Scratch) {
        let g = geometry, c = g.channels, o = outChannels, ct = chunkTiles, du = s.du.base
        var first = true
        for image in stride(from: 0, to: count, by: chunkImages) {
            let images = min(chunkImages, count - image)
            pad(x + image * c * g.pixels, images: images, into: s.padded.base)
            transformInputs(images: images, packed: false, scratch: s)
            transformGradients(dY + image * o * g.pixels, images: images, scratch: s)
            for xi in 0..<64 {
                gemm(GemmShape(m: o, n: c, k: ct, transB: true), a: s.m.base + xi * o * ct, lda: ct,
                     b: s.v.base + xi * vStride, ldb: ct, beta: first ? 0 : 1, c: du + xi * o * c, ldc: c)
            }
            first = false
        }
        untransformWeights(du, into: dWeights, accumulate: accumulate)
        for oc in 0..<o {
            var sum: Float = 0
            for image in 0..<count { sum += Convolution.sum(dY + (image * o + oc) * g.pixels, g.pixels) }
            dBias[oc] = accumulate ? dBias[oc] + sum : sum
        }
    }

    /// dM_ξ (out, tiles) = (A dY Aᵀ)[ξ] for every m x m output tile of the chunk (zero beyond the
    /// image's edge and for the chunk's unused tiles), into s.m. F(4x4, 5x5) by butterflies,
    /// other tiles by the matrix.
    func transformGradients(_ dY: UnsafePointer<Float>, images: Int, scratch s: Scratch) {
        let m = transform.m, h = geometry.height, w = geometry.width, hw = geometry.pixels
        let tiles = images * tilesPerImage, ct = chunkTiles, plane = outChannels * ct
        let rows = s.rows.base, lanes = s.lanes.base, stage = s.stage.base
        for o in 0..<outChannels {
            for block in stride(from: 0, to: ct, by: 16) {
                // Each tile's m x m gradients as a row of `rows` (stride 64), zero outside.
                for lane in 0..<16 {
                    let t = block + lane, dst = rows + lane * 64
                    dst.update(repeating: 0, count: 64)
                    guard t < tiles else { continue }
                    let image = t / tilesPerImage, ty = t % tilesPerImage / tilesX, tx = t % tilesX
                    let y0 = m * ty, x0 = m * tx, rowsIn = min(m, h - y0), colsIn = min(m, w - x0)
                    let src = dY + (image * outChannels + o) * hw + y0 * w + x0
                    for a in 0..<rowsIn { (dst + a * m).update(from: src + a * w, count: colsIn) }
                }
                for q in 0..<(m * m + 15) / 16 { transpose16x16(rows + 16 * q, srcStride: 64, rows: 16, lanes + 256 * q, dstStride: 16) }
                // lanes[(i·m + j)] = dY[i][j]; stage[a][j] = Σ_i Aᵀ[i][a] dY[i][j]; dM[a][b] = Σ_j stage[a][j] Aᵀ[j][b].
                let dst = s.m.base + o * ct + block
                if m == 4 {
                    for j in 0..<4 {
                        WinogradTransform.gradientButterfly4(lanes + j &* 16, stride: 64).store(stage + j &* 16, stride: 64)
                    }
                    for a in 0..<8 {
                        WinogradTransform.gradientButterfly4(stage + a &* 64, stride: 16).store(dst + (a &* 8) &* plane, stride: plane)
                    }
                } else {
                    let at = transform.at
                    for a in 0..<8 {
                        for j in 0..<m {
                            var acc = Vec16()
                            for i in 0..<m where at[i * 8 + a] != 0 { acc = acc.addingProduct(load16(lanes + (i * m + j) * 16), Float(at[i * 8 + a])) }
                            store16(acc, stage + (a * 8 + j) * 16)
                        }
                        for b in 0..<8 {
                            var acc = Vec16()
                            for j in 0..<m where at[j * 8 + b] != 0 { acc = acc.addingProduct(load16(stage + (a * 8 + j) * 16), Float(at[j * 8 + b])) }
                            store16(acc, dst + (a * 8 + b) * plane)
                        }
                    }
                }
            }
        }
    }

    /// dW[o][i] (r x r) = Gᵀ dU[·][o][i] G for every kernel, 16 at once; added to dW when `accumulate`.
    func untransformWeights(_ du: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let r = transform.r, rr = r &* r, pairs = outChannels &* geometry.channels
        let g = g.base, lanes = weightLanes.base, left = leftProduct.base
        for first in stride(from: 0, to: pairs, by: 16) {
            let count = min(16, pairs - first)
            // left[a][kx] = Σ_b dU[a][b] G[b][kx]; then dW[ky][kx] = Σ_a G[a][ky] left[a][kx].
            for a in 0..<8 {
                for kx in 0..<r {
                    var acc = Vec16()
                    for b in 0..<8 { acc = acc.addingProduct(load16(du + ((a &* 8 &+ b) &* pairs &+ first), count: count), g[b &* r &+ kx]) }
                    store16(acc, left + (a &* r &+ kx) &* 16)
                }
            }
            for ky in 0..<r {
                for kx in 0..<r {
                    var acc = Vec16()
                    for a in 0..<8 { acc = acc.addingProduct(load16(left + (a &* r &+ kx) &* 16), g[a &* r &+ ky]) }
                    store16(acc, lanes + (ky &* r &+ kx) &* 16)
                }
            }
            for lane in 0..<count {
                let kernel = dw + (first &+ lane) &* rr
                for t in 0..<rr { kernel[t] = accumulate ? kernel[t] + lanes[t &* 16 &+ lane] : lanes[t &* 16 &+ lane] }
            }
        }
    }

    /// Y = Aᵀ M A + bias of one block of 16 tiles by the matrix Aᵀ itself, for tiles other than
    /// F(4x4, 5x5)'s (3 x 3 and 7 x 7 kernels): M[ξ] at src + ξ·plane, Y[a][b] to outLanes.
    func transformOutputsByTable(_ src: UnsafePointer<Float>, plane: Int, bias: Float, scratch s: Scratch) {
        let m = transform.m, stage = s.stage.base, outLanes = s.outLanes.base, at = at
        for a in 0..<m {
            for x in 0..<8 {
                var acc = Vec16()
                for e in 0..<at.count[a] { acc = acc.addingProduct(load16(src + (at.column[8 * a + e] * 8 + x) * plane), at.value[8 * a + e]) }
                store16(acc, stage + (a * 8 + x) * 16)
            }
        }
        for a in 0..<m {
            for b in 0..<m {
                var acc = Vec16(repeating: bias)
                for e in 0..<at.count[b] { acc = acc.addingProduct(load16(stage + (a * 8 + at.column[8 * b + e]) * 16), at.value[8 * b + e]) }
                store16(acc, outLanes + (a * m + b) * 16)
            }
        }
    }
}

/// The rows of a transform with 8 columns as lists of their nonzero entries: row i has count[i]
/// entries, its e-th at column[8i + e] with value[8i + e]. Its zeros are skipped instead of multiplied.
final class TransformRows: @unchecked Sendable {
    let count: UnsafeMutablePointer<Int>
    let column: UnsafeMutablePointer<Int>
    let value: UnsafeMutablePointer<Float>

    init(_ matrix: [Double], rows: Int) {
        count = .allocate(capacity: rows)
        column = .allocate(capacity: 8 * rows)
        value = .allocate(capacity: 8 * rows)
        for i in 0..<rows {
            var e = 0
            for j in 0..<8 where matrix[i * 8 + j] != 0 {
                column[8 * i + e] = j
                value[8 * i + e] = Float(matrix[i * 8 + j])
                e += 1
            }
            count[i] = e
        }
    }

    deinit { count.deallocate(); column.deallocate(); value.deallocate() }
}

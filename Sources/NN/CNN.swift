// The convolutional network of Figure 3, with PyTorch's semantics so that weights and losses
// carry over: for each entry of `conv`, a k x k convolution (stride 1, same padding) → ReLU →
// max-pool; flatten in (channel, row, column) order; fully connected ReLU layers (dropout on
// their outputs) → a linear layer into softmax cross-entropy. Input dropout on the pixels.
//
// Images are (channels, height, width), row-major, one per row of x. Images are split into fixed
// groups of `groupImages`; a group runs its layers one after another, a direct convolution image
// by image (conv → ReLU → pool while the image is in cache), a Winograd one on the whole group at
// once (WinogradConvolution.swift: its GEMMs need many tiles). A group's weight gradients are
// summed into its own buffer in image order, and the groups' buffers are added in group order.
// Neither depends on how many threads ran the groups, so the result is the same for any thread
// count. Which algorithm each layer uses is fixed by `ConvAlgorithm` and the layer's shape.
import Kernels

/// How the convolutions are computed: `direct` (im2col GEMMs, Convolution.swift: the reference),
/// `winograd` (F(m x m, r x r), WinogradConvolution.swift, for every layer whose kernel it
/// serves), or `auto`: Winograd for 5 x 5 layers with at least 16 input channels, direct for the
/// rest (a first layer on 1 or 3 channels has too few for the batched products to pay). The rule
/// reads only the layer's shape, never a timing, so results never depend on the machine. The
/// forward product and both gradients follow the choice.
public enum ConvAlgorithm: String, Sendable, CaseIterable {
    case direct, winograd, auto

    /// Whether a layer with this input geometry runs Winograd.
    public func usesWinograd(_ g: ConvGeometry) -> Bool {
        switch self {
        case .direct: return false
        case .winograd: return WinogradTransform.supports(kernel: g.kernel)
        case .auto: return g.kernel == 5 && g.channels >= 16
        }
    }
}

public final class CNN: Model {
    public let channels: Int, height: Int, width: Int
    public let conv: [Int]
    public let kernel: Int
    public let pool: MaxPool
    public let hidden: [Int]
    public let classes: Int
    public let maxBatch: Int
    public let algorithm: ConvAlgorithm
    public let inputDropout: Dropout
    public let hiddenDropout: Dropout
    public let layout: ParameterLayout
    let threads: Int
    public var inputSize: Int { channels * height * width }

    /// Images per group of the convolutional part.
    static let groupImages = 32

    /// Geometry of each convolution's input, and the pooled size after it.
    let geometry: [ConvGeometry]
    let pooledHeight: [Int], pooledWidth: [Int]
    /// Floats per image: convolution output (after ReLU) and pooled output of each layer.
    let activationSize: [Int], pooledSize: [Int]
    /// Inputs of the first fully connected layer: conv.last x pooled height x pooled width.
    public let flatSize: Int
    /// The fully connected layers on the flattened features (fc1 … fcL).
    let dense: DenseLayers
    let convWeight: [Int], convBias: [Int]
    /// Parameters of the convolutional layers (they come first in the layout).
    let convParameters: Int

    // Per-step buffers, allocated once for maxBatch images.
    let droppedInput: FloatBuffer, inputMask: FloatBuffer
    let activations: [FloatBuffer]       // (maxBatch, activationSize[l]): ReLU(conv)
    let pooled: [FloatBuffer]            // (maxBatch, pooledSize[l])
    let argmax: [UnsafeMutablePointer<Int32>]
    let flipped: [FloatBuffer]           // the input-gradient kernels of layers 1...
    let packedWeights: [PackedA]         // each convolution's weights, packed once per step
    let packedFlipped: [PackedA]         // and its input-gradient kernels
    let groups: [GroupScratch]
    /// Each layer's Winograd forward product, and (layers 1...) its input gradient's; nil where direct.
    let winograd: [WinogradConvolution?]
    let winogradInput: [WinogradConvolution?]

    /// What one group of images needs while it runs.
    final class GroupScratch {
        let col: FloatBuffer        // im2col of the largest layer
        let padded: FloatBuffer     // a zero-padded image or gradient of the largest layer
        let dActivation: FloatBuffer  // dY of one image (direct layers) or of the group (Winograd)
        let dPooled: [FloatBuffer]    // the group's gradients of pooled outputs, two in turn
        let gradients: FloatBuffer  // the group's sum of convolution-parameter gradients
        let packedGradient: [PackedA]  // dY of each layer, packed as the weight gradient's A
        let winograd: WinogradConvolution.Scratch?
        init(col: Int, padded: Int, activation: Int, pooled: Int, parameters: Int, packed: [PackedA],
             winograd: [WinogradConvolution]) {
            packedGradient = packed
            self.col = FloatBuffer(count: col)
            self.padded = FloatBuffer(count: padded)
            dActivation = FloatBuffer(count: activation)
            dPooled = [FloatBuffer(count: pooled), FloatBuffer(count: pooled)]
            gradients = FloatBuffer(count: parameters)
            self.winograd = winograd.isEmpty ? nil : WinogradConvolution.Scratch(serving: winograd)
        }
    }

    public init(channels: Int, height: Int, width: Int, conv: [Int], kernel: Int, pool: MaxPool, hidden: [Int],
                classes: Int, inputDropout: Double, hiddenDropout: Double, maxBatch: Int, threads: Int = 1,
                algorithm: ConvAlgorithm = .direct) {
        precondition(!conv.isEmpty)
        self.algorithm = algorithm
        self.channels = channels; self.height = height; self.width = width
        self.conv = conv; self.kernel = kernel; self.pool = pool; self.hidden = hidden; self.classes = classes
        self.maxBatch = maxBatch
        self.inputDropout = Dropout(p: inputDropout)
        self.hiddenDropout = Dropout(p: hiddenDropout)
        self.threads = threads
        var layout = ParameterLayout()
        var geometry: [ConvGeometry] = [], ph: [Int] = [], pw: [Int] = []
        var cw: [Int] = [], cb: [Int] = []
        var c = channels, h = height, w = width
        for (l, out) in conv.enumerated() {
            geometry.append(ConvGeometry(channels: c, height: h, width: w, kernel: kernel))
            cw.append(layout.convWeight("conv\(l + 1).weight", out: out, in: c, kernel: kernel))
            cb.append(layout.bias("conv\(l + 1).bias", count: out))
            c = out; h = pool.outputSize(h); w = pool.outputSize(w)
            ph.append(h); pw.append(w)
        }
        convParameters = layout.count
        flatSize = c * h * w
        dense = DenseLayers(layout: &layout, widths: [flatSize] + hidden + [classes], activation: .relu,
                            dropout: hiddenDropout, maxBatch: maxBatch, threads: threads, inputGradient: true)
        self.layout = layout
        self.geometry = geometry
        pooledHeight = ph; pooledWidth = pw
        convWeight = cw; convBias = cb
        activationSize = zip(conv, geometry).map { $0 * $1.pixels }
        pooledSize = conv.indices.map { conv[$0] * ph[$0] * pw[$0] }
        let dropsInput = inputDropout > 0
        droppedInput = FloatBuffer(count: dropsInput ? maxBatch * channels * height * width : 0)
        inputMask = FloatBuffer(count: dropsInput ? maxBatch * channels * height * width : 0)
        activations = activationSize.map { FloatBuffer(count: maxBatch * $0) }
        pooled = pooledSize.map { FloatBuffer(count: maxBatch * $0) }
        argmax = pooledSize.map {
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, maxBatch * $0))
            p.initialize(repeating: 0, count: max(1, maxBatch * $0))
            return p
        }
        flipped = conv.indices.map { $0 == 0 ? FloatBuffer(count: 0) : FloatBuffer(count: conv[$0] * geometry[$0].patch) }
        packedWeights = conv.indices.map { PackedA(m: conv[$0], k: geometry[$0].patch) }
        packedFlipped = conv.indices.map { $0 == 0 ? PackedA(m: 0, k: 0) : PackedA(m: geometry[$0].channels, k: conv[$0] * kernel * kernel) }
        // An explicit im2col only for weight gradients the transposed panels cannot write (widths
        // other than 8 or a multiple of 16); every other product packs col(X) implicitly.
        let colSize = conv.indices.filter { !Convolution.weightGradientIsImplicit(geometry[$0]) }
            .map { geometry[$0].patch * geometry[$0].pixels }.max() ?? 0
        let winograd = conv.indices.map { algorithm.usesWinograd(geometry[$0]) ? WinogradConvolution(geometry: geometry[$0], outChannels: conv[$0]) : nil }
        let winogradInput = conv.indices.map { l in
            l > 0 && winograd[l] != nil ? WinogradConvolution(geometry: geometry[l].with(channels: conv[l]), outChannels: geometry[l].channels) : nil
        }
        self.winograd = winograd
        self.winogradInput = winogradInput
        let groupCount = (maxBatch + Self.groupImages - 1) / Self.groupImages
        let params = convParameters, pooledMax = pooledSize.max()!
        // dY of one image, or of a whole group for a Winograd layer (its gradients take the group at once).
        let sizes = activationSize
        let act = conv.indices.map { winograd[$0] != nil ? Self.groupImages * sizes[$0] : sizes[$0] }.max()!
        let paddedMax = conv.indices.map { Convolution.paddedSize(geometry[$0].with(channels: max(geometry[$0].channels, conv[$0]))) }.max()!
        let engines = (winograd + winogradInput).compactMap { $0 }
        groups = (0..<groupCount).map { _ in
            GroupScratch(col: colSize, padded: paddedMax, activation: act, pooled: Self.groupImages * pooledMax, parameters: params,
                         packed: conv.indices.map { PackedA(m: conv[$0], k: geometry[$0].pixels) }, winograd: engines)
        }
    }

    deinit { for p in argmax { p.deallocate() } }

    /// Fixed groups of images: group i is rows groupImages·i ..< min(n, groupImages·(i + 1)).
    @inline(__always)
    func groupCount(_ n: Int) -> Int { (n + Self.groupImages - 1) / Self.groupImages }

    /// The convolutional part of the group's images lo ..< hi (x holds image lo first): conv →
    /// ReLU → pool per layer.
    private func convForward(_ p: UnsafePointer<Float>, images x: UnsafePointer<Float>, rows lo: Int, _ hi: Int,
                             scratch s: GroupScratch) {
        for l in conv.indices {
            let g = geometry[l]
            let input = l == 0 ? x : UnsafePointer(pooled[l - 1].base + lo * pooledSize[l - 1])
            if let engine = winograd[l] {
                engine.forward(input, count: hi - lo, bias: p + convBias[l], out: activations[l].base + lo * activationSize[l],
                               scratch: s.winograd!)
            }
            for r in lo..<hi {
                let act = activations[l].base + r * activationSize[l]
                if winograd[l] == nil {
                    Convolution.forward(input + (r - lo) * g.channels * g.pixels, g, weights: packedWeights[l],
                                        bias: p + convBias[l], out: act, padded: s.padded.base)
                }
                relu(act, activationSize[l])
                let out = pooled[l].base + r * pooledSize[l], idx = argmax[l] + r * pooledSize[l]
                let planeIn = g.pixels, planeOut = pooledHeight[l] * pooledWidth[l]
                for c in 0..<conv[l] {
                    pool.forward(act + c * planeIn, height: g.height, width: g.width, out: out + c * planeOut,
                                 argmax: idx + c * planeOut)
                }
            }
        }
    }

    /// The convolutional part of the group's images lo ..< hi backwards from dFlat (the gradient
    /// of their flattened pooled outputs, image lo first), adding their parameter gradients to the
    /// group's (image lo overwrites them).
    private func convBackward(images x: UnsafePointer<Float>, rows lo: Int, _ hi: Int, dFlat: UnsafePointer<Float>,
                              scratch s: GroupScratch) {
        var dOut = dFlat, turn = 0
        let grads = s.gradients.base
        for l in conv.indices.reversed() {
            let g = geometry[l], planeIn = g.pixels, planeOut = pooledHeight[l] * pooledWidth[l]
            let groupwise = winograd[l] != nil
            let dPool = s.dPooled[turn].base
            for r in lo..<hi {
                let act = activations[l].base + r * activationSize[l], idx = argmax[l] + r * pooledSize[l]
                let dAct = s.dActivation.base + (groupwise ? (r - lo) * activationSize[l] : 0)
                let dY = dOut + (r - lo) * pooledSize[l]
                dAct.update(repeating: 0, count: activationSize[l])
                for c in 0..<conv[l] {
                    pool.accumulate(dY + c * planeOut, argmax: idx + c * planeOut, count: planeOut, into: dAct + c * planeIn)
                }
                // Through the ReLU: its output is positive exactly where its derivative is 1.
                for i in 0..<activationSize[l] where !(act[i] > 0) { dAct[i] = 0 }
                if groupwise { continue }
                let input = l == 0 ? x + (r - lo) * inputSize : UnsafePointer(pooled[l - 1].base + r * pooledSize[l - 1])
                Convolution.weightGradient(dAct, input: input, g, dOutPacked: s.packedGradient[l], dWeights: grads + convWeight[l],
                                           dBias: grads + convBias[l], accumulate: r != lo, padded: s.padded.base, col: s.col.base)
                if l > 0 {
                    Convolution.inputGradient(dAct, g, flipped: packedFlipped[l], dInput: dPool + (r - lo) * pooledSize[l - 1],
                                              padded: s.padded.base)
                }
            }
            if let engine = winograd[l] {
                let input = l == 0 ? x : UnsafePointer(pooled[l - 1].base + lo * pooledSize[l - 1])
                engine.weightGradient(s.dActivation.base, input: input, count: hi - lo, dWeights: grads + convWeight[l],
                                      dBias: grads + convBias[l], accumulate: false, scratch: s.winograd!)
            }
            if l == 0 { break }
            if let engine = winogradInput[l] {
                engine.forward(s.dActivation.base, count: hi - lo, bias: nil, out: dPool, scratch: s.winograd!)
            }
            dOut = UnsafePointer(dPool)
            turn = 1 - turn
        }
    }

    @inline(__always)
    private func relu(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        let zero = Vec16()
        while i + 16 <= n { store16(pointwiseMax(load16(x + i), zero), x + i); i += 16 }
        while i < n { x[i] = max(x[i], 0); i += 1 }
    }

    /// Runs the network on n images; the logits land in dense.logits. Returns the images the
    /// first convolution saw (x with input dropout when training).
    private func forward(_ p: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, train: Bool,
                         rng: inout RNG) -> UnsafePointer<Float> {
        let key = train ? rng.next() : 0
        let d = inputSize
        let images = train && inputDropout.isActive
            ? applyInputDropout(x, n, size: d, dropout: inputDropout, key: key, mask: inputMask.base,
                                out: droppedInput.base, blocks: dense.rowBlocks(n))
            : x
        for l in conv.indices {
            if let engine = winograd[l] {
                engine.transformWeights(p + convWeight[l])
            } else {
                packedWeights[l].pack(p + convWeight[l], lda: geometry[l].patch)
            }
        }
        parallelFor(groupCount(n), threads: threads) { gi in
            let lo = gi * Self.groupImages
            self.convForward(p, images: images + lo * d, rows: lo, min(n, lo + Self.groupImages), scratch: self.groups[gi])
        }
        dense.forward(p, UnsafePointer(pooled[conv.count - 1].base), n, train: train, key: key)
        return images
    }

    public func lossAndGradient(parameters p: UnsafePointer<Float>, gradients g: UnsafeMutablePointer<Float>,
                                x: UnsafePointer<Float>, labels: UnsafePointer<Int32>, count n: Int,
                                rng: inout RNG) -> Double {
        let images = forward(p, x, n, train: true, rng: &rng)
        var correct = 0
        let dlogits = dense.logits
        let lossSum = SoftmaxCrossEntropy.forward(logits: dlogits, labels: labels, n: n, classes: classes,
                                                  dlogits: dlogits, correct: &correct)
        // The gradient of the flattened pooled features, (n, flatSize).
        let flat = dense.backward(p, g, input: UnsafePointer(pooled[conv.count - 1].base), n, inputGradient: true)!
        for l in 1..<conv.count {
            Convolution.flip(p + convWeight[l], outChannels: conv[l], inChannels: geometry[l].channels, kernel: kernel,
                             into: flipped[l].base)
            if let engine = winogradInput[l] {
                engine.transformWeights(flipped[l].base)
            } else {
                packedFlipped[l].pack(flipped[l].base, lda: conv[l] * kernel * kernel)
            }
        }
        let d = inputSize, groupsUsed = groupCount(n), flatSize = flatSize
        parallelFor(groupsUsed, threads: threads) { gi in
            let lo = gi * Self.groupImages
            self.convBackward(images: images + lo * d, rows: lo, min(n, lo + Self.groupImages), dFlat: flat + lo * flatSize,
                              scratch: self.groups[gi])
        }
        // The groups' sums, added in group order, in blocks of parameters over threads.
        let total = convParameters, blocks = threads > 1 ? threads : 1
        parallelFor(blocks, threads: blocks) { blk in
            let lo = total * blk / blocks, hi = total * (blk + 1) / blocks
            (g + lo).update(from: self.groups[0].gradients.base + lo, count: hi - lo)
            for gi in 1..<max(1, groupsUsed) { axpy(1, self.groups[gi].gradients.base + lo, g + lo, hi - lo) }
        }
        return lossSum / Double(n)
    }

    public func evaluate(parameters p: UnsafePointer<Float>, x: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                         count n: Int, firstRow: Int) -> (lossSum: Double, correct: Int) {
        var unused = RNG(seed: 0)
        _ = forward(p, x, n, train: false, rng: &unused)
        return dense.evaluationLoss(labels: labels, n)
    }
}

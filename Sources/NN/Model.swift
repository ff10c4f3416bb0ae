// The interface between a model and the training loop: one flat parameter vector with named
// views, a gradient with the same layout, and a loss on a minibatch of (x, label) rows.
import Kernels

/// A named slice of the flat parameter vector (llm.c's malloc_and_point_parameters). Names and
/// shapes are PyTorch's (`fc1.weight` is out x in, `fc1.bias` is out), and views come in the
/// order of the equivalent module's `parameters()`, so a flat vector carries over either way.
public struct ParameterView: Sendable, Equatable {
    public let name: String
    /// The tensor's shape, row-major (C order); its product is `count`.
    public let shape: [Int]
    public let offset: Int
    public let count: Int
    /// Weights take L2 and random initialisation; biases do neither.
    public let isWeight: Bool
    /// For Glorot initialisation: the layer's inputs and outputs.
    public let fanIn: Int, fanOut: Int

    /// The layer the tensor belongs to: its name up to the dot (`conv1` for `conv1.weight`).
    public var layer: String { String(name.prefix { $0 != "." }) }
}

/// Lays out views one after another.
public struct ParameterLayout: Sendable {
    public private(set) var views: [ParameterView] = []
    public private(set) var count = 0
    public init() {}

    /// Appends a (rows, cols) weight matrix with fan-in cols and fan-out rows; returns its offset.
    @discardableResult
    public mutating func weight(_ name: String, rows: Int, cols: Int) -> Int {
        append(ParameterView(name: name, shape: [rows, cols], offset: count, count: rows * cols, isWeight: true,
                             fanIn: cols, fanOut: rows))
    }

    /// Appends a (out, in, k, k) convolution kernel; fan-in in·k·k and fan-out out·k·k, as
    /// PyTorch counts them for Glorot initialisation.
    @discardableResult
    public mutating func convWeight(_ name: String, out: Int, in inChannels: Int, kernel k: Int) -> Int {
        append(ParameterView(name: name, shape: [out, inChannels, k, k], offset: count, count: out * inChannels * k * k,
                             isWeight: true, fanIn: inChannels * k * k, fanOut: out * k * k))
    }

    @discardableResult
    public mutating func bias(_ name: String, count n: Int) -> Int {
        append(ParameterView(name: name, shape: [n], offset: count, count: n, isWeight: false, fanIn: 0, fanOut: n))
    }

    private mutating func append(_ v: ParameterView) -> Int {
        views.append(v)
        count += v.count
        return v.offset
    }
}

public enum Initialization: Sendable, Equatable {
    case zeros
    /// U(−r, r) with r = √(6 / (fan_in + fan_out)) (Glorot & Bengio 2010).
    case glorotUniform
    /// N(0, std²) for every weight.
    case normal(std: Double)
    /// N(0, std²) with the standard deviation of the weight's layer (`ParameterView.layer`); every
    /// layer of the model has one (the config checks it).
    case normalByLayer([String: Double])

    public var name: String {
        switch self {
        case .zeros: return "zeros"
        case .glorotUniform: return "glorot-uniform"
        case .normal, .normalByLayer: return "normal"
        }
    }

    /// The standard deviation of a weight of `layer` under a Gaussian initialisation, else nil.
    public func normalStd(layer: String) -> Double? {
        switch self {
        case .normal(let std): return std
        case .normalByLayer(let stds): return stds[layer]
        case .zeros, .glorotUniform: return nil
        }
    }
}

/// A supervised model trained on minibatches of rows.
public protocol Model: AnyObject {
    var inputSize: Int { get }
    var layout: ParameterLayout { get }
    /// The largest minibatch the scratch buffers hold; evaluation runs in chunks of it.
    var maxBatch: Int { get }

    /// Mean data loss of the minibatch (no L2) at `parameters`; writes its gradient to
    /// `gradients` (overwritten, same layout). x is (n, inputSize), labels is (n).
    /// `rng` drives training-time noise (dropout); deterministic models ignore it.
    func lossAndGradient(parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                         x: UnsafePointer<Float>, labels: UnsafePointer<Int32>, count n: Int,
                         rng: inout RNG) -> Double

    /// Summed loss and number of correct predictions on n rows (rows firstRow..<firstRow+n of
    /// the set), training noise off. n <= maxBatch.
    func evaluate(parameters: UnsafePointer<Float>, x: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                  count n: Int, firstRow: Int) -> (lossSum: Double, correct: Int)

    /// Whether `evaluate`'s correct count means anything (a classifier); false leaves
    /// test_accuracy empty.
    var reportsAccuracy: Bool { get }
}

/// A model whose first layer also takes minibatches of sparse rows (bag-of-words, libsvm data):
/// the product and the weight gradient touch only the nonzeros, and input dropout masks the
/// nonzero features.
public protocol SparseInputModel: Model {
    /// As `lossAndGradient`, with the minibatch as sparse rows. May overwrite `x.values` (input
    /// dropout scales the minibatch's own copy in place).
    func lossAndGradient(parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                         rows x: CSRBatch, labels: UnsafePointer<Int32>, rng: inout RNG) -> Double

    /// As `evaluate`, with the rows sparse (never written).
    func evaluate(parameters: UnsafePointer<Float>, rows x: CSRBatch, labels: UnsafePointer<Int32>,
                  firstRow: Int) -> (lossSum: Double, correct: Int)
}

extension Model {
    public var reportsAccuracy: Bool { true }

    public var parameterCount: Int { layout.count }

    /// Fills weights per `initialization` (in view order, one stream) and biases with zeros.
    public func initialize(_ parameters: UnsafeMutablePointer<Float>, _ initialization: Initialization, rng: inout RNG) {
        for v in layout.views {
            let p = parameters + v.offset
            guard v.isWeight else { p.update(repeating: 0, count: v.count); continue }
            switch initialization {
            case .zeros:
                p.update(repeating: 0, count: v.count)
            case .glorotUniform:
                let r = Float((6 / Double(v.fanIn + v.fanOut)).squareRoot())
                for i in 0..<v.count { p[i] = (2 * rng.uniform() - 1) * r }
            case .normal, .normalByLayer:
                guard let std = initialization.normalStd(layer: v.layer) else {
                    preconditionFailure("no standard deviation for layer \(v.layer) (the config names every layer)")
                }
                for i in 0..<v.count { p[i] = Float(rng.normal() * std) }
            }
        }
    }

    /// Adds λ·w to the gradient of every weight (the gradient of (λ/2)·Σw²); biases are exempt.
    public func addL2(_ lambda: Float, parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>) {
        guard lambda != 0 else { return }
        for v in layout.views where v.isWeight {
            axpy(lambda, parameters + v.offset, gradients + v.offset, v.count)
        }
    }

    /// (λ/2)·Σw² over weights, for reporting the full objective.
    public func l2Penalty(_ lambda: Float, parameters: UnsafePointer<Float>) -> Double {
        var s = 0.0
        for v in layout.views where v.isWeight {
            s += Double(dot(parameters + v.offset, parameters + v.offset, v.count))
        }
        return 0.5 * Double(lambda) * s
    }
}

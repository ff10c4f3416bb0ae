// What a run will need in memory, worked out from the config before anything is allocated, so
// that a model that cannot fit is refused with both figures instead of trapping mid-allocation.
// Counts are Doubles: a hidden width of 1e9 or a product beyond Int must not overflow here.
import Config
import Datasets
import Foundation

public struct MemoryEstimate: Sendable {
    /// Parameters of one model.
    public let parameters: Double
    /// Bytes of one training point: parameters and their copies, activations of one minibatch.
    public let bytesPerPoint: Double
    /// Points trained side by side.
    public let concurrentPoints: Int
    /// The data set in memory (already loaded when the estimate is made).
    public let dataBytes: Double

    public var totalBytes: Double { bytesPerPoint * Double(concurrentPoints) + dataBytes }

    /// Float copies of the parameter vector a point holds at most: parameters, gradient, up to
    /// three optimizer or averaging states, the initial parameters, and the checkpoint and
    /// evaluation buffers.
    static let parameterCopies = 8.0
    /// Floats per activation a layer keeps per example: pre-activation, activation, gradient,
    /// dropout mask.
    static let activationCopies = 4.0

    /// Parameter count and activation widths of a model, by its closed form.
    public static func shape(_ m: ModelConfig, inputSize: Int, classes: Int) -> (parameters: Double, activations: Double) {
        let d = Double(inputSize), k = Double(classes)
        switch m.kind {
        case .logisticRegression:
            return ((d + 1) * k, d + k)
        case .mlp:
            let widths = [d] + m.hidden.map(Double.init) + [k]
            let parameters = zip(widths, widths.dropFirst()).reduce(0.0) { $0 + ($1.0 + 1) * $1.1 }
            return (parameters, widths.reduce(0, +))
        case .vae:
            let h = Double(m.hidden.first ?? 0), l = Double(m.latent)
            return ((d + 1) * h + (h + 1) * 2 * l + (l + 1) * h + (h + 1) * d, d + 2 * h + 4 * l + d)
        case .cnn:
            guard let image = imageShape(inputSize: inputSize) else { return (0, 0) }
            var c = Double(image.channels), h = image.height, w = image.width
            var parameters = 0.0, activations = d
            let kk = Double(m.kernel * m.kernel)
            for out in m.conv.map(Double.init) {
                parameters += (c * kk + 1) * out
                let pixels = Double(h * w)
                h = (h + 2 * m.poolPad - m.poolSize) / m.poolStride + 1
                w = (w + 2 * m.poolPad - m.poolSize) / m.poolStride + 1
                // Kept per example: ReLU(conv), the pooled map and its argmax (gradients are per
                // group of images, not per example); the formula below multiplies by activationCopies.
                activations += (out * pixels + 2 * out * Double(max(h, 0) * max(w, 0))) / activationCopies
                c = out
            }
            let widths = [c * Double(max(h, 0) * max(w, 0))] + m.hidden.map(Double.init) + [k]
            parameters += zip(widths, widths.dropFirst()).reduce(0.0) { $0 + ($1.0 + 1) * $1.1 }
            return (parameters, activations + widths.reduce(0, +))
        }
    }

    public static func of(_ config: ExperimentConfig, _ model: ModelConfig, data: Dataset, threads: Int) -> MemoryEstimate {
        var (parameters, activations) = shape(model, inputSize: data.inputSize, classes: data.classes)
        let batch = Double(config.batchSize(trainCount: data.train.count))
        var dataBytes = 4 * Double(data.inputSize) * Double(data.train.count + data.test.count)
        if let train = data.train.sparse {
            // A minibatch of sparse rows: its nonzeros (index and value), not a dense copy.
            activations += 2 * data.train.meanNonzeros - Double(data.inputSize)
            let nonzeros = Double(train.nonzeros + (data.test.sparse?.nonzeros ?? 0))
            dataBytes = 8 * nonzeros + 8 * Double(data.train.count + data.test.count)
        }
        var perPoint = 4 * (parameters * parameterCopies + batch * activations * activationCopies)
        // SFO: the subspace P (M x K_max float64) and x, x_prev and a gradient in float64, plus
        // K_max x K_max matrices per subfunction; its evaluations run on blocks of n / N rows.
        for arm in config.runArms where arm.optimizer == "sfo" {
            let n = max(1, min(arm.hyperparameters.number("subfunctions"), Double(data.train.count)))
            let kMax = min((1.5 * min(2 * n + 2, parameters)).rounded(.up), parameters)
            let block = (Double(data.train.count) / n).rounded(.up)
            perPoint = max(perPoint, 8 * parameters * (kMax + 4) + 8 * n * kMax * kMax * 2
                           + 4 * (parameters * parameterCopies + block * activations * activationCopies))
        }
        let points = config.runArms.count * config.training.seeds.count
        return MemoryEstimate(parameters: parameters, bytesPerPoint: perPoint, concurrentPoints: max(1, min(threads, points)),
                              dataBytes: dataBytes)
    }

    /// Physical memory of this machine in bytes.
    public static var machineBytes: Double {
        Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// A size for people: "1.2 GB", "380 MB".
    public static func format(_ bytes: Double) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
        var value = bytes, unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        if unit == units.count - 1 && value >= 1000 { return String(format: "%.3g bytes", bytes) }
        return unit == 0 ? "\(Int(value)) bytes" : String(format: "%.1f %@", value, units[unit])
    }

    /// A count for people: exact below 2^53, else in scientific notation.
    public static func formatCount(_ n: Double) -> String {
        n < 9_007_199_254_740_992 ? String(Int(n)) : String(format: "%.3g", n)
    }

    public var summary: String {
        "about \(Self.format(totalBytes)) (\(Self.format(bytesPerPoint)) per point x \(concurrentPoints) side by side, data \(Self.format(dataBytes)))"
    }
}

extension Problem {
    /// The memory estimate of a supervised problem (nil for objectives, whose size is their dimension).
    public func memoryEstimate(_ config: ExperimentConfig, threads: Int) -> MemoryEstimate? {
        guard case .supervised(let data, let m, _) = self else { return nil }
        return MemoryEstimate.of(config, m, data: data, threads: threads)
    }

    /// Refuses (ConfigError, exit 2) a run whose estimate exceeds this machine's memory.
    public func checkMemory(_ config: ExperimentConfig, threads: Int, machineBytes: Double = MemoryEstimate.machineBytes) throws {
        guard let e = memoryEstimate(config, threads: threads), e.totalBytes > machineBytes else { return }
        throw ConfigError(file: config.source, path: "model",
                          "needs \(e.summary) for \(MemoryEstimate.formatCount(e.parameters)) parameters, but this machine has \(MemoryEstimate.format(machineBytes)) of memory; make the model smaller, or run fewer points side by side with --threads")
    }
}

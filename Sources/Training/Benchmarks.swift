// Performance figures for `adam-bench bench`: GEMM throughput against the measured FMA peak,
// optimizer update cost per parameter, and training steps per arm. Medians of repeated timings,
// after a warm-up; never asserted in tests.
import Config
import Datasets
import Foundation
import Kernels
import NN
import Optim
import Results

public enum Benchmarks {
    /// Median of `repeats` timings of `body`, each repeated until it lasts at least `minSeconds`;
    /// seconds per call.
    public static func time(repeats: Int = 5, minSeconds: Double = 0.2, _ body: () -> Void) -> Double {
        body()  // warm-up: page in buffers, allocate thread-local workspaces
        var calls = 1
        while true {
            let start = ContinuousClock.now
            for _ in 0..<calls { body() }
            if seconds(since: start) >= minSeconds / 4 { break }
            calls *= 2
        }
        let per = calls
        var samples: [Double] = []
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            for _ in 0..<per { body() }
            samples.append(seconds(since: start) / Double(per))
        }
        return samples.sorted()[samples.count / 2]
    }

    /// The products of the benchmark: square sizes and the MLP's forward and backward passes at
    /// batch 128 (784-1000-1000-10; weights stored (out, in)).
    public static let gemmShapes: [GemmShape] = [
        GemmShape(m: 256, n: 256, k: 256), GemmShape(m: 512, n: 512, k: 512),
        GemmShape(m: 1024, n: 1024, k: 1024), GemmShape(m: 2048, n: 2048, k: 2048),
        // forward: h = x·Wᵀ
        GemmShape(m: 128, n: 1000, k: 784, transB: true), GemmShape(m: 128, n: 1000, k: 1000, transB: true),
        GemmShape(m: 128, n: 10, k: 1000, transB: true),
        // backward: dW = dhᵀ·x
        GemmShape(m: 1000, n: 784, k: 128, transA: true), GemmShape(m: 1000, n: 1000, k: 128, transA: true),
        GemmShape(m: 10, n: 1000, k: 128, transA: true),
        // backward: dx = dh·W
        GemmShape(m: 128, n: 1000, k: 1000), GemmShape(m: 128, n: 1000, k: 10),
    ]

    public static func gemmGFLOPS(_ s: GemmShape, threads: Int) -> Double {
        let a = FloatBuffer(count: s.m * s.k), b = FloatBuffer(count: s.k * s.n), c = FloatBuffer(count: s.m * s.n)
        var rng = RNG(seed: 1)
        for i in 0..<a.count { a[i] = rng.uniform() }
        for i in 0..<b.count { b[i] = rng.uniform() }
        let lda = s.transA ? s.m : s.k, ldb = s.transB ? s.k : s.n
        let t = time {
            gemm(s, a: a.base, lda: lda, b: b.base, ldb: ldb, beta: 0, c: c.base, ldc: s.n, threads: threads)
        }
        return s.flops / t / 1e9
    }

    /// Nanoseconds per parameter of one update of `optimizer` on `count` parameters.
    public static func stepNanoseconds(optimizer name: String, count: Int, threads: Int) -> Double {
        let spec = Optimizers.named(name)!
        let h = Hyperparameters(spec.hyperparameters.map { ($0.name, $0.defaultValue ?? .number(0.01)) })
        let opt = spec.make(h, count: count, threads: threads)
        let p = FloatBuffer(count: count), g = FloatBuffer(count: count)
        var rng = RNG(seed: 2)
        for i in 0..<count { p[i] = rng.uniform(); g[i] = rng.uniform() * 1e-3 }
        let t = time(minSeconds: 0.3) { opt.step(parameters: p.base, gradients: g.base, lr: 1e-4) }
        return t / Double(count) * 1e9
    }

    public struct TrainFigure: Sendable {
        public let arm: String
        public let batchSize: Int
        public let secondsPerStep: Double
        /// Seconds per forward-only evaluation of one minibatch (no dropout, no gradient).
        public let evalSecondsPerStep: Double
        public var examplesPerSecond: Double { Double(batchSize) / secondsPerStep }
    }

    /// Seconds per training step of each arm, full minibatches in the config's order, after a
    /// warm-up of `warmup` steps.
    public static func train(_ config: ExperimentConfig, data: Dataset, model m: ModelConfig, threads: Int,
                             warmup: Int = 20, minSeconds: Double = 2) -> [TrainFigure] {
        let initial = ExperimentRunner.initialParameters(config, data, m, seed: config.training.seeds[0])
        return config.arms.map { arm in
            let state = ArmState(config: config, arm: arm, seed: config.training.seeds[0], data: data, modelConfig: m,
                                 initial: initial, threads: threads)
            let full = max(1, data.train.count / state.batch)
            var iteration = 0
            func step() {
                iteration += 1
                _ = state.step(lo: (iteration % full) * state.batch, count: state.batch, iteration: iteration, epoch: 1)
            }
            for _ in 0..<warmup { step() }
            var samples: [Double] = []
            for _ in 0..<5 {
                let start = ContinuousClock.now
                var steps = 0
                while seconds(since: start) < minSeconds / 5 { step(); steps += 1 }
                samples.append(seconds(since: start) / Double(steps))
            }
            var evalSamples: [Double] = []
            for _ in 0..<5 {
                let start = ContinuousClock.now
                var steps = 0
                while seconds(since: start) < minSeconds / 10 {
                    _ = evaluateRows(state.model, state.params, data.train, lo: (steps % full) * state.batch, count: state.batch)
                    steps += 1
                }
                evalSamples.append(seconds(since: start) / Double(steps))
            }
            return TrainFigure(arm: arm.name, batchSize: state.batch, secondsPerStep: samples.sorted()[2],
                               evalSecondsPerStep: evalSamples.sorted()[2])
        }
    }

    /// Peak resident memory of this process so far, in MiB (Linux: VmHWM).
    public static func peakRSSMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return 0
    }
}

// `adam-bench bench [gemm|step|math [FUNCTION...]|train CONFIG] [--threads N]`: machine-readable performance figures.
import Datasets
import Config
import Results
import Training
import Foundation
import Kernels
import NN

enum BenchCommand {
    static func main(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--threads", "--data-dir", "--shape"], switches: ["--dense"])
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let threadCounts = try a.int("--threads", min: 1).map { [$0] } ?? Array(Set([1, cores])).sorted()
        switch a.positional.first {
        case "gemm":
            var shapes = Benchmarks.gemmShapes
            if let text = a.value("--shape") {
                let f = text.split(separator: ",").map(String.init)
                guard f.count == 5, let m = Int(f[0]), let n = Int(f[1]), let k = Int(f[2]), m > 0, n > 0, k > 0,
                      ["N", "T"].contains(f[3]), ["N", "T"].contains(f[4]) else {
                    throw UsageError("--shape: give M,N,K,TRANS_A,TRANS_B, e.g. --shape 128,1000,784,N,T")
                }
                shapes = [GemmShape(m: m, n: n, k: k, transA: f[3] == "T", transB: f[4] == "T")]
            }
            emit("m,n,k,trans_a,trans_b,threads,gflops,peak_gflops")
            for threads in threadCounts {
                let peak = measureFMAPeak(threads: threads)
                for s in shapes {
                    let g = Benchmarks.gemmGFLOPS(s, threads: threads)
                    emit("\(s.m),\(s.n),\(s.k),\(s.transA ? "T" : "N"),\(s.transB ? "T" : "N"),\(threads),\(fixed1(g)),\(fixed1(peak))")
                }
            }
        case "math":
            // Every Float input of each vector function against the C library in double precision.
            let threads = threadCounts.max() ?? 1
            emit("function,inputs,max_ulps,at_input,seconds")
            let names = Array(a.positional.dropFirst())
            for name in names where VectorMath.Function(rawValue: name) == nil {
                throw UsageError("bench math: unknown function \(name) (functions: \(VectorMath.Function.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            for f in VectorMath.Function.allCases where names.isEmpty || names.contains(f.rawValue) {
                let start = DispatchTime.now().uptimeNanoseconds
                let (ulps, at) = VectorMath.maxULPError(f, threads: threads)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                emit("\(f.rawValue),4294967296,\(String(format: "%.3f", ulps)),\(at),\(String(format: "%.1f", seconds))")
            }
        case "winograd":
            // Winograd F(4x4, 5x5) against the direct convolution on Figure 3's layers.
            emit("layer,product,max_error_relative_to_rms,bound")
            for r in Benchmarks.winogradErrors() {
                emit("\(r.layer),\(r.product),\(String(format: "%.2e", r.relativeError)),\(String(format: "%.0e", WinogradTransform.errorBound(kernel: 5)))")
            }
        case "step":
            emit("optimizer,parameters,threads,ns_per_parameter,gb_per_second")
            for threads in threadCounts {
                for name in ["adam", "nesterov", "adagrad", "rmsprop", "adamax"] {
                    for count in [1_000_000, 10_000_000] {
                        let ns = Benchmarks.stepNanoseconds(optimizer: name, count: count, threads: threads)
                        // Bytes moved per parameter: Adam reads θ, g, m, v and writes θ, m, v.
                        let bytes: Double = ["adam": 28, "nesterov": 20, "adagrad": 20, "rmsprop": 20, "adamax": 28][name]!
                        emit("\(name),\(count),\(threads),\(String(format: "%.3f", ns)),\(fixed1(bytes / ns))")
                    }
                }
            }
        case "train":
            guard a.positional.count == 2 else { throw UsageError("bench train takes one config: adam-bench bench train CONFIG") }
            let config = try ExperimentConfig.load(a.positional[1])
            let dataDir = try a.dataDirectory()
            let problem = try config.loadProblem(dataDirectory: dataDir)
            guard case .supervised(let data, let m, _) = problem else {
                throw UsageError("bench train needs a config with a dataset and a model")
            }
            try problem.checkMemory(config, threads: threadCounts.max() ?? 1)
            // --dense: the same model on the same rows stored dense, to show what sparsity buys.
            let dense = a.has("--dense") && data.train.isSparse
            let input = dense ? data.densified() : data
            emit("config,arm,threads,batch_size,examples_per_second,ms_per_step,eval_ms_per_step,peak_rss_mb,ms_per_epoch,input,inputs_per_example")
            let steps = config.iterationsPerEpoch(trainCount: data.train.count)
            for threads in threadCounts {
                for f in Benchmarks.train(config, data: input, model: m, threads: threads) {
                    let rest = "\(fixed1(Benchmarks.peakRSSMegabytes())),\(String(format: "%.3f", f.secondsPerStep * 1000 * Double(steps))),\(input.train.isSparse ? "sparse" : "dense"),\(fixed1(data.train.meanNonzeros))"
                    emit("\(config.name),\(f.arm),\(threads),\(f.batchSize),\(fixed1(f.examplesPerSecond)),\(String(format: "%.4f", f.secondsPerStep * 1000)),\(String(format: "%.4f", f.evalSecondsPerStep * 1000)),\(rest)")
                }
            }
        default:
            throw UsageError("bench takes gemm, step, math, winograd or train CONFIG")
        }
    }

    static func fixed1(_ x: Double) -> String { String(format: "%.1f", x) }
}

/// Writes a line unbuffered, so each case shows as it finishes, even when piped to a file.
func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

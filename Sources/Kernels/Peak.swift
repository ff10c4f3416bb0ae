// The machine's FMA peak, measured: independent chains of wide fused multiply-adds, enough of
// them to cover the FMA latency on every pipe. The yardstick for the GEMM's efficiency.

/// GFLOP/s of `threads` threads each running `iterations` steps of 12 independent FMA chains
/// (AVX512: vectors of 16 floats; otherwise of 8). Twelve chains cover two pipes of 4-cycle FMA
/// latency, and with the two constants they fit 16 registers: more would spill.
///
/// Each thread times its own loops, after a warm-up run, `repeats` times, and keeps its fastest;
/// the figure is the sum of the threads' best rates. A single run timed from outside (as this
/// was once measured) counts waking the threads, and any moment another program holds a core or
/// the clock ramps up: on a shared 2-core Zen 3 it read 58 and 102 GFLOP/s minutes apart while the
/// same run's 1024³ GEMM reached 179. A disturbance only ever slows a run, so the best of several
/// is the machine's rate, and stable from run to run.
public func measureFMAPeak(threads: Int, iterations: Int = 20_000_000, repeats: Int = 5) -> Double {
    let n = max(threads, 1)
    let rates = UnsafeMutablePointer<Double>.allocate(capacity: n), sinks = UnsafeMutablePointer<Float>.allocate(capacity: n)
    defer { rates.deallocate(); sinks.deallocate() }
    parallelFor(n, threads: n) { w in
        var best = 0.0
        for run in 0...repeats {
            let start = ContinuousClock.now
            sinks[w] = fmaChains(iterations, seed: Float(w) * 1e-9 + Float(run) * 1e-12)
            let d = ContinuousClock.now - start
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            // 12 chains x lanes x 2 flops per step; run 0 is the warm-up. The sink keeps the loop alive.
            let rate = Double(iterations) * 12 * Double(PeakVector.scalarCount) * 2 / seconds / 1e9
            if run > 0 { best = max(best, rate) }
        }
        rates[w] = best
    }
    return (0..<n).reduce(0) { $0 + rates[$1] }
}

#if AVX512
typealias PeakVector = Vec16
#else
typealias PeakVector = Vec8
#endif

@inline(never)
func fmaChains(_ n: Int, seed: Float) -> Float {
    let x = PeakVector(repeating: 0.999_999 + seed), y = PeakVector(repeating: 1e-7)
    var a0 = PeakVector(repeating: 1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
    var a8 = a0, a9 = a0, a10 = a0, a11 = a0
    for _ in 0..<n {
        a0 = a0.addingProduct(a0, x) ; a1 = a1.addingProduct(a1, x)
        a2 = a2.addingProduct(a2, y) ; a3 = a3.addingProduct(a3, y)
        a4 = a4.addingProduct(a4, x) ; a5 = a5.addingProduct(a5, x)
        a6 = a6.addingProduct(a6, y) ; a7 = a7.addingProduct(a7, y)
        a8 = a8.addingProduct(a8, x) ; a9 = a9.addingProduct(a9, x)
        a10 = a10.addingProduct(a10, y) ; a11 = a11.addingProduct(a11, y)
    }
    let s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11
    return s.sum()
}

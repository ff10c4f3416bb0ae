// The machine's FMA peak, measured: independent chains of wide fused multiply-adds, enough of
// them to cover the FMA latency on every pipe. The yardstick for the GEMM's efficiency.

/// GFLOP/s of `threads` threads each running `iterations` steps of 12 independent FMA chains
/// (AVX512: vectors of 16 floats; otherwise of 8). Twelve chains cover two pipes of 4-cycle FMA
/// latency, and with the two constants they fit 16 registers: more would spill.
public func measureFMAPeak(threads: Int, iterations: Int = 20_000_000) -> Double {
    let start = ContinuousClock.now
    let sink = UnsafeMutablePointer<Float>.allocate(capacity: max(threads, 1))
    defer { sink.deallocate() }
    parallelFor(threads, threads: threads) { w in
        sink[w] = fmaChains(iterations, seed: Float(w) * 1e-9)
    }
    let d = ContinuousClock.now - start
    let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    // 12 chains x lanes x 2 flops per step.
    return Double(threads) * Double(iterations) * 12 * Double(PeakVector.scalarCount) * 2 / seconds / 1e9
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

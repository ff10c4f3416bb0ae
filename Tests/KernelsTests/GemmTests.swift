// The GEMM against its naive twin over every shape class, transposes, alpha/beta and threads.
import Kernels
import Testing

struct GemmCase: CustomTestStringConvertible, Sendable {
    let m: Int, n: Int, k: Int, transA: Bool, transB: Bool
    var testDescription: String { "\(m)x\(n)x\(k) \(transA ? "T" : "N")\(transB ? "T" : "N")" }
}

let sizes = [1, 2, 3, 7, 16, 17, 31, 33, 64, 70]
let gemmCases: [GemmCase] = {
    var cases: [GemmCase] = []
    for (i, m) in sizes.enumerated() {
        let n = sizes[(i * 3 + 1) % sizes.count], k = sizes[(i * 7 + 2) % sizes.count]
        for ta in [false, true] { for tb in [false, true] { cases.append(GemmCase(m: m, n: n, k: k, transA: ta, transB: tb)) } }
    }
    // The products logistic regression and an MLP actually make, scaled down.
    cases.append(GemmCase(m: 128, n: 10, k: 784, transA: false, transB: true))
    cases.append(GemmCase(m: 7, n: 9, k: 53, transA: false, transB: true))  // dot products, an odd count
    cases.append(GemmCase(m: 10, n: 784, k: 128, transA: true, transB: false))
    cases.append(GemmCase(m: 67, n: 53, k: 129, transA: false, transB: false))
    // Across every block size: KC = 256, MC = 240, NC = 2048, MR = 12, NR = 32.
    for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
        cases.append(GemmCase(m: 250, n: 45, k: 513, transA: ta, transB: tb))
    }
    cases.append(GemmCase(m: 13, n: 2085, k: 7, transA: false, transB: false))
    cases.append(GemmCase(m: 5, n: 3, k: 600, transA: true, transB: true))
    cases.append(GemmCase(m: 12, n: 32, k: 256, transA: false, transB: false))
    return cases
}()

func randomMatrix(_ count: Int, seed: UInt64) -> [Float] {
    var rng = RNG(seed: seed, stream: 7)
    return (0..<count).map { _ in 2 * rng.uniform() - 1 }
}

@Test(arguments: gemmCases)
func gemmMatchesReference(_ c: GemmCase) {
    let s = GemmShape(m: c.m, n: c.n, k: c.k, transA: c.transA, transB: c.transB)
    // Leading dimensions larger than the rows, to catch stride mistakes.
    let lda = (c.transA ? c.m : c.k) + 3, ldb = (c.transB ? c.k : c.n) + 1, ldc = c.n + 2
    let a = randomMatrix((c.transA ? c.k : c.m) * lda, seed: 1)
    let b = randomMatrix((c.transB ? c.n : c.k) * ldb, seed: 2)
    for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-1.5, 0.25)] {
        var expected = randomMatrix(c.m * ldc, seed: 3)
        // beta == 0: C must not be read, so NaN in C must not reach the result.
        var actual = beta == 0 ? [Float](repeating: .nan, count: c.m * ldc) : expected
        if beta == 0 { expected = actual.map { _ in 0 } }
        gemmReference(s, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &expected, ldc: ldc)
        gemm(s, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &actual, ldc: ldc)
        for i in 0..<c.m {
            for j in 0..<c.n {
                let e = expected[i * ldc + j], x = actual[i * ldc + j]
                #expect(abs(e - x) <= 1e-4 * Float(c.k).squareRoot() * max(1, abs(e)), "C[\(i),\(j)] alpha \(alpha) beta \(beta)")
            }
        }
    }
}

@Test(arguments: [GemmCase(m: 300, n: 70, k: 200, transA: false, transB: false),
                  GemmCase(m: 128, n: 1000, k: 784, transA: false, transB: true),
                  GemmCase(m: 1000, n: 784, k: 128, transA: true, transB: false),
                  GemmCase(m: 77, n: 333, k: 600, transA: false, transB: false),
                  GemmCase(m: 129, n: 257, k: 64, transA: true, transB: false),
                  GemmCase(m: 200, n: 31, k: 300, transA: false, transB: true)])
func gemmIsIdenticalForAnyThreadCount(_ c: GemmCase) {
    let s = GemmShape(m: c.m, n: c.n, k: c.k, transA: c.transA, transB: c.transB)
    let lda = c.transA ? c.m : c.k, ldb = c.transB ? c.k : c.n
    let a = randomMatrix(c.m * c.k, seed: 4), b = randomMatrix(c.k * c.n, seed: 5)
    var one = [Float](repeating: 0, count: c.m * c.n)
    gemm(s, a: a, lda: lda, b: b, ldb: ldb, c: &one, ldc: c.n, threads: 1)
    for threads in [2, 3, 7] {
        var other = [Float](repeating: .nan, count: c.m * c.n)
        gemm(s, a: a, lda: lda, b: b, ldb: ldb, c: &other, ldc: c.n, threads: threads)
        #expect(one.map(\.bitPattern) == other.map(\.bitPattern), "threads \(threads)")
    }
}

@Test func dotAndAxpyMatchScalarLoops() {
    for n in [0, 1, 15, 16, 17, 31, 32, 33, 48, 100, 784] {
        let x = randomMatrix(n, seed: 8), y = randomMatrix(n, seed: 9)
        var expected = 0.0
        for i in 0..<n { expected += Double(x[i]) * Double(y[i]) }
        #expect(abs(Double(dot(x, y, n)) - expected) < 1e-5)
        // dot2 is two dots sharing x's loads, bit for bit (gemmDots relies on it).
        let w = randomMatrix(n, seed: 10)
        let (d0, d1) = dot2(x, y, w, n)
        #expect(d0.bitPattern == dot(x, y, n).bitPattern && d1.bitPattern == dot(x, w, n).bitPattern, "n \(n)")
        var z = y
        axpy(0.5, x, &z, n)
        for i in 0..<n { #expect(z[i] == y[i].addingProduct(0.5, x[i])) }
    }
}

@Test(arguments: [16, 12, 5, 0])
func transposeOf16x16BlocksIsExact(_ rows: Int) {
    let src = (0..<(16 * 20)).map { Float($0) }
    var dst = [Float](repeating: .nan, count: 16 * 17)
    transpose16x16(src, srcStride: 20, rows: rows, &dst, dstStride: 17)
    for q in 0..<16 {
        for r in 0..<16 { #expect(dst[q * 17 + r] == (r < rows ? src[r * 20 + q] : 0), "(\(q), \(r))") }
    }
}

/// Packing A writes 16-float rows at a stride of 12 (MR): each row must overwrite the previous
/// row's last four lanes, so rows have to be stored whole and in order.
@Test func transposeOf16x16BlocksStoresRowsInOrderAtAnOverlappingStride() {
    let src = (0..<(16 * 20)).map { Float($0) }
    var dst = [Float](repeating: .nan, count: 15 * 12 + 16)
    transpose16x16(src, srcStride: 20, rows: 12, &dst, dstStride: 12)
    for q in 0..<16 {
        for r in 0..<12 { #expect(dst[q * 12 + r] == src[r * 20 + q], "(\(q), \(r))") }
    }
}

// Single-precision matrix multiply, row-major: C = alpha·op(A)·op(B) + beta·C.
// op(A) is (m, k) and op(B) is (k, n); a transposed operand is stored as its transpose.
// With beta == 0, C is never read (it may hold NaN).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which operands are transposed; `A·Bᵀ` and `Aᵀ·B` are the products a backward pass needs.
public struct GemmShape: Sendable, Equatable {
    public var m: Int, n: Int, k: Int
    public var transA: Bool, transB: Bool
    public init(m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false) {
        self.m = m; self.n = n; self.k = k; self.transA = transA; self.transB = transB
    }
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}

/// The naive triple loop, in Double: the reference every fast path is tested against.
public func gemmReference(_ s: GemmShape, alpha: Float,
                          a: UnsafePointer<Float>, lda: Int,
                          b: UnsafePointer<Float>, ldb: Int,
                          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in 0..<s.m {
        for j in 0..<s.n {
            var sum = 0.0
            for p in 0..<s.k {
                let av = s.transA ? a[p * lda + i] : a[i * lda + p]
                let bv = s.transB ? b[j * ldb + p] : b[p * ldb + j]
                sum += Double(av) * Double(bv)
            }
            let old: Double = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
            c[i * ldc + j] = Float(Double(alpha) * sum + old)
        }
    }
}

/// C = alpha·op(A)·op(B) + beta·C, the BLIS way: packed panels, a 12 x 32 register-blocked
/// micro-kernel, cache blocking (see GemmBlocking). Threads take disjoint, NR- or MR-aligned
/// ranges of C's columns (or rows) and never split k, so the result is bit-identical for any
/// thread count.
public func gemm(_ s: GemmShape, alpha: Float = 1,
                 a: UnsafePointer<Float>, lda: Int,
                 b: UnsafePointer<Float>, ldb: Int,
                 beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
                 threads: Int = 1) {
    if s.m == 0 || s.n == 0 { return }
    if s.k == 0 {
        for i in 0..<s.m { scale(beta, c + i * ldc, s.n) }
        return
    }
    typealias B = GemmBlocking
    if s.transB && !s.transA && s.n <= B.dotColumns {
        gemmDots(s, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: threads)
        return
    }
    let splitColumns = s.n >= s.m
    let panels = splitColumns ? (s.n + B.nr - 1) / B.nr : (s.m + B.mr - 1) / B.mr
    let workers = s.flops < B.parallelFlops ? 1 : max(1, min(threads, panels))
    // A closure stored in a variable would be heap-allocated on every call; passing it straight
    // to parallelFor keeps it on the stack, and the training step allocation-free.
    parallelFor(workers, threads: workers) { w in
        let lo = panels * w / workers, hi = panels * (w + 1) / workers
        let rows = splitColumns ? 0..<s.m : lo * B.mr..<min(s.m, hi * B.mr)
        let columns = splitColumns ? lo * B.nr..<min(s.n, hi * B.nr) : 0..<s.n
        gemmBlock(s, rows: rows, columns: columns, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

/// A·Bᵀ with few columns (a classifier's output layer: n = 10): both operands' rows run along k,
/// so each C element is one SIMD dot product of two contiguous rows, with no packing into a
/// 32-wide panel that would be two-thirds padding. Rows of C are split over threads.
private func gemmDots(_ s: GemmShape, alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
    let workers = s.flops < GemmBlocking.parallelFlops ? 1 : max(1, min(threads, s.m))
    parallelFor(workers, threads: workers) { w in
        for i in (s.m * w / workers)..<(s.m * (w + 1) / workers) {
            let ai = a + i * lda, ci = c + i * ldc
            @inline(__always) func put(_ j: Int, _ d: Float) {
                let v = d * alpha
                ci[j] = beta == 0 ? v : v.addingProduct(beta, ci[j])
            }
            var j = 0
            while j + 2 <= s.n {
                let (d0, d1) = dot2(ai, b + j * ldb, b + (j + 1) * ldb, s.k)
                put(j, d0)
                put(j + 1, d1)
                j += 2
            }
            if j < s.n { put(j, dot(ai, b + j * ldb, s.k)) }
        }
    }
}

/// The five loops of BLIS around the micro-kernel, for one block of C.
private func gemmBlock(_ s: GemmShape, rows: Range<Int>, columns: Range<Int>, alpha: Float,
                       a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                       beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    typealias B = GemmBlocking
    let ws = GemmWorkspace.current
    if rows.count <= B.mc {
        // One block of rows (a minibatch's products): A is packed once per k block, and each B
        // micro-panel just before the tiles that use it, so it is written to and read from L1
        // instead of making a round trip through L3 as a whole packed NC block would. Each tile
        // sees the same k blocks in the same order, so the bits are those of the loops below.
        let mc = rows.count
        for pc in stride(from: 0, to: s.k, by: B.kc) {
            let kc = min(B.kc, s.k - pc)
            let betaBlock: Float = pc == 0 ? beta : 1
            B.packA(s, a: a, lda: lda, i0: rows.lowerBound, mc: mc, p0: pc, kc: kc, into: ws.packedA)
            for jr in stride(from: columns.lowerBound, to: columns.upperBound, by: B.nr) {
                let nr = min(B.nr, columns.upperBound - jr)
                B.packB(s, b: b, ldb: ldb, p0: pc, kc: kc, j0: jr, nc: nr, into: ws.packedB)
                for ir in stride(from: 0, to: mc, by: B.mr) {
                    B.tile(kc: kc, a: ws.packedA + ir * kc, b: ws.packedB, c: c + (rows.lowerBound + ir) * ldc + jr, ldc: ldc,
                           rows: min(B.mr, mc - ir), columns: nr, alpha: alpha, beta: betaBlock, scratch: ws.tile)
                }
            }
        }
        return
    }
    for jc in stride(from: columns.lowerBound, to: columns.upperBound, by: B.nc) {
        let nc = min(B.nc, columns.upperBound - jc)
        for pc in stride(from: 0, to: s.k, by: B.kc) {
            let kc = min(B.kc, s.k - pc)
            // Later k blocks add to what the first one wrote.
            let betaBlock: Float = pc == 0 ? beta : 1
            B.packB(s, b: b, ldb: ldb, p0: pc, kc: kc, j0: jc, nc: nc, into: ws.packedB)
            for ic in stride(from: rows.lowerBound, to: rows.upperBound, by: B.mc) {
                let mc = min(B.mc, rows.upperBound - ic)
                B.packA(s, a: a, lda: lda, i0: ic, mc: mc, p0: pc, kc: kc, into: ws.packedA)
                for jr in stride(from: 0, to: nc, by: B.nr) {
                    let nr = min(B.nr, nc - jr)
                    let bp = ws.packedB + jr * kc
                    for ir in stride(from: 0, to: mc, by: B.mr) {
                        let mr = min(B.mr, mc - ir)
                        let ap = ws.packedA + ir * kc
                        let cp = c + (ic + ir) * ldc + jc + jr
                        B.tile(kc: kc, a: ap, b: bp, c: cp, ldc: ldc, rows: mr, columns: nr, alpha: alpha, beta: betaBlock, scratch: ws.tile)
                    }
                }
            }
        }
    }
}

extension GemmBlocking {
    /// One MR x NR tile of C, or its top-left rows x columns at an edge: an edge tile is computed
    /// whole aside, then its valid part merged with the same arithmetic as a full tile (so where
    /// a tile falls never changes bits).
    @inline(__always)
    static func tile(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                     rows: Int, columns: Int, alpha: Float, beta: Float, scratch: UnsafeMutablePointer<Float>) {
        if columns == nr {
            if rows == mr { microKernel(kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta); return }
            if rows == 4 { microKernel4(kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta); return }
            if rows == 8 { microKernel8(kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta); return }
        }
        microKernel(kc: kc, a: a, b: b, c: scratch, ldc: nr, alpha: 1, beta: 0)
        let va = Vec16(repeating: alpha), vb = Vec16(repeating: beta)
        for r in 0..<rows {
            var col = 0
            while col + 16 <= columns {
                let t = load16(scratch + r * nr + col) * va
                let out = c + r * ldc + col
                store16(beta == 0 ? t : t.addingProduct(vb, load16(out)), out)
                col += 16
            }
            for col in col..<columns {
                let t = scratch[r * nr + col] * alpha
                let out = c + r * ldc + col
                out.pointee = beta == 0 ? t : t.addingProduct(beta, out.pointee)
            }
        }
    }
}

/// Packing buffers, one set per thread, allocated on a thread's first product and kept for its
/// life: a training step's products allocate nothing.
final class GemmWorkspace {
    let packedA: UnsafeMutablePointer<Float>
    let packedB: UnsafeMutablePointer<Float>
    let tile: UnsafeMutablePointer<Float>

    init() {
        func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64).bindMemory(to: Float.self, capacity: count)
            p.initialize(repeating: 0, count: count)
            return p
        }
        packedA = allocate(GemmBlocking.mc * GemmBlocking.kc + 16)  // + the overhang of packA's stores
        packedB = allocate(GemmBlocking.kc * ((GemmBlocking.nc + GemmBlocking.nr - 1) / GemmBlocking.nr * GemmBlocking.nr))
        tile = allocate(GemmBlocking.mr * GemmBlocking.nr)
    }

    deinit {
        UnsafeMutableRawPointer(packedA).deallocate()
        UnsafeMutableRawPointer(packedB).deallocate()
        UnsafeMutableRawPointer(tile).deallocate()
    }

    static var current: GemmWorkspace {
        if let p = pthread_getspecific(workspaceKey) { return Unmanaged<GemmWorkspace>.fromOpaque(p).takeUnretainedValue() }
        let ws = GemmWorkspace()
        pthread_setspecific(workspaceKey, Unmanaged.passRetained(ws).toOpaque())
        return ws
    }
}

private let workspaceKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { p in
        if let p { Unmanaged<GemmWorkspace>.fromOpaque(p).release() }
    }
    return key
}()

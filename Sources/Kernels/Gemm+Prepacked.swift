// A GEMM whose A is packed once and reused for many products, and whose B panels come from the
// caller: a convolution multiplies the same weights with every image of a batch, and its B is
// im2col of the image, which the caller can write straight into the packed panel layout
// (implicit im2col) instead of materialising the patch matrix and packing it again.

/// B's packed panels on demand: `pack` writes op(B)[p0..<p0+kc, j0..<j0+nc] as NR-column
/// micro-panels (panel q holds, for each p, the NR values of columns j0 + q·NR ..< j0 + (q+1)·NR,
/// zeros beyond column n), exactly the layout GemmBlocking.packB produces.
public protocol PanelSource {
    func pack(p0: Int, kc: Int, j0: Int, nc: Int, into: UnsafeMutablePointer<Float>)
}

/// The MR-row panels of an m x k matrix A, all k blocks, packed once.
public final class PackedA: @unchecked Sendable {
    public let m: Int, k: Int
    /// Rows rounded up to a whole micro-panel.
    let paddedRows: Int
    let buffer: FloatBuffer

    public init(m: Int, k: Int) {
        self.m = m
        self.k = k
        paddedRows = (m + GemmBlocking.mr - 1) / GemmBlocking.mr * GemmBlocking.mr
        buffer = FloatBuffer(count: paddedRows * k + 16)  // + the overhang of packA's stores
    }

    /// The block of k rows pc ..< pc + KC: its panels one after another, each kc x MR.
    @inline(__always)
    func block(_ pc: Int) -> UnsafeMutablePointer<Float> { buffer.base + pc * paddedRows }

    /// Packs A (m x k, row-major with stride lda; transposed: stored k x m).
    public func pack(_ a: UnsafePointer<Float>, lda: Int, transposed: Bool = false) {
        let s = GemmShape(m: m, n: 1, k: k, transA: transposed)
        for pc in stride(from: 0, to: k, by: GemmBlocking.kc) {
            GemmBlocking.packA(s, a: a, lda: lda, i0: 0, mc: m, p0: pc, kc: min(GemmBlocking.kc, k - pc), into: block(pc))
        }
    }
}

/// C (m x n) = A·B + beta·C with A prepacked and B packed by `b`, on the calling thread. The
/// loops and arithmetic are those of `gemm`, so the result is bit-identical to it.
public func gemm<Source: PanelSource>(_ a: PackedA, n: Int, b: Source, beta: Float = 0,
                                      c: UnsafeMutablePointer<Float>, ldc: Int) {
    typealias B = GemmBlocking
    let ws = GemmWorkspace.current, m = a.m, k = a.k
    if m == 0 || n == 0 { return }
    for jc in stride(from: 0, to: n, by: B.nc) {
        let nc = min(B.nc, n - jc)
        for pc in stride(from: 0, to: k, by: B.kc) {
            let kc = min(B.kc, k - pc)
            let betaBlock: Float = pc == 0 ? beta : 1
            b.pack(p0: pc, kc: kc, j0: jc, nc: nc, into: ws.packedB)
            let panels = a.block(pc)
            for jr in stride(from: 0, to: nc, by: B.nr) {
                let bp = ws.packedB + jr * kc
                for ir in stride(from: 0, to: m, by: B.mr) {
                    B.tile(kc: kc, a: panels + ir * kc, b: bp, c: c + ir * ldc + jc + jr, ldc: ldc,
                           rows: min(B.mr, m - ir), columns: min(B.nr, nc - jr), alpha: 1, beta: betaBlock, scratch: ws.tile)
                }
            }
        }
    }
}

/// The NR width of a packed B panel, for callers that write panels themselves.
public let gemmPanelWidth = GemmBlocking.nr

/// B (k x n) written by the caller straight into the packed panel layout, so a product reads it
/// with no packing at all (the Winograd convolution's transformed tiles). The layout is the one
/// `gemm` packs into, all blocks at once: k block pc (rows pc ..< pc + KC, the last one shorter)
/// starts at pc · paddedColumns, and within it panel q (columns q·NR ..< (q + 1)·NR) holds
/// kcb x NR floats, row by row; columns beyond n are zero.
public struct PackedB: @unchecked Sendable {
    public let k: Int, n: Int
    public let base: UnsafeMutablePointer<Float>

    /// `base` holds at least `PackedB.count(k:n:)` floats.
    public init(k: Int, n: Int, base: UnsafeMutablePointer<Float>) {
        self.k = k; self.n = n; self.base = base
    }

    /// n rounded up to whole panels.
    public static func paddedColumns(_ n: Int) -> Int { (n + GemmBlocking.nr - 1) / GemmBlocking.nr * GemmBlocking.nr }
    /// Floats of a packed k x n matrix.
    public static func count(k: Int, n: Int) -> Int { k * paddedColumns(n) }

    /// Where element (p, j) lives. Columns j ..< j + 16 with j a multiple of 16 are contiguous.
    @inline(__always)
    public func offset(row p: Int, column j: Int) -> Int {
        let kc = GemmBlocking.kc, nr = GemmBlocking.nr
        let pc = p / kc * kc, kcb = min(kc, k - pc)
        return pc * Self.paddedColumns(n) + (j / nr) * kcb * nr + (p - pc) * nr + j % nr
    }
}

/// C (m x n) = A·B + beta·C with both operands prepacked, on the calling thread. The tiles and
/// their k order are those of `gemm`, so the result is bit-identical to it.
public func gemm(_ a: PackedA, _ b: PackedB, beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    typealias B = GemmBlocking
    precondition(a.k == b.k, "gemm: A is \(a.m) x \(a.k) but B has \(b.k) rows")
    let ws = GemmWorkspace.current, m = a.m, k = a.k, n = b.n
    if m == 0 || n == 0 { return }
    let padded = PackedB.paddedColumns(n)
    for pc in stride(from: 0, to: k, by: B.kc) {
        let kc = min(B.kc, k - pc)
        let betaBlock: Float = pc == 0 ? beta : 1
        let panels = a.block(pc), block = b.base + pc * padded
        for jr in stride(from: 0, to: n, by: B.nr) {
            let bp = block + jr * kc
            for ir in stride(from: 0, to: m, by: B.mr) {
                B.tile(kc: kc, a: panels + ir * kc, b: bp, c: c + ir * ldc + jr, ldc: ldc,
                       rows: min(B.mr, m - ir), columns: min(B.nr, n - jr), alpha: 1, beta: betaBlock, scratch: ws.tile)
            }
        }
    }
}

// Winograd's minimal filtering F(m x m, r x r) on 8 x 8 tiles (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", CVPR 2016): a tile d of 8 x 8 inputs and an r x r kernel g give
// the m x m outputs (m = 8 − r + 1) of their correlation as
//     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
// 64 multiplications per tile and channel pair where the direct sum needs m²·r² (5 x 5 kernels:
// 16 outputs for 64 multiplications instead of 400, 6.25x fewer).
//
// The matrices are not typed in: they are derived here, as the `wincnn` generator does, from the
// interpolation points 0, 1, −1, 2, −2, 1/2, −1/2 and ∞ (Toom-Cook). With a_0 … a_6 the finite
// points, f_j = Π_{l≠j} (a_j − a_l) and P(x) = Π_l (x − a_l):
//     Aᵀ[i][j] = a_jⁱ,            Aᵀ[i][7] = 1 if i = m − 1 else 0        (m x 8)
//     G[j][k]  = a_jᵏ / f_j,      G[7][k]  = 1 if k = r − 1 else 0        (8 x r)
//     Bᵀ[j][·] = the coefficients of P(x) / (x − a_j),  Bᵀ[7][·] = those of P(x)   (8 x 8)
// (Winograd's algorithm for the product of two polynomials evaluated at the points, transposed
// into a correlation.) Every entry of Aᵀ and Bᵀ is a binary fraction, exact in Float; G's 1/f_j
// are rounded once.
//
// Accuracy: in exact arithmetic the result is the correlation; in Float the transforms add
// rounding that grows with the points' spread. Measured on Figure 3's layers (`adam-bench bench
// winograd`: random data, 64 and 128 channels, all three products) the largest error of a 5 x 5
// layer is 2.6e-5 to 5.4e-5 of the output's RMS, against about 1e-7 for the direct Float sums;
// Tests/NNTests/WinogradTests.swift holds every product to `WinogradTransform.errorBound`.

import Kernels

/// The three transform matrices of F(m x m, r x r) on 8 x 8 tiles, in Double and in Float.
public struct WinogradTransform: Sendable {
    /// The tile side: every transformed tile is 8 x 8 (64 GEMMs per layer).
    public static let tile = 8
    /// The finite interpolation points, in the order of the rows of G and Bᵀ (∞ is row 7).
    public static let points: [Double] = [0, 1, -1, 2, -2, 0.5, -0.5]
    /// The kernel sizes this plan serves: the outputs per tile side, 8 − r + 1, must be at least 2.
    public static func supports(kernel r: Int) -> Bool { r >= 3 && r <= 7 && r % 2 == 1 }
    /// The largest error relative to the output's RMS that the tests allow for a kernel size: about
    /// twice the largest measured on random layers of up to 300 input channels (5.4e-5 for 5 x 5).
    public static func errorBound(kernel r: Int) -> Double { r == 5 ? 1e-4 : 3e-4 }

    public let r: Int, m: Int
    /// Aᵀ (m x 8), G (8 x r), Bᵀ (8 x 8), row-major.
    public let at: [Double], g: [Double], bt: [Double]

    public init(kernel r: Int) {
        precondition(Self.supports(kernel: r), "Winograd tiles serve odd kernels 3 to 7, got \(r)")
        let n = Self.tile, a = Self.points, m = n - r + 1
        self.r = r; self.m = m
        let f = a.indices.map { j in a.indices.filter { $0 != j }.reduce(1.0) { $0 * (a[j] - a[$1]) } }
        var at = [Double](repeating: 0, count: m * n), g = [Double](repeating: 0, count: n * r)
        var bt = [Double](repeating: 0, count: n * n)
        for i in 0..<m {
            for j in a.indices { at[i * n + j] = Self.power(a[j], i) }
            at[i * n + n - 1] = i == m - 1 ? 1 : 0
        }
        for j in a.indices { for k in 0..<r { g[j * r + k] = Self.power(a[j], k) / f[j] } }
        g[(n - 1) * r + r - 1] = 1
        for j in a.indices {
            let c = Self.coefficients(roots: a.indices.filter { $0 != j }.map { a[$0] })
            for (i, v) in c.enumerated() { bt[j * n + i] = v }
        }
        for (i, v) in Self.coefficients(roots: a).enumerated() { bt[(n - 1) * n + i] = v }
        self.at = at; self.g = g; self.bt = bt
    }

    /// The coefficients of Π (x − root), lowest power first.
    static func coefficients(roots: [Double]) -> [Double] {
        var c = [1.0]
        for root in roots {
            var next = [Double](repeating: 0, count: c.count + 1)
            for (i, v) in c.enumerated() { next[i + 1] += v; next[i] -= root * v }
            c = next
        }
        return c
    }

    /// xⁱ with 0⁰ = 1.
    private static func power(_ x: Double, _ i: Int) -> Double { (0..<i).reduce(1.0) { acc, _ in acc * x } }
}

/// Eight vectors: one column (or row) of an 8 x 8 tile for 16 tiles at once.
@usableFromInline
struct Octet {
    var v0 = Vec16(), v1 = Vec16(), v2 = Vec16(), v3 = Vec16(), v4 = Vec16(), v5 = Vec16(), v6 = Vec16(), v7 = Vec16()

    /// The eight vectors at p, p + stride, …, p + 7·stride.
    @inline(__always)
    init(_ p: UnsafePointer<Float>, stride s: Int) {
        v0 = load16(p); v1 = load16(p + s); v2 = load16(p + 2 &* s); v3 = load16(p + 3 &* s)
        v4 = load16(p + 4 &* s); v5 = load16(p + 5 &* s); v6 = load16(p + 6 &* s); v7 = load16(p + 7 &* s)
    }
    init() {}

    @inline(__always)
    func store(_ p: UnsafeMutablePointer<Float>, stride s: Int) {
        store16(v0, p); store16(v1, p + s); store16(v2, p + 2 &* s); store16(v3, p + 3 &* s)
        store16(v4, p + 4 &* s); store16(v5, p + 5 &* s); store16(v6, p + 6 &* s); store16(v7, p + 7 &* s)
    }
}

extension WinogradTransform {
    /// Bᵀ·d for the points 0, 1, −1, 2, −2, 1/2, −1/2, ∞ (every kernel size shares Bᵀ): the rows
    /// of `bt` grouped in ± pairs, row 2i − 1 = t + u and row 2i = t − u, e.g. rows 3 and 4 are
    /// (0.25·d2 − 1.25·d4 + d6) ± (0.5·d1 − 2.5·d3 + 2·d5). Tests check it against `bt`.
    @inline(__always)
    static func inputButterfly(_ d: Octet) -> Octet {
        var y = Octet()
        y.v0 = (d.v6 - d.v0).addingProduct(d.v2 - d.v4, 5.25)
        y.v7 = (d.v7 - d.v1).addingProduct(d.v3 - d.v5, 5.25)
        let t1 = (d.v2 + d.v6).addingProduct(d.v4, -4.25), u1 = (d.v1 + d.v5).addingProduct(d.v3, -4.25)
        y.v1 = t1 + u1; y.v2 = t1 - u1
        let t2 = d.v6.addingProduct(d.v2, 0.25).addingProduct(d.v4, -1.25)
        let u2 = (d.v1 * 0.5).addingProduct(d.v3, -2.5).addingProduct(d.v5, 2)
        y.v3 = t2 + u2; y.v4 = t2 - u2
        let t3 = d.v6.addingProduct(d.v2, 4).addingProduct(d.v4, -5)
        let u3 = (d.v1 * 2).addingProduct(d.v3, -2.5).addingProduct(d.v5, 0.5)
        y.v5 = t3 + u3; y.v6 = t3 - u3
        return y
    }

    /// A·y for m = 4, the adjoint of `outputButterfly4`: 4 values (at p, p + stride, …) to the 8
    /// of column (Aᵀ)ᵀ: with even part e(a) = y0 + a²·y2 and odd part o(a) = a·y1 + a³·y3, the
    /// values at ±a are e(a) ± o(a); 0 gives y0 and ∞ gives y3.
    @inline(__always)
    static func gradientButterfly4(_ p: UnsafePointer<Float>, stride s: Int) -> Octet {
        let y0 = load16(p), y1 = load16(p + s), y2 = load16(p + 2 &* s), y3 = load16(p + 3 &* s)
        var m = Octet()
        m.v0 = y0; m.v7 = y3
        let e1 = y0 + y2, o1 = y1 + y3
        m.v1 = e1 + o1; m.v2 = e1 - o1
        let e2 = y0.addingProduct(y2, 4), o2 = (y1 * 2).addingProduct(y3, 8)
        m.v3 = e2 + o2; m.v4 = e2 - o2
        let e3 = y0.addingProduct(y2, 0.25), o3 = (y1 * 0.5).addingProduct(y3, 0.125)
        m.v5 = e3 + o3; m.v6 = e3 - o3
        return m
    }

    /// Aᵀ·x for m = 4 (5 x 5 kernels): row i of `at` is a_jⁱ, so the ± points pair up into sums
    /// (even rows) and differences (odd rows); the ∞ column only reaches the last row.
    @inline(__always)
    static func outputButterfly4(_ x: Octet) -> (Vec16, Vec16, Vec16, Vec16) {
        let s1 = x.v1 + x.v2, d1 = x.v1 - x.v2, s2 = x.v3 + x.v4, d2 = x.v3 - x.v4, s3 = x.v5 + x.v6, d3 = x.v5 - x.v6
        return (x.v0 + s1 + s2 + s3,
                d1.addingProduct(d2, 2).addingProduct(d3, 0.5),
                s1.addingProduct(s2, 4).addingProduct(s3, 0.25),
                (d1 + x.v7).addingProduct(d2, 8).addingProduct(d3, 0.125))
    }
}

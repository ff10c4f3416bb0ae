// Block sizes of the GEMM, in one place, with the reasoning (the BLIS plan: Goto & van de Geijn
// 2008; Van Zee & van de Geijn 2015).
//
// Micro-tile MR x NR = 12 x 32: 24 accumulators of 16 floats (two 512-bit vectors per row) out of
// 32 vector registers, leaving room for the two B vectors and a broadcast A value. Each k step
// issues 24 FMAs against 2 loads and 12 broadcasts, so the two FMA pipes stay the bottleneck, and
// 24 independent chains hide the 4-cycle FMA latency. On AVX2 (16 registers) the same code
// compiles to two ymm halves per vector and spills a little; it stays correct.
//
// KC = 256: the packed B micro-panel (KC x NR floats = 32 KiB) stays in a 48 KiB L1 while the
// micro-kernel streams A micro-panels (KC x MR = 12 KiB) from L2.
// MC = 240 (20 micro-panels): the packed A block (MC x KC = 240 KiB) sits comfortably in a 1-2 MiB L2.
// NC = 2048: the packed B panel (KC x NC = 2 MiB) lives in L3.

enum GemmBlocking {
    static let mr = 12
    static let nr = 32
    static let kc = 256
    static let mc = 240
    static let nc = 2048
    /// A·Bᵀ with at most this many columns uses dot products instead of packed panels.
    static let dotColumns = 16
    /// Below this many flops a product runs on one thread: waking a second one costs more.
    static let parallelFlops = 4.0e6
}

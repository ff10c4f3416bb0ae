// Seeded random numbers. Every random choice in a run (initialisation, shuffling, dropout masks,
// gradient noise) draws from its own stream derived from (seed, stream), so changing one use
// never shifts another and runs are reproducible bit for bit.

/// The independent random streams of a run. Raw values are part of the results' contract:
/// changing them changes every curve.
public enum RNGStream: UInt64, Sendable {
    case initialization = 1
    case shuffle = 2
    case dropout = 3
    case gradientNoise = 4
}

/// xoshiro256** (Blackman & Vigna 2018) seeded through SplitMix64.
public struct RNG: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64, stream: UInt64 = 0) {
        var x = seed &* 0x9E37_79B9_7F4A_7C15 ^ (stream &+ 0xD1B5_4A32_D192_ED03)
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&x); s1 = splitMix(&x); s2 = splitMix(&x); s3 = splitMix(&x)
    }

    public init(seed: UInt64, stream: RNGStream) { self.init(seed: seed, stream: stream.rawValue) }

    /// The generator's four words, for checkpoints: `RNG(state: r.state)` continues exactly where
    /// `r` is. An all-zero state is xoshiro's one fixed point and is never produced by seeding.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// Restores a generator saved with `state`; nil unless there are four words, not all zero.
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1) with 24 random bits: every value is exactly representable.
    @inline(__always)
    public mutating func uniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniformDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal by Box–Muller (one draw per call, nothing cached, so the stream position
    /// depends only on the number of calls).
    public mutating func normal() -> Double {
        let u1 = 1 - uniformDouble()  // (0, 1]
        let u2 = uniformDouble()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// Uniform integer in 0..<n without modulo bias (Lemire 2019).
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }

    /// Fisher–Yates shuffle.
    public mutating func shuffle(_ values: inout [Int32]) {
        var i = values.count - 1
        while i > 0 {
            let j = below(i + 1)
            values.swapAt(i, j)
            i -= 1
        }
    }
}

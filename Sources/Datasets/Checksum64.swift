// A fast 64-bit checksum for files adam-bench writes itself (checkpoints, point files), to tell a
// whole file from a damaged or cut-short one. Not cryptographic: SHA-256 (SHA256.swift) names
// the data sets; this only has to catch accidents, at memory speed.
//
// Four independent lanes over 32-byte blocks, each lane h ← rotl(h ^ (w · P1), 31) · P2 (the
// multiply-rotate-multiply round of xxHash64's design), then the lanes, the tail and the length
// mixed with a final avalanche (SplitMix64's finaliser). Every input bit reaches the result.

public enum Checksum64 {
    private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F

    @inline(__always)
    private static func round(_ h: UInt64, _ w: UInt64) -> UInt64 {
        let x = h ^ (w &* p1)
        return (x << 31 | x >> 33) &* p2
    }

    @inline(__always)
    private static func avalanche(_ h: UInt64) -> UInt64 {
        var z = h
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        var a: UInt64 = 1, b: UInt64 = 2, c: UInt64 = 3, d: UInt64 = 4
        var i = 0
        while i + 32 <= n {
            a = round(a, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian)
            b = round(b, bytes.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self).littleEndian)
            c = round(c, bytes.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self).littleEndian)
            d = round(d, bytes.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self).littleEndian)
            i += 32
        }
        var h = round(round(round(round(UInt64(n), a), b), c), d)
        while i < n {
            h = round(h, UInt64(bytes[i]) | 0x100)
            i += 1
        }
        return avalanche(h)
    }

    public static func of(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { of($0) } }

    /// The checksum as 16 lowercase hex digits.
    public static func hex(_ bytes: [UInt8]) -> String {
        let s = String(of(bytes), radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

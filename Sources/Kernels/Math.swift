// Scalar maths from the C library, so Kernels needs no Foundation.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { cos(x) }
@inline(__always) public func expf_(_ x: Float) -> Float { expf(x) }
@inline(__always) public func logf_(_ x: Float) -> Float { logf(x) }
@inline(__always) public func log1pf_(_ x: Float) -> Float { log1pf(x) }
@inline(__always) public func pow_(_ x: Double, _ y: Double) -> Double { pow(x, y) }

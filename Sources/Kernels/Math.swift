// Scalar maths from the C library, so Kernels needs no Foundation.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inline(__always) func _exp(_ x: Double) -> Double { exp(x) }
@inline(__always) func _log1p(_ x: Double) -> Double { log1p(x) }
@inline(__always) func _cos(_ x: Double) -> Double { cos(x) }
@inline(__always) public func pow_(_ x: Double, _ y: Double) -> Double { pow(x, y) }

// Vector primitives on contiguous Float memory, written with explicit SIMD types: Swift does not
// reassociate floating-point additions, so a reduction only vectorises if we say how.

public typealias Vec16 = SIMD16<Float>

/// 0, 1, …, 15: for masking the lanes of a partial vector (`laneIndex .< count`).
@inlinable public var laneIndex: SIMD16<Int32> { SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) }

@inlinable @inline(__always)
public func load16(_ p: UnsafePointer<Float>) -> Vec16 {
    UnsafeRawPointer(p).loadUnaligned(as: Vec16.self)
}

@inlinable @inline(__always)
public func store16(_ v: Vec16, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec16.self)
}

/// Σ x[i]·y[i] over n elements, in a fixed order (two 16-lane accumulators, then the tail).
@inline(__always)
public func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc0 = Vec16(), acc1 = Vec16()
    var i = 0
    while i + 32 <= n {
        acc0 = acc0.addingProduct(load16(x + i), load16(y + i))
        acc1 = acc1.addingProduct(load16(x + i + 16), load16(y + i + 16))
        i += 32
    }
    if i + 16 <= n {
        acc0 = acc0.addingProduct(load16(x + i), load16(y + i))
        i += 16
    }
    var s = (acc0 + acc1).sum()
    while i < n { s = s.addingProduct(x[i], y[i]); i += 1 }
    return s
}

/// (x·y, x·z): two dot products sharing the loads of x, each summed exactly as `dot` sums it
/// (so either is bit-identical to `dot`), with eight independent FMA chains instead of four: a
/// lone dot product waits on the FMA latency, two keep both FMA pipes busy.
@inline(__always)
public func dot2(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafePointer<Float>, _ n: Int) -> (Float, Float) {
    var y0 = Vec16(), y1 = Vec16(), z0 = Vec16(), z1 = Vec16()
    var i = 0
    while i + 32 <= n {
        let x0 = load16(x + i), x1 = load16(x + i + 16)
        y0 = y0.addingProduct(x0, load16(y + i))
        y1 = y1.addingProduct(x1, load16(y + i + 16))
        z0 = z0.addingProduct(x0, load16(z + i))
        z1 = z1.addingProduct(x1, load16(z + i + 16))
        i += 32
    }
    if i + 16 <= n {
        let x0 = load16(x + i)
        y0 = y0.addingProduct(x0, load16(y + i))
        z0 = z0.addingProduct(x0, load16(z + i))
        i += 16
    }
    var s = (y0 + y1).sum(), t = (z0 + z1).sum()
    while i < n {
        s = s.addingProduct(x[i], y[i])
        t = t.addingProduct(x[i], z[i])
        i += 1
    }
    return (s, t)
}

/// y[i] += alpha·x[i] over n elements.
@inline(__always)
public func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    let a = Vec16(repeating: alpha)
    var i = 0
    while i + 16 <= n {
        store16(load16(y + i).addingProduct(a, load16(x + i)), y + i)
        i += 16
    }
    while i < n { y[i] = y[i].addingProduct(alpha, x[i]); i += 1 }
}

/// x[i] *= alpha over n elements; alpha == 0 writes zeros without reading x (so NaN is cleared).
@inline(__always)
public func scale(_ alpha: Float, _ x: UnsafeMutablePointer<Float>, _ n: Int) {
    if alpha == 0 { x.update(repeating: 0, count: n); return }
    if alpha == 1 { return }
    for i in 0..<n { x[i] *= alpha }
}

/// The first `count` (≤ 16) floats at p, the other lanes zero: a full load when count is 16.
@inlinable @inline(__always)
public func load16(_ p: UnsafePointer<Float>, count: Int) -> Vec16 {
    if count == 16 { return load16(p) }
    var v = Vec16()
    var j = 0
    if count >= 8 {
        v.lowHalf = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        j = 8
    }
    while j < count { v[j] = p[j]; j += 1 }
    return v
}

/// Writes the first `count` (≤ 16) lanes of v to p.
@inlinable @inline(__always)
public func store16(_ v: Vec16, _ p: UnsafeMutablePointer<Float>, count: Int) {
    if count == 16 { store16(v, p); return }
    var j = 0
    if count >= 8 {
        UnsafeMutableRawPointer(p).storeBytes(of: v.lowHalf, as: SIMD8<Float>.self)
        j = 8
    }
    while j < count { p[j] = v[j]; j += 1 }
}

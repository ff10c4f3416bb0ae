// FloatBuffer: the one owner of numeric memory in adam-bench. Parameters, gradients, optimizer
// state and activations are allocated once per training arm and reused every step.

/// A fixed-size, zero-initialised, 64-byte aligned array of `Float` that owns its memory.
/// It is a reference type so models and optimizers can hold views into it without copies.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let base: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must be non-negative")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride,
                                                   alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        for i in 0..<values.count { base[i] = values[i] }
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }


    public subscript(i: Int) -> Float {
        get { base[i] }
        set { base[i] = newValue }
    }

    public func fill(_ value: Float) { base.update(repeating: value, count: count) }
    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "FloatBuffer.copy: sizes differ")
        base.update(from: other.base, count: count)
    }
    public var array: [Float] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

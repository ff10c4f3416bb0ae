// Global contrast normalisation, as pylearn2's `global_contrast_normalize` does it with its
// defaults (subtract_mean, the vector norm rather than the standard deviation, sqrt_bias 0,
// min_divisor 1e-8): each image on its own, so it needs no statistics of the training set.

public enum ContrastNormalization {
    /// pylearn2's min_divisor: a normaliser below it is replaced by 1 (the image is only centred).
    public static let minDivisor = 1e-8

    /// Rows of x (n x d) in place, each row v on its own, in float64:
    ///     v ← pixelScale·v;  v ← v − mean(v);  s = ‖v‖₂ / scale;  s ← 1 if s < minDivisor;  v ← v / s
    /// so every row that is not (nearly) constant ends with norm `scale`. `pixelScale` puts pixels
    /// stored in another unit back on the scale the recipe was written for (255 for pixels stored
    /// as bytes / 255, pylearn2 reading CIFAR-10 as 0...255 floats); only the minDivisor floor
    /// sees it.
    public static func global(_ x: UnsafeMutablePointer<Float>, rows n: Int, features d: Int, scale: Double,
                              pixelScale: Double = 1) {
        guard d > 0 else { return }
        var v = [Double](repeating: 0, count: d)
        for r in 0..<n {
            let row = x + r * d
            var sum = 0.0
            for j in 0..<d { v[j] = pixelScale * Double(row[j]); sum += v[j] }
            let mean = sum / Double(d)
            var squares = 0.0
            for j in 0..<d { v[j] -= mean; squares += v[j] * v[j] }
            var s = squares.squareRoot() / scale
            if s < minDivisor { s = 1 }
            for j in 0..<d { row[j] = Float(v[j] / s) }
        }
    }
}

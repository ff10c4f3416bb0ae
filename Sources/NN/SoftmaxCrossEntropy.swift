// Softmax cross-entropy over class logits, forward and backward in one pass.
import Kernels

public enum SoftmaxCrossEntropy {
    /// logits is (n, classes). Returns Σ_i −log softmax(logits_i)[y_i] and, if `dlogits` is given,
    /// writes ∂(mean loss)/∂logits = (softmax − onehot)/n into it (it may alias logits).
    /// `correct` counts rows whose largest logit (first on ties) is the label.
    @inline(__always)
    public static func forward(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, n: Int, classes: Int,
                               dlogits: UnsafeMutablePointer<Float>?, correct: inout Int) -> Double {
        var lossSum = 0.0
        let invN = 1 / Float(n)
        for i in 0..<n {
            let row = logits + i * classes
            var maxValue = row[0], argmax = 0
            for c in 1..<classes where row[c] > maxValue { maxValue = row[c]; argmax = c }
            let y = Int(labels[i])
            if argmax == y { correct += 1 }
            var sum: Float = 0
            for c in 0..<classes { sum += expf_(row[c] - maxValue) }
            lossSum += Double(logf_(sum) - (row[y] - maxValue))
            if let d = dlogits {
                let out = d + i * classes, scale = invN / sum
                for c in 0..<classes { out[c] = expf_(row[c] - maxValue) * scale }
                out[y] -= invN
            }
        }
        return lossSum
    }
}

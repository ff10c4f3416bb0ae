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
            // Σ_c e^(l_c − max) in 16 lane sums (padding lanes masked), then across the lanes.
            var sums = Vec16(), first = Vec16()  // first: the exponentials of classes 0-15, kept for the gradient
            var c = 0
            while c < classes {
                let lanes = min(16, classes - c)
                let e = VectorMath.exp(load16(row + c, count: lanes) - maxValue)
                if c == 0 { first = e }
                sums += lanes == 16 ? e : VectorMath.select((laneIndex &- Int32(lanes)) &>> 31, e, Vec16())
                c += 16
            }
            let sum = sums.sum()
            // log(sum) as log1p(sum − 1): sum ≥ 1, and sum − 1 is exact.
            lossSum += Double(VectorMath.log1p(sum - 1) - (row[y] - maxValue))
            if let d = dlogits {
                let out = d + i * classes, scale = invN / sum
                c = 0
                while c < classes {
                    let lanes = min(16, classes - c)
                    let e = c == 0 ? first : VectorMath.exp(load16(row + c, count: lanes) - maxValue)
                    store16(e * scale, out + c, count: lanes)
                    c += 16
                }
                out[y] -= invN
            }
        }
        return lossSum
    }
}

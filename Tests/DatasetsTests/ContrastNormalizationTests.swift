// Global contrast normalisation with pylearn2's semantics, on images worked out by hand: each row
// centred and scaled to norm `scale`, the floor applied to the normaliser (norm / scale, on the
// pixel scale the recipe was written for), and a constant image left at zero, never NaN.
@testable import Datasets
import Testing

/// `ContrastNormalization.global` on a copy of the rows.
func gcn(_ rows: [[Float]], scale: Double, pixelScale: Double = 1) -> [[Float]] {
    let d = rows[0].count
    var x = rows.flatMap { $0 }
    ContrastNormalization.global(&x, rows: rows.count, features: d, scale: scale, pixelScale: pixelScale)
    return (0..<rows.count).map { Array(x[($0 * d)..<(($0 + 1) * d)]) }
}

@Test func gcnCentresEachImageAndScalesItToNormScale() {
    // Bytes 0, 0, 255, 255 stored as bytes / 255 and read back on pylearn2's 0...255: mean 127.5,
    // centred ±127.5, norm √(4·127.5²) = 255, normaliser 255 / 55, so ±127.5·55/255 = ±27.5.
    // Second row, 1 2 3 4 (/ 255): centred −1.5 −0.5 0.5 1.5 (x 1/255), norm √5 (x 1/255).
    let out = gcn([[0, 0, 1, 1], [1 / 255, 2 / 255, 3 / 255, 4 / 255]], scale: 55, pixelScale: 255)
    #expect(out[0] == [-27.5, -27.5, 27.5, 27.5])
    let s = 55 / 5.0.squareRoot()
    for (got, want) in zip(out[1], [-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s]) { #expect(abs(Double(got) - want) < 1e-5) }
    // The result does not depend on the pixel unit away from the floor.
    let unit = gcn([[1 / 255, 2 / 255, 3 / 255, 4 / 255]], scale: 55)
    for (a, b) in zip(unit[0], out[1]) { #expect(abs(a - b) < 1e-5) }
}

@Test func aConstantImageStaysAtZeroThroughTheFloor() {
    // Centred it is all zeros; its norm 0 is below min_divisor, so the divisor is 1, not 0.
    let out = gcn([[0.5, 0.5, 0.5], [0, 0, 0], [1, 1, 1]], scale: 55, pixelScale: 255)
    for row in out { #expect(row == [0, 0, 0]) }
}

@Test func theFloorIsOnTheNormaliserNormOverScale() {
    // 0 and 2e-9: centred ±1e-9, norm 1.414e-9; with scale 1 the normaliser is below 1e-8, so
    // the row is only centred.
    #expect(gcn([[0, 2e-9]], scale: 1) == [[-1e-9, 1e-9]])
    // 0 and 2e-8: norm 1.414e-8 is above the floor, so the row is scaled to norm 1.
    let r = 0.5.squareRoot()
    for (got, want) in zip(gcn([[0, 2e-8]], scale: 1)[0], [-r, r]) { #expect(abs(Double(got) - want) < 1e-6) }
    // The same row read on a 255 times larger pixel scale clears the floor.
    for (got, want) in zip(gcn([[0, 2e-9]], scale: 1, pixelScale: 255)[0], [-r, r]) { #expect(abs(Double(got) - want) < 1e-6) }
    // A large scale pushes the normaliser (norm / scale) under the floor: 1.414 / 1e9 < 1e-8,
    // so the centred row ±1 is kept as it is, not scaled to norm 1e9.
    #expect(gcn([[0, 2]], scale: 1e9) == [[-1, 1]])
}

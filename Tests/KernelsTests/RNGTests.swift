import Kernels
import Testing

@Test func sameSeedAndStreamGiveTheSameSequence() {
    var a = RNG(seed: 42, stream: .shuffle), b = RNG(seed: 42, stream: .shuffle)
    var c = RNG(seed: 42, stream: .initialization), d = RNG(seed: 43, stream: .shuffle)
    let xs = (0..<8).map { _ in a.next() }
    #expect(xs == (0..<8).map { _ in b.next() })
    #expect(xs != (0..<8).map { _ in c.next() })
    #expect(xs != (0..<8).map { _ in d.next() })
}

@Test func uniformAndNormalHaveTheRightMoments() {
    var rng = RNG(seed: 1, stream: 1)
    let n = 200_000
    var sum = 0.0, sumSq = 0.0, nSum = 0.0, nSumSq = 0.0
    for _ in 0..<n {
        let u = Double(rng.uniform())
        #expect(u >= 0 && u < 1)
        sum += u; sumSq += u * u
        let z = rng.normal()
        nSum += z; nSumSq += z * z
    }
    #expect(abs(sum / Double(n) - 0.5) < 0.005)
    #expect(abs(sumSq / Double(n) - 1.0 / 3) < 0.005)
    #expect(abs(nSum / Double(n)) < 0.01)
    #expect(abs(nSumSq / Double(n) - 1) < 0.02)
}

@Test func shuffleIsAPermutationAndBelowIsInRange() {
    var rng = RNG(seed: 3)
    var values = (0..<1000).map { Int32($0) }
    rng.shuffle(&values)
    #expect(values.sorted() == (0..<1000).map { Int32($0) })
    #expect(values != (0..<1000).map { Int32($0) })
    var counts = [Int](repeating: 0, count: 7)
    for _ in 0..<70_000 { counts[rng.below(7)] += 1 }
    #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
}

@Test func rngStateRestoresTheStreamExactly() {
    var a = RNG(seed: 7, stream: .shuffle)
    for _ in 0..<13 { _ = a.next() }
    var b = RNG(state: a.state)!
    #expect((0..<100).map { _ in a.next() } == (0..<100).map { _ in b.next() })
    #expect(RNG(state: [0, 0, 0, 0]) == nil && RNG(state: [1, 2, 3]) == nil)
}

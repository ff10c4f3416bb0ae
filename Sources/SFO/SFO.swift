// SFO, the Sum-of-Functions Optimizer (Sohl-Dickstein, Poole & Ganguli, ICML 2014): the
// quasi-Newton baseline of Figure 2 (b), written from the description in ../shared/SFO.md (the
// behaviour of the authors' release). It minimises F(x) = Σ_i f_i(x), keeping one quadratic model
// per subfunction anchored where that subfunction was last evaluated, stepping to the minimum of
// their sum, and evaluating ONE subfunction per step. Vectors and curvature live in a shared
// orthonormal subspace (P, M x K_max) that grows with each gradient and collapses when full.
// Float64 throughout.
//
// Curvature factors: the release keeps H_i = Re(B_i B_iᵀ) + λ_i·I with complex B_i whose columns
// are each purely real or purely imaginary; here a column is a real vector b with a sign, +1 for a
// real column (adds b·bᵀ) and −1 for an imaginary one (adds −b·bᵀ).
import Foundation
import LinearAlgebra

/// F = Σ_i f_i: SFO asks for one subfunction's value and gradient at a time, and decides itself
/// where (including the extra evaluations after a failed step).
public protocol SFOObjective: AnyObject {
    var dimension: Int { get }
    var subfunctions: Int { get }
    /// f_i(x) and its gradient; must be deterministic.
    func evaluate(_ i: Int, at x: [Double]) -> (value: Double, gradient: [Double])
}

public struct SFOSettings: Sendable, Equatable {
    public enum Hessian: String, Sendable, CaseIterable { case bfgs, rank1 }
    public enum Selection: String, Sendable, CaseIterable {
        case distanceBoth = "distance-both", distance, singleDistance = "single-distance", random, cyclic
    }
    public var history = 10
    public var hessian = Hessian.bfgs
    public var selection = Selection.distanceBoth
    public var initialActive = 2
    public var maxGradientNoise = 1.0
    public var initialHessianScale = 1e5
    public var maxEigenRatio = 1e8
    public var maxStepRatio = 10.0
    public var minStep = 1e-8
    public var epsilon = 1e-12
    /// A history pair survives a subspace collapse only if its s and d each keep this fraction of
    /// their length in the new subspace (1 drops every cut pair; 0 keeps all, as SFO.md does).
    public var pairRetention = 0.999
    public init() {}
}

public final class SFO {
    public let settings: SFOSettings
    public let dimension: Int        // M
    public let count: Int            // N
    let kMin: Int, kMax: Int
    /// The subspace is the whole space (K_max = M): P = I, no bookkeeping.
    let full: Bool

    public private(set) var x: [Double]
    var xPrev: [Double]
    /// Columns of P, column k at k·M (only when !full).
    var basis: [Double]
    var k: Int                       // columns in use
    var xs: [Double]                 // x̃ = Pᵀx (length K_max)

    // Per subfunction, in subspace coordinates (length K_max).
    var y: [[Double]], q: [[Double]]
    var pairsS: [[[Double]]], pairsD: [[[Double]]]   // newest first, at most L
    var values: [[Double]]                           // newest last, at most L
    var evaluationsOf: [Int]
    var active: [Bool]
    var factor: [[[Double]]]                        // B_i columns
    var signs: [[Double]]
    var lambda: [Double], mu: [Double]
    var lowRank: [Matrix]                            // Re(B_i B_iᵀ), K_max x K_max
    var hSum: Matrix

    var eta = 1.0
    var distance = 0.0
    public private(set) var evaluations = 0
    /// Evaluations made to recover from failed steps (counted in `evaluations` too).
    public private(set) var extraEvaluations = 0
    var predictedImprovement = 0.0
    var stepsSinceGrowth = 0
    var cyclicNext = 0
    var rng: SplitMix

    public init(x0: [Double], subfunctions n: Int, settings: SFOSettings = SFOSettings(), seed: UInt64 = 1) {
        precondition(n >= 1 && !x0.isEmpty)
        self.settings = settings
        dimension = x0.count
        count = n
        kMin = min(2 * n + 2, x0.count)
        kMax = min(Int((1.5 * Double(kMin)).rounded(.up)), x0.count)
        full = kMax == x0.count
        rng = SplitMix(seed: seed)
        x = x0
        xPrev = x0
        let m = dimension, km = kMax
        y = Array(repeating: [Double](repeating: 0, count: km), count: n)
        q = y
        pairsS = Array(repeating: [], count: n)
        pairsD = Array(repeating: [], count: n)
        values = Array(repeating: [], count: n)
        evaluationsOf = Array(repeating: 0, count: n)
        active = Array(repeating: false, count: n)
        factor = Array(repeating: [], count: n)
        signs = Array(repeating: [], count: n)
        lambda = Array(repeating: 0, count: n)
        mu = Array(repeating: 0, count: n)
        lowRank = Array(repeating: Matrix(rows: km, cols: km), count: n)
        hSum = Matrix(rows: km, cols: km)
        if full {
            basis = []
            k = m
            xs = x0
        } else {
            basis = [Double](repeating: 0, count: m * km)
            var u = x0
            var norm = Self.norm(u)
            if norm == 0 {
                for i in 0..<m { u[i] = rng.normal() }
                norm = Self.norm(u)
            }
            for i in 0..<m { basis[i] = u[i] / norm }
            k = 1
            xs = [Double](repeating: 0, count: km)
            var first = 0.0  // summed in order, as the committed Figure 2 (b) run did
            for i in 0..<m { first += basis[i] * x0[i] }
            xs[0] = first
        }
        for i in 0..<n { y[i] = xs }
        for _ in 0..<min(settings.initialActive, n) {
            let i = randomInactive()!
            active[i] = true
            lambda[i] = settings.initialHessianScale
            mu[i] = settings.initialHessianScale
        }
    }

    // MARK: - One step

    /// Evaluates one subfunction and moves x (steps 1-10 of SFO.md).
    public func step(_ objective: SFOObjective) {
        let j = choose()
        var (f, g) = evaluate(objective, j, at: x)
        var qj = project(g)
        // 3. A failed step may move x back and replace f and q.
        let fPrev = values[j].last
        if failed(j: j, f: f, g: g, qNew: qj, fPrev: fPrev) {
            eta /= 2
            (f, g, qj) = recover(objective, j: j, f: f, g: g)
            growAfterFailure = true
        } else {
            eta = 1 / Double(count) + eta * (1 - 1 / Double(count))
        }
        eta = max(eta, 1e-5)
        record(j: j, f: f, q: qj)
        refit(j)
        move()
        growActiveSet()
        growAfterFailure = false
    }

    var growAfterFailure = false

    /// 1. Which subfunction to evaluate.
    func choose() -> Int {
        let act = (0..<count).filter { active[$0] }
        if let once = act.first(where: { evaluationsOf[$0] == 1 }) { return once }
        let never = act.filter { evaluationsOf[$0] == 0 }
        if !never.isEmpty { return never[rng.below(never.count)] }
        switch settings.selection {
        case .random:
            return act[rng.below(act.count)]
        case .cyclic:
            let j = act[cyclicNext % act.count]
            cyclicNext += 1
            return j
        case .distance, .singleDistance, .distanceBoth:
            let useTotal = settings.selection == .distance || (settings.selection == .distanceBoth && rng.below(2) == 0)
            if useTotal {
                let h = totalHessian()
                var best = act[0], bestValue = -Double.infinity
                for i in act {
                    let d = sub(xs, y[i]), v = Self.quadratic(h, d)
                    if v > bestValue { best = i; bestValue = v }
                }
                if bestValue < settings.epsilon, let fresh = randomInactive() {
                    activate(fresh)
                    return fresh
                }
                return best
            }
            var best = act[0], bestValue = -Double.infinity
            for i in act {
                let d = sub(xs, y[i]), v = Self.quadratic(lowRank[i], d) + lambda[i] * Self.dot(d, d)
                if v > bestValue { best = i; bestValue = v }
            }
            return best
        }
    }

    /// 2. f_j and its gradient at `point` (counted), the subspace expanded with the gradient.
    func evaluate(_ objective: SFOObjective, _ j: Int, at point: [Double]) -> (Double, [Double]) {
        let (f, g) = objective.evaluate(j, at: point)
        evaluations += 1
        evaluationsOf[j] += 1
        expand(g)
        return (f, g)
    }

    /// 3. Whether the step that led here failed (SFO.md, "A failed step").
    func failed(j: Int, f: Double, g: [Double], qNew: [Double], fPrev: Double?) -> Bool {
        if !f.isFinite || g.contains(where: { !$0.isFinite }) { return true }
        if evaluationsOf[j] == 1 {
            let seen = (0..<count).filter { evaluationsOf[$0] > 1 && $0 != j }.compactMap { values[$0].last }
            guard !seen.isEmpty else { return false }
            let mean = seen.reduce(0, +) / Double(seen.count)
            let sd = (seen.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(seen.count)).squareRoot()
            return f > mean + 3 * sd
        }
        guard let fPrev, f > fPrev else { return false }
        let d = sub(xs, y[j])
        let fPred = fPrev + Self.dot(q[j], d) + 0.5 * (Self.quadratic(lowRank[j], d) + lambda[j] * Self.dot(d, d))
        return (f - fPred) > predictedImprovement - (fPrev - fPred)
    }

    /// After a failed step: evaluate f_j at x_prev, then search a little way back from x; keep
    /// whichever of x and x_prev is lower, recording the other in j's history.
    func recover(_ objective: SFOObjective, j: Int, f fx: Double, g gx: [Double]) -> (Double, [Double], [Double]) {
        let fPrev = values[j].last
        var f = fx, g = gx
        let (fAtPrev, gAtPrev) = evaluate(objective, j, at: xPrev)
        extraEvaluations += 1
        if let fPrev {
            let d = sub(xs, y[j])
            let fPred = fPrev + Self.dot(q[j], d) + 0.5 * (Self.quadratic(lowRank[j], d) + lambda[j] * Self.dot(d, d))
            let dPred = max(abs(fPred - fPrev), 1e-12)
            var tries = 0
            while f.isFinite && (f - fAtPrev) >= 10 * dPred && tries < 10 {
                for i in 0..<dimension { x[i] = 0.99 * xPrev[i] + 0.01 * x[i] }
                xs = project(x)
                (f, g) = evaluate(objective, j, at: x)
                extraEvaluations += 1
                tries += 1
            }
        }
        if f.isFinite && f < fAtPrev {
            // Keep x; x_prev's values enter j's history as the earlier pair.
            push(j: j, f: fAtPrev, q: project(gAtPrev), at: project(xPrev))
            return (f, g, project(g))
        }
        if f.isFinite && !g.contains(where: { !$0.isFinite }) {
            push(j: j, f: f, q: project(g), at: xs)
        }
        x = xPrev
        xs = project(x)
        return (fAtPrev, gAtPrev, project(gAtPrev))
    }

    /// Records an evaluation of j at `point` (x̃ by default) as its latest: a history pair from the
    /// previous one, then the anchor, gradient and value.
    func push(j: Int, f: Double, q qNew: [Double], at point: [Double]) {
        if evaluationsOf[j] > 1 && !values[j].isEmpty {
            let s = sub(point, y[j]), d = sub(qNew, q[j])
            let ns = Self.norm(s), nd = Self.norm(d)
            if ns >= settings.epsilon && nd >= settings.epsilon && abs(Self.dot(s, d)) / (ns * nd) >= settings.epsilon {
                pairsS[j].insert(s, at: 0)
                pairsD[j].insert(d, at: 0)
                if pairsS[j].count > settings.history { pairsS[j].removeLast(); pairsD[j].removeLast() }
            }
        }
        y[j] = point
        q[j] = qNew
        values[j].append(f)
        if values[j].count > settings.history { values[j].removeFirst() }
    }

    /// 4. The history pair, anchor and value of this evaluation; the distance travelled.
    func record(j: Int, f: Double, q qNew: [Double]) {
        push(j: j, f: f, q: qNew, at: xs)
        var step = 0.0
        for i in 0..<dimension { step += (x[i] - xPrev[i]) * (x[i] - xPrev[i]) }
        distance += step.squareRoot()
    }

    /// 6-9. Step to the minimum of the summed model.
    func move() {
        let h = totalHessian()
        var gradient = [Double](repeating: 0, count: kMax)
        for i in 0..<count where active[i] && evaluationsOf[i] > 0 {
            let d = sub(xs, y[i])
            let hd = lowRank[i].multiplied(by: d)
            for t in 0..<kMax { gradient[t] += q[i][t] + hd[t] + lambda[i] * d[t] }
        }
        var delta = Self.solve(h, gradient).map { -eta * $0 }
        let length = Self.norm(delta)
        if length < settings.minStep && length > 0 {
            delta = delta.map { $0 * settings.minStep / length }
        }
        if evaluations > count {
            let cap = settings.maxStepRatio * distance / Double(evaluations)
            let l = Self.norm(delta)
            if l > cap && l > 0 { delta = delta.map { $0 * cap / l } }
        }
        xPrev = x
        if full {
            for i in 0..<dimension { x[i] += delta[i] }
        } else {
            addColumns(delta, scale: 1, into: &x)
        }
        for t in 0..<kMax { xs[t] += delta[t] }
        predictedImprovement = 0.5 * Self.quadratic(h, delta)
    }

    /// 10. Grow the active set when the gradients disagree, a step failed, or it has been a while.
    func growActiveSet() {
        let act = (0..<count).filter { active[$0] }
        guard act.count < count else { return }
        let n = Double(act.count)
        var mean = [Double](repeating: 0, count: kMax)
        for i in act { for t in 0..<kMax { mean[t] += q[i][t] / n } }
        let h = totalHessian()
        let a = Self.dot(mean, Self.solve(h, mean))
        var b = 0.0
        if act.count > 1 {
            for i in act {
                let d = sub(q[i], mean)
                b += Self.dot(d, Self.solve(h, d))
            }
            b /= n * (n - 1)
        }
        let wanted = b >= settings.maxGradientNoise * a || growAfterFailure || stepsSinceGrowth > act.count
        stepsSinceGrowth += 1
        guard wanted, act.allSatisfy({ evaluationsOf[$0] >= 2 }), let fresh = randomInactive() else { return }
        activate(fresh)
        stepsSinceGrowth = 0
    }

    func activate(_ i: Int) {
        active[i] = true
        refit(i)
    }

    func randomInactive() -> Int? {
        let inactive = (0..<count).filter { !active[$0] }
        return inactive.isEmpty ? nil : inactive[rng.below(inactive.count)]
    }

    /// H_tot = H_sum + (Σ_active λ_i)·I.
    func totalHessian() -> Matrix {
        var h = hSum
        let l = (0..<count).filter { active[$0] }.reduce(0.0) { $0 + lambda[$1] }
        for t in 0..<kMax { h[t, t] += l }
        return h
    }

    // MARK: - Hessian refit

    /// Refits H_j from its history pairs (SFO.md, "Refitting one Hessian") and updates H_sum.
    func refit(_ j: Int) {
        for t in 0..<(kMax * kMax) { hSum.values[t] -= lowRank[j].values[t] }
        let r = pairsS[j].count
        if r == 0 {
            factor[j] = []
            signs[j] = []
            lowRank[j] = Matrix(rows: kMax, cols: kMax)
            let nActive = max(1, (0..<count).filter { active[$0] }.count)
            let eig = SymmetricEigen(totalHessian()).values
            let median = Self.median(eig)
            lambda[j] = median / Double(nActive)
            mu[j] = lambda[j]
            return
        }
        // 1. An orthonormal basis of the pairs' span, and the pairs in it (oldest first).
        let s = Array(pairsS[j].reversed()), d = Array(pairsD[j].reversed())
        var sd = Matrix(rows: kMax, cols: 2 * r)
        for c in 0..<r { for t in 0..<kMax { sd[t, c] = s[c][t]; sd[t, r + c] = d[c][t] } }
        let basisQ = Self.orthonormalColumns(sd)
        let w = basisQ.cols
        let qt = basisQ.transposed
        let sp = s.map { qt.multiplied(by: $0) }, dp = d.map { qt.multiplied(by: $0) }
        // 2. Scale: the r largest √|eigenvalues| of CᵀC, C = D'·pinv(S').
        var sMat = Matrix(rows: w, cols: r), dMat = Matrix(rows: w, cols: r)
        for c in 0..<r { for t in 0..<w { sMat[t, c] = sp[c][t]; dMat[t, c] = dp[c][t] } }
        let c = dMat.multiplied(by: Self.pseudoInverse(sMat))
        var scales = SymmetricEigen(c.transposed.multiplied(by: c)).values.map { abs($0).squareRoot() }
        scales = Array(scales.sorted(by: >).prefix(r))
        if scales.min() == 0 || scales.contains(where: { !$0.isFinite }) {
            let largest = (0..<count).filter { active[$0] }.map { lambda[$0] }.max() ?? settings.initialHessianScale
            scales = scales.map { _ in largest }
        }
        lambda[j] = scales.min()!
        mu[j] = scales.max()!
        lambda[j] = max(lambda[j], mu[j] / settings.maxEigenRatio)
        // 3. BFGS (or SR1) updates from the oldest pair, starting from λ_j·I.
        var cols: [[Double]] = [], sg: [Double] = []
        func applyH(_ v: [Double]) -> [Double] {
            var h = v.map { $0 * lambda[j] }
            for (b, sign) in zip(cols, sg) {
                let f = sign * Self.dot(b, v)
                for t in 0..<w { h[t] += f * b[t] }
            }
            return h
        }
        for p in 0..<r {
            let ns = Self.norm(sp[p])
            guard ns > 0 else { continue }
            let sv = sp[p].map { $0 / ns }, dv = dp[p].map { $0 / ns }
            let h = applyH(sv)
            switch settings.hessian {
            case .bfgs:
                let ds = Self.dot(dv, sv), sh = Self.dot(sv, h)
                let a = dv.map { $0 / abs(ds).squareRoot() }, b = h.map { $0 / abs(sh).squareRoot() }
                guard ds != 0, sh != 0, a.allSatisfy(\.isFinite), b.allSatisfy(\.isFinite) else { mu[j] = lambda[j]; continue }
                // + d·dᵀ/(dᵀs) and − h·hᵀ/(sᵀh), each sign as the complex column gives it.
                cols.append(a); sg.append(ds > 0 ? 1 : -1)
                cols.append(b); sg.append(sh > 0 ? -1 : 1)
            case .rank1:
                let diff = zip(dv, h).map { $0 - $1 }
                let denom = Self.dot(sv, diff)
                let a = diff.map { $0 / abs(denom).squareRoot() }
                guard denom != 0, a.allSatisfy(\.isFinite) else { mu[j] = lambda[j]; continue }
                cols.append(a); sg.append(denom > 0 ? 1 : -1)
            }
        }
        // 4. Positive definite: clip the eigenvalues of Re(BBᵀ) + λ_j·I.
        var hSmall = Matrix(rows: w, cols: w)
        for t in 0..<w { hSmall[t, t] = lambda[j] }
        for (b, sign) in zip(cols, sg) { for u in 0..<w { for v in 0..<w { hSmall[u, v] += sign * b[u] * b[v] } } }
        Self.symmetrize(&hSmall)
        let e = SymmetricEigen(hSmall)
        var u = e.values
        if u.allSatisfy({ $0 <= 0 }) { u = u.map { _ in mu[j] } }
        let top = u.map(abs).max() ?? 0
        let positives = u.filter { $0 > 0 }
        let medianPositive = positives.isEmpty ? mu[j] : Self.median(positives)
        u = u.map { $0 < top / settings.maxEigenRatio ? medianPositive : $0 }
        // 5. Refactor V·diag(u)·Vᵀ − λ_j·I = V'·diag(u')·V'ᵀ, B = V'·√|u'| with signs.
        var rebuilt = Matrix(rows: w, cols: w)
        for a in 0..<w { for b in 0..<w {
            var v = 0.0
            for t in 0..<w { v += e.vectors[a, t] * u[t] * e.vectors[b, t] }
            rebuilt[a, b] = v - (a == b ? lambda[j] : 0)
        } }
        Self.symmetrize(&rebuilt)
        let e2 = SymmetricEigen(rebuilt)
        var newCols: [[Double]] = [], newSigns: [Double] = []
        for t in 0..<w where e2.values[t] != 0 {
            let scale = abs(e2.values[t]).squareRoot()
            let small = (0..<w).map { e2.vectors[$0, t] * scale }
            newCols.append(basisQ.multiplied(by: small))
            newSigns.append(e2.values[t] > 0 ? 1 : -1)
        }
        factor[j] = newCols
        signs[j] = newSigns
        lowRank[j] = Self.outer(newCols, newSigns, kMax)
        for t in 0..<(kMax * kMax) { hSum.values[t] += lowRank[j].values[t] }
    }

    // MARK: - The shared subspace

    /// Pᵀv for a full-space vector (length K_max).
    func project(_ v: [Double]) -> [Double] {
        if full { return v }
        var out = [Double](repeating: 0, count: kMax)
        basis.withUnsafeBufferPointer { b in
            v.withUnsafeBufferPointer { x in
                for c in 0..<k { out[c] = Self.dot(b.baseAddress! + c * dimension, x.baseAddress!, dimension) }
            }
        }
        return out
    }

    /// Adds g's direction to the subspace (collapsing it when full).
    func expand(_ g: [Double]) {
        guard !full, k < dimension, g.allSatisfy(\.isFinite) else { return }
        let ng = Self.norm(g)
        guard ng >= settings.epsilon else { return }
        var u = g.map { $0 / ng }
        var r = 1.0
        for _ in 0..<3 {
            let coefficients = project(u)
            addColumns(coefficients, scale: -1, into: &u)
            r = Self.norm(u)
            if r < settings.epsilon { return }
            u = u.map { $0 / r }
            if r > 0.1 { break }
        }
        let base = k * dimension
        for i in 0..<dimension { basis[base + i] = u[i] }
        k += 1
        if k >= kMax { collapse(newGradient: g) }
    }

    /// Shrinks the subspace to K_min directions that keep every active anchor and gradient, the
    /// new gradient and x; everything stored is mapped into the new coordinates.
    func collapse(newGradient g: [Double]) {
        var z = Matrix(rows: kMax, cols: kMin)
        for c in 0..<kMin { for t in 0..<kMax { z[t, c] = rng.normal() } }
        var column = 0
        func put(_ v: [Double]) {
            guard column < kMin else { return }
            for t in 0..<kMax { z[t, column] = v[t] }
            column += 1
        }
        for i in 0..<count where active[i] { put(q[i]); put(y[i]) }
        put(project(g))
        put(project(x))
        let pl = QR(z).q  // K_max x K_min
        // P ← P·Pl, in place, a block of rows at a time (a second M x K_max basis would double
        // SFO's memory, 1.1 GB more for the MLP of Figure 2).
        let rowsPerBlock = 512
        var block = [Double](repeating: 0, count: rowsPerBlock * kMin)
        basis.withUnsafeMutableBufferPointer { pb in
          block.withUnsafeMutableBufferPointer { bb in
            let p = pb.baseAddress!, block = bb.baseAddress!
            for lo in stride(from: 0, to: dimension, by: rowsPerBlock) {
                let rows = min(rowsPerBlock, dimension - lo)
                for c in 0..<kMin {
                    let out = c * rowsPerBlock
                    for i in 0..<rows { block[out + i] = 0 }
                    for t in 0..<kMax where pl[t, c] != 0 {
                        let f = pl[t, c], src = t * dimension + lo
                        for i in 0..<rows { block[out + i] += f * p[src + i] }
                    }
                }
                for c in 0..<kMax {
                    let dst = c * dimension + lo
                    for i in 0..<rows { p[dst + i] = c < kMin ? block[c * rowsPerBlock + i] : 0 }
                }
            }
          }
        }
        let plt = pl.transposed
        func map(_ v: [Double]) -> [Double] { plt.multiplied(by: v) + [Double](repeating: 0, count: kMax - kMin) }
        for i in 0..<count {
            y[i] = map(y[i])
            q[i] = map(q[i])
            // A history pair that the new subspace cuts short is no longer a secant pair of f_i
            // (its s and d lose different components), and fitted curvature from it can be any
            // size: keep only the pairs the subspace still holds (SFO.md keeps them all; see the
            // README for what that did).
            var keptS: [[Double]] = [], keptD: [[Double]] = []
            for (s, d) in zip(pairsS[i], pairsD[i]) {
                let ms = map(s), md = map(d)
                if Self.norm(ms) >= settings.pairRetention * Self.norm(s) && Self.norm(md) >= settings.pairRetention * Self.norm(d) {
                    keptS.append(ms)
                    keptD.append(md)
                }
            }
            pairsS[i] = keptS
            pairsD[i] = keptD
            factor[i] = factor[i].map(map)
            lowRank[i] = Self.outer(factor[i], signs[i], kMax)
        }
        k = kMin
        xs = project(x)
        // x_prev (where a failed step returns) must be a point of the subspace too: the model only
        // knows positions in it. x is kept exactly (Z holds it); x_prev becomes its projection.
        let coordinates = project(xPrev)
        xPrev = [Double](repeating: 0, count: dimension)
        addColumns(coordinates, scale: 1, into: &xPrev)
        hSum = Matrix(rows: kMax, cols: kMax)
        for i in 0..<count { for t in 0..<(kMax * kMax) { hSum.values[t] += lowRank[i].values[t] } }
    }

    // MARK: - Small dense helpers (float64)

    func sub(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 - $1 } }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in 0..<min(a.count, b.count) { s += a[i] * b[i] }
        return s
    }

    /// Column c of a column-major basis (starting at `offset`) against v.
    /// v += scale·Σ_c coefficients[c]·P[:, c] over the columns in use (zero coefficients skipped),
    /// four columns per pass over v.
    func addColumns(_ coefficients: [Double], scale: Double, into v: inout [Double]) {
        let m = dimension
        let used = (0..<k).filter { coefficients[$0] != 0 }
        basis.withUnsafeBufferPointer { b in
            v.withUnsafeMutableBufferPointer { out in
                let o = out.baseAddress!, p = b.baseAddress!
                var j = 0
                while j < used.count {
                    let cols = Array(used[j..<min(j + 4, used.count)])
                    let f = cols.map { scale * coefficients[$0] }
                    let c0 = p + cols[0] * m
                    switch cols.count {
                    case 4:
                        let c1 = p + cols[1] * m, c2 = p + cols[2] * m, c3 = p + cols[3] * m
                        for i in 0..<m { o[i] = o[i] + f[0] * c0[i] + f[1] * c1[i] + f[2] * c2[i] + f[3] * c3[i] }
                    case 3:
                        let c1 = p + cols[1] * m, c2 = p + cols[2] * m
                        for i in 0..<m { o[i] = o[i] + f[0] * c0[i] + f[1] * c1[i] + f[2] * c2[i] }
                    case 2:
                        let c1 = p + cols[1] * m
                        for i in 0..<m { o[i] = o[i] + f[0] * c0[i] + f[1] * c1[i] }
                    default:
                        for i in 0..<m { o[i] = o[i] + f[0] * c0[i] }
                    }
                    j += 4
                }
            }
        }
    }

    /// Σ a[i]·b[i] over n, in four SIMD lanes of 4 doubles, added in a fixed order.
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var s0 = SIMD4<Double>(), s1 = SIMD4<Double>()
        var i = 0
        while i + 8 <= n {
            s0 += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD4<Double>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD4<Double>.self)
            s1 += UnsafeRawPointer(a + i + 4).loadUnaligned(as: SIMD4<Double>.self) * UnsafeRawPointer(b + i + 4).loadUnaligned(as: SIMD4<Double>.self)
            i += 8
        }
        var s = (s0 + s1).sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }

    static func quadratic(_ h: Matrix, _ d: [Double]) -> Double { dot(d, h.multiplied(by: d)) }

    static func median(_ v: [Double]) -> Double {
        guard !v.isEmpty else { return 0 }
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }

    static func symmetrize(_ a: inout Matrix) {
        for i in 0..<a.rows { for j in 0..<i { let v = 0.5 * (a[i, j] + a[j, i]); a[i, j] = v; a[j, i] = v } }
    }

    /// Σ sign_c·b_c·b_cᵀ, n x n.
    static func outer(_ cols: [[Double]], _ signs: [Double], _ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for (b, sign) in zip(cols, signs) {
            for u in 0..<n where b[u] != 0 { let f = sign * b[u]; for v in 0..<n { m.values[u * n + v] += f * b[v] } }
        }
        return m
    }

    /// H⁻¹·b for a symmetric H: Cholesky, else the eigendecomposition with tiny eigenvalues left out.
    static func solve(_ h: Matrix, _ b: [Double]) -> [Double] {
        if let c = Cholesky(h) { return c.solve(b) }
        var s = h
        symmetrize(&s)
        let e = SymmetricEigen(s)
        let top = e.values.map(abs).max() ?? 0
        var out = [Double](repeating: 0, count: b.count)
        for t in 0..<e.values.count where abs(e.values[t]) > top * 1e-14 {
            var proj = 0.0
            for i in 0..<b.count { proj += e.vectors[i, t] * b[i] }
            proj /= e.values[t]
            for i in 0..<b.count { out[i] += proj * e.vectors[i, t] }
        }
        return out
    }

    /// An orthonormal basis of the column span (columns whose residual vanishes are dropped).
    static func orthonormalColumns(_ a: Matrix) -> Matrix {
        var cols: [[Double]] = []
        for c in 0..<a.cols {
            var v = (0..<a.rows).map { a[$0, c] }
            let n0 = norm(v)
            guard n0 > 0 else { continue }
            for _ in 0..<2 { for b in cols { let f = dot(b, v); for t in 0..<v.count { v[t] -= f * b[t] } } }
            let n = norm(v)
            if n > 1e-10 * n0 { cols.append(v.map { $0 / n }) }
        }
        var m = Matrix(rows: a.rows, cols: max(1, cols.count))
        for (c, v) in cols.enumerated() { for t in 0..<a.rows { m[t, c] = v[t] } }
        return m
    }

    /// The Moore–Penrose inverse of an m x n matrix, through the eigendecomposition of AᵀA.
    static func pseudoInverse(_ a: Matrix) -> Matrix {
        var ata = a.transposed.multiplied(by: a)
        symmetrize(&ata)
        let e = SymmetricEigen(ata)
        let top = e.values.map(abs).max() ?? 0
        var inv = Matrix(rows: a.cols, cols: a.cols)
        for t in 0..<e.values.count where e.values[t] > top * 1e-14 {
            for u in 0..<a.cols { for v in 0..<a.cols { inv[u, v] += e.vectors[u, t] * e.vectors[v, t] / e.values[t] } }
        }
        return inv.multiplied(by: a.transposed)
    }
}

/// SplitMix64 for SFO's own choices (which subfunctions start active, the coin of
/// "distance both", the collapse's noise): seeded, so the same seed gives the same run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 ^ 0x5F0_5F0 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    mutating func normal() -> Double {
        let u1 = 1 - uniform(), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

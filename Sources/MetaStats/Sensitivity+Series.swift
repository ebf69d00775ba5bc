import Foundation

/// Sums Σⱼ dⱼᵐ/(vⱼ + t)ᵖ over all k studies, for a few (p, m), at any t in [0, `limit`], each in
/// O(terms) from series about shared nodes — what the leave-one-out refits of the iterative τ²
/// estimators need at every iterate, where summing over the k − 1 studies would make the refits
/// O(k²) together.
///
/// About a node tₙ, with s = v₍min₎ + tₙ and δ = t − tₙ,
/// 1/(v + t)ᵖ = Σₗ C(p + l − 1, l) (−δ/s)ˡ · sˡ/(v + tₙ)ᵖ⁺ˡ, so each sum is Σₗ (−δ/s)ˡ Mₗ with moments
/// Mₗ = C(p + l − 1, l) Σⱼ dⱼᵐ (s/(vⱼ + tₙ))ˡ/(vⱼ + tₙ)ᵖ (each factor s/(vⱼ + tₙ) at most 1, so
/// nothing overflows). The nodes tₙ = (2ⁿ − 1)·v₍min₎ tile [0, ∞) with |δ|/s ≤ ⅓ on each tile, where
/// the truncation error of `terms` terms is below 10⁻¹⁷ of the sum for p ≤ 3 and 48 terms (10⁻¹⁹ for
/// p = 1 and 40 terms).
struct SeriesTable: Sendable {
    let terms: Int
    let powers: [Int]
    let vmin: Double
    let nodes: [Double]
    /// The largest t the tiles cover (−1: none).
    let limit: Double
    /// Node n, term l, family f at index (n·terms + l)·families + f.
    let moments: [Double]

    /// A table for the families (powers[f], degrees[f]) covering [0, top]; none when a variance is
    /// not positive and finite or a value is not finite.
    init(d: [Double], v: [Double], top: Double, powers: [Int], degrees: [Int], terms: Int) {
        precondition(powers.count == degrees.count)
        self.terms = terms
        self.powers = powers
        let k = d.count
        let vmin = v.min() ?? 0
        self.vmin = vmin
        // Tile n covers t/v₍min₎ + 1 in [⅔·2ⁿ, ⁴⁄₃·2ⁿ] (n ≥ 1; tile 0 from 1).
        var count = 0
        if vmin > 0, vmin.isFinite, top.isFinite, d.allSatisfy(\.isFinite) {
            count = 1
            while count < 64 && (pow(2, Double(count - 1)) * 4 / 3 - 1) * vmin < top { count += 1 }
        }
        let nodes = (0..<count).map { (pow(2, Double($0)) - 1) * vmin }
        self.nodes = nodes
        limit = count == 0 ? -1 : (pow(2, Double(count - 1)) * 4 / 3 - 1) * vmin
        let families = powers.count
        let maxPower = powers.max() ?? 1
        // C(p + l − 1, l) for each family and term.
        var coefficients = [Double](repeating: 1, count: terms * families)
        for l in 0..<terms {
            for f in 0..<families {
                var c = 1.0
                for step in 0..<l { c = c * Double(powers[f] + step) / Double(step + 1) }
                coefficients[l * families + f] = c
            }
        }
        let coefficientTable = coefficients
        var moments = [Double](repeating: 0, count: count * terms * families)
        moments.withUnsafeMutableBufferPointer { buffer in
            let out = LeaveOneOutTau.SharedBuffer(buffer: buffer)
            // Each node writes only its own moments.
            DispatchQueue.concurrentPerform(iterations: count) { node in
                let t = nodes[node], s = vmin + t
                var m = [Double](repeating: 0, count: terms * families)
                var running = [Double](repeating: 0, count: maxPower + 1)
                var weights = [Double](repeating: 0, count: families)
                m.withUnsafeMutableBufferPointer { m in
                    running.withUnsafeMutableBufferPointer { running in
                        weights.withUnsafeMutableBufferPointer { weights in
                            for j in 0..<k {
                                let inverse = 1 / (v[j] + t), ratio = s * inverse
                                let dj = d[j], dj2 = dj * dj
                                for f in 0..<families { weights[f] = degrees[f] == 0 ? 1 : (degrees[f] == 1 ? dj : dj2) }
                                // running[p] = sˡ/(vⱼ + tₙ)ᵖ⁺ˡ, from l = 0.
                                var base = inverse
                                for p in 1...maxPower {
                                    running[p] = base
                                    base *= inverse
                                }
                                for l in 0..<terms {
                                    for f in 0..<families {
                                        // A weight of 1 (degree 0) leaves the power as it is.
                                        m[l * families + f] += weights[f] * running[powers[f]]
                                    }
                                    for p in 1...maxPower { running[p] *= ratio }
                                    // The powers are ordered by p, so when both ends are 0 every later
                                    // term adds nothing.
                                    if running[1] == 0 && running[maxPower] == 0 { break }
                                }
                            }
                        }
                    }
                }
                for l in 0..<terms {
                    for f in 0..<families {
                        // p = 1: the coefficient is 1, and the moment is left as summed.
                        let c = coefficientTable[l * families + f]
                        out[(node * terms + l) * families + f] = c == 1 ? m[l * families + f] : c * m[l * families + f]
                    }
                }
            }
        }
        self.moments = moments
    }

    /// The sums at t into `out` (one per family); false where the table has no value.
    @inline(__always)
    func sums(_ t: Double, into out: inout [Double]) -> Bool {
        guard t >= 0, t <= limit else { return false }
        let x = t / vmin + 1
        let node = x < 4.0 / 3 ? 0 : min(nodes.count - 1, Int(log2(0.75 * x)) + 1)
        let s = vmin + nodes[node]
        let r = -(t - nodes[node]) / s
        guard abs(r) <= 0.34 else { return false }
        let families = powers.count, terms = self.terms
        // Horner's rule from the smallest term.
        out.withUnsafeMutableBufferPointer { out in
            moments.withUnsafeBufferPointer { m in
                for f in 0..<families { out[f] = 0 }
                var index = (node * terms + terms - 1) * families
                for _ in 0..<terms {
                    for f in 0..<families { out[f] = out[f] * r + m[index + f] }
                    index -= families
                }
            }
        }
        return true
    }
}

/// Fisher scoring (REML, ML, EB) for every leave-one-out refit of a large analysis, its sums
/// Σⱼ≠ᵢ dⱼᵐ wⱼᵖ read from one `SeriesTable` of all k studies less study i's own terms, so that each
/// iterate costs O(1) rather than O(k). Each refit starts from its Hedges estimate and takes the steps
/// `TauSquared.fisherStep` takes, as a plain refit does; an iterate the table does not cover, or where
/// subtracting study i (or the mean) would cancel digits, is summed directly.
struct FisherScoringTable: Sendable {
    /// From this many studies on, leave-one-out uses the table (below it, plain refits are cheap).
    static let minimumStudies = 1024
    static let terms = 48
    /// Σw, Σwd, Σwd², Σw², Σw²d, Σw²d², Σw³.
    static let powers = [1, 1, 1, 2, 2, 2, 3]
    static let degrees = [0, 1, 2, 0, 1, 2, 0]

    let series: SeriesTable
    let d: [Double]
    let v: [Double]
    /// Each refit's starting value (Hedges' estimate without study i).
    let starts: [Double]

    init(_ method: TauEstimator, y: [Double], v: [Double], convergence: Convergence) {
        let k = y.count
        self.v = v
        // Centred at the mean of all studies, near the mean of every refit.
        let centre = y.reduce(0, +) / Double(k)
        let d = y.map { $0 - centre }
        self.d = d
        // Hedges' estimate of each refit from running sums (n = k − 1 studies).
        let n = Double(k - 1)
        var sD = 0.0, sD2 = 0.0, sV = 0.0
        for j in 0..<k { sD += d[j]; sD2 += d[j] * d[j]; sV += v[j] }
        starts = (0..<k).map { i in
            let u1 = sD - d[i], u2 = sD2 - d[i] * d[i]
            let rss = max(0, u2 - u1 * u1 / n)
            return max(0, rss / (n - 1) - (sV - v[i]) / n)
        }
        // The tiles cover every start and, well past it, the τ² of all studies, near which each refit's ends.
        let full = (try? TauSquared.estimate(method, y: y, v: v, design: .intercept(k), convergence: convergence).tau2) ?? 0
        let top = 4 * max(starts.max() ?? 0, full) + 4 * (v.min() ?? 0)
        series = SeriesTable(d: d, v: v, top: top, powers: Self.powers, degrees: Self.degrees, terms: Self.terms)
    }

    /// τ² without study `skip`, as `TauSquared.estimate(method, …)` of the k − 1 others.
    func estimate(_ method: TauEstimator, skip: Int, convergence: Convergence, y: [Double],
                  sums: inout [Double], scratch: inout [Double]) throws -> Double {
        let kd = Double(d.count - 1), pd = 1.0
        return try LeaveOneOutTau.fisherIterations(method, from: starts[skip], convergence: convergence) { tau2 in
            adjustment(method, tau2: tau2, skip: skip, kd: kd, pd: pd, sums: &sums)
                ?? LeaveOneOutTau.fisherAdjustment(method, tau2: tau2, y: y, v: v, skip: skip, w: &scratch)
        }
    }

    /// The Fisher-scoring adjustment at τ² from the table, or nil where it has no reliable value.
    @inline(__always)
    func adjustment(_ method: TauEstimator, tau2: Double, skip i: Int, kd: Double, pd: Double,
                    sums: inout [Double]) -> Double? {
        guard series.sums(tau2, into: &sums) else { return nil }
        let wi = 1 / (v[i] + tau2), di = d[i]
        let wi2 = wi * wi
        let s10 = sums[0] - wi, s11 = sums[1] - wi * di, s12 = sums[2] - wi * di * di
        let s20 = sums[3] - wi2, s21 = sums[4] - wi2 * di, s22 = sums[5] - wi2 * di * di, s30 = sums[6] - wi2 * wi
        // Study i must not carry most of a sum (its subtraction would cancel digits).
        guard wi <= 0.5 * sums[0], wi2 <= 0.5 * sums[3], wi2 * wi <= 0.5 * sums[6],
              wi * di * di <= 0.5 * sums[2], wi2 * di * di <= 0.5 * sums[5] else { return nil }
        let mu = s11 / s10
        let yPPy = s22 - 2 * mu * s21 + mu * mu * s20
        let swr2 = s12 - mu * s11
        // Nor may the mean's terms cancel most of the residual sums.
        guard yPPy > 0.01 * s22, swr2 > 0.01 * s12 else { return nil }
        switch method {
        case .reml:
            let inverse = 1 / s10
            let a2 = inverse * s20
            let trP = s10 - a2
            let trPP = s20 - 2 * (inverse * s30) + a2 * a2
            return (yPPy - trP) / trPP
        case .ml:
            return (yPPy - s10) / s20
        default:
            return (kd / (kd - pd) * swr2 - kd) / s10
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// One refit in a leave-one-out or cumulative analysis.
public struct SensitivityRow: Sendable, Hashable, Codable {
    /// The omitted study (leave-one-out) or the last study added (cumulative).
    public var study: String
    public var k: Int
    public var estimate: Double
    public var se: Double
    public var ciLower: Double
    public var ciUpper: Double
    public var statistic: Double
    public var pValue: Double
    public var tau2: Double
    public var i2: Double
    public var h2: Double
    public var q: Double
    public var qPValue: Double

    public init(study: String, k: Int, estimate: Double, se: Double, ciLower: Double, ciUpper: Double, statistic: Double,
                pValue: Double, tau2: Double, i2: Double, h2: Double, q: Double, qPValue: Double) {
        self.study = study; self.k = k; self.estimate = estimate; self.se = se; self.ciLower = ciLower
        self.ciUpper = ciUpper; self.statistic = statistic; self.pValue = pValue; self.tau2 = tau2; self.i2 = i2
        self.h2 = h2; self.q = q; self.qPValue = qPValue
    }
}

/// Leave-one-out and cumulative meta-analysis (cf. metafor's `leave1out` and `cumul`).
public enum Sensitivity {
    /// Refits the analysis k times, each time without one study, in study order.
    ///
    /// For inverse-variance fits with a closed-form τ² (fixed effect, DL, HE, HS) the k refits
    /// cost O(k) in total: Q and τ² come from running sums minus the omitted study, and the
    /// random-effects sums Σ(yⱼ−c)ᵐ/(vⱼ + τ²₋ᵢ) for every omitted study are evaluated from a Taylor
    /// expansion in τ² about a common centre (moments Σ(yⱼ−c)ᵐ/(vⱼ + τ₀²)ⁿ⁺¹ precomputed once),
    /// falling back to a direct sum for a study whose τ²₋ᵢ is too far from the centre for the series
    /// to converge quickly. For REML, ML, EB, PM and SJ each τ²₋ᵢ comes from that estimator's own
    /// iteration on the k − 1 studies, started where a refit starts (so the same numbers), without
    /// copying the data and in parallel over the omitted studies (`LeaveOneOutTau`; PM evaluates its
    /// generalised Q from series shared by all refits, `PauleMandelTable`); the rest of each row
    /// comes from the same sums. Mantel–Haenszel and Peto fits refit directly.
    public static func leaveOneOut(_ effects: [EffectSize], measure: EffectMeasure, options: PoolingOptions)
        throws -> [SensitivityRow]
    {
        guard !effects.isEmpty else { throw StatsError.noStudies }
        let k = effects.count
        if k >= 3, let fast = try fastLeaveOneOut(effects, options: options) { return fast }
        return try leaveOneOutByRefits(effects, measure: measure, options: options)
    }

    /// Leave-one-out by k full refits (`Pooling.analyze` without each study in turn).
    static func leaveOneOutByRefits(_ effects: [EffectSize], measure: EffectMeasure, options: PoolingOptions)
        throws -> [SensitivityRow]
    {
        let k = effects.count
        var rows: [SensitivityRow] = []
        rows.reserveCapacity(k)
        for i in 0..<k {
            var subset = effects
            subset.remove(at: i)
            if subset.isEmpty { continue }
            rows.append(row(try Pooling.analyze(subset, measure: measure, options: refitOptions(options)), study: effects[i].study))
        }
        return rows
    }

    /// Adds the studies one at a time in the given order and refits after each.
    public static func cumulative(_ effects: [EffectSize], measure: EffectMeasure, options: PoolingOptions)
        throws -> [SensitivityRow]
    {
        guard !effects.isEmpty else { throw StatsError.noStudies }
        var rows: [SensitivityRow] = []
        for i in 0..<effects.count {
            let subset = Array(effects[0...i])
            rows.append(row(try Pooling.analyze(subset, measure: measure, options: refitOptions(options)), study: effects[i].study))
        }
        return rows
    }

    static func refitOptions(_ options: PoolingOptions) -> PoolingOptions {
        var o = options
        o.tau2ConfidenceInterval = false
        return o
    }

    static func row(_ a: MetaAnalysis, study: String) -> SensitivityRow {
        let h = a.heterogeneity
        return SensitivityRow(study: study, k: a.k, estimate: a.pooled.estimate, se: a.pooled.se,
                              ciLower: a.pooled.ciLower, ciUpper: a.pooled.ciUpper, statistic: a.pooled.statistic,
                              pValue: a.pooled.pValue, tau2: h?.tau2 ?? 0, i2: h?.i2 ?? 0, h2: h?.h2 ?? 1,
                              q: h?.q ?? 0, qPValue: h?.pValue ?? 1)
    }

    /// The O(k) path, or nil when the method needs refits.
    static func fastLeaveOneOut(_ effects: [EffectSize], options: PoolingOptions) throws -> [SensitivityRow]? {
        let random = options.model == .random
        let estimator = options.effectiveTauEstimator
        switch options.method {
        case .mh, .peto: return nil
        default: break
        }
        // REML, ML, EB, PM and SJ: τ² of each refit by its own iteration (`LeaveOneOutTau`), the rest
        // of each row from the same sums as the closed-form estimators.
        let iterative = random && options.effectiveTauEstimator.map { ![.dl, .he, .hs].contains($0) } == true

        let k = effects.count
        let y = effects.map(\.yi)
        let v = effects.map(\.vi)
        // Centre at the fixed-effect estimate so that all running sums are well conditioned.
        let w = v.map { 1 / $0 }
        let centre = WeightedFit(y: y, design: .intercept(k), weights: w).beta[0]
        let d = y.map { $0 - centre }
        var sW = 0.0, sW2 = 0.0, sWD = 0.0, sWD2 = 0.0, sD = 0.0, sD2 = 0.0, sV = 0.0
        for i in 0..<k {
            sW += w[i]; sW2 += w[i] * w[i]; sWD += w[i] * d[i]; sWD2 += w[i] * d[i] * d[i]
            sD += d[i]; sD2 += d[i] * d[i]; sV += v[i]
        }
        let n = Double(k - 1)          // studies in each refit
        var qs = [Double](repeating: 0, count: k)
        var tau2s = [Double](repeating: 0, count: k)
        for i in 0..<k {
            let wi = w[i], di = d[i]
            let W = sW - wi, W1 = sWD - wi * di, W2d = sWD2 - wi * di * di, Wsq = sW2 - wi * wi
            let q = max(0, W2d - W1 * W1 / W)
            qs[i] = q
            guard random, let estimator, !iterative else { continue }
            switch estimator {
            case .dl:
                tau2s[i] = max(0, (q - (n - 1)) / (W - Wsq / W))
            case .hs:
                tau2s[i] = max(0, (q - n) / W)
            default: // HE
                let u1 = sD - di, u2 = sD2 - di * di
                let rss = max(0, u2 - u1 * u1 / n)
                tau2s[i] = max(0, rss / (n - 1) - (sV - v[i]) / n)
            }
        }
        if iterative, let estimator {
            tau2s = try LeaveOneOutTau.estimates(estimator, y: y, v: v, convergence: options.convergence)
        }
        // Σⱼ dⱼᵐ/(vⱼ + t) for every omitted study, m = 0, 1, 2, at t = τ²₋ᵢ.
        let sums = RationalSums(d: d, v: v, at: tau2s)

        let crit = options.test == .z ? options.zCritical : options.tCritical(df: n - 1)
        var rows: [SensitivityRow] = []
        rows.reserveCapacity(k)
        for i in 0..<k {
            let t = tau2s[i]
            let wi = 1 / (v[i] + t)
            let a = sums.s0[i] - wi
            let b = sums.s1[i] - wi * d[i]
            let mu = centre + b / a
            var se = (1 / a).squareRoot()
            let statistic: Double, pValue: Double
            if options.test == .knha {
                let c = sums.s2[i] - wi * d[i] * d[i]
                let s = max(0, c - b * b / a) / (n - 1)
                se = (s / a).squareRoot()
                statistic = mu / se
                pValue = 2 * StudentT.ccdf(abs(statistic), df: n - 1)
            } else {
                statistic = mu / se
                pValue = options.zPValue(statistic)
            }
            let q = qs[i]
            let (i2, h2): (Double, Double)
            if !random || options.i2 == .q {
                i2 = q > 0 ? max(0, 100 * (q - (n - 1)) / q) : 0
                h2 = q / (n - 1)
            } else {
                let W = sW - w[i], Wsq = sW2 - w[i] * w[i]
                let s2 = (n - 1) * W / (W * W - Wsq)
                i2 = 100 * t / (t + s2)
                h2 = (t + s2) / s2
            }
            let row = SensitivityRow(study: effects[i].study, k: k - 1, estimate: mu, se: se,
                                     ciLower: mu - crit * se, ciUpper: mu + crit * se, statistic: statistic,
                                     pValue: pValue, tau2: t, i2: i2, h2: h2, q: q,
                                     qPValue: ChiSquared.ccdf(q, df: n - 1))
            for value in [row.estimate, row.se, row.ciLower, row.ciUpper, row.statistic, row.pValue, row.i2, row.q]
            where !value.isFinite {
                throw StatsError.nonFinite(quantity: "leave-one-out estimate", detail: "omitting '\(effects[i].study)'")
            }
            rows.append(row)
        }
        return rows
    }
}

/// Evaluates Sₘ(t) = Σⱼ dⱼᵐ/(vⱼ + t) for m = 0, 1, 2 at many points t in O(k·terms) total.
///
/// About a centre t₀: 1/(v + t) = Σₙ (−δ)ⁿ/(v + t₀)ⁿ⁺¹ with δ = t − t₀, so Sₘ(t) = Σₙ (−δ)ⁿ Mₘₙ with
/// moments Mₘₙ = Σⱼ dⱼᵐ/(vⱼ + t₀)ⁿ⁺¹. The series converges geometrically with ratio
/// |δ|/(min vⱼ + t₀); points with a ratio above ½ are summed directly.
struct RationalSums {
    var s0: [Double]
    var s1: [Double]
    var s2: [Double]

    init(d: [Double], v: [Double], at points: [Double]) {
        let k = d.count
        let count = points.count
        s0 = [Double](repeating: 0, count: count)
        s1 = s0
        s2 = s0
        guard count > 0 else { return }
        let lo = points.min()!, hi = points.max()!
        let centre = (lo + hi) / 2
        let vmin = v.min()!
        let scale = vmin + centre
        let maxTerms = 64
        // Only the terms the farthest point needs.
        let worst = (hi - lo) / 2 / scale
        let terms = worst == 0 ? 1 : (worst < 0.5 ? min(maxTerms, Int((log(1e-17) / log(worst)).rounded(.up)) + 1) : maxTerms)
        var m0 = [Double](repeating: 0, count: terms)
        var m1 = m0, m2 = m0
        for j in 0..<k {
            let inv = 1 / (v[j] + centre)
            var power = inv
            let dj = d[j], dj2 = dj * dj
            for n in 0..<terms {
                m0[n] += power
                m1[n] += dj * power
                m2[n] += dj2 * power
                power *= inv
                if power == 0 { break }
            }
        }
        for i in 0..<count {
            let delta = points[i] - centre
            let ratio = abs(delta) / scale
            if ratio < 0.5 || delta == 0 {
                var factor = 1.0
                var a = 0.0, b = 0.0, c = 0.0
                for n in 0..<terms {
                    a += factor * m0[n]; b += factor * m1[n]; c += factor * m2[n]
                    factor *= -delta
                    if factor == 0 { break }
                }
                s0[i] = a; s1[i] = b; s2[i] = c
            } else {
                var a = 0.0, b = 0.0, c = 0.0
                for j in 0..<k {
                    let inv = 1 / (v[j] + points[i])
                    a += inv; b += d[j] * inv; c += d[j] * d[j] * inv
                }
                s0[i] = a; s1[i] = b; s2[i] = c
            }
        }
    }
}

/// τ² of every leave-one-out refit for the iterative estimators (REML, ML, EB, PM) and SJ, for
/// the intercept-only model: each refit runs the same iteration from the same start as
/// `TauSquared.estimate` on the k − 1 remaining studies (so the same numbers), with its sums taken
/// over the full arrays skipping the omitted study (no copies, no allocations per iteration), and
/// the refits spread over the processor's cores.
enum LeaveOneOutTau {
    /// τ²₋ᵢ for every i, or the error of the lowest i whose refit fails.
    static func estimates(_ estimator: TauEstimator, y: [Double], v: [Double], convergence: Convergence)
        throws -> [Double]
    {
        let k = y.count
        // PM: the brackets of all refits and a table of the sums that Q(τ²) needs, built once.
        let pm = estimator == .pm ? PauleMandelTable(y: y, v: v) : nil
        // REML, ML and EB of many studies: the sums of every refit's iterates from one table.
        let fisher = [.reml, .ml, .eb].contains(estimator) && k >= FisherScoringTable.minimumStudies
            ? FisherScoringTable(estimator, y: y, v: v, convergence: convergence) : nil
        var tau2s = [Double](repeating: 0, count: k)
        var errors = [(any Error)?](repeating: nil, count: k)
        let chunks = min(k, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) * 8)
        tau2s.withUnsafeMutableBufferPointer { tau2Buffer in
            errors.withUnsafeMutableBufferPointer { errorBuffer in
                // Each refit writes only its own element of the two buffers.
                let out = SharedBuffer(buffer: tau2Buffer), failures = SharedBuffer(buffer: errorBuffer)
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    let range = (chunk * k / chunks)..<((chunk + 1) * k / chunks)
                    var scratch = [Double](repeating: 0, count: k)
                    var sums = [Double](repeating: 0, count: FisherScoringTable.powers.count)
                    for i in range {
                        do {
                            if let fisher {
                                out[i] = try fisher.estimate(estimator, skip: i, convergence: convergence, y: y,
                                                             sums: &sums, scratch: &scratch)
                            } else if let pm {
                                out[i] = try pauleMandel(y: y, v: v, skip: i, convergence: convergence, table: pm,
                                                         scratch: &scratch)
                            } else {
                                out[i] = try estimate(estimator, y: y, v: v, skip: i, convergence: convergence,
                                                      sorted: [], scratch: &scratch)
                            }
                        } catch {
                            failures[i] = error
                        }
                    }
                }
            }
        }
        if let error = errors.lazy.compactMap({ $0 }).first { throw error }
        return tau2s
    }

    /// A buffer whose elements are written by different threads, each element by one thread only.
    struct SharedBuffer<Element>: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Element>
        subscript(i: Int) -> Element {
            get { buffer[i] }
            nonmutating set { buffer[i] = newValue }
        }
    }

    /// τ² without study `skip`, as `TauSquared.estimate(estimator, …, design: .intercept(k − 1))`.
    static func estimate(_ estimator: TauEstimator, y: [Double], v: [Double], skip: Int, convergence: Convergence,
                         sorted: [Double], scratch: inout [Double]) throws -> Double
    {
        switch estimator {
        case .sj: return sidikJonkman(y: y, v: v, skip: skip)
        case .pm: return try pauleMandel(y: y, v: v, skip: skip, convergence: convergence, sorted: sorted,
                                         scratch: &scratch)
        case .reml, .ml, .eb:
            return try fisherScoring(estimator, y: y, v: v, skip: skip, convergence: convergence, w: &scratch)
        case .dl: return TauSquared.derSimonianLaird(y: without(y, skip), v: without(v, skip), design: .intercept(y.count - 1))
        case .he: return hedges(y: y, v: v, skip: skip)
        case .hs: return TauSquared.hunterSchmidt(y: without(y, skip), v: without(v, skip), design: .intercept(y.count - 1))
        }
    }

    static func without(_ x: [Double], _ i: Int) -> [Double] {
        var x = x
        x.remove(at: i)
        return x
    }

    /// The intercept-only weighted mean as `WeightedFit` computes it (two passes) and Σwⱼ.
    @inline(__always)
    static func weightedMean(y: [Double], w: [Double], skip: Int) -> (mu: Double, sw: Double) {
        var sw = 0.0, swy = 0.0
        for j in 0..<y.count where j != skip { sw += w[j]; swy += w[j] * y[j] }
        var mu = swy / sw
        var correction = 0.0
        for j in 0..<y.count where j != skip { correction += w[j] * (y[j] - mu) }
        mu += correction / sw
        return (mu, sw)
    }

    /// The unweighted mean as `WeightedFit` computes it with unit weights.
    @inline(__always)
    static func mean(y: [Double], skip: Int) -> Double {
        var sw = 0.0, swy = 0.0
        for j in 0..<y.count where j != skip { sw += 1; swy += y[j] }
        var mu = swy / sw
        var correction = 0.0
        for j in 0..<y.count where j != skip { correction += y[j] - mu }
        mu += correction / sw
        return mu
    }

    /// As `TauSquared.hedges` for the intercept-only model.
    static func hedges(y: [Double], v: [Double], skip: Int) -> Double {
        let mu = mean(y: y, skip: skip)
        var rss = 0.0, sv = 0.0, n = 0.0
        for j in 0..<y.count where j != skip {
            let r = y[j] - mu
            rss += r * r; sv += v[j]; n += 1
        }
        let trace = sv - (1 / n) * sv
        return max(0, (rss - trace) / (n - 1))
    }

    /// As `TauSquared.sidikJonkman` for the intercept-only model.
    static func sidikJonkman(y: [Double], v: [Double], skip: Int) -> Double {
        let mu0 = mean(y: y, skip: skip)
        var ss = 0.0, n = 0.0
        for j in 0..<y.count where j != skip { let r = y[j] - mu0; ss += r * r; n += 1 }
        let tau0 = ss / n
        var sw = 0.0, swy = 0.0
        for j in 0..<y.count where j != skip { let w = 1 / (v[j] + tau0); sw += w; swy += w * y[j] }
        var mu = swy / sw
        var correction = 0.0
        for j in 0..<y.count where j != skip { correction += 1 / (v[j] + tau0) * (y[j] - mu) }
        mu += correction / sw
        var q = 0.0
        for j in 0..<y.count where j != skip { let r = y[j] - mu; q += 1 / (v[j] + tau0) * r * r }
        return tau0 * q / (n - 1)
    }

    /// As `TauSquared.generalizedQ` for the intercept-only model; `w` is scratch space.
    @inline(__always)
    static func generalizedQ(_ tau2: Double, y: [Double], v: [Double], skip: Int, w: inout [Double]) -> Double {
        for j in 0..<y.count where j != skip { w[j] = 1 / (v[j] + tau2) }
        let (mu, _) = weightedMean(y: y, w: w, skip: skip)
        var q = 0.0
        for j in 0..<y.count where j != skip { let r = y[j] - mu; q += w[j] * r * r }
        return q
    }

    /// As `TauSquared.pauleMandel` for the intercept-only model without study `skip`: the same
    /// bracket [0, max(100, 10·MAD²)], widened the same way, and the same Brent iteration, so the
    /// same iterates and the same root; Q(τ²) comes from `table` in O(1) where it can, and is
    /// summed directly (O(k), `scratch` overwritten) elsewhere.
    static func pauleMandel(y: [Double], v: [Double], skip: Int, convergence: Convergence, table: PauleMandelTable,
                            scratch: inout [Double]) throws -> Double
    {
        let n = y.count - 1
        let target = Double(n - 1)
        var w = scratch
        defer { scratch = w }
        var sums: [Double] = [0, 0, 0]
        func f(_ t: Double) -> Double {
            if let q = table.q(t, without: skip, sums: &sums) { return q - target }
            return generalizedQ(t, y: y, v: v, skip: skip, w: &w) - target
        }
        return try TauSquared.pauleMandelRoot(upper: table.uppers[skip], convergence: convergence, f).0
    }

    /// `TauSquared.medianAbsoluteDeviation` of the yⱼ without each yᵢ in turn, for all i in
    /// O(k log k): the median of the k − 1 remaining values takes at most three values (by where yᵢ
    /// falls among the middle order statistics), and for each of them the median of the absolute
    /// deviations without one value comes from those deviations sorted once. The same order
    /// statistics and the same arithmetic as a direct computation, so the same numbers.
    static func medianAbsoluteDeviations(y: [Double]) -> [Double] {
        let k = y.count, n = k - 1
        guard n >= 1 else { return [Double](repeating: .nan, count: k) }
        /// The position of one copy of x in the sorted array a (any copy leaves the same sequence).
        func position(_ x: Double, in a: [Double]) -> Int {
            var lo = 0, hi = a.count
            while lo < hi { let mid = (lo + hi) / 2; if a[mid] < x { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        /// The median of the sorted array a without its element at `removed`.
        func median(_ a: [Double], without removed: Int) -> Double {
            func at(_ index: Int) -> Double { a[index < removed ? index : index + 1] }
            return n % 2 == 1 ? at(n / 2) : (at(n / 2 - 1) + at(n / 2)) / 2
        }
        let sorted = y.sorted()
        var deviations: [(median: Double, sorted: [Double])] = []
        var result = [Double](repeating: 0, count: k)
        for i in 0..<k {
            let m = median(sorted, without: position(y[i], in: sorted))
            let index: Int
            if let found = deviations.firstIndex(where: { $0.median == m }) {
                index = found
            } else {
                deviations.append((m, y.map { abs($0 - m) }.sorted()))
                index = deviations.count - 1
            }
            let a = deviations[index].sorted
            result[i] = 1.4826 * median(a, without: position(abs(y[i] - m), in: a))
        }
        return result
    }

    /// As `TauSquared.pauleMandel` for the intercept-only model. `sorted` holds all yᵢ in order;
    /// `scratch` (k values) is overwritten.
    static func pauleMandel(y: [Double], v: [Double], skip: Int, convergence: Convergence, sorted: [Double],
                            scratch: inout [Double]) throws -> Double
    {
        let n = y.count - 1
        let target = Double(n - 1)
        var w = scratch
        defer { scratch = w }
        let f0 = generalizedQ(0, y: y, v: v, skip: skip, w: &w) - target
        if f0 < 0 { return 0 }
        var upper = max(100, 10 * pow(medianAbsoluteDeviation(y: y, skip: skip, sorted: sorted, scratch: &w), 2))
        var fUpper = generalizedQ(upper, y: y, v: v, skip: skip, w: &w) - target
        var widenings = 0
        while fUpper > 0 {
            upper *= 10
            fUpper = generalizedQ(upper, y: y, v: v, skip: skip, w: &w) - target
            widenings += 1
            if widenings > 60 || !upper.isFinite {
                throw StatsError.noConvergence(method: "PM", iterations: 0, detail: "no τ² up to \(formatValue(upper)) brings Q down to k − p")
            }
        }
        do {
            let root = try Brent.root(0, upper, f0, fUpper, tolerance: convergence.brentTolerance,
                                      maxIterations: convergence == .metafor ? 100 : 1000) { t in
                generalizedQ(t, y: y, v: v, skip: skip, w: &w) - target
            }
            return root.root
        } catch {
            throw StatsError.noConvergence(method: "PM", iterations: convergence == .metafor ? 100 : 1000,
                                 detail: "Brent's method did not reach its tolerance")
        }
    }

    /// `TauSquared.medianAbsoluteDeviation` of the yⱼ without yₛₖᵢₚ: the median from the sorted
    /// values in O(log k), the median of the absolute deviations by selection in O(k).
    static func medianAbsoluteDeviation(y: [Double], skip: Int, sorted: [Double], scratch: inout [Double]) -> Double {
        let n = y.count - 1
        // Position of one copy of y[skip] in `sorted` (any copy leaves the same sequence).
        var lo = 0, hi = sorted.count
        while lo < hi { let mid = (lo + hi) / 2; if sorted[mid] < y[skip] { lo = mid + 1 } else { hi = mid } }
        let removed = lo
        func at(_ index: Int) -> Double { sorted[index < removed ? index : index + 1] }
        let m = n % 2 == 1 ? at(n / 2) : (at(n / 2 - 1) + at(n / 2)) / 2
        var count = 0
        for j in 0..<y.count where j != skip { scratch[count] = abs(y[j] - m); count += 1 }
        let upperMiddle = select(&scratch, count: n, rank: n / 2)
        let median: Double
        if n % 2 == 1 {
            median = upperMiddle
        } else {
            // After selection every value before rank n/2 is ≤ it; the largest of them is rank n/2 − 1.
            var lowerMiddle = -Double.infinity
            for j in 0..<(n / 2) where scratch[j] > lowerMiddle { lowerMiddle = scratch[j] }
            median = (lowerMiddle + upperMiddle) / 2
        }
        return 1.4826 * median
    }

    /// The value of rank `rank` (0-based) among `a[0..<count]`, partially reordering them so that
    /// every value before that position is ≤ it (quickselect with a three-way partition, so that
    /// many equal values cost no more than distinct ones; median-of-three pivots).
    static func select(_ a: inout [Double], count: Int, rank: Int) -> Double {
        var left = 0, right = count - 1
        while right > left {
            let mid = left + (right - left) / 2
            var x = a[left], y = a[mid], z = a[right]
            if y < x { swap(&x, &y) }
            if z < y { swap(&y, &z); if y < x { swap(&x, &y) } }
            let pivot = y
            // [left, lt) < pivot, [lt, i) == pivot, (gt, right] > pivot.
            var lt = left, i = left, gt = right
            while i <= gt {
                if a[i] < pivot { a.swapAt(lt, i); lt += 1; i += 1 }
                else if a[i] > pivot { a.swapAt(i, gt); gt -= 1 }
                else { i += 1 }
            }
            if rank < lt { right = lt - 1 } else if rank > gt { left = gt + 1 } else { return pivot }
        }
        return a[left]
    }

    /// As `TauSquared.fisherScoring` for the intercept-only model; `w` (k values) is scratch space.
    static func fisherScoring(_ method: TauEstimator, y: [Double], v: [Double], skip: Int, convergence: Convergence,
                              w: inout [Double]) throws -> Double
    {
        try fisherIterations(method, from: hedges(y: y, v: v, skip: skip), convergence: convergence) { tau2 in
            fisherAdjustment(method, tau2: tau2, y: y, v: v, skip: skip, w: &w)
        }
    }

    /// Fisher scoring from `start`: `TauSquared.fisherStep` with the adjustment at each iterate, until
    /// the stopping rule holds (at most `fisherMaxIterations` steps).
    @inline(__always)
    static func fisherIterations(_ method: TauEstimator, from start: Double, convergence: Convergence,
                                 adjustment: (Double) -> Double) throws -> Double {
        var tau2 = start
        let maxIterations = convergence.fisherMaxIterations
        var iteration = 0
        while true {
            iteration += 1
            if iteration > maxIterations {
                throw StatsError.noConvergence(method: method.rawValue, iterations: maxIterations,
                                     detail: "Fisher scoring, last τ² = \(formatValue(tau2))")
            }
            let step = try TauSquared.fisherStep(from: tau2, adjustment: adjustment(tau2), method: method, convergence: convergence)
            tau2 = step.tau2
            if step.converged { return tau2 }
        }
    }

    /// One Fisher-scoring adjustment of τ² for the studies without `skip`, summed over them
    /// (`w` is scratch space).
    static func fisherAdjustment(_ method: TauEstimator, tau2: Double, y: [Double], v: [Double], skip: Int,
                                 w: inout [Double]) -> Double {
        let kd = Double(y.count - 1), pd = 1.0
        for j in 0..<y.count where j != skip { w[j] = 1 / (v[j] + tau2) }
        let (mu, fitSW) = weightedMean(y: y, w: w, skip: skip)
        let inverse = 1 / fitSW
        var sw = 0.0, sw2 = 0.0, sw3 = 0.0, yPPy = 0.0, swr2 = 0.0
        for j in 0..<y.count where j != skip {
            let wi = w[j], ri = y[j] - mu
            sw += wi
            sw2 += wi * wi
            sw3 += wi * wi * wi
            yPPy += wi * wi * ri * ri
            swr2 += wi * ri * ri
        }
        let adjustment: Double
        switch method {
        case .reml:
            let a2 = inverse * sw2
            let trP = sw - a2
            let trPP = sw2 - 2 * (inverse * sw3) + a2 * a2
            adjustment = (yPPy - trP) / trPP
        case .ml:
            adjustment = (yPPy - sw) / sw2
        default:
            adjustment = (kd / (kd - pd) * swr2 - kd) / sw
        }
        return adjustment
    }
}

/// What the Paule–Mandel refits of a leave-one-out analysis share: each refit's initial bracket
/// max(100, 10·MAD²) and the sums Sₘ(t) = Σⱼ dⱼᵐ/(vⱼ + t), m = 0, 1, 2 (dⱼ = yⱼ − c for a common
/// centre c) over all k studies at any t in [0, max bracket] (a `SeriesTable` of 40 terms), from which
/// the generalised Q of the k − 1 studies without i is S₂′ − S₁′²/S₀′ with Sₘ′ = Sₘ − dᵢᵐ/(vᵢ + t). A
/// point past the last tile, or where study i carries more than half of S₀ or S₂ (so that
/// subtracting it would cancel digits), has no value here and is summed directly.
struct PauleMandelTable: Sendable {
    let uppers: [Double]
    let v: [Double]
    let d: [Double]
    let series: SeriesTable

    init(y: [Double], v: [Double]) {
        let k = y.count
        uppers = LeaveOneOutTau.medianAbsoluteDeviations(y: y).map { max(100, 10 * pow($0, 2)) }
        self.v = v
        // Centre at the random-effects mean with the DerSimonian–Laird τ², near the mean of most refits.
        let tau2 = TauSquared.derSimonianLaird(y: y, v: v, design: .intercept(k))
        var sw = 0.0, swy = 0.0
        for j in 0..<k { let w = 1 / (v[j] + tau2); sw += w; swy += w * y[j] }
        let centre = tau2.isFinite && sw > 0 ? swy / sw : 0
        d = y.map { $0 - centre }
        series = SeriesTable(d: d, v: v, top: uppers.max() ?? 0, powers: [1, 1, 1], degrees: [0, 1, 2], terms: 40)
    }

    /// The generalised Q at τ² = t of the studies without i, or nil where the table has no value
    /// (`sums`, three values, is scratch space).
    @inline(__always)
    func q(_ t: Double, without i: Int, sums: inout [Double]) -> Double? {
        guard series.sums(t, into: &sums) else { return nil }
        let s0 = sums[0], s1 = sums[1], s2 = sums[2]
        let wi = 1 / (v[i] + t), di = d[i]
        let a = s0 - wi, b = s1 - wi * di, c = s2 - wi * di * di
        guard wi <= 0.5 * s0, wi * di * di <= 0.5 * s2 else { return nil }
        return c - b * b / a
    }
}

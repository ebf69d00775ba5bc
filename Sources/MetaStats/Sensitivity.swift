#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    /// to converge quickly. Other methods refit directly.
    public static func leaveOneOut(_ effects: [EffectSize], measure: EffectMeasure, options: PoolingOptions)
        throws -> [SensitivityRow]
    {
        guard !effects.isEmpty else { throw StatsError.noStudies }
        let k = effects.count
        if k >= 3, let fast = try fastLeaveOneOut(effects, options: options) { return fast }
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
        if random, let estimator, ![.dl, .he, .hs].contains(estimator) { return nil }

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
            guard random, let estimator else { continue }
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

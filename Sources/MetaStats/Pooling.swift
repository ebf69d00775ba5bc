#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One study's row in a pooled result.
public struct StudyResult: Sendable, Hashable, Codable {
    public var study: String
    public var yi: Double
    public var vi: Double
    public var se: Double
    public var ciLower: Double
    public var ciUpper: Double
    /// Weight in percent of the total (the weights the pooled estimate used).
    public var weight: Double
    public var input: InputMethod
    /// The pre–post correlation a change measure used.
    public var prePostR: Double?

    public init(study: String, yi: Double, vi: Double, se: Double, ciLower: Double, ciUpper: Double, weight: Double,
                input: InputMethod, prePostR: Double? = nil) {
        self.study = study; self.yi = yi; self.vi = vi; self.se = se
        self.ciLower = ciLower; self.ciUpper = ciUpper; self.weight = weight; self.input = input; self.prePostR = prePostR
    }

    /// How the effect size was obtained, with the pre–post r it used: "…, r = 0.5".
    public var inputDescription: String {
        guard let r = prePostR else { return input.rawValue }
        return "\(input.rawValue), r = \(formatValue(r))"
    }
}

/// The pooled estimate and its test.
public struct PooledEstimate: Sendable, Hashable, Codable {
    public var estimate: Double
    public var se: Double
    public var ciLower: Double
    public var ciUpper: Double
    /// z, or t for the Hartung–Knapp test.
    public var statistic: Double
    public var pValue: Double
    /// Degrees of freedom of the t test (nil for z).
    public var df: Int?
    public var piLower: Double?
    public var piUpper: Double?

    public init(estimate: Double, se: Double, ciLower: Double, ciUpper: Double, statistic: Double, pValue: Double,
                df: Int?, piLower: Double?, piUpper: Double?) {
        self.estimate = estimate; self.se = se; self.ciLower = ciLower; self.ciUpper = ciUpper
        self.statistic = statistic; self.pValue = pValue; self.df = df; self.piLower = piLower; self.piUpper = piUpper
    }
}

/// Heterogeneity statistics.
public struct Heterogeneity: Sendable, Hashable, Codable {
    public var tau2: Double
    public var tau: Double
    /// I² in percent.
    public var i2: Double
    public var h2: Double
    /// Cochran's Q (around the Mantel–Haenszel or Peto estimate for those methods, as RevMan).
    public var q: Double
    public var df: Int
    public var pValue: Double
    public var tau2CILower: Double?
    public var tau2CIUpper: Double?

    /// result.json's keys.
    enum CodingKeys: String, CodingKey {
        case tau2, tau, i2, h2, q, df
        case pValue = "p_value", tau2CILower = "tau2_ci_lower", tau2CIUpper = "tau2_ci_upper"
    }

    public init(tau2: Double, tau: Double, i2: Double, h2: Double, q: Double, df: Int, pValue: Double,
                tau2CILower: Double?, tau2CIUpper: Double?) {
        self.tau2 = tau2; self.tau = tau; self.i2 = i2; self.h2 = h2; self.q = q; self.df = df; self.pValue = pValue
        self.tau2CILower = tau2CILower; self.tau2CIUpper = tau2CIUpper
    }
}

/// A pooled meta-analysis: the settings, the studies with their weights, the estimate and the
/// heterogeneity.
public struct MetaAnalysis: Sendable, Hashable, Codable {
    public var options: PoolingOptions
    /// The method actually used (IV for a fixed-effect fit named with a τ² estimator).
    public var method: PoolingMethod
    public var k: Int
    public var studies: [StudyResult]
    public var pooled: PooledEstimate
    /// Absent when k = 1.
    public var heterogeneity: Heterogeneity?
    /// Iterations of the τ² estimator, for iterative ones.
    public var iterations: Int?
    public var warnings: [String]

    public init(options: PoolingOptions, method: PoolingMethod, k: Int, studies: [StudyResult], pooled: PooledEstimate,
                heterogeneity: Heterogeneity?, iterations: Int?, warnings: [String]) {
        self.options = options; self.method = method; self.k = k; self.studies = studies; self.pooled = pooled
        self.heterogeneity = heterogeneity; self.iterations = iterations; self.warnings = warnings
    }
}

/// The intermediate inverse-variance fit shared by pooling, leave-one-out and trim-and-fill.
struct InverseVarianceFit: Sendable {
    var estimate: Double
    var se: Double
    var ciLower: Double
    var ciUpper: Double
    var statistic: Double
    var pValue: Double
    var df: Int?
    var tau2: Double
    var q: Double
    var i2: Double
    var h2: Double
    var piLower: Double?
    var piUpper: Double?
    var weights: [Double]       // raw weights
    var iterations: Int?
}

/// Meta-analytic pooling (cf. metafor's `rma.uni` and `rma.mh`, RevMan's analysis engine).
public enum Pooling {
    /// Pools the studies under the options. k = 1 returns the study itself with a warning and no
    /// heterogeneity. Throws instead of returning a non-finite number.
    public static func analyze(_ effects: [EffectSize], measure: EffectMeasure, options: PoolingOptions)
        throws -> MetaAnalysis
    {
        guard !effects.isEmpty else { throw StatsError.noStudies }
        var options = options
        var method = options.method
        if options.model == .fixed, method.tauEstimator != nil { method = .iv }
        if options.model == .random, method == .peto {
            throw StatsError.fixedEffectOnly(method: method)
        }
        let crit = options.zCritical
        if effects.count == 1 {
            let e = effects[0]
            let se = e.se
            let z = e.yi / se
            let study = StudyResult(study: e.study, yi: e.yi, vi: e.vi, se: se, ciLower: e.yi - crit * se,
                                    ciUpper: e.yi + crit * se, weight: 100, input: e.input, prePostR: e.prePostR)
            let pooled = PooledEstimate(estimate: e.yi, se: se, ciLower: study.ciLower, ciUpper: study.ciUpper,
                                        statistic: z, pValue: options.zPValue(z), df: nil, piLower: nil, piUpper: nil)
            options.test = .z
            return try checked(MetaAnalysis(
                options: options, method: method, k: 1, studies: [study], pooled: pooled, heterogeneity: nil,
                iterations: nil,
                warnings: ["only one study ('\(e.study)'): the pooled result is that study's own estimate, with no heterogeneity"]))
        }
        let y = effects.map(\.yi)
        let v = effects.map(\.vi)
        var warnings: [String] = []
        let studies: [StudyResult]
        let pooled: PooledEstimate
        let heterogeneity: Heterogeneity
        var iterations: Int?

        switch method {
        case .mh, .peto:
            guard let binary = measure.binary, method == .mh || measure == .or else {
                throw StatsError.needsBinaryMeasure(method: method, measure: measure)
            }
            let counts = try effects.map { (e: EffectSize) throws -> BinaryCounts in
                guard let c = e.counts else { throw StatsError.needsCounts(study: e.study, method: method) }
                return c
            }
            let fixed: MantelHaenszel.Result
            if method == .peto {
                fixed = try MantelHaenszel.peto(counts)
            } else if options.zeroCells == .revman {
                // RevMan: tables with a zero cell enter the sums with 0.5 added to each cell; a risk
                // difference keeps the raw cells in its estimate.
                let corrected = counts.map(\.corrected)
                fixed = try MantelHaenszel.pool(binary == .rd ? counts : corrected, measure: binary,
                                                varianceTables: corrected)
            } else {
                fixed = try MantelHaenszel.pool(counts, measure: binary)
            }
            // Peto shows and tests its own per-study estimates (O − E)/V with variance 1/V.
            let rows: [EffectSize] = method == .peto
                ? effects.indices.map { i in
                    var e = effects[i]
                    e.yi = fixed.studyEffects[i]
                    e.vi = fixed.studyVariances[i]
                    return e
                }
                : effects
            let ys = rows.map(\.yi)
            let vs = rows.map(\.vi)
            // Q around the MH (or Peto) estimate with inverse-variance weights (RevMan; metafor's rma.mh).
            var q = 0.0
            for i in 0..<ys.count { q += (ys[i] - fixed.estimate) * (ys[i] - fixed.estimate) / vs[i] }
            let df = effects.count - 1
            let qp = ChiSquared.ccdf(q, df: Double(df))
            let i2q = q > 0 ? max(0, 100 * (q - Double(df)) / q) : 0
            if options.model == .fixed {
                let se = fixed.se
                let z = fixed.estimate / se
                pooled = PooledEstimate(estimate: fixed.estimate, se: se, ciLower: fixed.estimate - crit * se,
                                        ciUpper: fixed.estimate + crit * se, statistic: z,
                                        pValue: options.zPValue(z), df: nil, piLower: nil, piUpper: nil)
                let total = fixed.weights.reduce(0, +)
                studies = zip(rows, fixed.weights).map { e, w in studyRow(e, weight: 100 * w / total, crit: crit) }
                heterogeneity = Heterogeneity(tau2: 0, tau: 0, i2: i2q, h2: q / Double(df), q: q, df: df, pValue: qp,
                                              tau2CILower: nil, tau2CIUpper: nil)
                if options.test == .knha {
                    warnings.append("the Hartung–Knapp test applies to inverse-variance fits; \(method.rawValue) uses the z test")
                    options.test = .z
                }
            } else {
                // RevMan's random-effects MH analysis: DerSimonian–Laird τ² from the MH-based Q,
                // then inverse-variance weights 1/(vᵢ + τ²).
                let w = vs.map { 1 / $0 }
                let sw = w.reduce(0, +)
                let sw2 = w.reduce(0) { $0 + $1 * $1 }
                let tau2 = max(0, (q - Double(df)) / (sw - sw2 / sw))
                let fit = try finish(y: ys, v: vs, tau2: tau2, q: q, options: options, random: true, iterations: nil)
                pooled = fit.pooled
                let total = fit.weights.reduce(0, +)
                studies = zip(rows, fit.weights).map { e, w in studyRow(e, weight: 100 * w / total, crit: crit) }
                var het = fit.heterogeneity
                if options.i2 == .q { het.i2 = i2q; het.h2 = q / Double(df) }
                if options.tau2ConfidenceInterval {
                    let ci = try Heterogeneity.qProfileInterval(y: ys, v: vs, tau2: tau2, level: options.level,
                                                                convergence: options.convergence)
                    het.tau2CILower = ci.lower
                    het.tau2CIUpper = ci.upper
                    warnings += ci.warnings
                }
                heterogeneity = het
            }
        default:
            let fit = try inverseVariance(y: y, v: v, options: options)
            iterations = fit.iterations
            pooled = PooledEstimate(estimate: fit.estimate, se: fit.se, ciLower: fit.ciLower, ciUpper: fit.ciUpper,
                                    statistic: fit.statistic, pValue: fit.pValue, df: fit.df,
                                    piLower: fit.piLower, piUpper: fit.piUpper)
            let total = fit.weights.reduce(0, +)
            studies = zip(effects, fit.weights).map { e, w in studyRow(e, weight: 100 * w / total, crit: crit) }
            if options.test == .knha, y.count > 1, y.allSatisfy({ $0 == y[0] }) {
                warnings.append("every study has the same effect, so the Hartung–Knapp variance factor is 0; it is taken as 1 (Knapp & Hartung's ad hoc adjustment, metafor's test = \"adhoc\")")
            }
            let df = effects.count - 1
            var het = Heterogeneity(tau2: fit.tau2, tau: fit.tau2.squareRoot(), i2: fit.i2, h2: fit.h2, q: fit.q, df: df,
                                    pValue: ChiSquared.ccdf(fit.q, df: Double(df)), tau2CILower: nil, tau2CIUpper: nil)
            if options.model == .random && options.tau2ConfidenceInterval {
                let ci = try Heterogeneity.qProfileInterval(y: y, v: v, tau2: fit.tau2, level: options.level,
                                                            convergence: options.convergence)
                het.tau2CILower = ci.lower
                het.tau2CIUpper = ci.upper
                warnings += ci.warnings
            }
            heterogeneity = het
        }
        if options.model == .random, options.convergence == .metafor,
           let estimator = options.effectiveTauEstimator, estimator == .pm,
           heterogeneity.tau2 > 0, heterogeneity.tau2 < 0.01
        {
            warnings.append("τ² = \(formatValue(heterogeneity.tau2)) was found to metafor's absolute tolerance (1.2e-4); set convergence: strict for full precision")
        }
        return try checked(MetaAnalysis(options: options, method: method, k: effects.count, studies: studies,
                                        pooled: pooled, heterogeneity: heterogeneity, iterations: iterations,
                                        warnings: warnings))
    }

    static func studyRow(_ e: EffectSize, weight: Double, crit: Double) -> StudyResult {
        let se = e.se
        return StudyResult(study: e.study, yi: e.yi, vi: e.vi, se: se, ciLower: e.yi - crit * se,
                           ciUpper: e.yi + crit * se, weight: weight, input: e.input, prePostR: e.prePostR)
    }

    /// Inverse-variance fixed- or random-effects fit of yᵢ with variances vᵢ (k ≥ 2).
    static func inverseVariance(y: [Double], v: [Double], options: PoolingOptions) throws -> InverseVarianceFit {
        let k = y.count
        // Cochran's Q around the fixed-effect estimate.
        let w = v.map { 1 / $0 }
        let fe = WeightedFit(y: y, design: .intercept(k), weights: w)
        var q = 0.0
        for i in 0..<k { q += w[i] * fe.residuals[i] * fe.residuals[i] }
        var tau2 = 0.0
        var iterations: Int?
        let random = options.model == .random
        if random, let estimator = options.effectiveTauEstimator {
            let est = try TauSquared.estimate(estimator, y: y, v: v, design: .intercept(k), convergence: options.convergence)
            tau2 = est.tau2
            iterations = est.iterations
        }
        let fit = try finish(y: y, v: v, tau2: tau2, q: q, options: options, random: random, iterations: iterations)
        return InverseVarianceFit(
            estimate: fit.pooled.estimate, se: fit.pooled.se, ciLower: fit.pooled.ciLower, ciUpper: fit.pooled.ciUpper,
            statistic: fit.pooled.statistic, pValue: fit.pooled.pValue, df: fit.pooled.df, tau2: tau2, q: q,
            i2: fit.heterogeneity.i2, h2: fit.heterogeneity.h2, piLower: fit.pooled.piLower, piUpper: fit.pooled.piUpper,
            weights: fit.weights, iterations: iterations)
    }

    struct Finished {
        var pooled: PooledEstimate
        var heterogeneity: Heterogeneity
        var weights: [Double]
    }

    /// Given τ² (0 for fixed effect) and Q: the weighted estimate, its test, CI, prediction interval,
    /// I² and H².
    static func finish(y: [Double], v: [Double], tau2: Double, q: Double, options: PoolingOptions, random: Bool,
                       iterations: Int?) throws -> Finished {
        let k = y.count
        let df = k - 1
        let w = v.map { 1 / ($0 + tau2) }
        let fit = WeightedFit(y: y, design: .intercept(k), weights: w)
        let mu = fit.beta[0]
        var sw = 0.0
        for wi in w { sw += wi }
        var se = (1 / sw).squareRoot()
        let statistic: Double
        let pValue: Double
        let crit: Double
        var tdf: Int?
        switch options.test {
        case .z:
            crit = options.zCritical
            statistic = mu / se
            pValue = options.zPValue(statistic)
        case .knha:
            // Hartung & Knapp (2001); Sidik & Jonkman (2002): Var = Σwᵢ(yᵢ − μ̂)² / ((k − 1)·Σwᵢ), t with k − 1 df.
            var s = 0.0
            for i in 0..<k { s += w[i] * fit.residuals[i] * fit.residuals[i] }
            // Identical effects make the variance factor s²/(k − 1) zero, and t infinite: then the
            // factor is taken as 1, Knapp & Hartung's (2003) ad hoc adjustment (metafor's test = "adhoc").
            se = s > 0 ? (s / Double(df) / sw).squareRoot() : (1 / sw).squareRoot()
            crit = options.tCritical(df: Double(df))
            statistic = mu / se
            pValue = 2 * StudentT.ccdf(abs(statistic), df: Double(df))
            tdf = df
        }
        var piLower: Double?, piUpper: Double?
        if random && options.predictionInterval {
            // Prediction interval μ̂ ± crit·√(SE² + τ²) (Higgins, Thompson & Spiegelhalter 2009, with
            // metafor's choice of quantile: z for the z test, t with k − 1 df for Hartung–Knapp).
            let half = crit * (se * se + tau2).squareRoot()
            piLower = mu - half
            piUpper = mu + half
        }
        let (i2, h2) = i2h2(tau2: tau2, q: q, v: v, random: random, definition: options.i2)
        let pooled = PooledEstimate(estimate: mu, se: se, ciLower: mu - crit * se, ciUpper: mu + crit * se,
                                    statistic: statistic, pValue: pValue, df: tdf, piLower: piLower, piUpper: piUpper)
        let het = Heterogeneity(tau2: tau2, tau: tau2.squareRoot(), i2: i2, h2: h2, q: q, df: df,
                                pValue: ChiSquared.ccdf(q, df: Double(df)), tau2CILower: nil, tau2CIUpper: nil)
        return Finished(pooled: pooled, heterogeneity: het, weights: w)
    }

    /// I² and H² (Higgins & Thompson 2002). Q-based: I² = 100·max(0, (Q − df)/Q), H² = Q/df.
    /// τ²-based (random effects): s² = (k − 1)·Σwᵢ / ((Σwᵢ)² − Σwᵢ²) with wᵢ = 1/vᵢ,
    /// I² = 100·τ²/(τ² + s²), H² = (τ² + s²)/s². The two agree under DerSimonian–Laird when τ̂² > 0.
    static func i2h2(tau2: Double, q: Double, v: [Double], random: Bool, definition: I2Definition) -> (Double, Double) {
        let df = Double(v.count - 1)
        if !random || definition == .q {
            let i2 = q > 0 ? max(0, 100 * (q - df) / q) : 0
            return (i2, q / df)
        }
        var sw = 0.0, sw2 = 0.0
        for vi in v { sw += 1 / vi; sw2 += 1 / (vi * vi) }
        let s2 = df * sw / (sw * sw - sw2)
        return (100 * tau2 / (tau2 + s2), (tau2 + s2) / s2)
    }

    /// Refuses results with a non-finite number in them.
    static func checked(_ analysis: MetaAnalysis) throws -> MetaAnalysis {
        let p = analysis.pooled
        let detail = "k = \(analysis.k), method \(analysis.method.rawValue)"
        try requireFinite(p.estimate, "pooled estimate", detail)
        try requireFinite(p.se, "standard error", detail)
        try requireFinite(p.ciLower, "CI lower limit", detail)
        try requireFinite(p.ciUpper, "CI upper limit", detail)
        try requireFinite(p.statistic, "test statistic", detail)
        try requireFinite(p.pValue, "p-value", detail)
        if let lower = p.piLower { try requireFinite(lower, "prediction interval", detail) }
        if let upper = p.piUpper { try requireFinite(upper, "prediction interval", detail) }
        if let h = analysis.heterogeneity {
            try requireFinite(h.tau2, "τ²", detail)
            try requireFinite(h.i2, "I²", detail)
            try requireFinite(h.q, "Q", detail)
            try requireFinite(h.h2, "H²", detail)
        }
        for s in analysis.studies {
            let values = "yi = \(formatValue(s.yi)), vi = \(formatValue(s.vi))"
            try requireFinite(s.weight, "weight of study '\(s.study)'", values)
            try requireFinite(s.yi, "estimate of study '\(s.study)'", values)
            try requireFinite(s.vi, "variance of study '\(s.study)'", values)
        }
        return analysis
    }

    static func requireFinite(_ value: Double, _ quantity: String, _ detail: @autoclosure () -> String) throws {
        if !value.isFinite { throw StatsError.nonFinite(quantity: quantity, detail: detail()) }
    }
}

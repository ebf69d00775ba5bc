#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Egger's regression test (classic form).
public struct EggerTest: Sendable, Hashable, Codable {
    /// Intercept of the weighted regression of yᵢ on SEᵢ: the "limit estimate" as SE → 0 (metafor's b).
    public var intercept: Double
    /// Slope on SEᵢ, which equals the intercept of Egger's regression of yᵢ/SEᵢ on 1/SEᵢ (the bias).
    public var bias: Double
    public var biasSE: Double
    /// t = bias / SE(bias).
    public var statistic: Double
    public var df: Int
    public var pValue: Double
    /// result.json's keys.
    enum CodingKeys: String, CodingKey {
        case intercept, bias, statistic, df
        case biasSE = "bias_se", pValue = "p_value"
    }
}

/// Begg & Mazumdar's rank correlation test.
public struct BeggTest: Sendable, Hashable, Codable {
    /// Kendall's τ_b between standardised effects and sampling variances.
    public var tau: Double
    public var pValue: Double
    /// Whether the p-value is from the exact permutation distribution.
    public var exact: Bool
    /// result.json's keys.
    enum CodingKeys: String, CodingKey { case tau, exact; case pValue = "p_value" }
}

/// Which side of the funnel the missing studies are imputed on.
public enum FunnelSide: String, Sendable, Codable, Hashable {
    case left, right
}

/// Duval & Tweedie's trim and fill.
public struct TrimAndFill: Sendable, Hashable, Codable {
    /// Estimated number of missing studies (L0 estimator).
    public var k0: Int
    public var side: FunnelSide
    /// The imputed studies: mirror images of the k0 most extreme studies.
    public var filled: [EffectSize]
    /// The analysis refitted with the imputed studies added.
    public var analysis: MetaAnalysis
    public var iterations: Int
}

/// What a funnel plot needs.
public struct FunnelData: Sendable, Hashable, Codable {
    public struct Point: Sendable, Hashable, Codable {
        public var study: String
        public var yi: Double
        public var se: Double
        public var imputed: Bool
    }
    public var points: [Point]
    /// The pooled estimate the pseudo-confidence limits are centred on.
    public var centre: Double
    /// The largest SE shown (the bottom of the funnel).
    public var seMax: Double
    /// Normal quantile for the pseudo limits (level of the analysis).
    public var zCritical: Double

    /// Pseudo-confidence limits centre ± z·se at a given SE.
    public func limits(atSE se: Double) -> (lower: Double, upper: Double) {
        (centre - zCritical * se, centre + zCritical * se)
    }

    /// Contour half-width at a given SE for a two-sided p-value, centred on 0 (contour-enhanced funnel).
    public static func contour(p: Double, se: Double) -> Double { Normal.upperQuantile(p / 2) * se }
}

/// Small-study checks (cf. metafor's `regtest`, `ranktest`, `trimfill`, `funnel`).
public enum SmallStudy {
    /// The per-study estimates and variances the small-study checks and the funnel plot use: the
    /// ones the analysis pools and shows. For Peto's method these are Peto's own estimates
    /// (Oᵢ − Eᵢ)/Vᵢ with variance 1/Vᵢ (SE 1/√Vᵢ), as meta's `metabias` uses them; for every other
    /// method the effect sizes themselves (Mantel–Haenszel shows and weighs the studies' own
    /// estimates).
    public static func studyEffects(_ effects: [EffectSize], method: PoolingMethod) throws -> [EffectSize] {
        guard method == .peto, !effects.isEmpty else { return effects }
        let counts = try effects.map { (e: EffectSize) throws -> BinaryCounts in
            guard let c = e.counts else { throw StatsError.needsCounts(study: e.study, method: method) }
            return c
        }
        let peto = try MantelHaenszel.peto(counts)
        return effects.indices.map { i in
            var e = effects[i]
            e.yi = peto.studyEffects[i]
            e.vi = peto.studyVariances[i]
            return e
        }
    }

    /// Egger et al. (1997), classic form: weighted least squares of yᵢ on SEᵢ with weights 1/vᵢ and a
    /// multiplicative dispersion σ² = Σwᵢrᵢ²/(k − 2); the slope on SEᵢ is tested with t on k − 2 df
    /// (metafor's `regtest(model = "lm")`). Needs k ≥ 3.
    public static func egger(_ effects: [EffectSize]) throws -> EggerTest {
        let k = effects.count
        guard k >= StatsError.Procedure.egger.minimumStudies else {
            throw StatsError.tooFewStudies(.egger, k: k)
        }
        let y = effects.map(\.yi)
        let se = effects.map(\.se)
        let w = effects.map { 1 / $0.vi }
        let design = Design(columns: [Array(repeating: 1, count: k), se], k: k)
        let fit = WeightedFit(y: y, design: design, weights: w)
        var rss = 0.0
        for i in 0..<k { rss += w[i] * fit.residuals[i] * fit.residuals[i] }
        let df = k - 2
        let sigma2 = rss / Double(df)
        let biasSE = (sigma2 * fit.inverse[1][1]).squareRoot()
        guard biasSE > 0, biasSE.isFinite else {
            throw StatsError.nonFinite(quantity: "Egger's test statistic", detail: "the studies fit the regression line exactly or all SEs are equal")
        }
        let t = fit.beta[1] / biasSE
        return EggerTest(intercept: fit.beta[0], bias: fit.beta[1], biasSE: biasSE, statistic: t, df: df,
                         pValue: 2 * StudentT.ccdf(abs(t), df: Double(df)))
    }

    /// Begg & Mazumdar (1994): Kendall's τ between the standardised deviates
    /// (yᵢ − μ̂_FE)/√(vᵢ − 1/Σwⱼ) and the variances vᵢ, with metafor's `ranktest` p-value
    /// (`cor.test(exact = TRUE)`: exact for every k without ties, the normal approximation with ties).
    public static func begg(_ effects: [EffectSize]) throws -> BeggTest {
        let k = effects.count
        guard k >= StatsError.Procedure.begg.minimumStudies else {
            throw StatsError.tooFewStudies(.begg, k: k)
        }
        let y = effects.map(\.yi)
        let v = effects.map(\.vi)
        let w = v.map { 1 / $0 }
        let sw = w.reduce(0, +)
        let mu = WeightedFit(y: y, design: .intercept(k), weights: w).beta[0]
        let standardized = (0..<k).map { (y[$0] - mu) / (v[$0] - 1 / sw).squareRoot() }
        let test = KendallTest.test(standardized, v)
        return BeggTest(tau: test.tau, pValue: test.pValue, exact: test.exact)
    }

    /// Duval & Tweedie (2000) trim and fill with the L0 estimator.
    ///
    /// Side: unless given, from the sign of the slope in the meta-regression of yᵢ on SEᵢ under the
    /// analysis' model and τ² estimator (positive slope → studies missing on the left).
    /// Iteration (on the side where studies are missing, after mirroring so that it is the left):
    /// fit the model without the k₀ largest effects; centre all effects on that estimate; with Tₙ
    /// the sum of the ranks of |centred effects| over the positive ones,
    /// L₀ = (4Tₙ − k(k + 1))/(2k − 1), k₀ = max(0, round(L₀)); repeat until k₀ is unchanged
    /// (at most 100 rounds). The k₀ largest effects are then mirrored about the trimmed estimate and
    /// the model is refitted to all k + k₀ studies.
    public static func trimAndFill(_ effects: [EffectSize], measure: EffectMeasure, options: PoolingOptions,
                                   side requested: FunnelSide? = nil) throws -> TrimAndFill
    {
        let k = effects.count
        guard k >= StatsError.Procedure.trimAndFill.minimumStudies else {
            throw StatsError.tooFewStudies(.trimAndFill, k: k)
        }
        var fitOptions = options
        fitOptions.tau2ConfidenceInterval = false
        if fitOptions.method == .mh || fitOptions.method == .peto {
            fitOptions.method = fitOptions.model == .random ? .dl : .iv
        }
        let side: FunnelSide
        if let requested { side = requested } else { side = try chooseSide(effects, options: fitOptions) }
        let sign: Double = side == .left ? 1 : -1
        // Work on sign·y so that missing studies are on the left and the largest values are trimmed.
        let order = (0..<k).sorted { (a, b) in
            let ya = sign * effects[a].yi, yb = sign * effects[b].yi
            return ya != yb ? ya < yb : a < b
        }
        let ys = order.map { sign * effects[$0].yi }
        let vs = order.map { effects[$0].vi }
        var k0 = 0
        var previous = -1
        var iterations = 0
        var trimmedEstimate = 0.0
        while k0 != previous {
            iterations += 1
            if iterations > 100 {
                throw StatsError.noConvergence(method: "trim and fill", iterations: 100, detail: "k0 kept changing")
            }
            previous = k0
            let kept = k - k0
            let fit = try Pooling.inverseVariance(y: Array(ys[0..<kept]), v: Array(vs[0..<kept]), options: fitOptions)
            trimmedEstimate = fit.estimate
            let centred = ys.map { $0 - trimmedEstimate }
            let ranks = ranksFirst(centred.map { abs($0) })
            var tn = 0.0
            for i in 0..<k where centred[i] > 0 { tn += Double(ranks[i]) }
            let kd = Double(k)
            let l0 = (4 * tn - kd * (kd + 1)) / (2 * kd - 1)
            k0 = max(0, Int(l0.rounded(.toNearestOrEven)))
            if k0 >= k { k0 = k - 1 }
        }
        var filled: [EffectSize] = []
        if k0 > 0 {
            for index in (k - k0)..<k {
                let original = effects[order[index]]
                let mirrored = sign * (2 * trimmedEstimate - ys[index])
                filled.append(EffectSize(study: "Filled: \(original.study)", yi: mirrored, vi: original.vi,
                                         input: original.input))
            }
        }
        var refitOptions = fitOptions
        refitOptions.tau2ConfidenceInterval = false
        let analysis = try Pooling.analyze(effects + filled, measure: measure,
                                           options: refitOptions)
        return TrimAndFill(k0: k0, side: side, filled: filled, analysis: analysis, iterations: iterations)
    }

    /// Chooses the side from the slope on SEᵢ of the (mixed-effects) meta-regression.
    static func chooseSide(_ effects: [EffectSize], options: PoolingOptions) throws -> FunnelSide {
        let k = effects.count
        let y = effects.map(\.yi)
        let v = effects.map(\.vi)
        let design = Design(columns: [Array(repeating: 1, count: k), v.map { $0.squareRoot() }], k: k)
        var tau2 = 0.0
        if let estimator = options.effectiveTauEstimator {
            tau2 = try TauSquared.estimate(estimator, y: y, v: v, design: design, convergence: options.convergence).tau2
        }
        let fit = WeightedFit(y: y, design: design, weights: v.map { 1 / ($0 + tau2) })
        return fit.beta[1] < 0 ? .right : .left
    }

    /// Ranks 1…n with ties broken by position (R's `rank(ties.method = "first")`).
    static func ranksFirst(_ x: [Double]) -> [Int] {
        let order = x.indices.sorted { x[$0] != x[$1] ? x[$0] < x[$1] : $0 < $1 }
        var ranks = [Int](repeating: 0, count: x.count)
        for (rank, index) in order.enumerated() { ranks[index] = rank + 1 }
        return ranks
    }

    /// The data for a funnel plot of the studies (and imputed studies, if any) around `centre`.
    public static func funnel(_ effects: [EffectSize], imputed: [EffectSize] = [], centre: Double,
                              level: Double = 95) -> FunnelData {
        var points = effects.map { FunnelData.Point(study: $0.study, yi: $0.yi, se: $0.se, imputed: false) }
        points += imputed.map { FunnelData.Point(study: $0.study, yi: $0.yi, se: $0.se, imputed: true) }
        let seMax = points.map(\.se).max() ?? 1
        return FunnelData(points: points, centre: centre, seMax: seMax,
                          zCritical: Normal.upperQuantile((100 - level) / 100 / 2))
    }
}

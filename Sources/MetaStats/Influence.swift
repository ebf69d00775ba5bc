/// One study's influence diagnostics (cf. metafor's `influence()` for `rma.uni`, intercept-only model).
public struct InfluenceRow: Sendable, Hashable, Codable {
    public var study: String
    /// Externally standardised (deleted) residual: (yᵢ − μ̂₋ᵢ) / √(s²₋ᵢ·(vᵢ + τ²₋ᵢ) + Var μ̂₋ᵢ).
    public var rstudent: Double
    /// (μ̂ − μ̂₋ᵢ) / √(s²₋ᵢ·hᵢ·(vᵢ + τ²₋ᵢ)).
    public var dffits: Double
    /// (μ̂ − μ̂₋ᵢ)² / Var μ̂.
    public var cooksDistance: Double
    /// Var μ̂₋ᵢ / Var μ̂.
    public var covRatio: Double
    /// τ² without the study (0 for a fixed-effect fit).
    public var tau2Deleted: Double
    /// Cochran's Q without the study.
    public var qDeleted: Double
    /// Diagonal of the hat matrix: wᵢ/Σwⱼ.
    public var hat: Double
    /// Weight in percent.
    public var weight: Double
    /// (μ̂ − μ̂₋ᵢ) / √(s²₋ᵢ / Σⱼ 1/(vⱼ + τ²₋ᵢ)), the sum over all k studies.
    public var dfbetas: Double
    /// metafor's rule: |DFFITS| > 3√(p/(k − p)), or P(χ²₁ ≤ Cook's distance) > 0.5, or hat > 3p/k,
    /// or |DFBETAS| > 1 (p = 1).
    public var influential: Bool
    /// The Baujat plot's coordinates: the study's contribution to Q, (yᵢ − μ̂)²/(vᵢ + τ̂²), and its
    /// influence on the pooled result, (μ̂₋ᵢ − μ̂)² / Var μ̂₋ᵢ (metafor's `baujat()`).
    public var baujatX: Double
    public var baujatY: Double

    /// result.json's keys.
    enum CodingKeys: String, CodingKey {
        case study, rstudent, dffits, hat, weight, dfbetas, influential
        case cooksDistance = "cooks_distance", covRatio = "cov_ratio", tau2Deleted = "tau2_deleted"
        case qDeleted = "q_deleted", baujatX = "baujat_x", baujatY = "baujat_y"
    }

    public init(study: String, rstudent: Double, dffits: Double, cooksDistance: Double, covRatio: Double,
                tau2Deleted: Double, qDeleted: Double, hat: Double, weight: Double, dfbetas: Double,
                influential: Bool, baujatX: Double, baujatY: Double) {
        self.study = study; self.rstudent = rstudent; self.dffits = dffits; self.cooksDistance = cooksDistance
        self.covRatio = covRatio; self.tau2Deleted = tau2Deleted; self.qDeleted = qDeleted; self.hat = hat
        self.weight = weight; self.dfbetas = dfbetas; self.influential = influential
        self.baujatX = baujatX; self.baujatY = baujatY
    }
}

/// Outlier and influence diagnostics of an inverse-variance fit (Viechtbauer & Cheung 2010;
/// Baujat et al. 2002), from the leave-one-out refits.
public enum Influence {
    /// P(χ²₁ ≤ D) > 0.5 exactly when D exceeds the median of χ²₁.
    static let chiSquaredOneMedian = ChiSquared.quantile(0.5, df: 1)

    /// The diagnostics of every study, in study order (k ≥ 2). Each refit uses the analysis' own
    /// model, τ² estimator and test (`Sensitivity.leaveOneOut`); s²₋ᵢ is the Hartung–Knapp factor of
    /// the refit (1 for the z test). Mantel–Haenszel and Peto fits are refused, as in metafor
    /// (`influence()` is defined for `rma.uni` models).
    public static func diagnostics(_ effects: [EffectSize], measure: EffectMeasure, options: PoolingOptions) throws
        -> [InfluenceRow]
    {
        guard !effects.isEmpty else { throw StatsError.noStudies }
        if options.method == .mh || options.method == .peto {
            throw StatsError.needsInverseVariance(.influence, method: options.method)
        }
        let k = effects.count
        guard k >= StatsError.Procedure.influence.minimumStudies else {
            throw StatsError.tooFewStudies(.influence, k: k)
        }
        let refit = Sensitivity.refitOptions(options)
        let full = try Pooling.analyze(effects, measure: measure, options: refit)
        let rows = try Sensitivity.leaveOneOut(effects, measure: measure, options: refit)
        let mu = full.pooled.estimate
        let vb = full.pooled.se * full.pooled.se
        let tau2 = full.heterogeneity?.tau2 ?? 0
        let y = effects.map(\.yi), v = effects.map(\.vi)
        var sw = 0.0
        for vi in v { sw += 1 / (vi + tau2) }
        // Σⱼ 1/(vⱼ + τ²₋ᵢ) over all k studies, for each i.
        let tau2s = rows.map(\.tau2)
        var allSums = [Double](repeating: 0, count: k)
        if k <= 2048 {
            for i in 0..<k {
                var s = 0.0
                for j in 0..<k { s += 1 / (v[j] + tau2s[i]) }
                allSums[i] = s
            }
        } else {
            allSums = RationalSums(d: [Double](repeating: 0, count: k), v: v, at: tau2s).s0
        }
        let p = 1.0
        let dffitsLimit = 3 * (p / (Double(k) - p)).squareRoot()
        let hatLimit = 3 * p / Double(k)
        var out: [InfluenceRow] = []
        out.reserveCapacity(k)
        for i in 0..<k {
            let row = rows[i]
            let t = row.tau2
            let vbDeleted = row.se * row.se
            // The refit's Hartung–Knapp factor: Var μ̂₋ᵢ · Σⱼ≠ᵢ 1/(vⱼ + τ²₋ᵢ) (1 under the z test).
            let s2w = full.options.test == .knha && row.k > 1 ? vbDeleted * (allSums[i] - 1 / (v[i] + t)) : 1
            let hat = 1 / (v[i] + tau2) / sw
            let change = mu - row.estimate
            var residual = y[i] - row.estimate
            if abs(residual) < 100 * Double.ulpOfOne { residual = 0 }
            let rstudent = residual / (v[i] * s2w + vbDeleted + t * s2w).squareRoot()
            let dffits = change / (s2w * hat * (t + v[i])).squareRoot()
            let dfbetas = change / (s2w / allSums[i]).squareRoot()
            let cook = change * change / vb
            let influential = abs(dffits) > dffitsLimit || cook > chiSquaredOneMedian || hat > hatLimit || abs(dfbetas) > 1
            let r = y[i] - mu
            out.append(InfluenceRow(study: effects[i].study, rstudent: rstudent, dffits: dffits, cooksDistance: cook,
                                    covRatio: vbDeleted / vb, tau2Deleted: t, qDeleted: row.q, hat: hat,
                                    weight: full.studies[i].weight, dfbetas: dfbetas, influential: influential,
                                    baujatX: r * r / (tau2 + v[i]), baujatY: change * change / vbDeleted))
            for (name, value) in [("rstudent", rstudent), ("DFFITS", dffits), ("DFBETAS", dfbetas), ("Cook's distance", cook)]
            where !value.isFinite {
                throw StatsError.nonFinite(quantity: name, detail: "study '\(effects[i].study)'")
            }
        }
        return out
    }
}

/// One subgroup's own meta-analysis.
public struct SubgroupResult: Sendable, Hashable, Codable {
    public var name: String
    public var analysis: MetaAnalysis
}

/// A subgroup analysis: each subgroup pooled on its own (its own τ², as RevMan does) and the test
/// for subgroup differences.
public struct SubgroupAnalysis: Sendable, Hashable, Codable {
    public var groups: [SubgroupResult]
    /// Q between subgroups, Σ w_g(μ̂_g − μ̄)² with w_g = 1/SE_g² (absent with fewer than two groups).
    public var qBetween: Double?
    public var df: Int?
    public var pValue: Double?
    /// I² of the test for subgroup differences, in percent: 100·max(0, (Q − df)/Q), 0 when Q = 0
    /// (Higgins and Thompson 2002 applied to Q between subgroups, as RevMan reports it).
    public var i2: Double? {
        guard let q = qBetween, let df else { return nil }
        return q > 0 ? max(0, 100 * (q - Double(df)) / q) : 0
    }
    public var warnings: [String]
}

public enum Subgroups {
    /// Pools each subgroup separately with the same options and tests for differences between the
    /// subgroup estimates: Q_between = Σ_g w_g(μ̂_g − μ̄)², w_g = 1/SE(μ̂_g)², μ̄ = Σ w_g μ̂_g / Σ w_g,
    /// referred to χ² with G − 1 df (Borenstein et al. 2009, ch. 19; RevMan's test for subgroup
    /// differences). For an inverse-variance fixed-effect fit this equals Q − Σ Q_g.
    /// Subgroups appear in the order of their first study.
    public static func analyze(_ effects: [EffectSize], labels: [String], measure: EffectMeasure,
                               options: PoolingOptions) throws -> SubgroupAnalysis
    {
        precondition(effects.count == labels.count, "one subgroup label per study")
        var order: [String] = []
        var members: [String: [EffectSize]] = [:]
        for (effect, label) in zip(effects, labels) {
            if members[label] == nil { order.append(label) }
            members[label, default: []].append(effect)
        }
        if effects.isEmpty { return SubgroupAnalysis(groups: [], qBetween: nil, df: nil, pValue: nil, warnings: []) }
        var options = options
        options.tau2ConfidenceInterval = false
        var groups: [SubgroupResult] = []
        var warnings: [String] = []
        for name in order {
            let analysis = try Pooling.analyze(members[name]!, measure: measure, options: options)
            groups.append(SubgroupResult(name: name, analysis: analysis))
            if analysis.k == 1 {
                warnings.append("subgroup '\(name)' has a single study; its estimate is that study's own")
            }
        }
        guard groups.count >= 2 else {
            warnings.append("only one subgroup, so there is no test for subgroup differences")
            return SubgroupAnalysis(groups: groups, qBetween: nil, df: nil, pValue: nil, warnings: warnings)
        }
        var sw = 0.0, swy = 0.0
        for g in groups {
            let w = 1 / (g.analysis.pooled.se * g.analysis.pooled.se)
            sw += w
            swy += w * g.analysis.pooled.estimate
        }
        let mean = swy / sw
        var q = 0.0
        for g in groups {
            let w = 1 / (g.analysis.pooled.se * g.analysis.pooled.se)
            q += w * (g.analysis.pooled.estimate - mean) * (g.analysis.pooled.estimate - mean)
        }
        let df = groups.count - 1
        return SubgroupAnalysis(groups: groups, qBetween: q, df: df, pValue: ChiSquared.ccdf(q, df: Double(df)),
                                warnings: warnings)
    }
}

import MetaStats

/// Measures pooled on a transformed scale but shown on another that is not a ratio (ZCOR shown as r,
/// PLO and PFT as proportions) are drawn as metafor's `forest(transf = …)` draws them: every
/// interval and estimate back-transformed onto a linear axis of the shown scale. The studies' own
/// estimates and SEs stay on the analysis scale, headed with its name.
extension EffectMeasure {
    /// The measure whose linear scale a ZCOR, PLO or PFT plot is drawn on (nil for the others).
    var shownMeasure: EffectMeasure? {
        switch self {
        case .zcor: return .cor
        case .plo, .pft: return .pr
        default: return nil
        }
    }
}

extension MetaAnalysis {
    func backTransformed(_ t: BackTransform) -> MetaAnalysis {
        var a = self
        for i in a.studies.indices {
            a.studies[i].ciLower = t.apply(studies[i].ciLower)
            a.studies[i].ciUpper = t.apply(studies[i].ciUpper)
            a.studies[i].yi = t.apply(studies[i].yi)
        }
        a.pooled.estimate = t.apply(pooled.estimate)
        a.pooled.ciLower = t.apply(pooled.ciLower)
        a.pooled.ciUpper = t.apply(pooled.ciUpper)
        a.pooled.piLower = pooled.piLower.map(t.apply)
        a.pooled.piUpper = pooled.piUpper.map(t.apply)
        return a
    }
}

extension ForestPlotInput {
    /// The plot on the shown scale for ZCOR, PLO and PFT (itself for other measures).
    public func onShownScale() -> ForestPlotInput {
        guard let shown = measure.shownMeasure, let t = measure.backTransform(sizes: effects.compactMap(\.n1)) else { return self }
        var input = self
        input.measure = shown
        input.analysis = analysis.backTransformed(t)
        if var s = subgroups {
            for i in s.analysis.groups.indices {
                let sizes = s.analysis.groups[i].analysis.studies.compactMap { st in effects.first { $0.study == st.study }?.n1 }
                let groupT = measure.backTransform(sizes: sizes) ?? t
                s.analysis.groups[i].analysis = s.analysis.groups[i].analysis.backTransformed(groupT)
            }
            input.subgroups = s
        }
        if input.options.measureLabel == nil { input.options.measureLabel = shown.plotTitle }
        if input.options.analysisScaleLabel == nil { input.options.analysisScaleLabel = measure.plotTitle }
        return input
    }
}

extension RefitPlotInput {
    /// The plot on the shown scale for ZCOR, PLO and PFT (each row's PFT with the harmonic mean of
    /// the sizes `Kind.rowSizes` gives; itself for other measures).
    public func onShownScale(sizes: [String: Double]) -> RefitPlotInput {
        guard let shown = measure.shownMeasure, let t = measure.backTransform(sizes: Array(sizes.values)) else { return self }
        var input = self
        input.measure = shown
        input.overall = overall.backTransformed(t)
        for i in rows.indices {
            let rowT = measure.backTransform(sizes: Kind.rowSizes(sizes, row: rows[i])) ?? t
            input.rows[i].ciLower = rowT.apply(rows[i].ciLower)
            input.rows[i].ciUpper = rowT.apply(rows[i].ciUpper)
            input.rows[i].estimate = rowT.apply(rows[i].estimate)
        }
        if input.options.measureLabel == nil { input.options.measureLabel = shown.plotTitle }
        return input
    }
}

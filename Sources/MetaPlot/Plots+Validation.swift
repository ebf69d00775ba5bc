import MetaStats

/// Checks that every number a plot would show is finite, naming the first one that is not.
struct FiniteCheck {
    func require(_ value: Double, _ what: @autoclosure () -> String) throws(PlotError) {
        guard value.isFinite else { throw .nonFinite(what: what()) }
    }

    func require(_ value: Double?, _ what: @autoclosure () -> String) throws(PlotError) {
        if let value { try require(value, what()) }
    }

    /// Checks the named numbers of one thing in order; a failure reads "<label> of <owner>"
    /// ("events1 of study 'Smith 2001'"). Absent (nil) numbers pass.
    func require(_ values: KeyValuePairs<String, Double?>, of owner: String) throws(PlotError) {
        for (label, value) in values { try require(value, "\(label) of \(owner)") }
    }

    func effect(_ effect: EffectSize) throws(PlotError) {
        let name = "study '\(effect.study)'"
        try require(["yi": effect.yi, "vi": effect.vi, "the standard error": effect.se], of: name)
        if let c = effect.counts {
            try require(["events1": c.events1, "total1": c.total1, "events2": c.events2, "total2": c.total2], of: name)
        }
        if let a = effect.arms {
            try require(["mean1": a.mean1, "sd1": a.sd1, "n1": a.n1, "mean2": a.mean2, "sd2": a.sd2, "n2": a.n2],
                        of: name)
        }
        try require(["n1": effect.n1, "n2": effect.n2], of: name)
    }

    /// The studies, pooled estimate and heterogeneity of an analysis; `context` says which one
    /// ("the analysis", "subgroup 'UK'").
    func analysis(_ analysis: MetaAnalysis, _ context: String) throws(PlotError) {
        for study in analysis.studies {
            try require(["the estimate": study.yi, "the standard error": study.se,
                         "the lower confidence limit": study.ciLower, "the upper confidence limit": study.ciUpper,
                         "the weight": study.weight],
                        of: "study '\(study.study)' in \(context)")
        }
        let pooled = analysis.pooled
        try require(["the pooled estimate": pooled.estimate,
                     "the standard error of the pooled estimate": pooled.se,
                     "the lower confidence limit of the pooled estimate": pooled.ciLower,
                     "the upper confidence limit of the pooled estimate": pooled.ciUpper,
                     "the test statistic": pooled.statistic, "the p-value": pooled.pValue,
                     "the lower prediction limit": pooled.piLower, "the upper prediction limit": pooled.piUpper],
                    of: context)
        if let h = analysis.heterogeneity {
            try require(["tau²": h.tau2, "Q": h.q, "I²": h.i2, "the heterogeneity p-value": h.pValue], of: context)
        }
    }
}

import MetaStats

/// Checks that every number a plot would show is finite, naming the first one that is not.
struct FiniteCheck {
    func require(_ value: Double, _ what: @autoclosure () -> String) throws(PlotError) {
        guard value.isFinite else { throw .nonFinite(what: what()) }
    }

    func require(_ value: Double?, _ what: @autoclosure () -> String) throws(PlotError) {
        if let value { try require(value, what()) }
    }

    func effect(_ effect: EffectSize) throws(PlotError) {
        let name = "study '\(effect.study)'"
        try require(effect.yi, "yi of \(name)")
        try require(effect.vi, "vi of \(name)")
        try require(effect.se, "the standard error of \(name)")
        if let c = effect.counts {
            try require(c.events1, "events1 of \(name)")
            try require(c.total1, "total1 of \(name)")
            try require(c.events2, "events2 of \(name)")
            try require(c.total2, "total2 of \(name)")
        }
        if let a = effect.arms {
            try require(a.mean1, "mean1 of \(name)")
            try require(a.sd1, "sd1 of \(name)")
            try require(a.n1, "n1 of \(name)")
            try require(a.mean2, "mean2 of \(name)")
            try require(a.sd2, "sd2 of \(name)")
            try require(a.n2, "n2 of \(name)")
        }
        try require(effect.n1, "n1 of \(name)")
        try require(effect.n2, "n2 of \(name)")
    }

    /// The studies, pooled estimate and heterogeneity of an analysis; `context` says which one
    /// ("the analysis", "subgroup 'UK'").
    func analysis(_ analysis: MetaAnalysis, _ context: String) throws(PlotError) {
        for study in analysis.studies {
            let name = "study '\(study.study)' in \(context)"
            try require(study.yi, "the estimate of \(name)")
            try require(study.se, "the standard error of \(name)")
            try require(study.ciLower, "the lower confidence limit of \(name)")
            try require(study.ciUpper, "the upper confidence limit of \(name)")
            try require(study.weight, "the weight of \(name)")
        }
        let pooled = analysis.pooled
        try require(pooled.estimate, "the pooled estimate of \(context)")
        try require(pooled.se, "the standard error of the pooled estimate of \(context)")
        try require(pooled.ciLower, "the lower confidence limit of the pooled estimate of \(context)")
        try require(pooled.ciUpper, "the upper confidence limit of the pooled estimate of \(context)")
        try require(pooled.statistic, "the test statistic of \(context)")
        try require(pooled.pValue, "the p-value of \(context)")
        try require(pooled.piLower, "the lower prediction limit of \(context)")
        try require(pooled.piUpper, "the upper prediction limit of \(context)")
        if let h = analysis.heterogeneity {
            try require(h.tau2, "tau² of \(context)")
            try require(h.q, "Q of \(context)")
            try require(h.i2, "I² of \(context)")
            try require(h.pValue, "the heterogeneity p-value of \(context)")
        }
    }
}

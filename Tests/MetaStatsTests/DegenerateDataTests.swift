import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// Degenerate but valid data: a result where the method defines one, or a named error.
@Suite struct DegenerateDataTests {
    /// Identical effects under Hartung–Knapp: metafor's test = "knha" gives se = 0 and t = Inf, which
    /// no result file can hold; the ad hoc factor max(1, s²) (metafor's test = "adhoc") gives
    /// se = 1/√Σw. metafor 3.8-1: rma(yi = c(.5, .5, .5), vi = c(.1, .2, .05), method = "REML",
    /// test = "adhoc") → se 0.169030850945703248, t 2.958039891549806732, p 0.097806291103682705,
    /// CI −0.227281052233405223 … 1.227281052233404335, τ² = 0.
    @Test func identicalEffectsUnderHartungKnappGiveTheAdHocResult() throws {
        let data = zip([0.1, 0.2, 0.05], ["A", "B", "C"]).map { EffectSize(study: $1, yi: 0.5, vi: $0, input: .variance) }
        for method in [PoolingMethod.reml, .dl, .pm, .he] {
            let a = try Pooling.analyze(data, measure: .generic, options: PoolingOptions(method: method, test: .knha))
            expectClose(a.pooled.se, 0.169030850945703248, rel: 1e-12, "\(method) se")
            expectClose(a.pooled.se, 1 / 35.0.squareRoot(), rel: 1e-14, "\(method) se, closed form")
            expectClose(a.pooled.statistic, 2.958039891549806732, rel: 1e-12, "\(method) t")
            expectClose(a.pooled.pValue, 0.097806291103682705, rel: 1e-10, "\(method) p")
            expectClose(a.pooled.ciLower, -0.227281052233405223, rel: 1e-12, "\(method) lower")
            expectClose(a.pooled.ciUpper, 1.227281052233404335, rel: 1e-12, "\(method) upper")
            #expect(a.heterogeneity?.tau2 == 0 && a.pooled.df == 2)
            #expect(a.warnings.contains { $0.contains("ad hoc adjustment") }, "\(method)")
        }
    }
}

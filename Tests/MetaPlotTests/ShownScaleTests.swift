import Foundation
import MetaTestSupport
import Testing
@testable import MetaPlot
@testable import MetaStats

/// ZCOR, PLO and PFT forest plots are drawn on the shown scale (r, proportion).
@Suite struct ShownScaleTests {
    @Test func logitProportionsAreDrawnAsProportions() throws {
        let studies = [(3.0, 10.0), (12.0, 20.0), (30.0, 40.0)].enumerated().map {
            StudyInput(study: "s\($0.offset)", data: .proportion(events: $0.element.0, total: $0.element.1))
        }
        let set = try EffectSizes.compute(studies, measure: .plo)
        let a = try Pooling.analyze(set.effects, measure: .plo, options: PoolingOptions(method: .reml))
        let input = ForestPlotInput(measure: .plo, analysis: a, effects: set.effects).onShownScale()
        #expect(input.measure == .pr)
        #expect(input.options.measureLabel == "Proportion" && input.options.analysisScaleLabel == "Logit Proportion")
        // 1/(1 + e^−x), the inverse logit
        expectClose(input.analysis.pooled.estimate, 1 / (1 + exp(-a.pooled.estimate)), rel: 1e-14, "pooled")
        expectClose(input.analysis.studies[0].yi, 0.3, rel: 1e-12, "3/10 back from its logit")
        let layout = try Plots.forest(input)
        #expect(layout.width > 0)
    }

    @Test func ratioMeasuresAreLeftAsTheyAre() throws {
        let s = StudyInput(study: "a", data: .rates(RateCounts(events1: 3, time1: 10, events2: 4, time2: 12)))
        let set = try EffectSizes.compute([s, StudyInput(study: "b", data: .rates(RateCounts(events1: 5, time1: 9, events2: 2, time2: 11)))], measure: .irr)
        let a = try Pooling.analyze(set.effects, measure: .irr, options: PoolingOptions())
        let input = ForestPlotInput(measure: .irr, analysis: a, effects: set.effects).onShownScale()
        #expect(input.measure == .irr && input.analysis.pooled.estimate == a.pooled.estimate)
    }
}

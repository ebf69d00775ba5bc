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
        // A proportion's axis: 0 to 1, no line of no effect, no "Favours" labels.
        let layout = try Plots.forest(input)
        LayoutChecks.expectClean(layout, "PLO forest")
        #expect(LayoutChecks.shapes(layout, .nullLine).isEmpty)
        #expect(!LayoutChecks.texts(layout).contains { $0.hasPrefix("Favours") })
        let ticks = layout.textRuns.filter { $0.box.role == .tick }.map(\.text)
        #expect(ticks == ["0", "0.2", "0.4", "0.6", "0.8", "1.0"], "\(ticks)")
        // The same plot of a mean difference keeps both.
        let md = try TestData.forest(TestData.syntheticContinuous(k: 3, seed: 3), measure: .md)
        let mdLayout = try Plots.forest(md)
        #expect(!LayoutChecks.shapes(mdLayout, .nullLine).isEmpty && LayoutChecks.texts(mdLayout).contains { $0.hasPrefix("Favours") })
    }

    @Test func aProportionAxisStaysWithinZeroAndOne() throws {
        #expect(throws: PlotError.self) { try EffectAxis.proportionAxis(AxisRange(min: -0.1, max: 1)) }
        let axis = try EffectAxis.proportionAxis(AxisRange(min: 0, max: 0.5))
        #expect(axis.lower == 0 && axis.upper == 0.5 && !axis.showsNull)
        #expect(axis.ticks.map(\.label) == ["0", "0.1", "0.2", "0.3", "0.4", "0.5"])
    }

    @Test func ratioMeasuresAreLeftAsTheyAre() throws {
        let s = StudyInput(study: "a", data: .rates(RateCounts(events1: 3, time1: 10, events2: 4, time2: 12)))
        let set = try EffectSizes.compute([s, StudyInput(study: "b", data: .rates(RateCounts(events1: 5, time1: 9, events2: 2, time2: 11)))], measure: .irr)
        let a = try Pooling.analyze(set.effects, measure: .irr, options: PoolingOptions())
        let input = ForestPlotInput(measure: .irr, analysis: a, effects: set.effects).onShownScale()
        #expect(input.measure == .irr && input.analysis.pooled.estimate == a.pooled.estimate)
    }
}

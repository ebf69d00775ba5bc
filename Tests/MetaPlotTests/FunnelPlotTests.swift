import Foundation
@testable import MetaPlot
import MetaStats
import MetaTestSupport
import Testing

enum FunnelScenario: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case hackshawTrimAndFillContours, hackshawPlain, normandSMD, bcgRiskRatioContours, k1, k3, k40, k1000

    var testDescription: String { rawValue }

    func input() throws -> FunnelPlotInput {
        switch self {
        case .hackshawTrimAndFillContours, .hackshawPlain:
            let effects = try TestData.hackshawEffects().effects
            let analysis = try Pooling.analyze(effects, measure: .or, options: PoolingOptions())
            let fill = self == .hackshawPlain ? nil : try SmallStudy.trimAndFill(effects, measure: .or, options: PoolingOptions())
            return FunnelPlotInput(measure: .or, effects: effects, centre: analysis.pooled.estimate, trimAndFill: fill,
                                   contours: self == .hackshawTrimAndFillContours,
                                   title: self == .hackshawPlain ? nil : "Passive smoking and lung cancer: a funnel plot with a title long enough to wrap")
        case .normandSMD:
            let effects = try TestData.effects(TestData.normandInputs(), .smd)
            let analysis = try Pooling.analyze(effects, measure: .smd, options: PoolingOptions())
            return FunnelPlotInput(measure: .smd, effects: effects, centre: analysis.pooled.estimate)
        case .bcgRiskRatioContours:
            let effects = try TestData.effects(TestData.bcgInputs().inputs, .rr)
            let analysis = try Pooling.analyze(effects, measure: .rr, options: PoolingOptions())
            return FunnelPlotInput(measure: .rr, effects: effects, centre: analysis.pooled.estimate, level: 90, contours: true)
        case .k1:
            let effects = try TestData.effects(Array(TestData.aspirin.prefix(1)), .or)
            return FunnelPlotInput(measure: .or, effects: effects, centre: effects[0].yi)
        case .k3:
            let effects = try TestData.effects(Array(TestData.aspirin.prefix(3)), .or)
            let analysis = try Pooling.analyze(effects, measure: .or, options: PoolingOptions())
            return FunnelPlotInput(measure: .or, effects: effects, centre: analysis.pooled.estimate, contours: true)
        case .k40:
            let effects = try TestData.effects(TestData.syntheticBinary(k: 40, seed: 40), .rr)
            let analysis = try Pooling.analyze(effects, measure: .rr, options: PoolingOptions())
            let fill = try SmallStudy.trimAndFill(effects, measure: .rr, options: PoolingOptions())
            return FunnelPlotInput(measure: .rr, effects: effects, centre: analysis.pooled.estimate, trimAndFill: fill)
        case .k1000:
            let effects = try TestData.effects(TestData.syntheticContinuous(k: 1000, seed: 11), .md)
            let analysis = try Pooling.analyze(effects, measure: .md, options: PoolingOptions())
            return FunnelPlotInput(measure: .md, effects: effects, centre: analysis.pooled.estimate, contours: true)
        }
    }
}

@Suite("Funnel plot")
struct FunnelPlotTests {
    @Test(arguments: FunnelScenario.allCases)
    func noTextOverlapsAndNothingLeavesThePage(_ scenario: FunnelScenario) throws {
        let input = try scenario.input()
        let layout = try Plots.funnel(input)
        LayoutChecks.expectClean(layout, scenario.rawValue)
        #expect(LayoutChecks.shapes(layout, .studyPoint).count == input.effects.count)
        #expect(LayoutChecks.shapes(layout, .imputedPoint).count == (input.trimAndFill?.filled.count ?? 0))
    }

    /// The circles of a layout with their role, centre and fill.
    func points(_ layout: PlotLayout) -> [CircleElement] {
        layout.elements.compactMap { element in
            if case .circle(let circle) = element, circle.role == .studyPoint || circle.role == .imputedPoint { return circle }
            return nil
        }
    }

    @Test func standardErrorAxisIsInvertedWithZeroAtTheTop() throws {
        let input = try FunnelScenario.normandSMD.input()
        let layout = try Plots.funnel(input)
        let circles = points(layout)
        try #require(circles.count == input.effects.count)
        for (a, ea) in zip(circles, input.effects) {
            for (b, eb) in zip(circles, input.effects) where ea.se < eb.se {
                #expect(a.centre.y < b.centre.y, "smaller SE plotted higher")
            }
        }
        let seTicks = layout.textRuns.filter { $0.box.role == .tick && $0.alignment == .end }
        let zero = try #require(seTicks.first { $0.text == "0.0" || $0.text == "0" })
        #expect(seTicks.allSatisfy { $0.anchor.y >= zero.anchor.y }, "0 is the top tick")
        // More precise studies lie to the right of less precise ones exactly when their effect is larger.
        for (a, ea) in zip(circles, input.effects) {
            for (b, eb) in zip(circles, input.effects) where ea.yi < eb.yi {
                #expect(a.centre.x < b.centre.x)
            }
        }
    }

    @Test func pseudoLimitsMeetAtTheCentre() throws {
        let input = try FunnelScenario.hackshawPlain.input()
        let layout = try Plots.funnel(input)
        let limits = layout.elements.compactMap { element -> LineElement? in
            if case .line(let line) = element, line.role == .pseudoLimit { return line }
            return nil
        }
        try #require(limits.count == 2)
        #expect(limits.allSatisfy { !$0.stroke.dash.isEmpty }, "pseudo limits are dashed")
        expectClose(limits[0].from.x, limits[1].from.x, rel: 1e-12, "apex x")
        expectClose(limits[0].from.y, limits[1].from.y, rel: 1e-12, "apex y")
        guard case .line(let centre)? = LayoutChecks.shapes(layout, .referenceLine).first else {
            Issue.record("no centre line")
            return
        }
        expectClose(centre.from.x, limits[0].from.x, rel: 1e-12, "limits start at the pooled estimate")
        // Symmetric about the centre: the left limit goes as far left as the right one goes right.
        expectClose(centre.from.x - limits[0].to.x, limits[1].to.x - centre.from.x, rel: 1e-9, "symmetric limits")
        #expect(LayoutChecks.shapes(layout, .contour).isEmpty, "no contours unless asked for")
    }

    @Test func trimAndFillStudiesAreOpenSymbols() throws {
        let input = try FunnelScenario.hackshawTrimAndFillContours.input()
        let fill = try #require(input.trimAndFill)
        #expect(fill.k0 > 0)
        let layout = try Plots.funnel(input)
        let imputed = points(layout).filter { $0.role == .imputedPoint }
        #expect(imputed.count == fill.k0)
        #expect(imputed.allSatisfy { $0.fill == .white && $0.stroke != nil }, "open symbols")
        #expect(points(layout).filter { $0.role == .studyPoint }.allSatisfy { $0.fill == .accent }, "observed studies filled")
        #expect(LayoutChecks.shapes(layout, .adjustedLine).count == 1)
        #expect(LayoutChecks.texts(layout).contains("Imputed studies (trim and fill)"))
        // Contour regions, and a legend entry for each.
        #expect(LayoutChecks.shapes(layout, .contour).count == 4)
        for label in ["p > 0.10", "0.05 < p < 0.10", "0.01 < p < 0.05", "p < 0.01"] {
            #expect(LayoutChecks.texts(layout).contains(label))
        }
    }

    @Test func ratioMeasuresUseALogAxisLabelledInRatios() throws {
        let layout = try Plots.funnel(FunnelScenario.hackshawPlain.input())
        let ticks = layout.textRuns.filter { $0.box.role == .tick && $0.alignment == .middle }
        let x = Dictionary(uniqueKeysWithValues: ticks.map { ($0.text, $0.anchor.x) })
        let one = try #require(x["1"]), two = try #require(x["2"]), half = try #require(x["0.5"])
        expectClose(two - one, one - half, rel: 1e-9, "equal ratios, equal distances")
        #expect(LayoutChecks.texts(layout).contains("Odds ratio (log scale)"))
        #expect(LayoutChecks.texts(layout).contains("Standard error"))
        #expect(layout.textRuns.contains { $0.text == "Standard error" && $0.rotated })
    }

    @Test func badInputIsAnError() throws {
        let input = try FunnelScenario.normandSMD.input()
        var empty = input
        empty.effects = []
        #expect(throws: PlotError.noStudies) { try Plots.funnel(empty) }
        var nan = input
        nan.effects[0].vi = .nan
        #expect(throws: PlotError.nonFinite(what: "vi of study 'Edinburgh'")) { try Plots.funnel(nan) }
        var centre = input
        centre.centre = .infinity
        #expect(throws: PlotError.nonFinite(what: "the funnel's centre (pooled estimate)")) { try Plots.funnel(centre) }
        // A log-scale variance in the wrong units: finite, but exp() of the axis limits is not.
        var huge = try FunnelScenario.hackshawPlain.input()
        huge.effects[0].vi = 1e6
        let error = #expect(throws: PlotError.self) { try Plots.funnel(huge) }
        #expect(error?.message.contains("beyond what can be drawn") == true, "\(String(describing: error))")
    }

    /// Labels of a wide log axis: a power of ten far below 1 is never printed as "0".
    @Test func tinyRatioTicksKeepTheirValue() {
        #expect(EffectAxis.ratioLabel(1e-9) == "1e-9")
        #expect(EffectAxis.ratioLabel(0.001) == "0.001")
        #expect(EffectAxis.ratioLabel(0.2) == "0.2")
        #expect(EffectAxis.decimals(1e-7) == 7)
    }
}

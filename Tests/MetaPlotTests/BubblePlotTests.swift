import Foundation
@testable import MetaPlot
import MetaStats
import MetaTestSupport
import Testing

/// The bubble plot of a meta-regression: layout checks at several k, on ratio and difference
/// measures, with a factor held at its means, and the geometry of points and line.
@Suite struct BubblePlotTests {
    /// BCG log risk ratios on absolute latitude (REML), optionally with allocation as a factor.
    static func bcg(withFactor: Bool = false, moderatorName: String = "ablat") throws -> BubblePlotInput {
        let rows = try loadCSV("bcg.csv", bundle: .module)
        let effects = try TestData.effects(TestData.bcgInputs().inputs, .rr)
        let ablat = rows.map { Double($0["ablat"] ?? "") ?? .nan }
        var moderators: [Moderator] = [.numeric(name: moderatorName, values: ablat)]
        if withFactor { moderators.append(.factor(name: "alloc", values: rows.map { $0["alloc"] ?? "" })) }
        return try input(effects, moderators: moderators, measure: .rr)
    }

    static func input(_ effects: [EffectSize], moderators: [Moderator], measure: EffectMeasure) throws -> BubblePlotInput {
        let y = effects.map(\.yi), v = effects.map(\.vi)
        let fit = try MetaRegressionFit.fit(y: y, v: v, moderators: moderators, method: .reml)
        guard case let .numeric(name, values) = moderators[0] else { throw PlotError.noStudies }
        let line = try MetaRegressionFit.line(fit, moderators: moderators, along: name)
        let points = effects.indices.map { BubblePoint(study: effects[$0].study, x: values[$0], yi: y[$0], weight: 1 / (v[$0] + fit.tau2)) }
        let others = fit.coefficients.map(\.term).filter { $0 != "intercept" && $0 != name }
        return BubblePlotInput(measure: measure, moderator: name, points: points, line: line, heldAtMeans: others)
    }

    /// Synthetic mean differences growing with a moderator, k studies.
    static func synthetic(k: Int) throws -> BubblePlotInput {
        let effects = try TestData.effects(TestData.syntheticContinuous(k: k, seed: UInt64(k)), .md)
        let x = (0..<k).map { Double($0 % 17) * 1.5 + Double($0) / Double(k) }
        return try input(effects, moderators: [.numeric(name: "sessions", values: x)], measure: .md)
    }

    @Test(arguments: [3, 13, 40, 200])
    func layoutIsClean(_ k: Int) throws {
        let input = k == 13 ? try Self.bcg() : try Self.synthetic(k: k)
        let layout = try Plots.bubble(input)
        LayoutChecks.expectClean(layout, "bubble k = \(k)")
        #expect(LayoutChecks.shapes(layout, .studyPoint).count == input.points.count)
        let svg = try Plots.render(layout, as: .svg)
        let content = try #require(LayoutChecks.parseSVG(svg))
        #expect(content.texts.contains { $0.text == input.moderator })
        let png = try Plots.render(layout, as: .png, dpi: 96)
        #expect(LayoutChecks.pngSize(png) != nil)
    }

    @Test func factorHeldAtMeansAndLongNamesStayOnTheCanvas() throws {
        let long = "absolute latitude of the trial site in degrees from the equator, as reported by the authors"
        let layout = try Plots.bubble(try Self.bcg(withFactor: true, moderatorName: long))
        LayoutChecks.expectClean(layout, "bubble with a factor and a long name")
        #expect(LayoutChecks.texts(layout).contains { $0.contains("alloc=random") })
    }

    /// Larger weights draw larger points; the line falls with latitude (the BCG slope is negative) and
    /// the ratio axis is labelled in risk ratios.
    @Test func geometryFollowsTheData() throws {
        let input = try Self.bcg()
        let layout = try Plots.bubble(input)
        let circles = layout.elements.compactMap { e -> CircleElement? in
            if case .circle(let c) = e, c.role == .studyPoint { return c }
            return nil
        }
        // Area ∝ weight: radius² / weight is the same for every study drawn above the smallest radius.
        try #require(circles.count == input.points.count)
        let largest = try #require(input.points.map(\.weight).max())
        for point in input.points {
            let expected = max(BubbleModel.Metrics.minRadius, BubbleModel.Metrics.maxRadius * (point.weight / largest).squareRoot())
            #expect(circles.contains { abs($0.radius - expected) < 1e-9 }, "a point of radius \(expected) for \(point.study)")
        }
        // Drawn largest first, so small studies stay on top.
        #expect(circles.map(\.radius) == circles.map(\.radius).sorted(by: >))
        #expect(circles.first?.radius == BubbleModel.Metrics.maxRadius)
        let fitted = layout.elements.compactMap { e -> LineElement? in
            if case .line(let l) = e, l.role == .referenceLine { return l }
            return nil
        }
        let first = try #require(fitted.first), last = try #require(fitted.last)
        #expect(last.to.y > first.from.y, "the fitted risk ratio falls with latitude (drawn lower)")
        #expect(LayoutChecks.texts(layout).contains("1"))
        #expect(LayoutChecks.texts(layout).contains("Risk ratio (log scale)"))
    }

    @Test func nonFiniteInputIsAnError() throws {
        var input = try Self.bcg()
        input.points[0].yi = .nan
        #expect(throws: PlotError.self) { try Plots.bubble(input) }
        input = try Self.bcg()
        input.points = []
        #expect(throws: PlotError.noStudies) { try Plots.bubble(input) }
    }
}

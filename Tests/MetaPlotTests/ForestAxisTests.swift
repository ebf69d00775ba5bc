import Foundation
import MetaFormat
import MetaPlot
import MetaStats
import MetaTestSupport
import Testing

/// The effect axis of a forest plot: chosen from the data, or given by the user.
@Suite("Forest plot axis")
struct ForestAxisTests {
    static func ticks(_ layout: PlotLayout) -> [(text: String, x: Double)] {
        layout.textRuns.filter { $0.box.role == .tick }.map { ($0.text, $0.anchor.x) }.sorted { $0.x < $1.x }
    }

    static func generic(_ values: [(String, Double, Double)], measure: EffectMeasure,
                        options: ForestOptions = ForestOptions()) throws -> ForestPlotInput {
        let effects = values.map { EffectSize(study: $0.0, yi: $0.1, vi: $0.2 * $0.2, input: .standardError) }
        var input = try TestData.forest(effects, measure: measure,
                                        options: PoolingOptions(model: .fixed, method: .iv, predictionInterval: false))
        input.options = options
        return input
    }

    /// A small mean difference is drawn on a small axis: estimates 0.10–0.22 (SE 0.05, limits up
    /// to 0.22 + 1.96 × 0.05 = 0.318) fit ±0.4, the smallest of 1, 2, 4 × 10ⁿ above 0.22.
    @Test func smallDifferenceOnASmallAxis() throws {
        let input = try Self.generic([("A 2001", 0.10, 0.05), ("B 2004", 0.16, 0.05), ("C 2008", 0.22, 0.05)], measure: .md)
        let layout = try Plots.forest(input)
        LayoutChecks.expectClean(layout, "small MD")
        #expect(Self.ticks(layout).map(\.text) == ["-0.4", "-0.2", "0", "0.2", "0.4"])
    }

    /// Wide study intervals widen the axis by one step only: estimates within ±0.4 and a study
    /// interval reaching 3 give ±1 (not ±4), with an arrow on the wide study.
    @Test func wideIntervalsWidenOneStep() throws {
        let input = try Self.generic([("A", 0.10, 0.05), ("B", 0.16, 0.05), ("C", 0.3, 1.4)], measure: .md)
        let layout = try Plots.forest(input)
        #expect(Self.ticks(layout).map(\.text) == ["-1.0", "-0.5", "0", "0.5", "1.0"])
        #expect(LayoutChecks.shapes(layout, .arrow).count == 2)
    }

    /// Ratios close to 1 get RevMan's 0.5–2 scale, symmetric about 1 on the log scale.
    @Test func ratiosNearOneOnHalfToTwo() throws {
        let input = try Self.generic([("A", log(1.2), 0.08), ("B", log(1.4), 0.1), ("C", log(1.3), 0.09)], measure: .or)
        let layout = try Plots.forest(input)
        let ticks = Self.ticks(layout)
        #expect(ticks.map(\.text) == ["0.5", "0.7", "1", "1.5", "2"])
        let x = Dictionary(uniqueKeysWithValues: ticks.map { ($0.text, $0.x) })
        expectClose(try #require(x["1"]) - #require(x["0.5"]), try #require(x["2"]) - #require(x["1"]), rel: 1e-9,
                    "0.5 and 2 equally far from 1")
        expectClose(LayoutChecks.nullX(layout), x["1"], rel: 1e-12, "null line at 1")
    }

    /// Very large ratios still fit: an estimate of 3,000 needs 10⁻⁴–10⁴.
    @Test func hugeRatiosUseDecades() throws {
        let input = try Self.generic([("A", log(3000), 0.5), ("B", log(2), 0.5)], measure: .rr)
        let ticks = Self.ticks(try Plots.forest(input)).map(\.text)
        #expect(ticks == ["0.0001", "0.01", "1", "100", "10000"])
    }

    @Test func userAxisRange() throws {
        let aspirin = try TestData.forest(TestData.aspirin, measure: .or)
        var wide = aspirin
        wide.options.axis = AxisRange(min: 0.1, max: 10)
        let layout = try Plots.forest(wide)
        LayoutChecks.expectClean(layout, "0.1–10")
        #expect(Self.ticks(layout).map(\.text) == ["0.1", "0.2", "0.5", "1", "2", "5", "10"])
        guard case .line(let axis)? = LayoutChecks.shapes(layout, .axis).first else {
            Issue.record("no axis")
            return
        }
        let x = Dictionary(uniqueKeysWithValues: Self.ticks(layout).map { ($0.text, $0.x) })
        expectClose(x["0.1"], axis.from.x, rel: 1e-12, "axis starts at min")
        expectClose(x["10"], axis.to.x, rel: 1e-12, "axis ends at max")

        var ticked = aspirin
        ticked.options.axis = AxisRange(min: 0.25, max: 4, ticks: [0.25, 0.5, 1, 2, 4])
        #expect(Self.ticks(try Plots.forest(ticked)).map(\.text) == ["0.25", "0.5", "1", "2", "4"])

        // An asymmetric linear range gets steps of 1, 2 or 5 × 10ⁿ (here 1).
        var md = try TestData.forest(TestData.normandInputs(), measure: .md)
        md.options.axis = AxisRange(min: -10, max: 30)
        #expect(Self.ticks(try Plots.forest(md)).map(\.text) == ["-10", "0", "10", "20", "30"])
    }

    @Test func badUserAxisIsAnError() throws {
        var input = try TestData.forest(TestData.aspirin, measure: .or)
        for range in [AxisRange(min: 2, max: 1), AxisRange(min: 0, max: 10), AxisRange(min: 1.5, max: 10),
                      AxisRange(min: 0.1, max: 10, ticks: [0.1, 20])] {
            input.options.axis = range
            #expect(throws: PlotError.self, "\(range)") { try Plots.forest(input) }
        }
        input.options.axis = AxisRange(min: 0, max: 10)
        #expect { try Plots.forest(input) } throws: { error in
            (error as? PlotError)?.message.contains("above 0") ?? false
        }
    }
}

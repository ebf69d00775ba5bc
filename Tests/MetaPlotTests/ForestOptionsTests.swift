import Foundation
import MetaFormat
import MetaPlot
import MetaStats
import MetaTestSupport
import Testing

/// Sort order, effect decimals, subgroup headings, measure names and the cumulative plot.
@Suite("Forest plot options")
struct ForestOptionsTests {
    /// Study labels top to bottom.
    static func studyOrder(_ layout: PlotLayout, among names: [String]) -> [String] {
        layout.textBoxes.filter { $0.role == .studyLabel && names.contains($0.text) }.sorted { $0.rect.minY < $1.rect.minY }.map(\.text)
    }

    @Test func sortOrders() throws {
        // Fleiss's aspirin trials; Mantel–Haenszel weights put ISIS-2 first and AMIS second;
        // odds ratios from the 2×2 tables: PARIS 85·354/(725·52) = 0.80 … AMIS 1.13.
        var input = try TestData.forest(TestData.aspirin, measure: .or,
                                        options: PoolingOptions(model: .fixed, method: .mh, i2: .q, predictionInterval: false))
        let names = TestData.aspirin.map(\.study)
        #expect(Self.studyOrder(try Plots.forest(input), among: names) == names, "data order by default")
        input.options.order = .weight
        #expect(Self.studyOrder(try Plots.forest(input), among: names).prefix(2) == ["ISIS-2", "AMIS"])
        input.options.order = .effect
        let byEffect = Self.studyOrder(try Plots.forest(input), among: names)
        // ln OR by hand, smallest first.
        let or = TestData.aspirin.map { s -> (String, Double) in
            guard case .binary(let c) = s.data else { return (s.study, 0) }
            return (s.study, log(c.a * c.d / (c.b * c.c)))
        }.sorted { $0.1 < $1.1 }.map(\.0)
        #expect(byEffect == or)
        #expect(byEffect.last == "AMIS")
    }

    @Test func sortByYearFromLabelOrColumn() throws {
        let effects = [("Young 2010", 0.1), ("Old 1985", 0.2), ("Middle 1999b", 0.3), ("Undated", 0.4)].map {
            EffectSize(study: $0.0, yi: $0.1, vi: 0.04, input: .variance)
        }
        var input = try TestData.forest(effects, measure: .md)
        input.options.order = .year
        let names = effects.map(\.study)
        #expect(Self.studyOrder(try Plots.forest(input), among: names) == ["Old 1985", "Middle 1999b", "Young 2010", "Undated"])
        input.options.years = ["Undated": 1970]
        #expect(Self.studyOrder(try Plots.forest(input), among: names).first == "Undated")
    }

    @Test func effectDigits() throws {
        var input = try TestData.forest(TestData.aspirin, measure: .or,
                                        options: PoolingOptions(model: .fixed, method: .mh, i2: .q, predictionInterval: false))
        // MRC-1: OR = 49·557/(566·67) = 0.7197, Woolf 95% CI 0.4890 to 1.0593 (by hand from the 2×2 table).
        #expect(LayoutChecks.texts(try Plots.forest(input)).contains("0.72 [0.49, 1.06]"))
        input.options.digits = 3
        let texts = LayoutChecks.texts(try Plots.forest(input))
        #expect(texts.contains("0.720 [0.489, 1.059]"), "\(texts.filter { $0.hasPrefix("0.7") })")
    }

    @Test func subgroupHeadingsSayWhatTheyAre() throws {
        let bcg = try TestData.bcgInputs()
        var input = try TestData.subgroupForest(TestData.effects(bcg.inputs, .rr), labels: bcg.allocation,
                                                column: "alloc", measure: .rr)
        let texts = LayoutChecks.texts(try Plots.forest(input))
        #expect(["alloc = random", "alloc = alternate", "alloc = systematic"].allSatisfy(texts.contains))
        input.options.subgroupLabels = ["random": "Random allocation"]
        let labelled = try Plots.forest(input)
        LayoutChecks.expectClean(labelled, "labelled subgroups")
        let headings = LayoutChecks.texts(labelled)
        #expect(headings.contains("Random allocation") && headings.contains("alloc = systematic") && !headings.contains("alloc = random"))
        // A column named "subgroup" (RevMan's subgroups) already holds headings.
        input.subgroups?.column = "subgroup"
        input.options.subgroupLabels = [:]
        #expect(LayoutChecks.texts(try Plots.forest(input)).contains("random"))
    }

    /// Generic log hazard ratios named and drawn on a log scale: the headers say "Hazard ratio",
    /// the data column "log[Hazard ratio]", the axis is symmetric about 1 and the intervals are
    /// exponentiated: exp(−0.2231 ± 1.96 × 0.1) = 0.80 [0.66, 0.97].
    @Test func namedGenericMeasureOnALogScale() throws {
        let effects = [("A 2001", -0.2231, 0.1), ("B 2003", -0.1054, 0.15), ("C 2007", 0.0488, 0.2)].map {
            EffectSize(study: $0.0, yi: $0.1, vi: $0.2 * $0.2, input: .standardError)
        }
        var input = try TestData.forest(effects, measure: .generic)
        input.options.measureLabel = "Hazard ratio"
        input.options.logScale = true
        let layout = try Plots.forest(input)
        LayoutChecks.expectClean(layout, "hazard ratio")
        let headers = layout.textBoxes.filter { $0.role == .header }.map(\.text)
        #expect(headers.filter { $0 == "Hazard ratio" }.count == 2)
        #expect(headers.contains("log[Hazard ratio]"))
        #expect(LayoutChecks.texts(layout).contains("0.80 [0.66, 0.97]"))
        let ticks = layout.textBoxes.filter { $0.role == .tick }.map(\.text)
        #expect(ticks == ["0.5", "0.7", "1", "1.5", "2"])
        // Without the log scale the same numbers are differences on a linear axis.
        input.options.logScale = false
        let linear = LayoutChecks.texts(try Plots.forest(input))
        #expect(linear.contains("-0.22 [-0.42, -0.03]"))
    }

    /// The leave-one-out plot takes the same axis, digits and measure name.
    @Test func leaveOneOutOptions() throws {
        let effects = try TestData.effects(TestData.bcgInputs().inputs, .rr)
        let rows = try Sensitivity.leaveOneOut(effects, measure: .rr, options: PoolingOptions())
        let overall = try Pooling.analyze(effects, measure: .rr, options: PoolingOptions())
        let layout = try Plots.leaveOneOut(LeaveOneOutPlotInput(
            measure: .rr, rows: rows, overall: overall,
            options: ForestOptions(axis: AxisRange(min: 0.1, max: 10), digits: 3, measureLabel: "Relative risk")))
        LayoutChecks.expectClean(layout, "leave-one-out options")
        let texts = LayoutChecks.texts(layout)
        #expect(layout.textBoxes.filter { $0.role == .tick }.map(\.text) == ["0.1", "0.2", "0.5", "1", "2", "5", "10"])
        #expect(texts.filter { $0 == "Relative risk" }.count == 2)
        // metafor, rma(yi, vi, data = escalc("RR", …, dat.bcg), method = "DL"): −0.7141, SE 0.1787,
        // so exp(−0.7141) = 0.490 [exp(−1.0644) = 0.345, exp(−0.3638) = 0.695].
        #expect(texts.contains("0.490 [0.345, 0.695]"))
    }

    @Test func cumulativePlot() throws {
        let effects = try TestData.effects(TestData.bcgInputs().inputs, .rr)
        let options = PoolingOptions()
        let rows = try Sensitivity.cumulative(effects, measure: .rr, options: options)
        let overall = try Pooling.analyze(effects, measure: .rr, options: options)
        let layout = try Plots.cumulative(CumulativePlotInput(measure: .rr, rows: rows, overall: overall))
        LayoutChecks.expectClean(layout, "cumulative")
        let labels = layout.textBoxes.filter { $0.role == .studyLabel }.sorted { $0.rect.minY < $1.rect.minY }.map(\.text)
        #expect(labels == effects.map(\.study) + ["All studies (k = 13)"])
        #expect(LayoutChecks.shapes(layout, .studySquare).count == 13)
        #expect(LayoutChecks.shapes(layout, .diamond).count == 1)
        // The first row is the first study alone: its own risk ratio and interval.
        let first = effects[0]
        let z = 1.959963984540054
        let text = Format.interval(exp(first.yi), exp(first.yi - z * first.se), exp(first.yi + z * first.se))
        #expect(LayoutChecks.texts(layout).contains(text))
        // metafor, cumul(rma(yi, vi, data = dat.bcg, measure = "RR")): all 13 studies, RR 0.49 [0.34, 0.70].
        #expect(LayoutChecks.texts(layout).contains("0.49 [0.34, 0.70]"))
        #expect(LayoutChecks.texts(layout).contains("Cumulative, IV, Random, 95% CI"))
        #expect(LayoutChecks.box(layout, "Tau²") != nil)
        // Fixed effect: no τ² column.
        let fixed = PoolingOptions(model: .fixed, method: .iv, predictionInterval: false)
        let fixedLayout = try Plots.cumulative(CumulativePlotInput(
            measure: .rr, rows: try Sensitivity.cumulative(effects, measure: .rr, options: fixed),
            overall: try Pooling.analyze(effects, measure: .rr, options: fixed)))
        LayoutChecks.expectClean(fixedLayout, "fixed cumulative")
        #expect(LayoutChecks.box(fixedLayout, "Tau²") == nil && LayoutChecks.box(fixedLayout, "I²") != nil)
    }
}

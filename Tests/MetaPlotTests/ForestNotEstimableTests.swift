import Foundation
import MetaFormat
import MetaPlot
import MetaStats
import Testing

/// Studies that cannot be estimated are listed as RevMan lists them.
@Suite("Forest plot: not estimable")
struct ForestNotEstimableTests {
    static let zero = StudyInput(study: "Zero 1990", data: .binary(BinaryCounts(events1: 0, total1: 50, events2: 0, total2: 48)))

    /// Aspirin trials with a trial of no events in either arm after the second trial.
    static func input() throws -> ForestPlotInput {
        let computed = try EffectSizes.compute(Array(TestData.aspirin.prefix(2)) + [zero] + TestData.aspirin.dropFirst(2), measure: .or)
        #expect(computed.dropped.map(\.study) == ["Zero 1990"], "MetaStats drops the double-zero trial")
        var input = try TestData.forest(computed.effects, measure: .or,
                                        options: PoolingOptions(model: .fixed, method: .mh, i2: .q, predictionInterval: false))
        input.notEstimable = [NotEstimableStudy(study: "Zero 1990", counts: BinaryCounts(events1: 0, total1: 50, events2: 0, total2: 48),
                                                position: 2)]
        return input
    }

    @Test func listedWithTheirParticipantsInTheTotals() throws {
        let layout = try Plots.forest(Self.input())
        LayoutChecks.expectClean(layout, "not estimable")
        let row = ForestDataColumnTests.row(layout, "Zero 1990")
        #expect(row == ["Zero 1990", "0", "50", "0", "48", "Not estimable"], "\(row)")
        // In the data's order: after CDP, before MRC-2.
        let labels = layout.textBoxes.filter { $0.role == .studyLabel }.sorted { $0.rect.minY < $1.rect.minY }.map(\.text)
        #expect(Array(labels.prefix(4)) == ["MRC-1", "CDP", "Zero 1990", "MRC-2"])
        #expect(LayoutChecks.shapes(layout, .studySquare).count == 7, "no square for the not-estimable trial")
        // Totals: Fleiss's arms (615 + 758 + 832 + 317 + 810 + 2267 + 8587 = 14186; 624 + 771 + 850
        // + 309 + 406 + 2257 + 8600 = 13817) plus the trial's 50 and 48.
        let total = ForestDataColumnTests.row(layout, "Total (95% CI)")
        #expect(Array(total.prefix(4)) == ["Total (95% CI)", "14236", "13865", "100.0%"], "\(total)")
        let events = ForestDataColumnTests.row(layout, "Total events:")
        #expect(events == ["Total events:", "2128", "2286"])
    }

    @Test func aSubgroupWithNoEstimableStudy() throws {
        var input = try Self.input()
        let labels = input.effects.indices.map { $0 < 3 ? "A" : "B" }
        let subgroups = try Subgroups.analyze(input.effects, labels: labels, measure: .or, options: input.analysis.options)
        input.subgroups = ForestSubgroups(column: "arm", labels: labels, analysis: subgroups)
        input.notEstimable = [
            NotEstimableStudy(study: "Zero 1990", counts: BinaryCounts(events1: 0, total1: 50, events2: 0, total2: 48),
                              groups: ["arm": "C"], position: 2),
            NotEstimableStudy(study: "Nil 1994", counts: BinaryCounts(events1: 0, total1: 20, events2: 0, total2: 21),
                              groups: ["arm": "C"], position: 7),
        ]
        let layout = try Plots.forest(input)
        LayoutChecks.expectClean(layout, "not-estimable subgroup")
        let texts = LayoutChecks.texts(layout)
        #expect(texts.contains("arm = C"))
        #expect(LayoutChecks.shapes(layout, .diamond).count == 3, "two subgroup diamonds and the total, none for C")
        // C's subtotal: participants 50 + 20 and 48 + 21, "Not estimable", sentences not applicable.
        let subtotals = layout.textBoxes.filter { $0.text == "Subtotal (95% CI)" }.sorted { $0.rect.minY < $1.rect.minY }
        try #require(subtotals.count == 3)
        let last = layout.textBoxes.filter { abs($0.rect.midY - subtotals[2].rect.midY) < 0.01 }.sorted { $0.rect.minX < $1.rect.minX }.map(\.text)
        #expect(last == ["Subtotal (95% CI)", "70", "69", "Not estimable"], "\(last)")
        #expect(texts.filter { $0 == "Test for overall effect: Not applicable" }.count == 1)
        let heading = try #require(LayoutChecks.box(layout, "arm = C"))
        let total = try #require(LayoutChecks.box(layout, "Total (95% CI)"))
        #expect(heading.rect.minY < subtotals[2].rect.minY && subtotals[2].rect.minY < total.rect.minY)
    }

    /// No study estimable (every trial without events): the rows, the totals and "Not estimable"
    /// in place of the diamond; RevMan's default 0.01–100 axis.
    @Test func nothingEstimable() throws {
        let studies = [
            NotEstimableStudy(study: "Zero 1990", counts: BinaryCounts(events1: 0, total1: 50, events2: 0, total2: 48), position: 0),
            NotEstimableStudy(study: "Nil 1994", counts: BinaryCounts(events1: 0, total1: 20, events2: 0, total2: 21), position: 0),
        ]
        let input = ForestPlotInput.nothingEstimable(measure: .rr, options: PoolingOptions(model: .fixed, method: .mh),
                                                     method: .mh, studies: studies)
        let layout = try Plots.forest(input)
        LayoutChecks.expectClean(layout, "nothing estimable")
        #expect(LayoutChecks.shapes(layout, .diamond).isEmpty && LayoutChecks.shapes(layout, .studySquare).isEmpty)
        let total = ForestDataColumnTests.row(layout, "Total (95% CI)")
        #expect(total == ["Total (95% CI)", "70", "69", "Not estimable"], "\(total)")
        let texts = LayoutChecks.texts(layout)
        #expect(texts.contains("M-H, Fixed, 95% CI"))
        #expect(texts.contains("Heterogeneity: Not applicable") && texts.contains("Test for overall effect: Not applicable"))
        #expect(layout.textBoxes.filter { $0.role == .tick }.map(\.text) == ["0.01", "0.1", "1", "10", "100"])
        // An empty input is still an error.
        var empty = input
        empty.notEstimable = []
        #expect(throws: PlotError.noStudies) { try Plots.forest(empty) }
    }
}

import Foundation
import MetaFormat
@testable import MetaPlot
import MetaStats
import Testing

/// The forest plot's data columns print every value of a column with the same decimals.
@Suite("Forest plot data columns")
struct ForestDataColumnTests {
    /// The texts of the table row whose label is `label`, left to right.
    static func row(_ layout: PlotLayout, _ label: String) -> [String] {
        guard let box = LayoutChecks.box(layout, label) else { return [] }
        return layout.textBoxes.filter { abs($0.rect.midY - box.rect.midY) < 0.01 && $0.role != .tick }
            .sorted { $0.rect.minX < $1.rect.minX }.map(\.text)
    }

    @Test func decimalsPerValue() {
        // Exact values keep their own decimals; long ones get three significant digits (at
        // least two decimals, at most four).
        #expect(DataDecimals.decimals(12) == 0)
        #expect(DataDecimals.decimals(12.5) == 1)
        #expect(DataDecimals.decimals(123.45) == 2)
        #expect(DataDecimals.decimals(0.474763098818769) == 3)
        #expect(DataDecimals.decimals(12.3456) == 2)
        #expect(DataDecimals.decimals(1234.5678) == 2)
        #expect(DataDecimals.decimals(0.0123456) == 4)
        #expect(DataDecimals.decimals(0.000012) == 4)
        #expect(DataDecimals.decimals([1.2, 0.474763098818769, 3]) == 3)
    }

    @Test func armDataUseOneNumberOfDecimalsPerColumn() throws {
        // Means typed with one decimal, SDs converted from SEs (long), integer sizes.
        let inputs = [
            ("Adams 2001", 30.0, 12.5, 0.474763098818769, 31.0, 11.9, 0.52),
            ("Baker 2005", 45, 13.1, 0.61, 44, 12.2, 0.5),
            ("Clark 2010", 120, 12.0, 0.8, 118, 11.0, 0.71234),
        ].map { name, n1, m1, s1, n2, m2, s2 in
            StudyInput(study: name, data: .continuous(ContinuousArms(n1: n1, mean1: m1, sd1: s1, n2: n2, mean2: m2, sd2: s2)))
        }
        let layout = try Plots.forest(TestData.forest(inputs, measure: .md))
        LayoutChecks.expectClean(layout, "decimals")
        let adams = Self.row(layout, "Adams 2001")
        #expect(Array(adams.prefix(7)) == ["Adams 2001", "12.5", "0.475", "30", "11.9", "0.520", "31"], "\(adams)")
        let clark = Self.row(layout, "Clark 2010")
        #expect(Array(clark.prefix(7)) == ["Clark 2010", "12.0", "0.800", "120", "11.0", "0.712", "118"], "\(clark)")
        #expect(!LayoutChecks.texts(layout).contains { $0.contains("0.474763") }, "no raw CSV text")
        let total = Self.row(layout, "Total (95% CI)")
        #expect(Array(total.prefix(3)) == ["Total (95% CI)", "195", "193"])
    }

    @Test func countsAreIntegers() throws {
        let layout = try Plots.forest(TestData.forest(TestData.aspirin, measure: .or))
        #expect(Array(Self.row(layout, "MRC-1").prefix(5)) == ["MRC-1", "49", "615", "67", "624"])
        // Normand's means and SDs are integers.
        let normand = try Plots.forest(TestData.forest(TestData.normandInputs(), measure: .smd))
        #expect(Array(Self.row(normand, "Edinburgh").prefix(7)) == ["Edinburgh", "55", "47", "155", "75", "64", "156"])
    }
}

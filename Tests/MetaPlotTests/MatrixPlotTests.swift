import Foundation
import MetaPlot
import Testing

enum MatrixScenario: String, CaseIterable, CustomTestStringConvertible, Sendable {
    /// Two columns under a long title: the canvas must widen to the title.
    case narrowWithTitle
    /// Many columns with long names, long row labels, no title.
    case wideLongLabels
    /// One row, one column.
    case single

    var testDescription: String { rawValue }

    func input() -> MatrixPlotInput {
        switch self {
        case .narrowWithTitle:
            return MatrixPlotInput(title: "Analytic themes of the qualitative Balint-group studies, by study and theme",
                                   rows: ["A", "B"], columns: ["X", "Y"],
                                   counts: [[1, 0], [2, 3]], legend: "A circle marks a study reporting the theme.")
        case .wideLongLabels:
            let columns = (1...30).map { "Study with a rather long name number \($0) (year not found)" }
            let rows = (1...8).map { "Analytic theme \($0): " + String(repeating: "words about the theme ", count: 12) }
            let counts = rows.indices.map { i in columns.indices.map { j in (i * 7 + j * 3) % 4 } }
            return MatrixPlotInput(rows: rows, columns: columns, counts: counts,
                                   legend: "A circle marks a study reporting at least one theme grouped under the analytic theme; larger circles, more such themes.")
        case .single:
            return MatrixPlotInput(rows: ["Theme"], columns: ["Study"], counts: [[1]], legend: "One mark.")
        }
    }
}

@Suite("Theme matrix")
struct MatrixPlotTests {
    @Test(arguments: MatrixScenario.allCases)
    func noTextOverlapsAndNothingLeavesThePage(_ scenario: MatrixScenario) throws {
        let input = scenario.input()
        let layout = try Plots.matrix(input)
        LayoutChecks.expectClean(layout, scenario.rawValue)
        // One mark per linked cell, and each row's count of linked columns.
        let linked = input.counts.flatMap { $0 }.filter { $0 > 0 }.count
        #expect(LayoutChecks.shapes(layout, .studyPoint).count == linked)
        for (i, row) in input.counts.enumerated() {
            #expect(LayoutChecks.texts(layout).contains("\(row.filter { $0 > 0 }.count)/\(input.columns.count)"), "row \(i)")
        }
    }

    @Test func badInputIsAnError() {
        #expect(throws: PlotError.self) { try Plots.matrix(MatrixPlotInput(rows: [], columns: ["A"], counts: [], legend: "")) }
        #expect(throws: PlotError.self) { try Plots.matrix(MatrixPlotInput(rows: ["T"], columns: ["A", "B"], counts: [[1]], legend: "")) }
    }
}

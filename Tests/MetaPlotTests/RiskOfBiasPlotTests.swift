import Foundation
import MetaPlot
import Testing

enum RiskOfBiasScenario: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case one, thirteen, twoHundred, longNames, overallOnly, robinsI

    var testDescription: String { rawValue }

    static let categories = [
        RiskOfBiasCategory(label: "Low", symbol: "+", colour: PlotColor(red: 2, green: 193, blue: 0)),
        RiskOfBiasCategory(label: "Some concerns", symbol: "−", colour: PlotColor(red: 226, green: 223, blue: 7)),
        RiskOfBiasCategory(label: "High", symbol: "×", colour: PlotColor(red: 191, green: 0, blue: 0), ink: .white),
        RiskOfBiasCategory(label: "No information", symbol: "?", colour: PlotColor(red: 78, green: 161, blue: 247)),
    ]

    var studyCount: Int {
        switch self {
        case .one: return 1
        case .thirteen, .longNames, .robinsI: return 13
        case .twoHundred: return 200
        case .overallOnly: return 56
        }
    }

    var domains: [String] {
        switch self {
        case .overallOnly: return []
        case .robinsI: return (1...7).map { "D\($0)" }
        default: return (1...5).map { "D\($0)" }
        }
    }

    func studies() -> [String] {
        (1...studyCount).map { i in
            self == .longNames ? "A study with a very long name indeed, number \(i), from a multicentre trial group (\(1990 + i))" : "Study \(i) \(1990 + i % 30)"
        }
    }

    func trafficLight() -> TrafficLightPlotInput {
        let columns = domains + ["Overall"]
        let titles = domains.map { "Bias in domain \($0), described at the length RoB 2 uses for its domain headings" } + ["Overall"]
        let cells = (0..<studyCount).map { i in columns.indices.map { j in (i * 3 + j) % Self.categories.count } }
        return TrafficLightPlotInput(title: "Risk of bias", columns: columns, columnTitles: titles, studies: studies(), cells: cells,
                                     categories: Self.categories,
                                     note: domains.isEmpty ? "Only the overall judgement of each study is available." : nil)
    }

    func summary() -> RiskOfBiasSummaryPlotInput {
        let rows = domains.map { "Bias in domain \($0)" } + ["Overall risk of bias"]
        let shares = rows.indices.map { i in Self.categories.indices.map { k in Double((i + k) % 3) } }
        return RiskOfBiasSummaryPlotInput(title: "Summary", rows: rows, shares: shares, categories: Self.categories,
                                          axisTitle: "Share of studies (n = \(studyCount))")
    }
}

@Suite("Risk-of-bias figures")
struct RiskOfBiasPlotTests {
    @Test(arguments: RiskOfBiasScenario.allCases)
    func trafficLightIsClean(_ scenario: RiskOfBiasScenario) throws {
        let input = scenario.trafficLight()
        let layout = try Plots.trafficLight(input)
        LayoutChecks.expectClean(layout, scenario.rawValue)
        // One dot per study and column, plus one per legend entry.
        let dots = LayoutChecks.shapes(layout, .studyPoint).count
        #expect(dots == input.studies.count * input.columns.count + input.categories.count)
        // Every study is named (long names shortened with an ellipsis).
        let labels = layout.textBoxes.filter { $0.role == .studyLabel }
        #expect(labels.count == input.studies.count)
        if scenario == .longNames { #expect(labels.allSatisfy { $0.text.hasSuffix("…") }) }
        // The symbols are text, so that the judgement reads without colour.
        let symbols = LayoutChecks.texts(layout).filter { ["+", "−", "×", "?"].contains($0) }
        #expect(symbols.count == dots)
        if scenario == .overallOnly {
            #expect(LayoutChecks.texts(layout).contains("Only the overall judgement of each study is available."))
            #expect(!LayoutChecks.texts(layout).contains("D1"))
        }
    }

    @Test(arguments: RiskOfBiasScenario.allCases)
    func summaryIsClean(_ scenario: RiskOfBiasScenario) throws {
        let input = scenario.summary()
        let layout = try Plots.riskOfBiasSummary(input)
        LayoutChecks.expectClean(layout, scenario.rawValue)
        // Segments: one per nonzero share.
        let segments = LayoutChecks.shapes(layout, .studySquare).count
        #expect(segments == input.shares.flatMap { $0 }.filter { $0 > 0 }.count)
    }

    @Test func summarySegmentsAreProportional() throws {
        // Two rows: 1 : 3 and all low. 1/(1+3) = 25% of the bar.
        let input = RiskOfBiasSummaryPlotInput(rows: ["D1", "Overall"], shares: [[1, 3, 0, 0], [2, 0, 0, 0]],
                                               categories: RiskOfBiasScenario.categories, axisTitle: "Share of studies")
        let layout = try Plots.riskOfBiasSummary(input)
        let widths = LayoutChecks.shapes(layout, .studySquare).map(\.bounds.width)
        #expect(widths.count == 3)
        #expect(abs(widths[0] * 3 - widths[1]) < 0.01 * widths[1] + 0.6)
        #expect(abs(widths[0] + widths[1] - widths[2]) < 1.5)
        #expect(LayoutChecks.texts(layout).contains("+ 25%"))
        #expect(LayoutChecks.texts(layout).contains("− 75%"))
    }

    @Test func badInputIsAnError() {
        let c = RiskOfBiasScenario.categories
        #expect(throws: PlotError.self) {
            try Plots.trafficLight(TrafficLightPlotInput(columns: ["Overall"], columnTitles: ["Overall"], studies: [], cells: [], categories: c))
        }
        #expect(throws: PlotError.self) {
            try Plots.trafficLight(TrafficLightPlotInput(columns: ["Overall"], columnTitles: ["Overall"], studies: ["A"], cells: [[9]], categories: c))
        }
        #expect(throws: PlotError.self) {
            try Plots.riskOfBiasSummary(RiskOfBiasSummaryPlotInput(rows: ["A"], shares: [[.nan, 0, 0, 0]], categories: c, axisTitle: ""))
        }
    }
}

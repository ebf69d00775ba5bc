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

@Suite("PRISMA flow diagram")
struct PrismaPlotTests {
    typealias Line = PrismaPlotInput.Line

    static func input(sources: Int, reasons: Int, longText: Bool) -> PrismaPlotInput {
        let long = longText ? ", a name long enough to need wrapping inside its box of the flow diagram" : ""
        let identified = [Line("Records identified from:", bold: true)] + (1...sources).map { Line("Database \($0)\(long) (n = \($0 * 10))", indent: true) }
        let reasonLines = [Line("Reports excluded:", bold: true)] + (1...reasons).map { Line("Reason \($0)\(long) (n = \($0))", indent: true) }
        return PrismaPlotInput(title: "PRISMA 2020 flow diagram", rows: [
            .init(phase: "Identification", main: identified, side: [Line("Records removed before screening:", bold: true), Line("Duplicate records removed (not reported)", indent: true)]),
            .init(phase: "Screening", main: [Line("Records screened (n = 100)")], side: [Line("Records excluded (n = 50)")]),
            .init(phase: "Screening", main: [Line("Reports sought for retrieval (n = 50)")], side: [Line("Reports not retrieved (not reported)")]),
            .init(phase: "Screening", main: [Line("Reports assessed for eligibility (n = 50)")], side: reasonLines),
            .init(phase: "Included", main: [Line("Studies included in review (n = 10)", bold: true)]),
        ], note: "“Not reported”: the review does not give this count.")
    }

    @Test(arguments: [(1, 1, false), (6, 12, false), (3, 4, true), (20, 30, true)])
    func layoutIsClean(_ sources: Int, _ reasons: Int, _ longText: Bool) throws {
        let input = Self.input(sources: sources, reasons: reasons, longText: longText)
        let layout = try Plots.prisma(input)
        LayoutChecks.expectClean(layout, "\(sources) sources, \(reasons) reasons")
        // Four arrows down the main column and four to the side boxes, each a line and a head.
        #expect(LayoutChecks.shapes(layout, .arrow).count == 16)
        // Every text line sits inside a box or is the title, header, phase or note; phases are drawn once.
        let texts = LayoutChecks.texts(layout)
        for phase in ["Identification", "Screening", "Included"] { #expect(texts.filter { $0 == phase }.count == 1) }
        #expect(texts.contains("Records screened (n = 100)"))
        #expect(texts.contains { $0.contains("not reported") })
    }

    @Test func svgKeepsTextAsText() throws {
        let layout = try Plots.prisma(Self.input(sources: 2, reasons: 2, longText: false))
        let svg = String(decoding: try Plots.render(layout, as: .svg), as: UTF8.self)
        #expect(svg.contains("Records screened (n = 100)"))
        #expect(svg.contains("<text"))
    }
}

import Foundation
import MetaPlot
import MetaStats
import Testing

/// Forest plots with RevMan's risk-of-bias columns beside them.
enum ForestRiskOfBiasScenario: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case k1, bcg, k200, longNames, overallOnly, subgroups, someUnjudged, robinsI, notEstimable

    var testDescription: String { rawValue }

    static let rob2Domains = ["Bias arising from the randomisation process", "Bias due to deviations from intended interventions",
                              "Bias due to missing outcome data", "Bias in measurement of the outcome",
                              "Bias in selection of the reported result", "Overall risk of bias"]

    var domains: [String] {
        switch self {
        case .overallOnly: return ["Overall risk of bias"]
        case .robinsI: return (1...7).map { "Bias in domain \($0) of ROBINS-I" } + ["Overall risk of bias"]
        case .longNames: return Self.rob2Domains.map { $0 + ", described at the full length a custom tool may give its domains in the pipeline file" }
        default: return Self.rob2Domains
        }
    }

    func base() throws -> ForestPlotInput {
        switch self {
        case .k1: return try TestData.forest(Array(TestData.aspirin.prefix(1)), measure: .or)
        case .bcg, .overallOnly, .someUnjudged, .robinsI: return try TestData.forest(TestData.bcgInputs().inputs, measure: .rr)
        case .k200: return try TestData.forest(TestData.syntheticContinuous(k: 200, seed: 200), measure: .smd)
        case .longNames: return try TestData.forest(TestData.syntheticContinuous(k: 12, seed: 12, nameLength: 150), measure: .md)
        case .subgroups:
            let bcg = try TestData.bcgInputs()
            return try TestData.subgroupForest(TestData.effects(bcg.inputs, .rr), labels: bcg.allocation, column: "alloc", measure: .rr)
        case .notEstimable:
            var input = try TestData.forest(Array(TestData.aspirin.prefix(3)), measure: .or)
            input.notEstimable = [NotEstimableStudy(study: "Zero 2001", counts: BinaryCounts(events1: 0, total1: 20, events2: 0, total2: 20), position: 1)]
            return input
        }
    }

    func input() throws -> ForestPlotInput {
        var input = try base()
        let studies = input.effects.map(\.study) + input.notEstimable.map(\.study)
        var judgements: [String: [Int]] = [:]
        for (i, study) in studies.enumerated() where !(self == .someUnjudged && i % 4 == 1) {
            judgements[study] = domains.indices.map { j in (i * 3 + j) % RiskOfBiasScenario.categories.count }
        }
        input.riskOfBias = ForestRiskOfBias(domains: domains, categories: RiskOfBiasScenario.categories, judgements: judgements,
                                            note: self == .overallOnly ? "Only the overall judgement of each study is available." : nil)
        return input
    }
}

@Suite("Forest plot with risk-of-bias columns")
struct ForestRiskOfBiasTests {
    @Test(arguments: ForestRiskOfBiasScenario.allCases)
    func noOverlapsAndNothingOffTheCanvas(_ scenario: ForestRiskOfBiasScenario) throws {
        let input = try scenario.input()
        let layout = try Plots.forest(input)
        LayoutChecks.expectClean(layout, scenario.rawValue)
        let rob = try #require(input.riskOfBias)
        // One dot per judged study and domain, and one per judgement in the legend.
        let dots = LayoutChecks.shapes(layout, .studyPoint)
        #expect(dots.count == rob.judgements.count * rob.domains.count + rob.categories.count)
        // The symbols are text, so that the dots read in greyscale.
        let symbols = LayoutChecks.texts(layout).filter { ["+", "−", "×", "?"].contains($0) }
        #expect(symbols.count == dots.count)
        // Lettered columns and a legend naming each domain.
        let texts = LayoutChecks.texts(layout)
        for index in rob.domains.indices { #expect(texts.contains(ForestRiskOfBias.letter(index))) }
        #expect(texts.contains("Risk of Bias") && texts.contains("Risk of bias legend"))
        #expect(texts.contains { $0.hasPrefix("(A) ") })
        if scenario == .someUnjudged { #expect(texts.contains { $0.contains("without dots") }) }
        if scenario == .overallOnly { #expect(texts.contains("Only the overall judgement of each study is available.")) }
    }

    /// The dots sit right of the plot, its ticks and "Favours" labels, each on its study's row.
    @Test(arguments: [ForestRiskOfBiasScenario.bcg, .subgroups, .k200])
    func dotsBesideTheirStudies(_ scenario: ForestRiskOfBiasScenario) throws {
        let input = try scenario.input()
        let layout = try Plots.forest(input)
        let plotRight = layout.textBoxes.filter { [.tick, .favours, .effect].contains($0.role) }.map(\.rect.maxX).max() ?? 0
        let squaresRight = LayoutChecks.shapes(layout, .studySquare).map(\.bounds.maxX).max() ?? 0
        let rob = try #require(input.riskOfBias)
        let legendTop = try #require(LayoutChecks.box(layout, "Risk of bias legend")).rect.minY
        let rowDots = LayoutChecks.shapes(layout, .studyPoint).filter { $0.bounds.maxY < legendTop }
        #expect(rowDots.count == rob.judgements.count * rob.domains.count)
        #expect(rowDots.allSatisfy { $0.bounds.minX > max(plotRight, squaresRight) })
        let labels = layout.textBoxes.filter { $0.role == .studyLabel && rob.judgements[$0.text] != nil }
        for label in labels {
            let onRow = rowDots.filter { abs($0.bounds.midY - label.rect.midY) < 1 }
            #expect(onRow.count == rob.domains.count, "\(label.text): \(onRow.count) dots on its row")
        }
        // The columns are evenly spaced, left to right in domain order.
        let xs = Set(rowDots.map { ($0.bounds.midX * 100).rounded() / 100 }).sorted()
        #expect(xs.count == rob.domains.count)
    }

    /// Without the option the plot is what it was.
    @Test func withoutTheOptionNothingChanges() throws {
        let plain = try ForestRiskOfBiasScenario.bcg.base()
        let with = try ForestRiskOfBiasScenario.bcg.input()
        let a = try Plots.forest(plain), b = try Plots.forest(with)
        #expect(LayoutChecks.shapes(a, .studyPoint).isEmpty)
        #expect(b.width > a.width && b.height > a.height)
        #expect(try Plots.render(a, as: .svg) == Plots.render(try Plots.forest(plain), as: .svg))
    }

    @Test func badJudgementsAreAnError() throws {
        var input = try ForestRiskOfBiasScenario.bcg.input()
        let study = input.effects[0].study
        input.riskOfBias?.judgements[study] = [0, 1]
        #expect(throws: PlotError.self) { try Plots.forest(input) }
        input.riskOfBias?.judgements[study] = Array(repeating: 9, count: 6)
        #expect(throws: PlotError.self) { try Plots.forest(input) }
        input.riskOfBias = ForestRiskOfBias(domains: [], categories: RiskOfBiasScenario.categories, judgements: [:])
        #expect(throws: PlotError.self) { try Plots.forest(input) }
    }

    @Test func lettersRunPastZ() {
        #expect(ForestRiskOfBias.letter(0) == "A")
        #expect(ForestRiskOfBias.letter(25) == "Z")
        #expect(ForestRiskOfBias.letter(26) == "AA")
        #expect(ForestRiskOfBias.letter(27) == "AB")
    }

    /// Renders the BCG example for looking at (written to the temporary folder).
    @Test func rendersToEveryFormat() throws {
        let layout = try Plots.forest(try ForestRiskOfBiasScenario.bcg.input())
        for format in PlotFormat.allCases {
            let bytes = try Plots.render(layout, as: format, dpi: 150)
            #expect(bytes.count > 1000)
            try Data(bytes).write(to: FileManager.default.temporaryDirectory.appendingPathComponent("forest-risk-of-bias.\(format.rawValue)"))
        }
    }
}

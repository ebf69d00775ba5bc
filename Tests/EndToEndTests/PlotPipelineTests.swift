import Foundation
import Testing

/// Forest-plot options and not-estimable studies, from the YAML to the published figures.
@Suite struct PlotPipelineTests {
    /// The `<text>` contents of an SVG, in document order.
    static func texts(_ svg: String) -> [String] {
        svg.components(separatedBy: "<text").dropFirst().compactMap { part in
            guard let start = part.firstIndex(of: ">"), let end = part.range(of: "</text>") else { return nil }
            return String(part[part.index(after: start)..<end.lowerBound])
        }
    }

    @Test func sparseReview() throws {
        let p = try Project("sparse-plots")
        let run = try p.metapipe("run")
        #expect(run.status == 0, "\(run.stderr)")
        // Cato 2003 and Egan 2011 have no events in either arm: listed, not pooled, counted.
        let forest = Self.texts(try p.read("outputs/sparse/otitis/forest.svg"))
        let studies = forest.filter { ["Abel 1996", "Brun 1999", "Cato 2003", "Dietz 2005", "Egan 2011", "Fox 2014"].contains($0) }
        #expect(studies == ["Abel 1996", "Brun 1999", "Cato 2003", "Dietz 2005", "Egan 2011", "Fox 2014"], "year order")
        #expect(forest.filter { $0 == "Not estimable" }.count == 2)
        // Totals: 12 + 9 + 15 + 20 + 8 + 25 = 89 and 13 + 10 + 14 + 19 + 8 + 24 = 88.
        #expect(forest.contains("89") && forest.contains("88"))
        // digits: 3 on the effect column; the axis the YAML gives.
        #expect(forest.contains { $0.hasPrefix("0.271 [") })
        #expect(["0.01", "0.1", "1", "10", "100"].allSatisfy(forest.contains))
        // The subgroup plot: labelled headings; the home-care subgroup has nothing to pool.
        let bySubgroup = Self.texts(try p.read("outputs/sparse/otitis/forest-wic.svg"))
        #expect(bySubgroup.contains("Day care") && bySubgroup.contains("Home care"))
        #expect(bySubgroup.filter { $0 == "Not estimable" }.count == 3, "two studies and the subtotal")
        // The cumulative plot: one row per pooled study.
        let cumulative = Self.texts(try p.read("outputs/sparse/otitis/cumulative.svg"))
        #expect(cumulative.contains("All studies (k = 4)"))
        #expect(p.exists("outputs/sparse/otitis/cumulative.csv"))
    }
}

/// `risk-of-bias:` on a forest plot: RevMan's lettered columns of dots beside the plot, from the YAML.
@Suite struct ForestRiskOfBiasPipelineTests {
    @Test func dotsBesideTheForestPlot() throws {
        let p = try Project("risk-of-bias-forest")
        let run = try p.metapipe("run")
        #expect(run.status == 0, "\(run.stderr)")
        let forest = PlotPipelineTests.texts(try p.read("outputs/rob/main/forest.svg"))
        // Five domains and the overall judgement, lettered A–F, with the legend naming them.
        #expect(["A", "B", "C", "D", "E", "F"].allSatisfy(forest.contains))
        #expect(forest.contains("Risk of Bias") && forest.contains("Risk of bias legend"))
        #expect(forest.contains("(A) Bias arising from the randomisation process"))
        #expect(forest.contains("(F) Overall risk of bias"))
        // 4 studies × 6 columns of symbols, and the legend's four judgements (RoB 2's words).
        #expect(forest.filter { $0 == "+" }.count == 15 + 1)
        #expect(forest.filter { $0 == "×" }.count == 2 + 1)
        #expect(forest.contains("No information"))
        // The subgroup plot has the dots too; the funnel plot does not.
        let bySetting = PlotPipelineTests.texts(try p.read("outputs/rob/main/forest-setting.svg"))
        #expect(bySetting.contains("Risk of bias legend"))
        #expect(!PlotPipelineTests.texts(try p.read("outputs/rob/main/funnel.svg")).contains("Risk of bias legend"))
        // Overall-only judgements: one column, said to be what they are; Delta 2009 has no judgement in them.
        let overall = PlotPipelineTests.texts(try p.read("outputs/rob/overall-only/forest.svg"))
        #expect(overall.contains("(A) Overall risk of bias") && !overall.contains("B"))
        #expect(overall.contains { $0.hasPrefix("Only the overall judgement of each study is available") })
        #expect(overall.contains { $0.contains("A study without dots has no risk-of-bias judgement.") })
        // The report's caption says what the dots are.
        let html = try p.read("outputs/rob/index.html")
        #expect(html.contains("Right of the plot, each study&#39;s risk of bias by domain") || html.contains("Right of the plot, each study's risk of bias by domain"))
        #expect(html.contains("risk of bias (overall judgement only)"))
    }

    /// Editing one judgement redraws the forest plot that shows it.
    @Test func anEditedJudgementRedrawsThePlot() throws {
        let p = try Project("risk-of-bias-forest")
        #expect(try p.metapipe("run").status == 0)
        let before = try p.read("outputs/rob/main/forest.svg")
        let table = try p.read("pipelines/rob/rob2.csv")
        try p.write("pipelines/rob/rob2.csv", table.replacingOccurrences(of: "Alpha 2001,low,low,low,low,low,low", with: "Alpha 2001,low,low,low,low,high,high"))
        let rerun = try p.metapipe("run")
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stdout.contains("ran     rob/plot:main:forest"))
        #expect(try p.read("outputs/rob/main/forest.svg") != before)
    }
}

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

import Foundation
import MetaReport
import Testing
@testable import MetaEngine

/// The report is joined from parts each analysis' report-section stage renders; the parts must give
/// the bytes the whole report would have.
@Suite struct ReportSectionTests {
    static let repository = StageGraphTests.repository

    /// Results of the committed Balint report: empty arrays, back-transformed values, scenarios.
    static func results() throws -> [ResultDocument] {
        let folder = repository.appendingPathComponent("outputs/balint")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        var out: [ResultDocument] = []
        for name in names {
            let url = folder.appendingPathComponent(name).appendingPathComponent("result.json")
            guard let data = try? Data(contentsOf: url) else { continue }
            out.append(try JSONDecoder().decode(ResultDocument.self, from: data))
        }
        return out
    }

    @Test func resultsJSONJoinedFromEntriesIsTheEncodedWhole() throws {
        let results = try Self.results()
        try #require(results.count >= 5)
        for count in [0, 1, results.count] {
            let some = Array(results.prefix(count))
            let whole = try encodeJSON(AllResults(pipeline: "balint", title: "A \"quoted\" title / with a slash",
                                                  metapipeVersion: "0.1.0", analyses: some))
            let joined = try AllResults.assembled(pipeline: "balint", title: "A \"quoted\" title / with a slash",
                                                  metapipeVersion: "0.1.0", entries: some.map(AllResults.entry))
            #expect(joined == whole, "\(count) analyses")
        }
    }

    @Test func prerenderedSectionsGiveTheSameReport() throws {
        let results = try Self.results()
        let analyses = results.map {
            AnalysisReport(result: $0, description: "About \($0.title)", labels: ["experimental": "Balint", "control": "Control"],
                           tables: ["controlled"], studySources: [], figures: [])
        }
        let input = ReportInput(pipeline: "balint", title: "Balint", description: nil, file: "balint.yaml", metapipeVersion: "0.1.0",
                                sources: [], analyses: analyses, syntheses: [], comparisons: [], unavailable: [], warnings: [])
        var prerendered: [String: [ReportDocument.Section]] = [:]
        for a in analyses {
            let (outline, text) = ReportBuilder.renderedAnalysis(a)
            prerendered[a.result.analysis] = ReportDocument.prerendered(outline, text)
        }
        let whole = ReportBuilder.document(input)
        let joined = ReportBuilder.document(input, prerendered: prerendered)
        #expect(joined.html(generator: "g") == whole.html(generator: "g"))
        #expect(joined.markdown(generator: "g") == whole.markdown(generator: "g"))
    }

    /// The summary the report's overview reads keeps what the overview, methods and warnings show.
    @Test func theSummaryKeepsTheOverviewFields() throws {
        for r in try Self.results() {
            let s = ReportSection.summary(r)
            #expect(s.studies.isEmpty && s.leaveOneOut == nil && s.subgroups == nil)
            #expect(s.k == r.k && s.title == r.title && s.warnings == r.warnings && s.level == r.level)
            #expect(try encodeJSON(s.pooled) == encodeJSON(r.pooled))
            #expect(try encodeJSON(s.heterogeneity) == encodeJSON(r.heterogeneity))
            #expect(try encodeJSON(s.settings) == encodeJSON(r.settings))
        }
    }
}

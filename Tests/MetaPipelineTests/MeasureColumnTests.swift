import Foundation
import MetaStats
import Testing
@testable import MetaPipeline

/// Column roles of the correlation, proportion, rate and pre–post measures, and `prepost-r`.
@Suite struct MeasureColumnTests {
    static let prePost = """
        study,n,mean_pre,sd_pre,mean_post,sd_post,r,t
        Adams 2001,24,30.1,6.2,26.3,6.0,0.62,
        Baker 2005,31,28.4,5.8,25.9,6.1,,
        Gray 2022,40,,,,,,-3.1
        """

    static func pipeline(_ settings: String) -> String {
        """
        pipeline: pp
        data:
          pp: pp.csv
        analyses:
          change:
            data: pp
            measure: SMCC
        \(settings)
        """
    }

    @Test func aMissingCorrelationWithoutPrepostRIsAnErrorAtTheRow() throws {
        let scratch = try ScratchPipeline(["pipeline.yaml": Self.pipeline(""), "pp.csv": Self.prePost])
        let messages = scratch.diagnostics()
        #expect(messages.contains { $0.hasPrefix("pp.csv:3:") && $0.contains("Baker 2005") && $0.contains("prepost-r") }, "\(messages)")
    }

    @Test func prepostRFillsTheMissingCorrelation() throws {
        let scratch = try ScratchPipeline(["pipeline.yaml": Self.pipeline("    prepost-r: 0.5"), "pp.csv": Self.prePost])
        guard case .success(let p) = scratch.load() else { Issue.record("\(scratch.diagnostics())"); return }
        let a = try #require(p.analyses.first)
        #expect(a.settings.prePostR == 0.5)
    }

    @Test func prepostROutsideMinusOneToOneIsAnError() throws {
        let scratch = try ScratchPipeline(["pipeline.yaml": Self.pipeline("    prepost-r: 1.5"), "pp.csv": Self.prePost])
        #expect(scratch.diagnostics().contains { $0.contains("prepost-r 1.5") })
    }
}

import Foundation
import Testing
@testable import MetaPipeline

/// `risk-of-bias:` read from an overall-only table, checked against the analyses, and the scenario
/// shortcut that keeps studies by their overall judgement.
@Suite struct RiskOfBiasLoaderTests {
    static let folder = Bundle.module.url(forResource: "valid/risk-of-bias", withExtension: nil, subdirectory: "Fixtures")!

    func load() throws -> Pipeline {
        switch PipelineLoader.load(Self.folder.appendingPathComponent("pipeline.yaml").path) {
        case .success(let p): return p
        case .failure(let list): throw list
        }
    }

    @Test func overallOnlyTableIsReadInTheToolsWords() throws {
        let p = try load()
        #expect(p.riskOfBias.count == 1)
        let a = try #require(p.riskOfBias.first)
        #expect(a.tool == .rob2)
        #expect(a.overallOnly)
        #expect(a.domains.isEmpty)
        #expect(a.rows.map(\.study) == ["Alpha 2001", "Beta 2003", "Delta 2009"])
        // "Low risk" and "Some concerns" are RoB 2's words in another case and with "risk" after them.
        #expect(a.rows.map(\.overall) == [.low, .someConcerns, .high])
        #expect(a.title == "Risk of bias (RoB 2, overall judgements)")
    }

    @Test func unjudgedAndUnpooledStudiesAreWarnings() throws {
        let p = try load()
        let messages = p.warnings.map(\.message)
        #expect(messages.contains { $0.contains("analysis 'main' pools a study with no risk-of-bias row: 'Gamma 2005'") })
        #expect(messages.contains { $0.contains("study 'Delta 2009' is judged for risk of bias but is in no analysis") })
        let delta = try #require(p.warnings.first { $0.message.contains("Delta 2009") })
        #expect(delta.location?.line == 4)
        #expect(delta.location?.file.hasSuffix("overall.csv") == true)
    }

    @Test func scenarioKeepsStudiesByOverallJudgement() throws {
        let p = try load()
        let scenarios = try #require(p.analyses.first?.scenarios)
        let low = try #require(scenarios.first { $0.name == "low risk of bias" })
        #expect(low.studies.map(\.input.study) == ["Alpha 2001"])
        #expect(low.changes.first == "only studies at low risk of bias overall")
        #expect(low.changes.dropFirst().allSatisfy { $0.hasPrefix("leaves out ") })
        let notHigh = try #require(scenarios.first { $0.name == "not at high risk" })
        #expect(notHigh.studies.map(\.input.study) == ["Alpha 2001", "Beta 2003"])
    }

    @Test func judgementWords() {
        #expect(RiskOfBiasJudgement.parse("High risk of bias", tool: .rob2) == .high)
        #expect(RiskOfBiasJudgement.parse("some concern", tool: .rob2) == .someConcerns)
        #expect(RiskOfBiasJudgement.parse("moderate", tool: .rob2) == nil)
        #expect(RiskOfBiasJudgement.parse("Moderate", tool: .robinsI) == .moderate)
        #expect(RiskOfBiasJudgement.parse("serious", tool: .robinsI) == .serious)
        #expect(RiskOfBiasJudgement.parse("some concerns", tool: .robinsI) == nil)
        #expect(RiskOfBiasJudgement.parse("unclear", tool: .custom) == .unclear)
        #expect(RiskOfBiasTool.rob2.standardDomains.count == 5)
        #expect(RiskOfBiasTool.robinsI.standardDomains.count == 7)
    }
}

/// `prisma:` with boxes the review does not report: accepted, and drawn as not reported.
@Suite struct PrismaLoaderTests {
    @Test func unreportedCountsAreAllowed() throws {
        let p = try RiskOfBiasLoaderTests().load()
        let f = try #require(p.prisma)
        #expect(f.databases == [.init(label: "PubMed", n: 300), .init(label: "Embase", n: nil)])
        #expect(f.identifiedTotal == nil)        // one database not reported
        #expect(f.duplicates == nil)
        #expect(f.screened == 250 && f.excludedScreening == 200 && f.sought == 50 && f.assessed == 50)
        // The total of the reasons is given although one reason's count is not: 50 − 46 = 4 reports.
        #expect(f.excludedEligibility == 46)
        #expect(f.includedReports == 4 && f.includedStudies == 3)
    }
}

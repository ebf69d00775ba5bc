import Foundation
import Testing
@testable import MetaPipeline

/// `risk-of-bias:` read from an overall-only table, checked against the analyses, and the scenario
/// shortcut that keeps studies by their overall judgement.
@Suite struct RiskOfBiasLoaderTests {
    static let folder = validFixture("risk-of-bias")

    func load() throws -> Pipeline { try loadPipeline(in: Self.folder) }

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

/// A forest plot's `risk-of-bias` option names the assessment whose dots it draws.
@Suite struct ForestRiskOfBiasOptionTests {
    /// The valid fixture's tables with two assessments and the given plot entry.
    static func load(_ plot: String, assessments: String = "{rob: {tool: rob2, data: overall}, other: {tool: rob2, data: overall}}")
        -> Result<Pipeline, DiagnosticList> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("forest-rob-\(UUID().uuidString)")
        try? FileManager.default.copyItem(at: RiskOfBiasLoaderTests.folder, to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let yaml = """
        pipeline: rob
        data:
          counts: counts.csv
          overall: overall.csv
        risk-of-bias: \(assessments)
        analyses:
          main:
            data: counts
            measure: OR
            columns: {events1: e1, total1: n1, events2: e2, total2: n2}
            plots: [\(plot)]

        """
        try? yaml.write(to: folder.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        return PipelineLoader.load(folder.appendingPathComponent("pipeline.yaml").path)
    }

    static func errors(_ result: Result<Pipeline, DiagnosticList>) -> [Diagnostic] {
        guard case .failure(let list) = result else { return [] }
        return list.errors
    }

    @Test func namesTheAssessment() throws {
        guard case .success(let p) = Self.load("{kind: forest, risk-of-bias: other}") else { Issue.record("rejected"); return }
        #expect(p.analyses[0].plots[0].riskOfBias == "other")
        guard case .success(let one) = Self.load("{kind: forest, risk-of-bias: true}", assessments: "{rob: {tool: rob2, data: overall}}") else {
            Issue.record("rejected"); return
        }
        #expect(one.analyses[0].plots[0].riskOfBias == "rob", "true: the pipeline's one assessment")
        guard case .success(let off) = Self.load("{kind: forest, risk-of-bias: false}") else { Issue.record("rejected"); return }
        #expect(off.analyses[0].plots[0].riskOfBias == nil)
        guard case .success(let plain) = Self.load("forest") else { Issue.record("rejected"); return }
        #expect(plain.analyses[0].plots[0].riskOfBias == nil, "no dots unless asked for")
    }

    @Test func ambiguousOrUnknownAssessmentsAreLocatedErrors() throws {
        let two = Self.errors(Self.load("{kind: forest, risk-of-bias: true}"))
        #expect(two.map(\.message) == ["the pipeline has 2 risk-of-bias assessments ('rob', 'other'); name the one to show, e.g. risk-of-bias: rob"])
        #expect(two.first?.location?.line == 11)
        let typo = Self.errors(Self.load("{kind: forest, risk-of-bias: robb}"))
        #expect(typo.map(\.message) == ["the forest plot shows risk-of-bias assessment 'robb', which the pipeline does not define; did you mean 'rob'?"])
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

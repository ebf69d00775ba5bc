import Foundation
import MetaStats
import MetaTestSupport
import Testing
@testable import MetaPipeline

/// Writes a pipeline and its tables into a fresh folder and loads it.
struct ScratchPipeline {
    let folder: URL

    init(_ files: [String: String]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("metapipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
    }

    func copy(_ fixture: URL, as name: String) throws {
        try FileManager.default.copyItem(at: fixture, to: folder.appendingPathComponent(name))
    }

    var path: String { folder.appendingPathComponent("pipeline.yaml").path }

    func load() -> Result<Pipeline, DiagnosticList> { PipelineLoader.load(path) }

    /// Every diagnostic as `metapipe validate` prints it, paths relative to the folder.
    func diagnostics() -> [String] {
        let list: [Diagnostic]
        switch load() {
        case .success(let p): list = p.warnings
        case .failure(let l): list = l.diagnostics
        }
        return list.map { $0.description.replacingOccurrences(of: folder.path + "/", with: "") }
    }

    func pipeline() throws -> Pipeline { try load().get() }
}

let countsCSV = """
    study,events1,total1,events2,total2,region
    A,4,123,11,139,north
    B,6,306,29,303,south
    C,3,231,11,220,north
    D,62,13598,248,12867,south

    """

/// Settings say what ran: a method that does not fit the model is an error with the way out, and
/// every level resolves profile → defaults → analysis → scenario.
@Suite struct SettingsOrderTests {
    @Test func inverseVarianceWithRandomEffectsIsAnError() throws {
        let p = try ScratchPipeline(["counts.csv": countsCSV, "pipeline.yaml": """
            pipeline: s
            data: {counts: counts.csv}
            analyses:
              a:
                data: counts
                measure: OR
                model: random
                method: IV

            """])
        let d = p.diagnostics()
        #expect(d.count == 1)
        #expect(d.first?.hasPrefix("pipeline.yaml:8:13: error: analysis 'a' has model random with method IV; IV is a fixed-effect method; for random effects name a τ² estimator (DL, REML, PM, …), or use model: fixed") == true, "\(d)")
    }

    /// Every setting a scenario changes is named in its changes, so none is warned "changes nothing".
    @Test func scenarioChangingOnlyIntervalsOrDirectionSaysSo() throws {
        let p = try ScratchPipeline(["counts.csv": countsCSV, "pipeline.yaml": """
            pipeline: s
            data: {counts: counts.csv}
            analyses:
              a:
                data: counts
                measure: OR
                sensitivity:
                  scenarios:
                    - {name: no PI, prediction-interval: false}
                    - {name: no tau2 CI, tau2-ci: false}
                    - {name: other direction, direction: higher}

            """])
        #expect(p.diagnostics().isEmpty, "\(p.diagnostics())")
        let scenarios = try p.pipeline().analyses[0].scenarios
        #expect(scenarios.map(\.changes) == [["without a prediction interval"], ["without a CI for τ²"],
                                              ["higher values favour the intervention"]])
    }

    @Test func inheritedMethodIsNamedInTheError() throws {
        let p = try ScratchPipeline(["counts.csv": countsCSV, "pipeline.yaml": """
            pipeline: s
            data: {counts: counts.csv}
            defaults: {measure: OR, model: fixed, method: Peto}
            analyses:
              a:
                data: counts
                sensitivity:
                  scenarios:
                    - {name: random effects, model: random}

            """])
        let d = p.diagnostics()
        #expect(d.count == 1)
        #expect(d.first?.hasPrefix("pipeline.yaml:9:41: error: scenario 'random effects' of analysis 'a' has model random with method Peto (method from the analysis); Peto is a fixed-effect method; for random effects name a τ² estimator (DL, REML, …) or MH (RevMan's random-effects Mantel–Haenszel), or use model: fixed") == true, "\(d)")
    }

    @Test func aScenarioNamingAProfileGetsItsConventions() throws {
        let p = try ScratchPipeline(["counts.csv": countsCSV, "pipeline.yaml": """
            pipeline: s
            data: {counts: counts.csv}
            defaults: {measure: OR, method: DL}
            analyses:
              a:
                data: counts
                method: PM
                sensitivity:
                  scenarios:
                    - {name: RevMan Web, profile: revman-web}
                    - {name: RevMan Web with DL, profile: revman-web, method: DL}
                    - {name: Fixed, model: fixed}
                    - {name: RevMan 5 fixed, profile: revman5, model: fixed}

            """])
        let a = try p.pipeline().analyses[0]
        #expect(a.settings.pooling.method == .pm)
        let s = a.scenarios
        // The profile's method and test, not the analysis' PM.
        #expect(s[0].settings.pooling.method == .reml && s[0].settings.pooling.test == .knha)
        #expect(s[0].changes.contains("method REML") && s[0].changes.contains("Hartung–Knapp test"))
        // A key beside the profile wins.
        #expect(s[1].settings.pooling.method == .dl && s[1].settings.pooling.test == .knha)
        // A fixed-effect model with an inherited τ² estimator is inverse-variance, and says so.
        #expect(s[2].settings.pooling.method == .iv && s[2].changes == ["fixed-effect model", "method IV"])
        // RevMan 5's binary fixed-effect method.
        #expect(s[3].settings.pooling.method == .mh)
    }

    @Test func settingsSpecOrder() {
        var defaults = SettingsSpec(); defaults.method = .reml; defaults.test = .knha; defaults.level = 90
        var analysis = SettingsSpec(); analysis.profile = .revman5
        var scenario = SettingsSpec(); scenario.test = .knha
        let resolved = ResolvedSettings(defaults.overridden(by: analysis).overridden(by: scenario))
        // revman5 resets method and test; level is not a profile convention; the scenario's test wins.
        #expect(resolved.pooling.method == .dl && resolved.pooling.test == .knha && resolved.pooling.level == 90)
    }
}

/// Errors in cause order: the pipeline file's first, nothing repeated per row because of a bad
/// setting, and repeated cell problems folded.
@Suite struct CauseOrderTests {
    @Test func aBadMeasureIsNotFollowedByRowErrors() throws {
        let p = try ScratchPipeline(["counts.csv": countsCSV, "pipeline.yaml": """
            pipeline: s
            data: {counts: counts.csv}
            analyses:
              a: {data: counts, measure: ORR}

            """])
        let d = p.diagnostics()
        #expect(d.count == 1, "\(d)")
        #expect(d.first?.hasPrefix("pipeline.yaml:4:30: error: unknown measure 'ORR'; did you mean 'OR'?") == true, "\(d)")
    }

    @Test func aBadDefaultMeasureIsNotFollowedByRowErrors() throws {
        let p = try ScratchPipeline(["counts.csv": countsCSV, "pipeline.yaml": """
            pipeline: s
            data: {counts: counts.csv}
            defaults: {measure: RRR}
            analyses:
              a: {data: counts}
              b: {data: counts, sensitivity: {scenarios: [{name: x, model: fixed}]}}

            """])
        let d = p.diagnostics()
        #expect(d.count == 1, "\(d)")
    }

    @Test func pipelineErrorsComeFirstAndRepeatedCellErrorsAreFolded() throws {
        var rows = ["study,n1,mean1,sd1,n2,mean2,sd2"]
        for i in 1...18 { rows.append("S\(i),20,5,0,20,5,1") }
        let p = try ScratchPipeline(["arms.csv": rows.joined(separator: "\n") + "\n", "pipeline.yaml": """
            pipeline: s
            data: {arms: arms.csv}
            analyses:
              a: {data: arms, measure: MD, plots: [forrest]}

            """])
        let d = p.diagnostics()
        #expect(d.count == 5, "\(d)")
        #expect(d[0].hasPrefix("pipeline.yaml:4:40: error: unknown plot 'forrest'"), "\(d)")
        #expect(d[1].hasPrefix("arms.csv:2: column 'sd1': "), "\(d)")
        #expect(d[3].hasPrefix("arms.csv:4: column 'sd1': "), "\(d)")
        #expect(d[4] == "arms.csv:5: error: … and 15 more rows in column 'sd1' with the same problem (lines 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, …)", "\(d)")
    }
}

/// Measures metapipe does not compute get the list and the way out, not a misleading "did you mean".
@Suite struct MeasureNameTests {
    func message(_ measure: String) throws -> String {
        let p = try ScratchPipeline(["counts.csv": countsCSV, "pipeline.yaml": """
            pipeline: s
            data: {counts: counts.csv}
            analyses:
              a: {data: counts, measure: "\(measure)"}

            """])
        let d = p.diagnostics()
        #expect(d.count == 1, "\(d)")
        return d.first?.components(separatedBy: "\n").first ?? ""
    }

    @Test func hazardRatioIsNotRiskRatio() throws {
        let m = try message("HR")
        #expect(m.hasSuffix("error: measure 'HR' (hazard ratio) is not one metapipe computes from data; give each study's log hazard ratio as yi with se (or vi) and use measure: GEN. Measures: 'SMD', 'MD', 'OR', 'RR', 'RD', 'GEN', 'COR', 'ZCOR', 'PR', 'PLO', 'PFT', 'IRR', 'IRD', 'ROM', 'SMCR', 'SMCC' or 'MC' (see \"What metapipe does and does not support\" in the README)"), "\(m)")
        #expect(!m.contains("did you mean"))
    }

    @Test func aNameLikeNothingGetsTheList() throws {
        let m = try message("XYZ")
        #expect(m.hasSuffix("error: unknown measure 'XYZ'; metapipe computes 'SMD', 'MD', 'OR', 'RR', 'RD', 'GEN', 'COR', 'ZCOR', 'PR', 'PLO', 'PFT', 'IRR', 'IRD', 'ROM', 'SMCR', 'SMCC' or 'MC' (see \"What metapipe does and does not support\" in the README)"), "\(m)")
        #expect(try !message("PE").contains("did you mean"))
    }

    @Test func closeMisspellingsAndOtherNames() throws {
        #expect(try message("MDD").contains("unknown measure 'MDD'; did you mean 'MD'?"))
        #expect(try message("SDM").contains("did you mean 'SMD'?"))
        #expect(try message("WMD").contains("unknown measure 'WMD'; metapipe calls it 'MD' (mean difference): write measure: MD"))
        #expect(try message("Hedges' g").contains("metapipe calls it 'SMD'"))
        #expect(try message("Peto").contains("'Peto' is a pooling method, not a measure: write measure: OR and method: Peto"))
        #expect(try message("UCOR").contains("(adjusted or partial correlation) is not one metapipe computes from data"))
    }

    @Test func caseDoesNotMatter() throws {
        let p = try ScratchPipeline(["counts.csv": countsCSV, "pipeline.yaml": "pipeline: s\ndata: {counts: counts.csv}\nanalyses:\n  a: {data: counts, measure: or}\n"])
        #expect(try p.pipeline().analyses[0].settings.measure == .or)
    }
}

import Foundation
import Testing

/// RevMan files: read directly by a pipeline, and turned into a pipeline by `metapipe import`.
@Suite(.serialized) struct RevManTests {
    @Test func aPipelineReadsARevMan5FileAndVerifiesEveryStoredStatistic() throws {
        let p = try Project("revman")
        let run = try p.metapipe("run", "pipelines/direct.yaml")
        #expect(run.status == 0, "\(run.stderr)")
        let verify = try p.read("outputs/direct/aspirin/verify.csv")
        let rows = verify.split(separator: "\n").dropFirst()
        #expect(rows.count == 52)
        #expect(rows.allSatisfy { $0.hasSuffix(",pass,") })
        let report = try p.read("outputs/direct/index.html")
        #expect(report.contains("All 52 statistics RevMan stored for analysis 1.1 agree with metapipe"))
        // RevMan never calculated the SMD analysis: computed and marked as such.
        let smd = try p.read("outputs/direct/mental-health/verify.csv")
        // Only its degrees of freedom are stored: nothing else to verify, and nothing counted as a pass.
        #expect(smd == "level,subgroup,study,statistic,revman,metapipe,difference,status,reason\noverall,,,df,4,4,0,pass,\n")
        #expect(report.contains("RevMan never calculated analysis 1.2"))
    }

    @Test func importWritesAnEditablePipeline() throws {
        let p = try Project("revman")
        let imported = try p.metapipe("import", "source/Fleiss1993.rm5", "--into", "pipelines")
        #expect(imported.status == 0)
        #expect(imported.stdout == """
            metapipe: imported 2 analyses into pipelines/fleiss1993.yaml
              pipelines/fleiss1993/studies.csv
              pipelines/fleiss1993/outcomes.csv
              pipelines/fleiss1993/results.csv

            """)
        let yaml = try p.read("pipelines/fleiss1993.yaml")
        #expect(yaml.contains("  analysis-1.1:\n    title: \"1.1 Aspirin for Preventing Death after Myocardial Infarction\""))
        #expect(yaml.contains("    measure: OR\n    model: fixed\n    method: MH\n    level: 95\n"))
        #expect(yaml.contains("labels: {experimental: \"Aspirin\", control: \"Control\", favours-experimental: \"Favours experimental\", favours-control: \"Favours control\"}"))
        let run = try p.metapipe("run", "pipelines/fleiss1993.yaml")
        #expect(run.status == 0, "\(run.stderr)")
        let checked = try p.read("outputs/fleiss1993/analysis-1.1/verify.csv").split(separator: "\n").dropFirst()
        #expect(checked.count == 52 && checked.allSatisfy { $0.hasSuffix(",pass,") })
        // A results table that lost the analysis' rows fails the check instead of passing with nothing checked.
        let results = try p.read("pipelines/fleiss1993/results.csv")
        try p.write("pipelines/fleiss1993/results.csv", results.split(separator: "\n").filter { !$0.hasPrefix("1.1,") }.joined(separator: "\n") + "\n")
        #expect(try p.metapipe("run", "pipelines/fleiss1993.yaml").status == 0)
        #expect(try p.read("outputs/fleiss1993/analysis-1.1/verify.csv").contains("overall,,,stored statistics,,,,FAIL,"))
        #expect(try p.read("outputs/fleiss1993/index.html").contains("RevMan calculated analysis 1.1, but the results table holds none of its statistics"))
        try p.write("pipelines/fleiss1993/results.csv", results)
        // The same review exported by RevMan Web, checked to its printed precision.
        let web = try p.metapipe("import", "source/webpackage", "--name", "fleiss-web", "--into", "pipelines")
        #expect(web.status == 0)
        #expect(try p.read("pipelines/fleiss-web.yaml").contains("  profile: revman-web"))
        #expect(try p.metapipe("run", "pipelines/fleiss-web.yaml").status == 0)
        let webVerify = try p.read("outputs/fleiss-web/analysis-1.1/verify.csv")
        #expect(webVerify.components(separatedBy: ",pass").count - 1 == 37 && !webVerify.contains("FAIL"))
        // Importing again does not overwrite without --force.
        let again = try p.metapipe("import", "source/Fleiss1993.rm5", "--into", "pipelines")
        #expect(again.status == 65 && again.stderr == "metapipe: pipelines/fleiss1993.yaml already exists; use --force to replace it\n")
    }

    @Test func damagedFilesAreLocatedErrors() throws {
        let p = try Project("revman")
        let text = try p.read("pipelines/review/Fleiss1993.rm5")
        try p.write("pipelines/review/Fleiss1993.rm5", text.replacingOccurrences(of: "EVENTS_1=\"49\"", with: "EVENTS_1=\"forty-nine\""))
        let run = try p.metapipe("validate", "pipelines/direct.yaml")
        #expect(run.status == 65)
        #expect(run.stderr.hasPrefix("pipelines/review/Fleiss1993.rm5:447: error: DICH_DATA attribute EVENTS_1=\"forty-nine\" is not a number\n"))
        let imported = try p.metapipe("import", "pipelines/review/Fleiss1993.rm5")
        #expect(imported.status == 65)
        #expect(imported.stderr == "metapipe: pipelines/review/Fleiss1993.rm5:447: DICH_DATA attribute EVENTS_1=\"forty-nine\" is not a number\n")
    }
}

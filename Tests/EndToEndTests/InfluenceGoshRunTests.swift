import Foundation
import Testing

/// `sensitivity: {influence, gosh}` end to end on the BCG trials: result.json against metafor
/// (Tests/MetaStatsTests/Fixtures/influence-gosh.R), the CSV files, the figures and the report, and
/// the same bytes for any number of jobs.
@Suite struct InfluenceGoshRunTests {
    @Test func bcgInfluenceAndGosh() throws {
        let p = try Project.withBCG()
        try p.write("pipelines/b.yaml", """
            pipeline: b
            data: {trials: b/bcg.csv}
            defaults: {measure: RR, method: DL}
            analyses:
              rr:
                data: trials
                columns: {study: "{author} {year}", events1: tpos, nonevents1: tneg, events2: cpos, nonevents2: cneg}
                sensitivity: {influence: true, gosh: {subsets: 10000}}
                plots: [forest, baujat, gosh]

            """)
        let run = try p.metapipe("run", "pipelines/b.yaml", "--jobs", "1")
        #expect(run.status == 0, "\(run.stderr)")
        let result = try p.json("outputs/b/rr/result.json")
        let influence = result["influence"] as! [[String: Any]]
        #expect(influence.count == 13)
        // influence(rma(yi, vi, data = dat, method = "DL")): Aronson 1948
        let first = influence[0]
        #expect(first["study"] as? String == "Aronson 1948")
        #expect(abs((first["rstudent"] as! Double) / -0.224733520404072 - 1) < 1e-6)
        #expect(abs((first["cooks_distance"] as! Double) / 0.00253081978083116 - 1) < 1e-6)
        #expect(influence.allSatisfy { $0["influential"] as? Bool == false })
        let gosh = result["gosh"] as! [String: Any]
        #expect(gosh["subsets"] as? Int == 8191 && gosh["exhaustive"] as? Bool == true && gosh["seed"] == nil)
        let csv = try String(contentsOf: p.url("outputs/b/rr/gosh.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 8192 && csv[0] == "estimate,i2,tau2,k,subset")
        #expect(csv[1].hasSuffix(",0,0,1,0x1") && csv[8191].hasSuffix(",13,0x1fff"))
        // The full-set row is the main fit.
        let pooled = result["pooled"] as! [String: Any]
        let last = csv[8191].split(separator: ",")
        #expect(Double(last[0]) == pooled["estimate"] as? Double)
        let influenceCSV = try String(contentsOf: p.url("outputs/b/rr/influence.csv"), encoding: .utf8)
        #expect(influenceCSV.hasPrefix("study,rstudent,dffits,cooks_distance,cov_ratio,tau2_deleted,q_deleted,hat,weight,dfbetas,influential,baujat_x,baujat_y\n"))
        for figure in ["baujat.png", "baujat.svg", "gosh.png", "gosh.svg"] {
            #expect(FileManager.default.fileExists(atPath: p.url("outputs/b/rr/\(figure)").path), "\(figure)")
        }
        let report = try String(contentsOf: p.url("outputs/b/README.md"), encoding: .utf8)
        #expect(report.contains("rr: influence diagnostics") && report.contains("No study is influential by metafor's criteria."))
        #expect(report.contains(": GOSH") && report.contains("every non-empty subset of the 13 studies (8,191 subsets)"))

        // The same bytes with two jobs and a fresh cache.
        let before = p.tree("outputs/b")
        try FileManager.default.removeItem(at: p.url("outputs"))
        let again = try p.metapipe("run", "pipelines/b.yaml", "--jobs", "2", "--cache", ".metapipe-2")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(p.tree("outputs/b") == before)
    }
}

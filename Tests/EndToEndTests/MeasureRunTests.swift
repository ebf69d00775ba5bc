import Foundation
import Testing

/// `metapipe run` on a proportion (PFT) and a pre–post (SMCC) analysis: result.json against metafor
/// (Tests/MetaStatsTests/Fixtures/measures.R), back-transformed results and the r each study used.
@Suite struct MeasureRunTests {
    static let pritz = """
        study,events,total
        Giannotta et al.,16,17
        Haraguchi and Ebina,10,12
        Swift and Solomon,4,8
        Kassell et al.,43,58
        Tanabe et al.,10,10
        Awad et al.,25,42
        Finn et al.,13,14
        Hadeishi et al.,12,12
        Otsubo et al.,22,41
        Muizelaar and Becker,4,5
        Rosenstein et al.,5,6
        Levy et al.,18,23
        Shimoda et al.,58,68
        Solomon et al.,6,10

        """
    static let prePost = """
        study,n,mean_pre,sd_pre,mean_post,sd_post,r
        Adams 2001,24,30.1,6.2,26.3,6.0,0.62
        Baker 2005,31,28.4,5.8,25.9,6.1,
        Chen 2010,18,33.0,7.1,31.1,6.8,0.45
        Diaz 2014,45,29.5,6.6,24.8,7.0,0.71
        Evans 2018,60,31.2,5.9,29.0,6.2,
        Ford 2020,27,27.9,6.4,26.5,5.5,0.55

        """

    func close(_ a: Any?, _ b: Double, _ rel: Double = 1e-6) -> Bool {
        guard let a = a as? Double else { return false }
        return abs(a - b) <= rel * abs(b)
    }

    @Test func proportionsAndPrePostChanges() throws {
        let p = try Project("demo")
        try FileManager.default.createDirectory(at: p.url("pipelines/m"), withIntermediateDirectories: true)
        try p.write("pipelines/m/pritz.csv", Self.pritz)
        try p.write("pipelines/m/pp.csv", Self.prePost)
        try p.write("pipelines/m.yaml", """
            pipeline: m
            data: {pritz: m/pritz.csv, pp: m/pp.csv}
            defaults: {method: REML}
            analyses:
              pft:
                data: pritz
                measure: PFT
                sensitivity: {leave-one-out: true}
                plots: [forest, leave-one-out]
              change:
                data: pp
                measure: SMCC
                prepost-r: 0.5
                sensitivity: {scenarios: [{name: r = 0.7, prepost-r: 0.7}]}
                plots: [forest]

            """)
        let run = try p.metapipe("run", "pipelines/m.yaml")
        #expect(run.status == 0, "\(run.stderr)")
        let pft = try p.json("outputs/m/pft/result.json")
        let back = (pft["pooled"] as! [String: Any])["back_transformed"] as! [String: Any]
        // predict(rma(yi, vi, method = "REML"), transf = transf.ipft.hm, targs = list(ni = ni))
        #expect(close(back["estimate"], 0.802899884200186))
        #expect(close(back["ci_lower"], 0.702205663153482))
        #expect(close(back["ci_upper"], 0.889346759456544))
        #expect(close(back["pi_lower"], 0.464630610497986))
        #expect(close(back["pi_upper"], 0.998942021266444))
        let loo = pft["leave_one_out"] as! [[String: Any]]
        #expect(loo.count == 14 && loo.allSatisfy { $0["back_transformed"] != nil })
        let change = try p.json("outputs/m/change/result.json")
        let pooled = change["pooled"] as! [String: Any]
        // rma(escalc("SMCC", …, ri = ifelse(is.na(r), 0.5, r)), method = "REML")
        #expect(close(pooled["estimate"], -0.474214995938161))
        #expect(close(pooled["se"], 0.107237303356259))
        #expect(pooled["back_transformed"] == nil)
        let inputs = (change["studies"] as! [[String: Any]]).map { $0["input"] as! String }
        #expect(inputs[1] == "pre and post means and SDs, pre–post r from prepost-r, r = 0.5", "\(inputs)")
        #expect((change["settings"] as! [String: Any])["prepost_r"] as? Double == 0.5)
        let scenario = (change["sensitivity"] as! [[String: Any]])[0]
        #expect(scenario["changes"] as? [String] == ["pre–post r 0.7"])
    }
}

extension Project {
    /// The demo project with the BCG trials (Tests/MetaStatsTests/Fixtures/bcg.csv) at pipelines/b/bcg.csv.
    static func withBCG() throws -> Project {
        let p = try Project("demo")
        let bcg = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MetaStatsTests/Fixtures/bcg.csv"), encoding: .utf8)
        try FileManager.default.createDirectory(at: p.url("pipelines/b"), withIntermediateDirectories: true)
        try p.write("pipelines/b/bcg.csv", bcg)
        return p
    }
}

/// `moderators:` end to end: result.json's regression against metafor (Tests/MetaStatsTests/Fixtures/metareg.R).
@Suite struct MetaRegressionRunTests {
    @Test func bcgByLatitude() throws {
        let p = try Project.withBCG()
        try p.write("pipelines/b.yaml", """
            pipeline: b
            data: {trials: b/bcg.csv}
            defaults: {measure: RR, method: REML, test: knha}
            analyses:
              lat:
                data: trials
                columns: {study: "{author} {year}", events1: tpos, nonevents1: tneg, events2: cpos, nonevents2: cneg}
                moderators: [ablat]
              constant:
                data: trials
                columns: {study: "{author} {year}", events1: tpos, nonevents1: tneg, events2: cpos, nonevents2: cneg}
                where: {alloc: random}
                moderators: [alloc]

            """)
        let bad = try p.metapipe("run", "pipelines/b.yaml")
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("b.yaml:13:") && bad.stderr.contains("error: the meta-regression of analysis 'constant' cannot be fitted: moderator 'alloc' has the same value for every study"), "\(bad.stderr)")
        try p.edit("pipelines/b.yaml", "moderators: [alloc]", "moderators: [ablat]")
        let run = try p.metapipe("run", "pipelines/b.yaml")
        #expect(run.status == 0, "\(run.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: p.url("outputs/b/lat/result.json"))) as! [String: Any]
        let reg = result["regression"] as! [String: Any]
        let coefficients = reg["coefficients"] as! [[String: Any]]
        // rma(yi, vi, mods = ~ ablat, method = "REML", test = "knha") with metafor's default convergence
        // (the metafor profile's): τ² = 0.07635469470565982 (0.0763479639551985 iterated to machine precision).
        #expect(coefficients.map { $0["term"] as! String } == ["intercept", "ablat"])
        #expect(abs((coefficients[1]["estimate"] as! Double) - -0.02910166092801484) < 1e-12)
        #expect(abs((coefficients[1]["se"] as! Double) - 0.00820154179600833) < 1e-12)
        let qm = reg["qm"] as! [String: Any]
        #expect(qm["df"] as? Int == 1 && qm["df2"] as? Int == 11)
        #expect(abs((reg["tau2"] as! Double) - 0.07635469470565982) < 1e-12)
        let report = try p.read("outputs/b/README.md")
        #expect(report.contains("| ablat | -0.0291 | 0.0082 | -3.55 | P = 0.005 |"), "\(report)")
    }

    /// A scenario with its own moderators fits its own regression; a bubble plot needs a numeric
    /// moderator; Mantel–Haenszel pooling cannot be a meta-regression.
    @Test func scenarioModeratorsBubblePlotAndErrors() throws {
        let p = try Project.withBCG()
        try p.write("pipelines/b.yaml", """
            pipeline: b
            data: {trials: b/bcg.csv}
            defaults: {measure: RR, method: REML, test: knha}
            analyses:
              both:
                data: trials
                columns: {study: "{author} {year}", events1: tpos, nonevents1: tneg, events2: cpos, nonevents2: cneg}
                moderators: [ablat, alloc]
                plots: [bubble]
                sensitivity:
                  scenarios:
                    - {name: latitude only, exclude: {alloc: random}, moderators: [ablat]}
                    - {name: no regression, moderators: []}
              factor-only:
                data: trials
                columns: {study: "{author} {year}", events1: tpos, nonevents1: tneg, events2: cpos, nonevents2: cneg}
                moderators: [alloc]
                plots: [bubble]
              none:
                data: trials
                columns: {study: "{author} {year}", events1: tpos, nonevents1: tneg, events2: cpos, nonevents2: cneg}
                plots: [bubble]
              mh:
                data: trials
                columns: {study: "{author} {year}", events1: tpos, nonevents1: tneg, events2: cpos, nonevents2: cneg}
                model: fixed
                method: MH
                moderators: [ablat]

            """)
        let bad = try p.metapipe("run", "pipelines/b.yaml")
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("b.yaml:18:") && bad.stderr.contains("every moderator of analysis 'factor-only' (alloc) is a factor"), "\(bad.stderr)")
        #expect(bad.stderr.contains("b.yaml:22:") && bad.stderr.contains("analysis 'none' has no 'moderators'"), "\(bad.stderr)")
        #expect(bad.stderr.contains("b.yaml:28:") && bad.stderr.contains("the meta-regression of analysis 'mh' needs an inverse-variance fit; method MH (Mantel–Haenszel) is not one"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.url("outputs/b").path), "no partial output")
        var yaml = try p.read("pipelines/b.yaml")
        yaml = String(yaml[..<yaml.range(of: "  factor-only:")!.lowerBound])
        try p.write("pipelines/b.yaml", yaml)
        let run = try p.metapipe("run", "pipelines/b.yaml")
        #expect(run.status == 0, "\(run.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: p.url("outputs/b/both/result.json"))) as! [String: Any]
        let scenarios = result["sensitivity"] as! [[String: Any]]
        #expect(scenarios[0]["changes"] as? [String] == ["excluding alloc = random", "moderators ablat",
                                                         "leaves out Aronson 1948, Ferguson & Simes 1949, Rosenthal et al 1960, Hart & Sutherland 1977, Vandiviere et al 1973, TPT Madras 1980, Coetzee & Berjak 1968"])
        // rma(yi, vi, mods = ~ ablat, data = dat[dat$alloc != "random", ], method = "REML", test = "knha")
        let reg = scenarios[0]["regression"] as! [String: Any]
        let slope = (reg["coefficients"] as! [[String: Any]])[1]
        #expect(slope["term"] as? String == "ablat")
        #expect(abs((slope["estimate"] as! Double) - -0.02278131767281097) < 1e-8)
        #expect(abs((slope["se"] as! Double) - 0.01622957526347) < 1e-8)
        #expect(abs((reg["i2"] as! Double) - 73.42343) < 1e-4)
        #expect(scenarios[1]["regression"] == nil && scenarios[1]["changes"] as? [String] == ["no meta-regression"])
        let report = try p.read("outputs/b/README.md")
        #expect(report.contains("meta-regression, scenario latitude only"), "\(report)")
        #expect(FileManager.default.fileExists(atPath: p.url("outputs/b/both/bubble.svg").path))
        #expect(report.contains("bubble.png"), "the report shows the bubble plot")
    }
}

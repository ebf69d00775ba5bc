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

    func json(_ p: Project, _ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: p.url(path))) as! [String: Any]
    }

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
        let pft = try json(p, "outputs/m/pft/result.json")
        let back = (pft["pooled"] as! [String: Any])["back_transformed"] as! [String: Any]
        // predict(rma(yi, vi, method = "REML"), transf = transf.ipft.hm, targs = list(ni = ni))
        #expect(close(back["estimate"], 0.802899884200186))
        #expect(close(back["ci_lower"], 0.702205663153482))
        #expect(close(back["ci_upper"], 0.889346759456544))
        #expect(close(back["pi_lower"], 0.464630610497986))
        #expect(close(back["pi_upper"], 0.998942021266444))
        let loo = pft["leave_one_out"] as! [[String: Any]]
        #expect(loo.count == 14 && loo.allSatisfy { $0["back_transformed"] != nil })
        let change = try json(p, "outputs/m/change/result.json")
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

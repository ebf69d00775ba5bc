import Foundation
import Testing

/// Analyses and subgroups without an estimable study are reported as "Not estimable", as RevMan
/// shows them, and the run succeeds; `totals: subgroups` reports subgroup totals only.
@Suite(.serialized) struct NotEstimableTests {
    @Test func notEstimableAnalysesAndSubgroupsRun() throws {
        let p = try Project("not-estimable")
        let run = try p.metapipe("run", "pipelines/zero.yaml", "--quiet")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("analysis 'fever' has no study with an estimable effect (every study was left out); it is reported as not estimable"))
        let fever = try JSONSerialization.jsonObject(with: Data(contentsOf: p.url("outputs/zero/fever/result.json"))) as! [String: Any]
        #expect(fever["pooled"] == nil && fever["heterogeneity"] == nil)
        #expect(fever["not_estimable"] as? String == "no study has an estimable effect")
        #expect(fever["k"] as? Int == 0)
        #expect((fever["dropped"] as? [[String: Any]])?.count == 2)
        // Its forest plot lists each study as "Not estimable", with its participants in the totals.
        let svg = try p.read("outputs/zero/fever/forest.svg")
        #expect(svg.components(separatedBy: "Not estimable").count - 1 >= 3)   // two studies and the total
        #expect(svg.contains(">82<") && svg.contains(">71<"))                   // 52 + 30 and 43 + 28 participants

        let rash = try JSONSerialization.jsonObject(with: Data(contentsOf: p.url("outputs/zero/rash/result.json"))) as! [String: Any]
        // totals: subgroups — no overall total; weights within each subgroup.
        #expect(rash["pooled"] == nil)
        #expect((rash["settings"] as? [String: Any])?["totals"] as? String == "subgroups")
        let groups = ((rash["subgroups"] as? [String: Any])?["arm"] as? [String: Any])?["groups"] as? [[String: Any]] ?? []
        #expect(groups.map { $0["name"] as? String } == ["under 5", "5 and over"])  // in row order, as RevMan
        #expect(groups.first?["not_estimable"] as? Bool == true && groups.first?["estimate"] == nil)
        #expect(groups.first?["studies"] as? [String] == ["Landsman 1951"])
        let weights = (rash["studies"] as? [[String: Any]] ?? []).compactMap { $0["weight"] as? Double }
        // Two studies in the estimable subgroup share 100% between them.
        #expect(abs(weights.reduce(0, +) - 100) < 1e-9 && weights.count == 2)
        let report = try p.read("outputs/zero/index.html")
        #expect(report.contains("Not estimable"))
    }
}

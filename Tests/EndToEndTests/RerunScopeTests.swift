import Foundation
import Testing

/// Which stages an edit reruns in a review whose analyses all draw on one table.
@Suite struct RerunScopeTests {
    static let outcomes = (1...6).map { "o\($0)" }

    /// A review of six analyses, each selecting its outcome's four rows of one table.
    static func review() throws -> Project {
        let p = try Project("demo")
        var csv = "study,outcome,n1,mean1,sd1,n2,mean2,sd2\n"
        for (o, outcome) in outcomes.enumerated() {
            for s in 0..<4 {
                csv += "Study \(s + 1),\(outcome),\(30 + 5 * s),\(3.0 + 0.1 * Double(o)),1.\(s),\(31 + 5 * s),\(3.5 + 0.05 * Double(s)),1.\(s + 1)\n"
            }
        }
        try p.write("pipelines/demo/rows.csv", csv)
        var yaml = """
            pipeline: demo
            title: Six analyses from one table
            data:
              rows: demo/rows.csv
            defaults:
              model: random
              method: REML
            labels: {experimental: Treatment, control: Control}
            analyses:

            """
        for outcome in outcomes {
            yaml += """
                  \(outcome):
                    title: Outcome \(outcome)
                    data: rows
                    measure: MD
                    where: {outcome: \(outcome)}
                    sensitivity: {leave-one-out: true}
                    bias: [egger]
                    plots: [forest, funnel]

                """
        }
        try p.write("pipelines/demo.yaml", yaml)
        return p
    }

    /// The analysis a stage id such as `demo/effects:o3` or `demo/scenario:o3:fixed` belongs to.
    static func analysis(_ id: String) -> String? {
        let parts = id.split(separator: ":")
        return parts.count >= 2 ? String(parts[1]) : nil
    }

    @Test func aRowOneAnalysisSelectsRerunsThatAnalysisOnly() throws {
        let p = try Self.review()
        let first = try p.metapipe("run", "--jobs", "2")
        #expect(first.status == 0, "\(first.stderr)")
        let all = first.stages("ran")
        let o3 = all.filter { Self.analysis($0) == "o3" }
        // Every analysis has its effects, pool, leave-one-out, result, figure and report-section stages.
        #expect(o3 == Set(["effects:o3", "pool:o3", "leave-one-out:o3", "bias:o3", "result:o3", "plot:o3:forest", "plot:o3:funnel",
                          "report-section:o3"]
            .map { "demo/\($0)" }), "\(o3.sorted())")
        let before = p.tree("outputs")
        try p.edit("pipelines/demo/rows.csv", "Study 2,o3,35,3.2,1.1", "Study 2,o3,35,3.3,1.1")
        let edit = try p.metapipe("run", "--jobs", "2")
        #expect(edit.status == 0, "\(edit.stderr)")
        let ran = edit.stages("ran")
        // The table is read and split again, o3's stages and the report (which joins the analyses'
        // rendered sections) rerun; nothing of the other five analyses does.
        #expect(ran == o3.union(["demo/load:rows", "demo/rows:rows", "demo/report"]), "\(ran.sorted())")
        #expect(ran.count == 8 + 3)
        // Only o3's files and the report's change; every other analysis keeps its bytes.
        let after = p.tree("outputs")
        let changed = Set(after.keys.filter { after[$0] != before[$0] })
        #expect(changed.allSatisfy { $0.hasPrefix("demo/o3/") || !$0.dropFirst("demo/".count).contains("/") }, "\(changed.sorted())")
        #expect(changed.contains("demo/o3/result.json") && changed.contains("demo/index.html"))
        #expect(edit.stages("cached").count == all.count - ran.count)
        #expect(edit.stdout.contains("\(ran.count) ran, \(all.count - ran.count) cached"))
    }
}

import Foundation
import Testing

/// A run of the same command after nothing changed is answered from the summary the last run left
/// (`.metapipe/runs/`), without loading the pipelines: it prints what a run that loads them prints,
/// and any change to a pipeline, a data file, an output or the cache makes the run load them again.
@Suite struct WarmRunTests {
    /// The summary file of the project's only command, with its modification time (a run that
    /// loads the pipelines removes it first and writes it anew at the end).
    static func summary(_ p: Project) throws -> (path: String, mtime: Date) {
        let runs = p.url(".metapipe/runs")
        let names = try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { $0.hasSuffix(".json") }
        try #require(names.count == 1, "\(names)")
        let path = runs.appendingPathComponent(names[0]).path
        let mtime = try #require(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
        return (path, mtime)
    }

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map { line in
            // The stage and run times differ between runs.
            String(line).replacingOccurrences(of: #" \([0-9.]+ m?s\)$"#, with: "", options: .regularExpression)
        }
    }

    @Test func anUnchangedRunIsAnsweredFromTheSummaryAndPrintsTheSame() throws {
        let p = try Project("demo")
        let first = try p.metapipe("run")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("warning: study 'Frank 2021' has a zero cell"))
        let loaded = try p.metapipe("run", "--jobs", "1")
        let written = try Self.summary(p)
        Thread.sleep(forTimeInterval: 0.02)
        let replayed = try p.metapipe("run")
        #expect(replayed.status == 0)
        #expect(try Self.summary(p).mtime == written.mtime, "answered from the summary, which it left as it was")
        // The same warnings, the same stages, all cached, and the same summary line.
        #expect(replayed.stderr == first.stderr)
        #expect(replayed.stages("cached") == first.stages("ran"))
        #expect(replayed.stages("cached") == loaded.stages("cached"))
        #expect(Self.lines(replayed.stdout).last == Self.lines(loaded.stdout).last)
        #expect(Set(Self.lines(replayed.stdout)) == Set(Self.lines(loaded.stdout)))
        #expect(try p.metapipe("run", "--quiet").stdout.isEmpty)
        let plan = try p.metapipe("plan")
        #expect(!plan.stdout.contains("stale "), "\(plan.stdout)")
    }

    @Test func everyChangeMakesTheRunLoadThePipelinesAgain() throws {
        let p = try Project("demo")
        #expect(try p.metapipe("run").status == 0)
        let stamp = { try Self.summary(p).mtime }
        func settle() { Thread.sleep(forTimeInterval: 0.02) }

        // A data cell: the analyses reading it rerun.
        var before = try stamp()
        settle()
        try p.edit("pipelines/demo/arms.csv", "Diaz 2018,pain,clinic,35,3.0,1.0", "Diaz 2018,pain,clinic,35,3.0,1.2")
        let edited = try p.metapipe("run")
        #expect(edited.status == 0)
        #expect(!edited.stages("ran").isEmpty)
        #expect(try stamp() != before)

        // The pipeline file: a new title reruns the report.
        before = try stamp()
        settle()
        let yaml = try p.read("pipelines/demo.yaml")
        let title = try #require(yaml.split(separator: "\n").first { $0.hasPrefix("title:") })
        try p.edit("pipelines/demo.yaml", String(title), "title: Another title")
        let retitled = try p.metapipe("run")
        #expect(retitled.stages("ran").contains("demo/report"))
        #expect(try p.read("outputs/demo/README.md").contains("Another title"))
        #expect(try stamp() != before)

        // A published file removed or edited: restored.
        before = try stamp()
        settle()
        try FileManager.default.removeItem(at: p.url("outputs/demo/README.md"))
        let restored = try p.metapipe("run")
        #expect(restored.stdout.contains("restored demo/README.md"))
        #expect(try stamp() != before)
        let readme = try p.read("outputs/demo/README.md")
        try p.write("outputs/demo/README.md", readme + "edited\n")
        #expect(try p.metapipe("run").stdout.contains("restored demo/README.md"))
        #expect(try p.read("outputs/demo/README.md") == readme)

        // The cache emptied: everything runs again.
        #expect(try p.metapipe("clean").status == 0)
        let cold = try p.metapipe("run")
        #expect(cold.stages("cached").isEmpty && !cold.stages("ran").isEmpty)

        // Another pipeline file in pipelines/: another command, which loads both.
        try p.write("pipelines/second.yaml", yaml.replacingOccurrences(of: "pipeline: demo", with: "pipeline: second"))
        let both = try p.metapipe("run")
        #expect(both.status == 0, "\(both.stderr)")
        #expect(both.stages("ran").contains("second/report"))
    }

    @Test func aFileAddedToARevManWebPackageMakesTheRunLoadAgain() throws {
        let p = try Project("revman-real")
        try p.write("pipelines/web.yaml", """
            pipeline: web
            title: A RevMan Web package read directly
            data:
              review: {path: ../source/CD014353-dataPackage, kind: revman-web}
            defaults: {profile: revman-web}
            analyses:
              feeding: {data: review, where: {outcome: "1.1"}, measure: RR, model: random, method: REML}

            """)
        // The package first without its subgroup estimates: read from two files.
        let package = p.url("source/CD014353-dataPackage/CD014353-analysis-data")
        let subgroups = package.appendingPathComponent("CD014353-subgroup-estimates.csv")
        try FileManager.default.moveItem(at: subgroups, to: p.url("subgroup-estimates.csv"))
        #expect(try p.metapipe("run", "pipelines/web.yaml").status == 0)
        let written = try Self.summary(p)
        Thread.sleep(forTimeInterval: 0.02)
        #expect(try p.metapipe("run", "pipelines/web.yaml").status == 0)
        #expect(try Self.summary(p).mtime == written.mtime, "answered from the summary")
        // The third file back: the two files read before are unchanged, only the package's file
        // list differs, and that makes the run load the package again.
        try FileManager.default.moveItem(at: p.url("subgroup-estimates.csv"), to: subgroups)
        let changed = try p.metapipe("run", "pipelines/web.yaml")
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(try Self.summary(p).mtime != written.mtime, "the package's file list changed: loaded again")
    }
}

import Foundation
import Testing

/// `metapipe run` as a user runs it, on a private copy of Fixtures/demo.
@Suite(.serialized) struct PipelineRunTests {
    static let allStages: Set<String> = [
        "demo/load:arms", "demo/load:counts", "demo/rows:arms",
        "demo/effects:pain", "demo/pool:pain", "demo/subgroups:pain:setting", "demo/leave-one-out:pain", "demo/bias:pain",
        "demo/scenario:pain:fixed effect", "demo/scenario:pain:corrected n", "demo/result:pain",
        "demo/effects:function", "demo/pool:function", "demo/result:function",
        "demo/effects:events", "demo/pool:events", "demo/leave-one-out:events", "demo/result:events",
        "demo/report-section:pain", "demo/report-section:function", "demo/report-section:events",
        "demo/report",
    ]

    @Test func firstRunRunsEverythingSecondRunNothing() throws {
        let p = try Project("demo")
        let first = try p.metapipe("run", "--jobs", "2")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stages("ran") == Self.allStages)
        #expect(first.stdout.hasSuffix("\(Self.allStages.count) stages: \(Self.allStages.count) ran, 0 cached, 0 failed, 0 skipped (" +
                                        first.stdout.split(separator: "(").last!))
        for file in ["demo/index.html", "demo/README.md", "demo/results.json", "demo/pain/result.json", "demo/pain/studies.csv",
                     "demo/pain/leave-one-out.csv", "demo/function/result.json", "demo/events/leave-one-out.csv"] {
            #expect(p.exists("outputs/\(file)"), "\(file)")
        }
        let second = try p.metapipe("run")
        #expect(second.status == 0)
        #expect(second.stages("ran").isEmpty)
        #expect(second.stages("cached") == Self.allStages)
        #expect(second.stdout.contains("0 ran, \(Self.allStages.count) cached"))
    }

    @Test func aOneRowEditRerunsOnlyTheStagesThatReadIt() throws {
        let p = try Project("demo")
        try p.metapipe("run")
        try p.edit("pipelines/demo/counts.csv", "Chen 2015,10,120", "Chen 2015,11,120")
        let plan = try p.metapipe("plan")
        #expect(plan.stdout.contains("stale   demo/load:counts") && plan.stdout.contains("input pipelines/demo/counts.csv changed"))
        let run = try p.metapipe("run")
        #expect(run.stages("ran") == ["demo/load:counts", "demo/effects:events", "demo/pool:events",
                                      "demo/leave-one-out:events", "demo/result:events", "demo/report-section:events", "demo/report"])
    }

    @Test func anEditToRowsAnAnalysisDoesNotUseStopsAtItsSelection() throws {
        let p = try Project("demo")
        try p.metapipe("run")
        // A function-score row: the pain analysis selects the same rows as before.
        try p.edit("pipelines/demo/arms.csv", "Adams 2010,function,hospital,40,61,12", "Adams 2010,function,hospital,40,62,12")
        let run = try p.metapipe("run")
        // The table's partition reruns; the pain analysis' rows are unchanged, so its effect sizes are
        // not even recomputed (its scenarios read the whole table and rerun).
        #expect(run.stages("ran") == ["demo/load:arms", "demo/rows:arms", "demo/scenario:pain:fixed effect",
                                      "demo/scenario:pain:corrected n", "demo/effects:function", "demo/pool:function",
                                      "demo/result:function", "demo/report-section:function", "demo/report"])
        #expect(run.stages("cached").contains("demo/effects:pain") && run.stages("cached").contains("demo/pool:pain")
                && run.stages("cached").contains("demo/result:pain"))
    }

    @Test func jobsDoNotChangeAByte() throws {
        let one = try Project("demo"), four = try Project("demo")
        #expect(try one.metapipe("run", "--jobs", "1").status == 0)
        #expect(try four.metapipe("run", "--jobs", "4").status == 0)
        let a = one.tree("outputs"), b = four.tree("outputs")
        #expect(!a.isEmpty && a.keys.sorted() == b.keys.sorted())
        for key in a.keys { #expect(a[key] == b[key], "\(key) differs") }
    }

    @Test func deletedAndEditedOutputsAreRestored() throws {
        let p = try Project("demo")
        try p.metapipe("run")
        let original = try p.read("outputs/demo/pain/result.json")
        try FileManager.default.removeItem(at: p.url("outputs/demo/events/studies.csv"))
        try p.write("outputs/demo/pain/result.json", "{}")
        let plan = try p.metapipe("plan")
        #expect(plan.stdout.contains("restores demo/pain/result.json"))
        let run = try p.metapipe("run")
        #expect(run.stages("ran").isEmpty)
        #expect(run.stdout.contains("cached  demo/result:pain (restored demo/pain/result.json)"))
        #expect(try p.read("outputs/demo/pain/result.json") == original)
        #expect(p.exists("outputs/demo/events/studies.csv"))
    }

    @Test func aRunKilledAtAnyMomentIsFollowedByACorrectRun() throws {
        let expected = try Self.largeDemoOutputs()
        var midRun = 0   // kills that left some stages done and the report not yet written
        for delay in [0.02, 0.1, 0.3, 0.6] {
            let p = try Self.largeDemo()
            let process = try Self.killRun(p, after: delay)
            let stagesDone = (try? FileManager.default.contentsOfDirectory(atPath: p.root.appendingPathComponent(".metapipe/stages").path))?.count ?? 0
            if process.terminationReason == .uncaughtSignal, stagesDone > 0, !p.exists("outputs/demo/index.html") { midRun += 1 }
            try Self.expectRerunHeals(p, expected, "after a kill at \(delay) s")
        }
        #expect(midRun >= 1, "no kill landed in the middle of a run; the large analysis is too fast for these delays")
    }

    /// The demo project with `addLargeAnalysis`.
    static func largeDemo() throws -> Project {
        let p = try Project("demo")
        try addLargeAnalysis(p)
        return p
    }

    /// What an uninterrupted run of `largeDemo()` writes to outputs/.
    static func largeDemoOutputs() throws -> [String: Data] {
        let reference = try largeDemo()
        #expect(try reference.metapipe("run").status == 0)
        return reference.tree("outputs")
    }

    /// Starts `metapipe run --jobs 2` in `p`, kills it (SIGKILL) after `delay` seconds and waits for it.
    @discardableResult
    static func killRun(_ p: Project, after delay: Double) throws -> Process {
        let process = try CLI.start(["run", "--jobs", "2"], in: p.root)
        Thread.sleep(forTimeInterval: delay)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process
    }

    /// The next run of `p` succeeds and writes exactly `expected`, and the one after it runs nothing.
    static func expectRerunHeals(_ p: Project, _ expected: [String: Data], _ context: String) throws {
        let rerun = try p.metapipe("run")
        #expect(rerun.status == 0, "\(context): \(rerun.stderr)")
        let got = p.tree("outputs")
        #expect(got.keys.sorted() == expected.keys.sorted(), "\(context)")
        for key in expected.keys { #expect(got[key] == expected[key], "\(key) \(context)") }
        #expect(try p.metapipe("run").stages("ran").isEmpty)
    }

    /// An analysis of 700 studies with REML leave-one-out: slow enough to be killed mid-run.
    static func addLargeAnalysis(_ p: Project) throws {
        var csv = "study,yi,vi\n"
        var state: UInt64 = 42
        for i in 0..<700 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u = Double(state >> 11) / Double(1 << 53)
            csv += "S\(i),\(String(format: "%.4f", 0.3 + (u - 0.5))),\(String(format: "%.4f", 0.02 + u / 10))\n"
        }
        try p.write("pipelines/demo/large.csv", csv)
        try p.edit("pipelines/demo.yaml", "  counts: demo/counts.csv", "  counts: demo/counts.csv\n  large: demo/large.csv")
        let text = try p.read("pipelines/demo.yaml")
        try p.write("pipelines/demo.yaml", text + "  large:\n    data: large\n    measure: GEN\n    method: REML\n    sensitivity: {leave-one-out: true}\n")
    }
}

/// Errors: invalid input exits 65 and writes nothing; a failing stage exits 1 and says where.
@Suite(.serialized) struct FailureTests {
    @Test func invalidPipelineWritesNothing() throws {
        let p = try Project("demo")
        try p.edit("pipelines/demo.yaml", "    measure: MD", "    measure: MDD")
        try p.edit("pipelines/demo/arms.csv", "Diaz 2018,pain,clinic,35,3.0,1.0", "Diaz 2018,pain,clinic,35,3.0,0")
        let run = try p.metapipe("run")
        #expect(run.status == 65)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr == """
            pipelines/demo.yaml:27:14: error: unknown measure 'MDD'; did you mean 'MD'? (expected 'SMD', 'MD', 'OR', 'RR', 'RD', 'GEN', 'COR', 'ZCOR', 'PR', 'PLO', 'PFT', 'IRR', 'IRD', 'ROM', 'SMCR', 'SMCC' or 'MC')
                measure: MDD
                         ^~~
            pipelines/demo/arms.csv:5: column 'sd1': study 'Diaz 2018' has sd1 = 0; an SD must be > 0
            Diaz 2018,pain,clinic,35,3.0,0,36,3.1,1.1,https://example.org/diaz
                                         ^
            pipelines/demo/counts.csv:5: warning: study 'Frank 2021' has a zero cell; 0.5 is added to every cell of its 2×2 table for its own estimate
            Frank 2021,0,30,2,30
            ^
            metapipe: 2 errors; nothing was run

            """)
        #expect(!p.exists("outputs") && !p.exists(".metapipe"))
        #expect(try p.metapipe("validate").status == 65)
    }

    @Test func aFailingStageDoesNotStopTheOthers() throws {
        let p = try Project("demo")
        // No control-arm events anywhere: each study has an estimate (0.5 added), but the
        // Mantel-Haenszel odds ratio does not exist, which only pooling finds out.
        try p.write("pipelines/demo/counts.csv", "study,events1,total1,events2,total2\nA,3,40,0,41\nB,5,60,0,58\n")
        try p.edit("pipelines/demo.yaml", "    measure: RR\n", "    measure: OR\n    model: fixed\n    method: MH\n")
        let run = try p.metapipe("run")
        #expect(run.status == 1)
        #expect(run.stderr.contains("pipelines/demo.yaml:29:3: error: stage demo/pool:events failed: the Mantel–Haenszel odds ratio is not estimable"))
        #expect(run.stdout.contains("FAILED  demo/pool:events"))
        #expect(run.stdout.contains("skipped demo/result:events (demo/pool:events failed)"))
        #expect(run.stdout.contains("skipped demo/report (demo/pool:events failed)"))
        #expect(p.exists("outputs/demo/pain/result.json") && p.exists("outputs/demo/function/result.json"))
        // Fixing the data runs only what failed or was skipped.
        try p.write("pipelines/demo/counts.csv", "study,events1,total1,events2,total2\nA,3,40,1,41\nB,5,60,2,58\n")
        let fixed = try p.metapipe("run")
        #expect(fixed.status == 0)
        #expect(fixed.stages("ran") == ["demo/load:counts", "demo/effects:events", "demo/pool:events", "demo/leave-one-out:events",
                                        "demo/result:events", "demo/report-section:events", "demo/report"])
    }
}

/// The rest of the command line.
@Suite struct CommandLineTests {
    @Test func helpExplainsItself() throws {
        let help = try CLI.run(["--help"], in: CLI.fixtures)
        #expect(help.status == 0)
        for text in ["run", "validate", "plan", "clean", "Exit status", "pipelines/*.yaml"] {
            #expect(help.stdout.contains(text), "\(text)")
        }
        let runHelp = try CLI.run(["run", "--help"], in: CLI.fixtures)
        for option in ["--output", "--cache", "--jobs", "--force", "--dry-run", "--quiet"] {
            #expect(runHelp.stdout.contains(option), "\(option)")
        }
    }

    @Test func badCommandLineExits64() throws {
        let p = try Project("demo")
        #expect(try p.metapipe("run", "--jobs", "0").status == 64)
        #expect(try p.metapipe("frobnicate").status == 64)
        let missing = try p.metapipe("run", "nowhere.yaml")
        #expect(missing.status == 64 && missing.stderr.contains("pipeline file 'nowhere.yaml' does not exist"))
    }

    @Test func quietDryRunAndClean() throws {
        let p = try Project("demo")
        let dry = try p.metapipe("run", "--dry-run")
        #expect(dry.status == 0 && dry.stdout.contains("stale   demo/report") && !p.exists("outputs"))
        let quiet = try p.metapipe("run", "--quiet", "--output", "elsewhere", "--cache", "cache")
        #expect(quiet.status == 0 && quiet.stdout.isEmpty && p.exists("elsewhere/demo/index.html") && p.exists("cache"))
        // A folder that is not a cache is never removed.
        let refused = try p.metapipe("clean", "--cache", "pipelines")
        #expect(refused.status == 64 && refused.stderr.contains("is not a metapipe cache") && p.exists("pipelines/demo.yaml"))
        let clean = try p.metapipe("clean", "--cache", "cache")
        #expect(clean.stdout == "metapipe: removed cache\n" && !p.exists("cache"))
        let validate = try p.metapipe("validate")
        #expect(validate.stdout == "pipelines/demo.yaml: ok (3 analyses, 2 scenarios, 2 tables)\n")
    }
}

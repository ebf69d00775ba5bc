import Foundation
import Testing

/// Values that overflow double arithmetic are located validation errors naming the value, never a
/// crash; extreme values that still compute give a result.
@Suite(.serialized) struct NumericExtremeTests {
    /// Adds an analysis `extreme` reading `extreme.csv`.
    static func addAnalysis(_ p: Project, csv: String, measure: String, method: String = "DL") throws {
        try p.write("pipelines/demo/extreme.csv", csv)
        try p.edit("pipelines/demo.yaml", "  counts: demo/counts.csv", "  counts: demo/counts.csv\n  extreme: demo/extreme.csv")
        let text = try p.read("pipelines/demo.yaml")
        try p.write("pipelines/demo.yaml", text + "  extreme:\n    data: extreme\n    measure: \(measure)\n    method: \(method)\n    plots: [forest, funnel]\n")
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var setup: @Sendable (Project) throws -> Void
        var messages: [String]
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "means ±1e308", setup: { p in
            try p.edit("pipelines/demo/arms.csv", "Adams 2010,function,hospital,40,61,12,41,55,13", "Adams 2010,function,hospital,40,1e308,12,41,-1e308,13")
        }, messages: ["pipelines/demo/arms.csv:7: error: study 'Adams 2010': its values (n1 = 40, mean1 = 1e+308, sd1 = 12, n2 = 41, mean2 = -1e+308, sd2 = 13) give yi = inf"]),
        Case(name: "SD 1e200 (MD)", setup: { p in
            try p.edit("pipelines/demo/arms.csv", "Adams 2010,function,hospital,40,61,12,41", "Adams 2010,function,hospital,40,61,1e200,41")
        }, messages: ["pipelines/demo/arms.csv:7: error: study 'Adams 2010'", "sd1 = 1e+200", "vi = inf", "cannot be pooled in floating point"]),
        Case(name: "t = 1e308", setup: { p in
            try addAnalysis(p, csv: "study,n1,n2,t\nA,20,20,1e308\nB,30,30,1.5\nC,25,25,2\n", measure: "SMD")
        }, messages: ["pipelines/demo/extreme.csv:2: error: study 'A': its values (n1 = 20, n2 = 20, t = 1e+308)"]),
        Case(name: "se = 1e200", setup: { p in
            try addAnalysis(p, csv: "study,yi,se\nA,0.1,1e200\nB,0.2,0.1\nC,0.3,0.2\n", measure: "GEN")
        }, messages: ["pipelines/demo/extreme.csv:2: error: study 'A': its values (yi = 0.1, se = 1e+200) give yi = 0.1 and vi = inf"]),
        Case(name: "variances 1e300 under HE", setup: { p in
            try addAnalysis(p, csv: "study,yi,vi\nA,0.1,1e300\nB,0.2,1e300\nC,0.3,1e300\n", measure: "GEN", method: "HE")
        }, messages: ["pipelines/demo/extreme.csv:2: error: study 'A'", "vi = 1e+300", "vi between 1e-100 and 1e100",
                      "pipelines/demo/extreme.csv:4: error: study 'C'"]),
        Case(name: "variances 1e-300 under HS", setup: { p in
            try addAnalysis(p, csv: "study,yi,vi\nA,0.1,1e-300\nB,0.2,0.01\nC,0.3,0.02\n", measure: "GEN", method: "HS")
        }, messages: ["pipelines/demo/extreme.csv:2: error: study 'A'", "vi = 1e-300"]),
        Case(name: "events = 1e-300", setup: { p in
            try p.edit("pipelines/demo/counts.csv", "Adams 2010,4,40,6,41", "Adams 2010,1e-300,40,6,41")
        }, messages: ["pipelines/demo/counts.csv:2: error: study 'Adams 2010': its values (events1 = 1e-300, total1 = 40, events2 = 6, total2 = 41)",
                      "so that the ratio and its CI are finite"]),
        Case(name: "a log ratio of 1e100", setup: { p in
            try addAnalysis(p, csv: "study,yi,vi\nA,1e100,0.1\nB,0.2,0.1\n", measure: "OR")
        }, messages: ["pipelines/demo/extreme.csv:2: error: study 'A'", "yi = 1e+100"]),
    ]

    @Test(arguments: cases) func overflowingInputIsALocatedError(_ c: Case) throws {
        let p = try Project("demo")
        try c.setup(p)
        let validate = try p.metapipe("validate")
        #expect(validate.status == 65, "\(c): \(validate.stderr)")
        let run = try p.metapipe("run")
        #expect(run.status == 65, "\(c): \(run.stderr)")
        for message in c.messages { #expect(run.stderr.contains(message), "\(c): \(run.stderr)") }
        #expect(!run.stderr.contains("Fatal error") && !p.exists("outputs"), "\(c)")
    }

    /// SMD with an SD of 1e200 still computes (the pooled SD is huge, the effect tiny): a result, no trap.
    @Test func hugeSDsUnderSMDGiveAResult() throws {
        let p = try Project("demo")
        try Self.addAnalysis(p, csv: "study,n1,mean1,sd1,n2,mean2,sd2\nA,20,1,1e150,20,2,1e150\nB,30,1,1,30,2,1\nC,25,1,2,25,1.5,2\n", measure: "SMD")
        let run = try p.metapipe("run")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(p.exists("outputs/demo/extreme/forest.png") && p.exists("outputs/demo/extreme/funnel.svg"))
    }
}

/// Degenerate but valid data: a result, or a located error before anything runs.
@Suite(.serialized) struct DegenerateDataRunTests {
    @Test func identicalEffectsWithHartungKnappGiveAResult() throws {
        let p = try Project("demo")
        try NumericExtremeTests.addAnalysis(p, csv: "study,yi,vi\nA,0.5,0.1\nB,0.5,0.2\nC,0.5,0.05\n", measure: "GEN", method: "REML")
        try p.edit("pipelines/demo.yaml", "    method: REML\n    plots: [forest, funnel]\n", "    method: REML\n    test: knha\n")
        let run = try p.metapipe("run")
        #expect(run.status == 0, "\(run.stderr)")
        let result = try p.read("outputs/demo/extreme/result.json")
        #expect(result.contains("\"se\" : 0.1690308509457") && result.contains("ad hoc adjustment"))
    }

    @Test func aMantelHaenszelRiskDifferenceWithoutEventsIsALocatedError() throws {
        let p = try Project("demo")
        try p.write("pipelines/demo/counts.csv", "study,events1,total1,events2,total2\nA,0,40,0,41\nB,0,60,0,58\n")
        try p.edit("pipelines/demo.yaml", "    measure: RR\n", "    measure: RD\n    model: fixed\n    method: MH\n")
        let run = try p.metapipe("run")
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.stderr.contains("pipelines/demo.yaml:29:3: error: analysis 'events': the Mantel–Haenszel risk difference is not estimable"), "\(run.stderr)")
        #expect(!p.exists("outputs"))
    }
}

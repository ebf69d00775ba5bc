import Foundation
import MetaTestSupport
import Testing

/// The reference pipelines in pipelines/ (normand1999, bcg, raudenbush1985, hackshaw1998), run by the
/// binary: their result.json files hold metafor 3.8-1's numbers (Fixtures/reference/*.metafor.json).
@Suite(.serialized) struct ReferencePipelineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let names = ["normand1999", "bcg", "raudenbush1985", "hackshaw1998"]

    /// Runs the four pipelines once, from a copy of pipelines/.
    nonisolated(unsafe) static let outputs: URL = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("metapipe-reference-\(UUID().uuidString)")
        let pipelines = root.appendingPathComponent("pipelines")
        try! FileManager.default.createDirectory(at: pipelines, withIntermediateDirectories: true)
        for name in names {
            try! FileManager.default.copyItem(at: repository.appendingPathComponent("pipelines/\(name).yaml"),
                                              to: pipelines.appendingPathComponent("\(name).yaml"))
            try! FileManager.default.copyItem(at: repository.appendingPathComponent("pipelines/\(name)"),
                                              to: pipelines.appendingPathComponent(name))
        }
        let result = try! CLI.run(["run", "--quiet"], in: root)
        precondition(result.status == 0, result.stderr)
        return root.appendingPathComponent("outputs")
    }()

    static func result(_ pipeline: String, _ analysis: String) throws -> [String: Any] {
        let data = try Data(contentsOf: outputs.appendingPathComponent("\(pipeline)/\(analysis)/result.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func metafor(_ name: String) throws -> [String: Any] {
        try loadJSON("reference/\(name).metafor.json", bundle: .module)
    }

    /// A pooled block and heterogeneity block against one metafor fit.
    static func check(_ pooled: [String: Any], _ heterogeneity: [String: Any]?, against fit: [String: Any], _ label: String,
                      iterative: Bool = false) {
        let p = iterative ? Tolerance.iterativePValue : Tolerance.metafor
        for (ours, theirs) in [("estimate", "estimate"), ("se", "se"), ("ci_lower", "ci_lower"), ("ci_upper", "ci_upper"),
                               ("statistic", "statistic")] {
            expectMatch(pooled.double(ours), fit.double(theirs), rel: Tolerance.metafor, "\(label) \(ours)")
        }
        expectMatch(pooled.double("p_value"), fit.double("p_value"), rel: p, "\(label) p")
        expectMatch(pooled.double("pi_lower"), fit.double("pi_lower"), rel: Tolerance.metafor, "\(label) pi_lower")
        expectMatch(pooled.double("pi_upper"), fit.double("pi_upper"), rel: Tolerance.metafor, "\(label) pi_upper")
        guard let h = heterogeneity else { Issue.record("\(label): no heterogeneity"); return }
        expectMatch(h.double("tau2"), fit.double("tau2"), rel: Tolerance.metafor, abs: 1e-300, "\(label) tau2")
        expectMatch(h.double("i2"), fit.double("i2"), rel: Tolerance.metafor, abs: 1e-12, "\(label) i2")
        expectMatch(h.double("h2"), fit.double("h2"), rel: Tolerance.metafor, "\(label) h2")
        expectMatch(h.double("q"), fit.double("q"), rel: Tolerance.metafor, "\(label) q")
        expectMatch(h.double("p_value"), fit.double("q_p"), rel: Tolerance.metafor, "\(label) q p")
    }

    /// The main analysis: the DL fit, leave-one-out and, when the pipeline asks for them, the bias checks.
    static func checkMain(_ result: [String: Any], against reference: [String: Any], _ label: String, bias: Bool = true) {
        check(result.object("pooled"), result["heterogeneity"] as? [String: Any], against: reference.object("fits").object("DL"), "\(label) DL")
        checkLeaveOneOut(result, reference.object("leave1out_DL"), label)
        if bias { checkBias(result, reference, label) }
    }

    static func checkLeaveOneOut(_ result: [String: Any], _ reference: [String: Any], _ label: String) {
        let rows = result["leave_one_out"] as? [[String: Any]] ?? []
        #expect(!rows.isEmpty && rows.count == reference.doubles("estimate").count, "\(label): leave-one-out rows")
        for (i, row) in rows.enumerated() {
            for (key, theirs) in [("estimate", "estimate"), ("se", "se"), ("ci_lower", "ci_lower"), ("ci_upper", "ci_upper"),
                                  ("tau2", "tau2"), ("i2", "i2"), ("q", "q")] {
                expectMatch(row.double(key), reference.doubles(theirs)[i], rel: Tolerance.metafor, abs: 1e-12, "\(label) leave-one-out[\(i)] \(key)")
            }
        }
    }

    static func checkBias(_ result: [String: Any], _ reference: [String: Any], _ label: String) {
        let bias = result.object("bias")
        let egger = bias.object("egger"), e = reference.object("egger_classic")
        expectMatch(egger.double("intercept"), e.double("intercept"), rel: Tolerance.metafor, "\(label) egger intercept")
        expectMatch(egger.double("statistic"), e.double("statistic"), rel: Tolerance.metafor, "\(label) egger t")
        expectMatch(egger.double("p_value"), e.double("p_value"), rel: Tolerance.metafor, "\(label) egger p")
        let begg = bias.object("begg"), b = reference.object("begg")
        expectMatch(begg.double("tau"), b.double("tau"), rel: Tolerance.metafor, "\(label) begg tau")
        expectMatch(begg.double("p_value"), b.double("p_value"), rel: Tolerance.iterativePValue, "\(label) begg p")
        let tf = bias.object("trimfill"), t = reference.object("trimfill_DL")
        #expect(tf.double("k0") == t.double("k0") && tf.string("side") == t.string("side"), "\(label) trim and fill")
        expectMatch(tf.double("estimate"), t.double("estimate"), rel: Tolerance.metafor, "\(label) trimfill estimate")
        expectMatch(tf.double("ci_lower"), t.double("ci_lower"), rel: Tolerance.metafor, "\(label) trimfill ci_lower")
        expectMatch(tf.double("tau2"), t.double("tau2"), rel: Tolerance.metafor, abs: 1e-300, "\(label) trimfill tau2")
    }

    static func scenario(_ result: [String: Any], _ name: String) throws -> [String: Any] {
        try #require((result["sensitivity"] as? [[String: Any]] ?? []).first { $0["name"] as? String == name }, "scenario '\(name)'")
    }

    static func checkScenario(_ result: [String: Any], _ name: String, against fit: [String: Any], iterative: Bool = false) throws {
        let s = try scenario(result, name)
        check(s.object("pooled"), s["heterogeneity"] as? [String: Any], against: fit, "scenario '\(name)'", iterative: iterative)
    }

    static func checkSubgroups(_ result: [String: Any], column: String, _ reference: [String: Any], _ label: String) {
        let ours = result.object("subgroups").object(column)
        let groups = reference.object("groups")
        let mine = ours["groups"] as? [[String: Any]] ?? []
        #expect(!mine.isEmpty && mine.count == groups.count, "\(label): subgroups")
        for g in mine {
            let r = groups.object(g.string("name")!)
            for key in ["estimate", "se", "ci_lower", "ci_upper", "tau2", "i2"] {
                expectMatch(g.double(key), r.double(key), rel: Tolerance.metafor, abs: 1e-12, "\(label) \(g.string("name")!) \(key)")
            }
        }
        expectMatch(ours.double("q_between"), reference.double("q_between"), rel: Tolerance.metafor, "\(label) Q between")
        expectMatch(ours.double("p_value"), reference.double("p_value"), rel: Tolerance.metafor, "\(label) subgroup p")
    }

    @Test func normand1999() throws {
        let ref = try Self.metafor("normand1999")
        let smd = try Self.result("normand1999", "smd")
        Self.checkMain(smd, against: ref, "SMD")
        let h = smd.object("heterogeneity")
        expectMatch(h.double("tau2_ci_lower"), ref.object("tau2_ci_DL").double("lower"), rel: Tolerance.metafor, "SMD tau2 CI lower")
        expectMatch(h.double("tau2_ci_upper"), ref.object("tau2_ci_DL").double("upper"), rel: Tolerance.metafor, "SMD tau2 CI upper")
        try Self.checkScenario(smd, "REML with Hartung-Knapp", against: ref.object("fits").object("REML_knha"), iterative: true)
        let fixed = try Self.scenario(smd, "fixed effect")
        expectMatch(fixed.object("pooled").double("estimate"), ref.object("fits").object("FE").double("estimate"), rel: Tolerance.metafor, "SMD FE")
        let md = try Self.result("normand1999", "md")
        Self.checkMain(md, against: ref.object("MD"), "MD", bias: false)
    }

    @Test func bcg() throws {
        let ref = try Self.metafor("bcg")
        let rr = try Self.result("bcg", "rr")
        Self.checkMain(rr, against: ref, "RR")
        Self.checkSubgroups(rr, column: "alloc", ref.object("subgroups_alloc_RR"), "RR by allocation")
        try Self.checkScenario(rr, "REML", against: ref.object("fits").object("REML"), iterative: true)
        let or = try Self.result("bcg", "or")
        Self.check(or.object("pooled"), or["heterogeneity"] as? [String: Any], against: ref.object("OR").object("fits").object("DL"), "OR DL")
    }

    @Test func raudenbush1985() throws {
        let ref = try Self.metafor("raudenbush1985")
        let iq = try Self.result("raudenbush1985", "iq")
        Self.checkMain(iq, against: ref, "IQ")
        Self.checkSubgroups(iq, column: "tester", ref.object("subgroups_tester"), "IQ by tester")
        try Self.checkScenario(iq, "REML", against: ref.object("fits").object("REML"), iterative: true)
        try Self.checkScenario(iq, "Paule-Mandel", against: ref.object("fits").object("PM"), iterative: true)
    }

    @Test func hackshaw1998() throws {
        let ref = try Self.metafor("hackshaw1998")
        let lc = try Self.result("hackshaw1998", "lung-cancer")
        Self.checkMain(lc, against: ref, "lung cancer")
        Self.checkSubgroups(lc, column: "design", ref.object("subgroups_design"), "lung cancer by design")
        let fixed = try Self.scenario(lc, "fixed effect")
        expectMatch(fixed.object("pooled").double("estimate"), ref.object("fits").object("FE").double("estimate"), rel: Tolerance.metafor, "FE")
        expectMatch(fixed.object("pooled").double("se"), ref.object("fits").object("FE").double("se"), rel: Tolerance.metafor, "FE se")
    }
}

/// `expectClose` that also fails when the reference lacks the number, so that a misspelt key cannot pass.
private func expectMatch(_ actual: Double?, _ expected: Double?, rel: Double, abs: Double = 1e-300,
                         _ what: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard expected != nil else {
        Issue.record("\(what()): the metafor reference has no such number", sourceLocation: sourceLocation)
        return
    }
    expectClose(actual, expected, rel: rel, abs: abs, what(), sourceLocation: sourceLocation)
}

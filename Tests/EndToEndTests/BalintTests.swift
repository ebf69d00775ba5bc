import Foundation
import MetaStats
import MetaTestSupport
import Testing

/// The Balint pipeline (pipelines/balint.yaml) run by the binary: its pools, leave-one-out rows and
/// scenarios equal a direct computation with MetaStats on the same CSV rows, selected here by hand.
@Suite(.serialized) struct BalintTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs the pipeline once for all tests (a copy of pipelines/balint*, in a scratch folder).
    nonisolated(unsafe) static let run: (project: URL, results: [String: [String: Any]]) = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("metapipe-balint-\(UUID().uuidString)")
        let pipelines = root.appendingPathComponent("pipelines")
        try! FileManager.default.createDirectory(at: pipelines, withIntermediateDirectories: true)
        try! FileManager.default.copyItem(at: repository.appendingPathComponent("pipelines/balint.yaml"), to: pipelines.appendingPathComponent("balint.yaml"))
        try! FileManager.default.copyItem(at: repository.appendingPathComponent("pipelines/balint"), to: pipelines.appendingPathComponent("balint"))
        let result = try! CLI.run(["run", "--quiet"], in: root)
        precondition(result.status == 0, result.stderr)
        let data = try! Data(contentsOf: root.appendingPathComponent("outputs/balint/results.json"))
        let all = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        var results: [String: [String: Any]] = [:]
        for a in all["analyses"] as! [[String: Any]] { results[a["analysis"] as! String] = a }
        return (root, results)
    }()

    static func rows(_ file: String) -> [[String: String]] {
        try! loadCSV(at: repository.appendingPathComponent("pipelines/balint/\(file)"))
    }

    /// Means and SDs of a row as MetaStats input, with an optional corrected n2.
    static func arms(_ r: [String: String], n2: Double? = nil) -> StudyInput {
        StudyInput(study: r["study"]!, data: .continuous(ContinuousArms(
            n1: Double(r["n1"]!)!, mean1: Double(r["mean1"]!)!, sd1: Double(r["sd1"]!)!,
            n2: n2 ?? Double(r["n2"]!)!, mean2: Double(r["mean2"]!)!, sd2: Double(r["sd2"]!)!)))
    }

    static func compare(_ a: MetaAnalysis, _ json: [String: Any], _ label: String) {
        let pooled = json["pooled"] as! [String: Any]
        expectClose(pooled["estimate"] as? Double, a.pooled.estimate, rel: 1e-12, abs: 1e-15, "\(label) estimate")
        expectClose(pooled["se"] as? Double, a.pooled.se, rel: 1e-12, "\(label) se")
        expectClose(pooled["ci_lower"] as? Double, a.pooled.ciLower, rel: 1e-12, abs: 1e-15, "\(label) ci_lower")
        expectClose(pooled["p_value"] as? Double, a.pooled.pValue, rel: 1e-12, "\(label) p")
        let hj = json["heterogeneity"] as? [String: Any]
        #expect((a.heterogeneity == nil) == (hj == nil), "\(label): heterogeneity present in one and not the other")
        if let h = a.heterogeneity, let hj {
            expectClose(hj["tau2"] as? Double, h.tau2, rel: 1e-12, abs: 1e-300, "\(label) tau2")
            expectClose(hj["i2"] as? Double, h.i2, rel: 1e-12, abs: 1e-12, "\(label) I2")
            expectClose(hj["q"] as? Double, h.q, rel: 1e-12, "\(label) Q")
        }
    }

    /// result.json's leave-one-out rows against the refits computed here (SMD): the same studies
    /// omitted in the same order, the same estimates; returns the pairs for further checks.
    static func leaveOneOut(_ result: [String: Any], _ effects: [EffectSize], _ options: PoolingOptions,
                            _ label: String) throws -> [([String: Any], SensitivityRow)] {
        let loo = result["leave_one_out"] as! [[String: Any]]
        let direct = try Sensitivity.leaveOneOut(effects, measure: .smd, options: options)
        #expect(loo.map { $0["omitted"] as! String } == direct.map(\.study))
        for (row, d) in zip(loo, direct) {
            expectClose(row["estimate"] as? Double, d.estimate, rel: 1e-12, "\(label) omit \(d.study)")
        }
        return Array(zip(loo, direct))
    }

    @Test func empathyPoolLeaveOneOutAndScenarios() throws {
        let controlled = Self.rows("controlled.csv").filter { $0["outcome"] == "empathy" && $0["comparator"] == "no intervention" }
        let main = controlled.filter { !($0["study"] == "Buffel du Vaure 2017" && $0["timepoint"] == "change") }.map { Self.arms($0) }
        #expect(main.map(\.study) == ["Lemogne 2020", "Buffel du Vaure 2017", "Song 2022"])
        let effects = try EffectSizes.compute(main, measure: .smd).effects
        let options = PoolingOptions(method: .dl)
        let result = Self.run.results["empathy"]!
        Self.compare(try Pooling.analyze(effects, measure: .smd, options: options), result, "empathy")
        let heterogeneity = result["heterogeneity"] as! [String: Any]
        #expect((heterogeneity["i2"] as! Double) > 90)

        let loo = try Self.leaveOneOut(result, effects, options, "empathy")
        for (row, d) in loo {
            expectClose(row["i2"] as? Double, d.i2, rel: 1e-12, abs: 1e-12, "empathy omit \(d.study) I2")
        }
        // Omitting Song 2022 removes the heterogeneity: that is what leave-one-out shows.
        #expect((loo.first { $0.0["omitted"] as! String == "Song 2022" }!.0["i2"] as! Double) < 1e-9)

        let scenarios = Dictionary(uniqueKeysWithValues: (result["sensitivity"] as! [[String: Any]]).map { ($0["name"] as! String, $0) })
        let withoutOverlap = effects.filter { $0.study != "Lemogne 2020" }
        Self.compare(try Pooling.analyze(withoutOverlap, measure: .smd, options: options), scenarios["without the possibly overlapping trial"]!, "no overlap")
        let change = controlled.filter { !($0["study"] == "Buffel du Vaure 2017" && $0["timepoint"] == "post") }.map { Self.arms($0) }
        Self.compare(try Pooling.analyze(try EffectSizes.compute(change, measure: .smd).effects, measure: .smd, options: options),
                     scenarios["change scores for Buffel du Vaure 2017"]!, "change scores")
        Self.compare(try Pooling.analyze(effects, measure: .smd, options: PoolingOptions(model: .fixed, method: .iv)),
                     scenarios["fixed effect"]!, "fixed effect")
        Self.compare(try Pooling.analyze(effects, measure: .smd, options: PoolingOptions(method: .reml, test: .knha)),
                     scenarios["REML with Hartung-Knapp"]!, "REML+HK")
        let revman = try EffectSizes.compute(main, measure: .smd, smd: .revman).effects
        var revmanOptions = PoolingOptions(method: .dl, i2: .q, predictionInterval: false, tau2ConfidenceInterval: false,
                                           convergence: .strict)
        revmanOptions.normalTail = .as66   // RevMan 5's P for Z
        Self.compare(try Pooling.analyze(revman, measure: .smd, options: revmanOptions),
                     scenarios["RevMan 5 conventions"]!, "RevMan 5")
    }

    @Test(arguments: [("burnout-ee", "burnout_ee"), ("burnout-dp", "burnout_dp"), ("burnout-pa", "burnout_pa")])
    func burnoutPoolsCombineMeansAndTStatistics(_ analysis: String, _ outcome: String) throws {
        let arms = Self.rows("controlled.csv").filter { $0["outcome"] == outcome && $0["comparator"] == "no intervention" }
        let stats = Self.rows("statistics.csv").filter { $0["outcome"] == outcome }
        let tInputs = stats.map { StudyInput(study: $0["study"]!, data: .tStatistic(n1: Double($0["n1"]!)!, n2: Double($0["n2"]!)!,
                                                                                     t: Double($0["value"]!)!)) }
        let inputs = arms.map { Self.arms($0) } + tInputs
        #expect(inputs.contains { $0.study == "Huang L 2020" } && inputs.contains { $0.study == "Cheng 2019" })
        let effects = try EffectSizes.compute(inputs, measure: .smd).effects
        let options = PoolingOptions(method: .dl)
        let result = Self.run.results[analysis]!
        Self.compare(try Pooling.analyze(effects, measure: .smd, options: options), result, analysis)
        #expect((result["studies"] as! [[String: Any]]).map { $0["study"] as! String } == effects.map(\.study))

        for (row, d) in try Self.leaveOneOut(result, effects, options, analysis) {
            expectClose(row["tau2"] as? Double, d.tau2, rel: 1e-12, abs: 1e-300, "\(analysis) omit \(d.study) tau2")
        }
        let scenarios = Dictionary(uniqueKeysWithValues: (result["sensitivity"] as! [[String: Any]]).map { ($0["name"] as! String, $0) })
        let doubtful = Set(arms.filter { ["doubtful_sd", "ambiguous_direction"].contains($0["flag"]!) && ($0["flag"] == "doubtful_sd" || analysis == "burnout-pa") }.map { $0["study"]! })
        let withoutDoubtful = effects.filter { !doubtful.contains($0.study) }
        let name = analysis == "burnout-pa" ? "without the doubtful direction" : "without doubtful SDs"
        Self.compare(try Pooling.analyze(withoutDoubtful, measure: .smd, options: options), scenarios[name]!, "\(analysis) \(name)")
        // Cheng 2019 with the control n printed in its abstract (240), everything else unchanged.
        let corrected = arms.map { Self.arms($0, n2: $0["study"] == "Cheng 2019" ? 240 : nil) } + tInputs
        Self.compare(try Pooling.analyze(try EffectSizes.compute(corrected, measure: .smd).effects, measure: .smd, options: options),
                     scenarios["Cheng 2019 with the printed control n of 240"]!, "\(analysis) n2 = 240")
    }

    /// The single-arm before/after estimates (SMCR with an assumed pre–post r) against metafor:
    /// summary(escalc("SMCR", m1i = post, m2i = pre, sd1i = sd_pre, ni = n, ri = r)) for r = 0.5, 0.3, 0.7.
    @Test(arguments: [
        ("communication-prepost", 3.2180061030527, [0.5: (2.128701421801, 4.307310784304), 0.3: (2.093989259313, 4.342022946792),
                                                     0.7: (2.164556762941, 4.271455443165)]),
        ("anxiety-prepost", -0.9453089183656, [0.5: (-1.416810342096, -0.473807494635), 0.3: (-1.478016092816, -0.412601743915),
                                                0.7: (-1.346370324448, -0.544247512283)]),
    ])
    func prePostEstimatesMatchMetafor(_ analysis: String, _ yi: Double, _ ci: [Double: (Double, Double)]) throws {
        let result = Self.run.results[analysis]!
        let pooled = result["pooled"] as! [String: Any]
        #expect(result["k"] as? Int == 1)
        expectClose(pooled["estimate"] as? Double, yi, rel: 1e-9, "\(analysis) SMCR")
        expectClose(pooled["ci_lower"] as? Double, ci[0.5]!.0, rel: 1e-9, "\(analysis) lower, r = 0.5")
        expectClose(pooled["ci_upper"] as? Double, ci[0.5]!.1, rel: 1e-9, "\(analysis) upper, r = 0.5")
        for scenario in result["sensitivity"] as! [[String: Any]] {
            let r = (scenario["name"] as! String).hasSuffix("0.3") ? 0.3 : 0.7
            let p = scenario["pooled"] as! [String: Any]
            expectClose(p["estimate"] as? Double, yi, rel: 1e-9, "\(analysis) r = \(r): the estimate does not depend on r")
            expectClose(p["ci_lower"] as? Double, ci[r]!.0, rel: 1e-9, "\(analysis) lower, r = \(r)")
            expectClose(p["ci_upper"] as? Double, ci[r]!.1, rel: 1e-9, "\(analysis) upper, r = \(r)")
            #expect(scenario["changes"] as? [String] == ["pre–post r \(r)"])
        }
        if analysis == "communication-prepost" {
            #expect((result["warnings"] as? [String] ?? []).contains { $0.contains("Zhang Y 2024") }, "the study without n is named")
        }
    }

    @Test func separateRunsWriteTheSameBytes() throws {
        // Hash seeds differ from process to process, so any output that follows a dictionary's
        // order would differ between these runs.
        let reference = Project.tree(Self.run.project.appendingPathComponent("outputs"))
        for jobs in ["1", "2", "4"] {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("metapipe-balint-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: root) }
            try FileManager.default.copyItem(at: Self.run.project.appendingPathComponent("pipelines"), to: root.appendingPathComponent("pipelines"))
            let result = try CLI.run(["run", "--quiet", "--jobs", jobs], in: root)
            #expect(result.status == 0)
            let tree = Project.tree(root.appendingPathComponent("outputs"))
            #expect(tree.keys.sorted() == reference.keys.sorted())
            for (path, bytes) in reference { #expect(tree[path] == bytes, "\(path) differs with --jobs \(jobs)") }
        }
    }

    @Test func reportListsEveryAnalysisAndTheRest() throws {
        let html = try String(contentsOf: Self.run.project.appendingPathComponent("outputs/balint/index.html"), encoding: .utf8)
        let yaml = try String(contentsOf: Self.repository.appendingPathComponent("pipelines/balint.yaml"), encoding: .utf8)
        let analyses = yaml.components(separatedBy: "\nanalyses:\n")[1].components(separatedBy: "\ncomparisons:\n")[0]
        let titles = analyses.split(separator: "\n").filter { $0.hasPrefix("    title: ") }.map { $0.dropFirst(11) }
        #expect(titles.count == 6)
        for title in titles { #expect(html.contains(String(title)), "\(title)") }
        for text in ["Pools not computed", "Communication, Balint group vs control", "Qualitative meta-synthesis",
                     "Our pools beside the published ones", "Xu 2025", "Gong 2024", "https://doi.org/10.1186/s12909-020-02316-w",
                     "too little power", "metapipe 0.1.0"] {
            #expect(html.contains(text), "\(text)")
        }
        let markdown = try String(contentsOf: Self.run.project.appendingPathComponent("outputs/balint/README.md"), encoding: .utf8)
        for title in titles { #expect(markdown.contains(String(title)), "\(title)") }
        let synthesis = try loadCSV(at: Self.run.project.appendingPathComponent("outputs/balint/themes/synthesis.csv"))
        #expect(synthesis.count == 6)
        #expect(synthesis.reduce(0) { $0 + ($1["reported_themes"]!.components(separatedBy: " | ").count) } == 42)
        // Every row of every table has as many cells as its header, in both formats.
        for table in html.components(separatedBy: "<table").dropFirst() {
            let rows = table.components(separatedBy: "</table>")[0].components(separatedBy: "<tr").dropFirst()
            let widths = rows.map { $0.components(separatedBy: "<td").count + $0.components(separatedBy: "<th").count - 2 }
            #expect(Set(widths).count == 1, "HTML table with rows of \(widths) cells: \(table.prefix(200))")
        }
        var header: Int?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else { header = nil; continue }
            let cells = line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count - 1
            if let header { #expect(cells == header, "Markdown table row with \(cells) cells, header \(header): \(line)") }
            else { header = cells }
        }
    }
}

/// The review's other parts in the Balint report: the PRISMA flow diagram and the summary of findings.
@Suite struct BalintReviewTests {
    @Test func flowDiagramAndSummaryOfFindings() throws {
        let project = BalintTests.run.project
        let html = try String(contentsOf: project.appendingPathComponent("outputs/balint/index.html"), encoding: .utf8)
        #expect(html.contains("Study selection (PRISMA 2020)"))
        #expect(html.contains("Summary of findings, Balint groups"))
        let svg = try String(contentsOf: project.appendingPathComponent("outputs/balint/prisma/flow.svg"), encoding: .utf8)
        // The public counts, and the boxes the public sources do not give.
        for text in ["Studies included in review (n = 56)", "In a quantitative synthesis (n = 45)",
                     "In a qualitative synthesis (n = 11)", "of which in meta-analyses (n = 13)", "Records screened (not reported)"] {
            #expect(svg.contains(text), "\(text)")
        }
        let rows = try loadCSV(at: project.appendingPathComponent("outputs/balint/summary-of-findings.csv"))
        #expect(rows.count == 6)
        // Certainty = high less the downgrades argued in the YAML: 1 + 2 + 1, 1 + 2 + 1, 1 + 1, 1 + 2 + 1;
        // the before/after estimates start low (not randomised comparisons) and lose 1 + 1 + 1.
        #expect(rows.map { $0["certainty"] ?? "" } == ["very low", "very low", "low", "very low", "very low", "very low"])
        // Controlled pools are SMDs, before/after estimates SMCRs; each size named by the Handbook's rule of thumb.
        #expect(rows.prefix(4).allSatisfy { ($0["relative_effect"] ?? "").hasPrefix("SMD ") })
        #expect(rows.suffix(2).map { $0["relative_effect"] ?? "" } == ["SMCR 3.22 [2.13, 4.31]", "SMCR -0.95 [-1.42, -0.47]"])
        #expect(rows.suffix(2).map { $0["absolute_effect"] ?? "" } == ["A large change (SMCR 3.22; 0.2 small, 0.5 moderate, 0.8 large)",
                                                                     "A large change (SMCR -0.95; 0.2 small, 0.5 moderate, 0.8 large)"])
        #expect(rows.map { $0["studies"] ?? "" } == ["3", "4", "3", "3", "1", "1"])
        #expect(rows.map { $0["participants"] ?? "" } == ["597", "362", "302", "302", "20", "25"])
    }

    /// Xu 2025's Table 1 names studies by reference number; only [7] can be matched (to Lemogne 2020).
    @Test func publishedRiskOfBiasAsFarAsItCanBeMatched() throws {
        let project = BalintTests.run.project
        let table1 = try loadCSV(at: BalintTests.repository.appendingPathComponent("pipelines/balint/table1.csv"))
        let rob = try loadCSV(at: BalintTests.repository.appendingPathComponent("pipelines/balint/risk-of-bias.csv"))
        #expect(rob.map { $0["study"] ?? "" } == ["Lemogne 2020"])
        let row7 = try #require(table1.first { $0["ref"] == "7" })
        #expect(row7["risk_of_bias"] == rob[0]["overall"] && row7["country"] == "France" && row7["n"] == "362")
        // 362 students in Lemogne 2020's three arms (Balint, narrative medicine, no intervention).
        let arms = try loadCSV(at: BalintTests.repository.appendingPathComponent("pipelines/balint/controlled.csv"))
            .filter { $0["study"] == "Lemogne 2020" }
        let balintArm = Set(arms.compactMap { Int($0["n1"] ?? "") })
        let otherArms = arms.compactMap { Int($0["n2"] ?? "") }
        #expect(balintArm == [125] && balintArm.reduce(0, +) + otherArms.reduce(0, +) == 362)
        let html = try String(contentsOf: project.appendingPathComponent("outputs/balint/index.html"), encoding: .utf8)
        #expect(html.contains("Risk of bias as published (Xu 2025, Table 1; overall RoB 2 judgements)"))
        #expect(html.contains("The analyses also pool 7 studies this table does not judge: Buffel du Vaure 2017, Song 2022, Cheng 2019, Quan 2017, Huang L 2020, Suzhou 2024, Shahini 2022."))
        #expect(html.contains("Only the overall judgement of each study is available"))
        let csv = try loadCSV(at: project.appendingPathComponent("outputs/balint/published/risk-of-bias.csv"))
        #expect(csv.map { $0["overall"] ?? "" } == ["low"])
    }
}

import Foundation
import MetaTestSupport
import Testing

/// Real Cochrane reviews as RevMan wrote them (copied from `shared/data/revman/real/`): each imports,
/// runs with exit 0, and every statistic RevMan stored is accounted for by `verify` — pass, or
/// "not computed by RevMan" (placeholders for totals switched off and not-estimable entries), or a
/// named RevMan artefact — with no failure.
@Suite(.serialized) struct RealRevManTests {
    struct Expected: Sendable, CustomStringConvertible {
        var source: String
        var name: String
        var analyses: Int
        var pass: Int
        var notComputed: Int
        var artefacts: Int
        var description: String { source }
    }

    static let reviews: [Expected] = [
        // Antibiotics for sore throat: TAU2="NaN", totals RevMan never calculated, zero-cell MH RR.
        Expected(source: "CD000023.rm5", name: "cd000023", analyses: 21, pass: 1412, notComputed: 349, artefacts: 0),
        // Bisphosphonates in myeloma: zero-cell MH sums, generic inverse variance (hazard ratios, log data).
        Expected(source: "CD003188.rm5", name: "cd003188", analyses: 19, pass: 1471, notComputed: 42, artefacts: 2),
        // Common-cold combinations: random-effects analyses of one study.
        Expected(source: "CD004976.rm5", name: "cd004976", analyses: 19, pass: 520, notComputed: 6, artefacts: 0),
        // Anti-VEGF: generic inverse variance with LOG_DATA="NO", measure in an <EFFECT_MEASURE> element.
        Expected(source: "CD007419.rm5", name: "cd007419", analyses: 1, pass: 19, notComputed: 0, artefacts: 0),
        // Cholera: TOTALS="SUB" and "NO", risk differences with zero cells, multi-arm trials.
        Expected(source: "CD008625.rm5", name: "cd008625", analyses: 74, pass: 5042, notComputed: 88, artefacts: 8),
        // Benign prostatic hyperplasia: outcomes "1.1" and "1.10", one-study random effects.
        Expected(source: "CD013656.rm5", name: "cd013656", analyses: 33, pass: 1898, notComputed: 290, artefacts: 12),
        // Enteral lipids (RevMan Web): REML, Wald and HKSJ CIs in one review, subgroups.
        Expected(source: "CD014353-dataPackage", name: "cd014353-datapackage", analyses: 28, pass: 664, notComputed: 0, artefacts: 0),
    ]

    @Test(arguments: reviews)
    func importsRunsAndVerifies(_ review: Expected) throws {
        let p = try Project("revman-real")
        let imported = try p.metapipe("import", "source/\(review.source)", "--into", "pipelines")
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("metapipe: imported \(review.analyses) analys\(review.analyses == 1 ? "is" : "es") into pipelines/\(review.name).yaml"))
        let run = try p.metapipe("run", "pipelines/\(review.name).yaml", "--quiet")
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")

        // Every statistic RevMan stored, counted from the results table the import wrote.
        let results = try loadCSV(at: p.url("pipelines/\(review.name)/results.csv"))
        let stored = results.filter { $0["statistic"] != "estimable" }.count
        var counts: [String: Int] = [:]
        let outputs = p.url("outputs/\(review.name)")
        let folders = try FileManager.default.contentsOfDirectory(atPath: outputs.path).sorted()
        var fails: [String] = []
        for folder in folders where p.exists("outputs/\(review.name)/\(folder)/verify.csv") {
            for row in try loadCSV(at: p.url("outputs/\(review.name)/\(folder)/verify.csv")) {
                let status = row["status"] ?? "?"
                counts[status, default: 0] += 1
                if status == "FAIL" { fails.append("\(folder): \(row["statistic"] ?? "") \(row["reason"] ?? "")") }
            }
        }
        #expect(fails.isEmpty, "\(fails.prefix(5))")
        #expect(counts.values.reduce(0, +) == stored, "every stored statistic has a verify row")
        #expect(counts["pass", default: 0] == review.pass)
        #expect(counts["not computed by RevMan", default: 0] == review.notComputed)
        #expect(counts["RevMan artefact", default: 0] == review.artefacts)
        // The report opens with the counts.
        let report = try p.read("outputs/\(review.name)/README.md")
        #expect(report.contains("**Every one of the \(review.pass) statistics RevMan computed agrees with metapipe's** (\(review.notComputed) stored values are placeholders"))
    }

    /// "1.1" and "1.10" are different outcomes (CD013656 has both): a hand-written selection
    /// compares text, not numbers.
    @Test func outcomeIdsAreText() throws {
        let p = try Project("revman-real")
        #expect(try p.metapipe("import", "source/CD013656.rm5", "--into", "pipelines").status == 0)
        try p.write("pipelines/hand.yaml", """
            pipeline: hand
            data:
              studies: cd013656/studies.csv
            defaults: {profile: revman5}
            analyses:
              urologic:
                data: studies
                where: {outcome: "1.1"}
                measure: MD
                model: fixed
              missing:
                data: studies
                where: {outcome: 1.100}
                measure: RR
                model: fixed

            """)
        let validate = try p.metapipe("validate", "pipelines/hand.yaml")
        #expect(validate.status == 65)
        #expect(validate.stderr.contains("pipelines/hand.yaml:13:22: error: 'where' of analysis 'missing' selects outcome = '1.100', which no row has (text must match exactly); did you mean '1.10'?"))
        try p.edit("pipelines/hand.yaml", "  missing:\n    data: studies\n    where: {outcome: 1.100}\n    measure: RR\n    model: fixed\n", "")
        #expect(try p.metapipe("run", "pipelines/hand.yaml", "--quiet").status == 0)
        let result = try p.read("outputs/hand/urologic/result.json")
        // Analysis 1.1 has 11 studies of urologic symptom scores; 1.10's erectile-dysfunction counts are not among them.
        #expect(result.contains("\"k\" : 11"))
        #expect(!result.contains("Floratos 2001"))
    }

    /// A review exported without its results (RevMan computed nothing) imports into a pipeline that
    /// validates and runs: no results table and no `verify`, since there is nothing to compare with.
    @Test func aFileWithoutStoredResultsImportsAndRuns() throws {
        let p = try Project("revman-real")
        var text = try String(contentsOf: p.url("source/CD007419.rm5"), encoding: .isoLatin1)
        for attribute in ["EFFECT_SIZE", "CI_START", "CI_END", "Z", "P_Z", "CHI2", "DF", "P_CHI2", "I2", "TAU2", "VAR", "WEIGHT",
                          "Q", "P_Q", "I2_Q", "LOG_EFFECT_SIZE", "LOG_CI_START", "LOG_CI_END"] {
            text = text.replacingOccurrences(of: " \(attribute)=\"[^\"]*\"", with: "", options: .regularExpression)
        }
        try text.write(to: p.url("source/bare.rm5"), atomically: true, encoding: .isoLatin1)
        #expect(try p.metapipe("import", "source/bare.rm5", "--into", "pipelines").status == 0)
        #expect(!p.exists("pipelines/bare/results.csv"))
        let yaml = try p.read("pipelines/bare.yaml")
        #expect(yaml.contains("RevMan stored no results in this file") && !yaml.contains("verify:"))
        let validated = try p.metapipe("validate", "pipelines/bare.yaml")
        #expect(validated.status == 0, "\(validated.stderr)")
        let run = try p.metapipe("run", "pipelines/bare.yaml", "--quiet")
        #expect(run.status == 0, "\(run.stderr)")
        // RevMan stored 5.140876169202446 for the pooled mean difference of analysis 1.1; computed again here.
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: p.url("outputs/bare/analysis-1.1/result.json"))) as! [String: Any]
        let pooled = try #require(result["pooled"] as? [String: Any])
        #expect(abs((pooled["estimate"] as? Double ?? 0) - 5.140876169202446) < 1e-10)
    }
}

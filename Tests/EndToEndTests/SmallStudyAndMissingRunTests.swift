import Foundation
import Testing

/// `metapipe run` on a Peto analysis (small-study checks on Peto's estimates) and on rows with
/// missing values left out by `missing: drop`.
@Suite struct SmallStudyAndMissingRunTests {
    static let bcg = """
        author,year,tpos,tneg,cpos,cneg,ablat
        Aronson,1948,4,119,11,128,44
        Ferguson & Simes,1949,6,300,29,274,55
        Rosenthal et al,1960,3,228,11,209,42
        Hart & Sutherland,1977,62,13536,248,12619,52
        Frimodt-Moller et al,1973,33,5036,47,5761,13
        Stein & Aronson,1953,180,1361,372,1079,44
        Vandiviere et al,1973,8,2537,10,619,19
        TPT Madras,1980,505,87886,499,87892,13
        Coetzee & Berjak,1968,29,7470,45,7232,27
        Rosenthal et al,1961,17,1699,65,1600,42
        Comstock et al,1974,186,50448,141,27197,18
        Comstock & Webster,1969,5,2493,3,2338,NA
        Comstock et al,1976,27,16886,29,17825,33
        Extra,1999,NA,100,4,100,NA

        """

    @Test func petoBiasChecksAndMissingDrop() throws {
        let p = try Project("demo")
        try FileManager.default.createDirectory(at: p.url("pipelines/peto"), withIntermediateDirectories: true)
        try p.write("pipelines/peto/bcg.csv", Self.bcg)
        try p.write("pipelines/peto.yaml", """
            pipeline: peto
            data: {trials: peto/bcg.csv}
            defaults: {measure: OR, model: fixed, method: Peto, missing: drop}
            analyses:
              or:
                data: trials
                columns: {study: "{author} {year}", events1: tpos, nonevents1: tneg, events2: cpos, nonevents2: cneg}
                bias: [egger, begg, trimfill]
                plots: [funnel]
              latitude:
                data: trials
                columns: {study: "{author} {year}", yi: ablat, vi: year}
                measure: GEN
                model: random
                method: DL

            """)
        let run = try p.metapipe("run", "pipelines/peto.yaml")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("missing: drop leaves 1 study out of analysis 'or' for missing values: 'Extra 1999' (tpos; pipelines/peto/bcg.csv:15)"), "\(run.stderr)")
        let result = try p.json("outputs/peto/or/result.json")
        #expect(result["k"] as? Int == 13)
        let dropped = result["dropped"] as? [[String: Any]] ?? []
        #expect(dropped.map { $0["study"] as? String } == ["Extra 1999"])
        #expect(dropped.first?["reason"] as? String == "no value for tpos (missing: drop)")
        let bias = result["bias"] as! [String: Any]
        let egger = bias["egger"] as! [String: Any], begg = bias["begg"] as! [String: Any], tf = bias["trimfill"] as! [String: Any]
        // small-study-references.R: regtest / ranktest / trimfill on the Peto estimates of bcg
        #expect(abs((egger["statistic"] as! Double) - -1.2564743440450636) < 1e-9)
        #expect(abs((egger["p_value"] as! Double) - 0.23497195212206576) < 1e-9)
        #expect(abs((begg["tau"] as! Double) - 0.05128205128205128) < 1e-12)
        #expect(abs((begg["p_value"] as! Double) - 0.8577337519090991) < 1e-9)
        #expect(tf["k0"] as? Int == 4)
        #expect(abs((tf["estimate"] as! Double) - -0.29577255695636473) < 1e-9)
        // The report lists the study left out.
        let report = try p.read("outputs/peto/README.md")
        #expect(report.contains("Extra 1999 (no value for tpos (missing: drop))"), "\(report)")
        let latitude = try p.json("outputs/peto/latitude/result.json")
        #expect((latitude["dropped"] as? [[String: Any]])?.compactMap { $0["study"] as? String } == ["Comstock & Webster 1969", "Extra 1999"])
    }

    /// An Excel sheet read by `metapipe run` (the load stage reads the named sheet).
    @Test func runsOnAnExcelSheet() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MetaPipelineTests/Fixtures/xlsx/extraction.xlsx")
        let p = try Project("demo")
        try FileManager.default.copyItem(at: fixture, to: p.url("pipelines/extraction.xlsx"))
        try p.write("pipelines/sheet.yaml", """
            pipeline: sheet
            data: {outcomes: {path: extraction.xlsx, sheet: Outcomes}}
            analyses:
              empathy: {data: outcomes, measure: MD, where: {outcome: empathy}, columns: {study: "{study} {year}"}}

            """)
        let run = try p.metapipe("run", "pipelines/sheet.yaml")
        #expect(run.status == 0, "\(run.stderr)")
        let result = try p.json("outputs/sheet/empathy/result.json")
        let studies = (result["studies"] as? [[String: Any]] ?? []).compactMap { $0["study"] as? String }
        #expect(studies == ["Lemogne 2020", "Buffel du Vaure 2017", "Song 2022", "Huang 2020"])
        // MD of Song 2022 from the sheet's cells: 118.64 − 104.2
        let song = (result["studies"] as? [[String: Any]] ?? []).first { $0["study"] as? String == "Song 2022" }
        #expect(abs((song?["yi"] as? Double ?? 0) - 14.44) < 1e-12)
    }
}

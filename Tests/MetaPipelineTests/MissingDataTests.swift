import Foundation
import MetaStats
import Testing
@testable import MetaPipeline

/// `missing: error | drop` and missing subgroup values.
@Suite struct MissingDataTests {
    static let arms = """
        study,n1,mean1,sd1,n2,mean2,sd2,setting
        A,20,5.1,1.0,20,4.0,1.1,clinic
        B,25,5.3,NA,25,4.2,1.2,hospital
        C,30,5.0,1.2,30,,1.0,clinic
        D,22,5.6,1.1,22,4.1,1.3,NR
        E,28,5.2,1.3,28,4.4,.,hospital
        F,26,5.4,1.0,26,4.3,1.1,

        """

    static func pipeline(_ extra: String, subgroups: Bool = false) throws -> ScratchPipeline {
        try ScratchPipeline(["arms.csv": arms, "pipeline.yaml": """
            pipeline: m
            data: {arms: arms.csv}
            analyses:
              a:
                data: arms
                measure: MD
            \(subgroups ? "    subgroups: [setting]\n" : "")\(extra)
            """])
    }

    @Test func missingTokens() {
        for cell in ["", " ", "NA", "na", "N/A", "NR", "nr", ".", " NA "] { #expect(Selection.isMissing(cell), "\(cell)") }
        for cell in ["0", "NaN", "none", "-", "1.0", "NAD"] { #expect(!Selection.isMissing(cell), "\(cell)") }
    }

    @Test func missingIsAnErrorByDefaultNamingTheCellsAndTheSetting() throws {
        let d = try Self.pipeline("").diagnostics()
        #expect(d.count == 3, "\(d)")
        #expect(d[0].hasPrefix("arms.csv:3: column 'sd1': study 'B' has no value for sd1 ('NA'); this input needs n1 mean1 sd1 n2 mean2 sd2: fill it in, or set missing: drop to leave out rows that lack a value"), "\(d)")
        #expect(d[1].hasPrefix("arms.csv:4: column 'mean2': study 'C' has no value for mean2; "), "\(d)")
        #expect(d[2].hasPrefix("arms.csv:6: column 'sd2': study 'E' has no value for sd2 ('.'); "), "\(d)")
    }

    @Test func dropLeavesTheRowsOutWithOneWarning() throws {
        let p = try Self.pipeline("    missing: drop\n")
        let a = try p.pipeline().analyses[0]
        #expect(a.settings.missing == .drop && a.selection.missing == .drop)
        #expect(a.studies.map(\.input.study) == ["A", "D", "F"])
        let d = p.diagnostics()
        #expect(d.count == 1, "\(d)")
        #expect(d.first?.hasPrefix("pipeline.yaml:4:3: warning: missing: drop leaves 3 studies out of analysis 'a' for missing values: 'B' (sd1; arms.csv:3), 'C' (mean2; arms.csv:4), 'E' (sd2; arms.csv:6)") == true, "\(d)")
        // The effects stage leaves out the same rows and lists them as dropped.
        let tables = try p.pipeline().tables.mapValues(\.table)
        let (studies, problems) = Selection.select(a.selection, tables: tables, measure: .md, subgroupColumns: [])
        let (dropped, _, errors) = Selection.separateMissing(problems)
        #expect(errors.isEmpty && studies.count == 3)
        #expect(Selection.droppedForMissing(dropped) == [
            DroppedStudy(study: "B", reason: "no value for sd1 (missing: drop)"),
            DroppedStudy(study: "C", reason: "no value for mean2 (missing: drop)"),
            DroppedStudy(study: "E", reason: "no value for sd2 (missing: drop)"),
        ])
    }

    @Test func missingSubgroupValuesGoToAGroupNamedMissing() throws {
        let p = try Self.pipeline("    exclude: [{study: [B, C, E]}]\n", subgroups: true)
        let a = try p.pipeline().analyses[0]
        #expect(a.studies.map { $0.groups["setting"] ?? "?" } == ["clinic", "missing", "missing"])
        let d = p.diagnostics()
        #expect(d.count == 2, "\(d)")
        #expect(d[0].hasPrefix("arms.csv:5: warning: column 'setting': study 'D' has no value for subgroup column 'setting'; it is shown in the group 'missing' (missing: drop leaves it out)"), "\(d)")
    }

    @Test func dropLeavesOutRowsWithoutASubgroupValue() throws {
        let p = try Self.pipeline("    missing: drop\n    model: fixed\n", subgroups: true)
        let a = try p.pipeline().analyses[0]
        #expect(a.studies.map(\.input.study) == ["A"])
        let d = p.diagnostics()
        #expect(d.count == 1, "\(d)")
        #expect(d.first?.contains("'D' (setting; arms.csv:5), 'E' (sd2; arms.csv:6), 'F' (setting; arms.csv:7)") == true, "\(d)")
    }

    @Test func aScenarioCanDrop() throws {
        let p = try Self.pipeline("    exclude: [{study: [B, C]}]\n    sensitivity: {scenarios: [{name: complete cases, missing: drop}]}\n")
        // The main analysis still fails on E; the scenario alone would drop it.
        let d = p.diagnostics()
        #expect(d.contains { $0.hasPrefix("arms.csv:6: column 'sd2': study 'E' has no value") }, "\(d)")
        let q = try Self.pipeline("    missing: drop\n    sensitivity: {scenarios: [{name: strict, missing: error}]}\n")
        #expect(q.diagnostics().contains { $0.hasPrefix("arms.csv:3: column 'sd1'") })
        let r = try Self.pipeline("    exclude: [{study: [B, C, E]}]\n    sensitivity: {scenarios: [{name: complete cases, missing: drop, include: [{study: E}]}]}\n")
        let s = try r.pipeline().analyses[0].scenarios[0]
        #expect(s.studies.map(\.input.study) == ["A", "D", "F"])
        #expect(s.changes.contains("rows with missing values left out"))
    }
}

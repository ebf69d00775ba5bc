import Foundation
import MetaPipeline
import MetaRunner
import Testing
@testable import MetaEngine

/// Stage names render as the ids the graph has always used (they key the cache), and the report
/// stage knows each of its inputs by the part of the report it is.
@Suite struct StageNameTests {
    @Test func everyStageNameRendersTheIdsOfTheGraph() {
        let expected: [(StageName, String, String)] = [
            (.load(table: "trials"), "bcg/load:trials", "load"),
            (.rows(table: "trials"), "bcg/rows:trials", "rows"),
            (.effects(analysis: "rr"), "bcg/effects:rr", "effects"),
            (.pool(analysis: "rr"), "bcg/pool:rr", "pool"),
            (.subgroups(analysis: "rr", column: "alloc"), "bcg/subgroups:rr:alloc", "subgroups"),
            (.leaveOneOut(analysis: "rr"), "bcg/leave-one-out:rr", "leave-one-out"),
            (.cumulative(analysis: "rr"), "bcg/cumulative:rr", "cumulative"),
            (.influence(analysis: "rr"), "bcg/influence:rr", "influence"),
            (.gosh(analysis: "rr"), "bcg/gosh:rr", "gosh"),
            (.bias(analysis: "rr"), "bcg/bias:rr", "bias"),
            (.scenario(analysis: "rr", scenario: "random allocation only"), "bcg/scenario:rr:random allocation only", "scenario"),
            (.result(analysis: "rr"), "bcg/result:rr", "result"),
            (.verifyRows(results: "revman-results", settings: "revman-settings"),
             "bcg/verify-rows:revman-results:revman-settings", "verify-rows"),
            (.verify(analysis: "rr"), "bcg/verify:rr", "verify"),
            (.plot(analysis: "rr", figure: "forest-alloc"), "bcg/plot:rr:forest-alloc", "plot"),
            (.synthesis("themes"), "bcg/synthesis:themes", "synthesis"),
            (.riskOfBias(assessment: "published", figure: "traffic-light"), "bcg/risk-of-bias:published:traffic-light", "risk-of-bias"),
            (.prisma, "bcg/prisma", "prisma"),
            (.reportSection(analysis: "rr"), "bcg/report-section:rr", "report-section"),
            (.report, "bcg/report", "report"),
        ]
        for (name, id, kind) in expected {
            #expect(name.stageID(in: "bcg") == StageID(id))
            #expect(name.kind == kind, "\(id)")
        }
    }

    @Test func artifactNamesAreTheFileNamesStagesKeep() {
        let names: [(ArtifactName, String)] = [
            (.table, "table.json"), (.effects, "effects.json"), (.studies, "studies.json"), (.pool, "pool.json"),
            (.subgroups, "subgroups.json"), (.leaveOneOut, "leave-one-out.json"), (.cumulative, "cumulative.json"),
            (.influence, "influence.json"), (.gosh, "gosh.json"), (.goshPoints, "points.bin"), (.bias, "bias.json"),
            (.scenario, "scenario.json"), (.result, "result.json"), (.verification, "verify.json"), (.synthesis, "synthesis.json"),
            (.figure, "figure.svg"), (.sectionOutline, "section.json"), (.sectionHTML, "section.html"),
            (.sectionMarkdown, "section.md"), (.resultsEntry, "results-entry.json"), (.resultSummary, "summary.json"),
            (.selectedRows(analysis: "rr"), "rr.json"), (.outcomeRows("1.1", "results"), "results-1.1.json"),
            (.outcomeRows("2 a", "settings"), "settings-2_0020a.json"),
        ]
        for (name, file) in names { #expect(name.rawValue == file) }
    }

    /// Each input of the report stage is known by its part: the analyses' results (whole or summary),
    /// sections and checks, the figures of the syntheses and the review, the syntheses and the tables
    /// that comparisons read; the parts declare exactly the stage's inputs, in order.
    @Test func theReportStageFindsItsInputsByPart() throws {
        var checked: [String: Int] = [:]
        for file in ["balint", "bcg", "cd008625"] {
            let pipeline = try StageGraphTests.load(StageGraphTests.repository.appendingPathComponent("pipelines/\(file).yaml").path)
            let built = PipelineStages.built(pipeline)
            let name = pipeline.name
            let report = try #require(built.stages.first { $0.id == StageID("\(name)/report") })
            let parts = built.reportInputs
            #expect(parts.flatMap(\.inputs) == report.inputs)
            let whole = Set(pipeline.comparisons.flatMap { $0.rows.map(\.analysis) } + (pipeline.summaryOfFindings?.outcomes.map(\.analysis) ?? []))
            var results: [String] = [], sections: [String] = [], verified: [String] = [], syntheses: [String] = [], tables: [String] = []
            var figures: [String] = []
            for part in parts {
                switch part {
                case let .result(analysis, ref):
                    #expect(whole.contains(analysis))
                    #expect(ref.description == "\(name)/result:\(analysis)#result.json")
                    results.append(analysis)
                case let .resultSummary(analysis, ref):
                    #expect(!whole.contains(analysis))
                    #expect(ref.description == "\(name)/report-section:\(analysis)#summary.json")
                    results.append(analysis)
                case let .section(analysis, stage):
                    #expect(stage == StageID("\(name)/report-section:\(analysis)"))
                    sections.append(analysis)
                case let .verification(analysis, ref):
                    #expect(ref.description == "\(name)/verify:\(analysis)#verify.json")
                    verified.append(analysis)
                case let .figure(key, ref):
                    #expect(ref == ArtifactRef(StageID(key), "figure.svg"))
                    figures.append(key)
                case let .synthesis(synthesis, ref):
                    #expect(ref.description == "\(name)/synthesis:\(synthesis)#synthesis.json")
                    syntheses.append(synthesis)
                case let .table(table, ref):
                    #expect(ref.description == "\(name)/load:\(table)#table.json")
                    tables.append(table)
                }
            }
            let analyses = pipeline.analyses.map(\.name)
            #expect(results == analyses)
            #expect(sections == analyses)
            #expect(verified == pipeline.analyses.filter { $0.verify != nil }.map(\.name))
            #expect(syntheses == pipeline.syntheses.map(\.name))
            #expect(Set(tables) == Set(pipeline.comparisons.map(\.table)) && tables.count == Set(tables).count)
            #expect(figures == figures.sorted())
            checked[file] = parts.count
        }
        // Balint: 6 analyses × (result, section), PRISMA, 2 risk-of-bias figures, the theme matrix,
        // 1 synthesis, 1 table; bcg: 2 × (summary, section); cd008625 adds a check to each analysis.
        #expect(checked["balint"] == 6 * 2 + 4 + 1 + 1)
        #expect(checked["bcg"] == 2 * 2)
        #expect(checked["cd008625"].map { $0 % 3 == 0 } == true)
    }
}

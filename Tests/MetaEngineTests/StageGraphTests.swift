import Foundation
import MetaPipeline
@testable import MetaRunner
import Testing
@testable import MetaEngine

/// The stage graph built from pipelines: ids unique, every input produced by a stage of the graph,
/// each plot kind its own stage, and options a pipeline does not use absent from its stages'
/// parameters (so their cache keys hold when a feature is added).
@Suite struct StageGraphTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func load(_ path: String) throws -> Pipeline {
        let (pipelines, diagnostics) = Engine.validate([path])
        let errors = diagnostics.filter { $0.severity == .error }
        try #require(errors.isEmpty && pipelines.count == 1, "\(diagnostics.map(\.description))")
        return pipelines[0]
    }

    static var repositoryPipelines: [String] {
        Engine.defaultPipelines(in: repository.appendingPathComponent("pipelines").path)
    }

    @Test func everyRepositoryPipelineHasAClosedGraphOfUniqueStages() throws {
        let paths = Self.repositoryPipelines
        #expect(paths.count >= 9)
        let (pipelines, _) = Engine.validate(paths)
        #expect(pipelines.count == paths.count)
        let stages = Engine.stages(pipelines)
        let ids = stages.map(\.id)
        #expect(Set(ids).count == ids.count, "stage ids are unique")
        let known = Set(ids)
        for stage in stages {
            for input in stage.inputs { #expect(known.contains(input.stage), "\(stage.id.rawValue) reads \(input) from no stage") }
        }
        // Each pipeline ends in one report stage that joins every analysis' report section, and each
        // section reads its analysis' result.
        for p in pipelines {
            let reports = stages.filter { $0.id.rawValue == "\(p.name)/report" }
            #expect(reports.count == 1, "\(p.name) has one report stage")
            let read = Set(reports.first?.inputs.map(\.stage) ?? [])
            for a in p.analyses {
                let section = StageID("\(p.name)/report-section:\(a.name)")
                #expect(read.contains(section), "\(p.name)'s report reads \(a.name)'s section")
                let sectionInputs = Set(stages.first { $0.id == section }?.inputs.map(\.stage) ?? [])
                #expect(sectionInputs.contains(StageID("\(p.name)/result:\(a.name)")), "\(section.rawValue) reads the result")
            }
        }
    }

    /// One stage per plot kind the analysis asks for, named after the kind.
    @Test func everyPlotKindIsItsOwnStage() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("metapipe-graph-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("b"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("pipelines/bcg/bcg.csv"),
                                         to: folder.appendingPathComponent("b/bcg.csv"))
        let kinds = PlotKind.allCases.map(\.rawValue).joined(separator: ", ")
        try Data("""
            pipeline: b
            data: {trials: b/bcg.csv}
            defaults: {measure: RR, method: REML}
            analyses:
              a:
                data: trials
                columns: {study: "{author} {year}", events1: tpos, nonevents1: tneg, events2: cpos, nonevents2: cneg}
                moderators: [ablat]
                bias: [egger]
                plots: [\(kinds)]

            """.utf8).write(to: folder.appendingPathComponent("b.yaml"))
        let stages = Engine.stages([try Self.load(folder.appendingPathComponent("b.yaml").path)])
        let plots = stages.filter { $0.kind == "plot" }.map(\.id.rawValue)
        #expect(plots.sorted() == PlotKind.allCases.map { "b/plot:a:\($0.rawValue)" }.sorted())
    }

    /// The bcg pipeline's odds-ratio analysis uses no moderators, influence, GOSH, bubble or
    /// risk-of-bias columns: none of their parameters appear in its stages.
    @Test func unusedOptionsStayOutOfStageParameters() throws {
        let p = try Self.load(Self.repository.appendingPathComponent("pipelines/bcg.yaml").path)
        let stages = PipelineStages.build(p).filter { $0.id.rawValue.hasSuffix(":or") || $0.id.rawValue.contains(":or:") }
        #expect(!stages.isEmpty)
        for stage in stages {
            let text = String(decoding: stage.parameters, as: UTF8.self)
            for key in ["moderators", "influence", "gosh", "riskOfBias", "risk-of-bias"] {
                #expect(!text.contains("\"\(key)\""), "\(stage.id.rawValue) parameters name \(key): \(text.prefix(300))")
            }
        }
    }
}

/// Stage parameters are encoded by MetaRunner's canonical encoder: for every stage of the
/// repository's pipelines the bytes (and so the cache keys) are those `JSONEncoder` gives.
@Suite(.serialized) struct CanonicalParameterTests {
    @Test func everyStagesParametersAreJSONEncodersBytes() throws {
        let (pipelines, _) = Engine.validate(StageGraphTests.repositoryPipelines)
        let ours = Engine.stages(pipelines).map { ($0.id.rawValue, $0.parameters) }
        let theirs = CanonicalEncoder.$foundationOnly.withValue(true) {
            #expect(CanonicalEncoder.encode(["a": 1], spellNonFinite: false) == nil, "every value goes to JSONEncoder")
            return Engine.stages(pipelines).map { ($0.id.rawValue, $0.parameters) }
        }
        #expect(ours.count == theirs.count && ours.count > 500)
        for (a, b) in zip(ours, theirs) { #expect(a.0 == b.0 && a.1 == b.1, "\(a.0)") }
    }
}

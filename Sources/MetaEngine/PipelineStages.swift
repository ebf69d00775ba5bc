import Foundation
import MetaPipeline
import MetaPlot
import MetaReport
import MetaRunner
import MetaStats

/// Builds the stage graph of a validated pipeline:
///
/// ```
/// load:<table> → effects:<analysis> → pool · subgroups:<column> · leave-one-out · cumulative · bias
/// load:<table> → scenario:<analysis>:<name>
///             all of them → result:<analysis> → plot:<analysis>:<kind> → report
/// load:<table> → synthesis:<name> → report
/// ```
///
/// Stage ids are prefixed with the pipeline name; published files go under `<pipeline>/`.
public struct PipelineStages {
    public let pipeline: Pipeline
    var stages: [Stage] = []

    public init(_ pipeline: Pipeline) {
        self.pipeline = pipeline
    }

    func id(_ s: String) -> StageID { StageID("\(pipeline.name)/\(s)") }
    func out(_ path: String) -> String { "\(pipeline.name)/\(path)" }
    func tableRef(_ name: String) -> ArtifactRef { ArtifactRef(id("load:\(name)"), "table.json") }

    /// Every stage of the pipeline.
    public static func build(_ pipeline: Pipeline) -> [Stage] {
        var builder = PipelineStages(pipeline)
        builder.addLoads()
        var figures: [String: [ReportParameters.FigureInfo]] = [:]
        for analysis in pipeline.analyses {
            builder.addAnalysis(analysis)
            figures[analysis.name] = builder.addPlots(analysis)
        }
        var synthesisFigures: [String: ReportParameters.FigureInfo] = [:]
        for synthesis in pipeline.syntheses { synthesisFigures[synthesis.name] = builder.addSynthesis(synthesis) }
        builder.addReport(figures: figures, synthesisFigures: synthesisFigures)
        return builder.stages
    }

    // MARK: Loading

    struct LoadParameters: Codable { var source: DataSource }

    mutating func addLoads() {
        for source in pipeline.sources where pipeline.tables[source.name] != nil {
            let p = LoadParameters(source: source)
            let files = DataSources.files(DataSource(name: source.origin, path: source.path, kind: source.kind))
            stages.append(Stage(id: id("load:\(source.name)"), kind: "load", parameters: canonical(p), files: files,
                                origin: pipeline.file) { context in
                var contents: [String: Data] = [:]
                for file in files { contents[file] = try context.file(file) }
                let base = DataSource(name: p.source.origin, path: p.source.path, kind: p.source.kind)
                let (tables, problems) = DataSources.tables(base, contents: contents)
                let errors = problems.filter { $0.severity == .error }
                guard errors.isEmpty, let loaded = tables.first(where: { $0.table.name == p.source.name }) else {
                    throw StageFailure(errors.map(\.description).joined(separator: "\n"))
                }
                return StageOutput(artifacts: ["table.json": canonical(loaded.table)])
            })
        }
    }

    // MARK: Analyses

    struct EffectsParameters: Codable {
        var selection: SelectionSpec
        var measure: EffectMeasure
        var smd: SMDConvention
        var subgroups: [String]
    }

    struct FitParameters: Codable {
        var settings: ResolvedSettings
        var column: String?
        var checks: [BiasCheck]?
    }

    mutating func addAnalysis(_ a: Analysis) {
        let origin = a.origin.description
        let effectsID = id("effects:\(a.name)")
        let effectsRef = ArtifactRef(effectsID, "effects.json")
        let studiesRef = ArtifactRef(effectsID, "studies.json")
        let ep = EffectsParameters(selection: a.selection, measure: a.settings.measure, smd: a.settings.smd, subgroups: a.subgroups)
        let tableRefs = Dictionary(uniqueKeysWithValues: a.selection.tables.map { ($0, tableRef($0)) })
        stages.append(Stage(id: effectsID, kind: "effects", parameters: canonical(ep), inputs: a.selection.tables.map(tableRef),
                            origin: origin) { context in
            let tables = try Self.tables(context, tableRefs)
            let (effects, dropped) = try Self.effects(ep.selection, tables: tables, measure: ep.measure, smd: ep.smd, subgroups: ep.subgroups)
            let artifact = EffectsArtifact(measure: ep.measure, effects: effects.map(\.1), groups: effects.map(\.0.groups),
                                           dropped: dropped.map(\.1), droppedRows: Self.droppedRows(dropped, effects: effects))
            let studies = StudiesArtifact(rows: effects.map { s, e in
                StudiesArtifact.Row(study: e.study, table: s.table, path: tables[s.table]?.path ?? s.table, line: s.row.line, metadata: s.metadata)
            })
            return StageOutput(artifacts: ["effects.json": canonical(artifact), "studies.json": canonical(studies)])
        })

        let settings = a.settings
        let poolID = id("pool:\(a.name)")
        stages.append(Stage(id: poolID, kind: "pool", parameters: canonical(FitParameters(settings: settings)),
                            inputs: [effectsRef], origin: origin) { context in
            let e = try context.decode(EffectsArtifact.self, from: effectsRef)
            return StageOutput(artifacts: ["pool.json": canonical(try Pooling.analyze(e.effects, measure: e.measure, options: settings.pooling))])
        })
        var resultInputs = [effectsRef, studiesRef, ArtifactRef(poolID, "pool.json")]

        for column in a.subgroups {
            let sid = id("subgroups:\(a.name):\(column)")
            stages.append(Stage(id: sid, kind: "subgroups", parameters: canonical(FitParameters(settings: settings, column: column)),
                                inputs: [effectsRef], origin: origin) { context in
                let e = try context.decode(EffectsArtifact.self, from: effectsRef)
                let labels = e.groups.map { $0[column] ?? "" }
                let result = try Subgroups.analyze(e.effects, labels: labels, measure: e.measure, options: settings.pooling)
                return StageOutput(artifacts: ["subgroups.json": canonical(result)])
            })
            resultInputs.append(ArtifactRef(sid, "subgroups.json"))
        }
        if a.leaveOneOut {
            let lid = id("leave-one-out:\(a.name)")
            stages.append(Stage(id: lid, kind: "leave-one-out", parameters: canonical(FitParameters(settings: settings)),
                                inputs: [effectsRef], origin: origin) { context in
                let e = try context.decode(EffectsArtifact.self, from: effectsRef)
                let rows = try Sensitivity.leaveOneOut(e.effects, measure: e.measure, options: settings.pooling)
                return StageOutput(artifacts: ["leave-one-out.json": canonical(rows)])
            })
            resultInputs.append(ArtifactRef(lid, "leave-one-out.json"))
        }
        if a.cumulative {
            let cid = id("cumulative:\(a.name)")
            stages.append(Stage(id: cid, kind: "cumulative", parameters: canonical(FitParameters(settings: settings)),
                                inputs: [effectsRef], origin: origin) { context in
                let e = try context.decode(EffectsArtifact.self, from: effectsRef)
                let rows = try Sensitivity.cumulative(e.effects, measure: e.measure, options: settings.pooling)
                return StageOutput(artifacts: ["cumulative.json": canonical(rows)])
            })
            resultInputs.append(ArtifactRef(cid, "cumulative.json"))
        }
        let needsBias = !a.bias.isEmpty || a.plots.contains { $0.kind == .funnel }
        if needsBias {
            let checks = a.bias
            let bid = id("bias:\(a.name)")
            stages.append(Stage(id: bid, kind: "bias", parameters: canonical(FitParameters(settings: settings, checks: checks)),
                                inputs: [effectsRef], origin: origin) { context in
                let e = try context.decode(EffectsArtifact.self, from: effectsRef)
                return StageOutput(artifacts: ["bias.json": canonical(try Self.bias(e, checks: checks, options: settings.pooling))])
            })
            resultInputs.append(ArtifactRef(bid, "bias.json"))
        }
        for scenario in a.scenarios {
            let scid = id("scenario:\(a.name):\(scenario.name)")
            struct ScenarioParameters: Codable {
                var name: String
                var description: String?
                var changes: [String]
                var selection: SelectionSpec
                var settings: ResolvedSettings
            }
            let sp = ScenarioParameters(name: scenario.name, description: scenario.description, changes: scenario.changes,
                                        selection: scenario.selection, settings: scenario.settings)
            let refs = Dictionary(uniqueKeysWithValues: scenario.selection.tables.map { ($0, tableRef($0)) })
            stages.append(Stage(id: scid, kind: "scenario", parameters: canonical(sp), inputs: scenario.selection.tables.map(tableRef),
                                origin: scenario.origin.description) { context in
                let tables = try Self.tables(context, refs)
                let (effects, dropped) = try Self.effects(sp.selection, tables: tables, measure: sp.settings.measure,
                                                          smd: sp.settings.smd, subgroups: [])
                let analysis = try Pooling.analyze(effects.map(\.1), measure: sp.settings.measure, options: sp.settings.pooling)
                let artifact = ScenarioArtifact(name: sp.name, description: sp.description, changes: sp.changes,
                                                measure: sp.settings.measure, analysis: analysis, dropped: dropped.map(\.1))
                return StageOutput(artifacts: ["scenario.json": canonical(artifact)])
            })
            resultInputs.append(ArtifactRef(scid, "scenario.json"))
        }
        addResult(a, inputs: resultInputs)
        if let v = a.verify { addVerify(a, v) }
    }

    struct VerifyParameters: Codable { var spec: VerifySpec }

    /// Every statistic RevMan stored for the analysis, beside ours: `verify.csv` and `verify.json`.
    mutating func addVerify(_ a: Analysis, _ v: VerifySpec) {
        let resultRef = ArtifactRef(id("result:\(a.name)"), "result.json")
        let resultsRef = tableRef(v.resultsTable), settingsRef = tableRef(v.settingsTable)
        let folder = out(a.name)
        stages.append(Stage(id: id("verify:\(a.name)"), kind: "verify", parameters: canonical(VerifyParameters(spec: v)),
                            inputs: [resultRef, resultsRef, settingsRef], origin: a.origin.description) { context in
            let report = Verification.compare(try context.decode(ResultDocument.self, from: resultRef), outcome: v.outcome,
                                              results: try context.decode(Table.self, from: resultsRef),
                                              settings: try context.decode(Table.self, from: settingsRef))
            return StageOutput(artifacts: ["verify.json": canonical(report)],
                               published: ["\(folder)/verify.csv": Verification.csv(report)])
        })
    }

    static func tables(_ context: StageContext, _ refs: [String: ArtifactRef]) throws -> [String: Table] {
        var tables: [String: Table] = [:]
        for (name, ref) in refs { tables[name] = try context.decode(Table.self, from: ref) }
        return tables
    }

    /// Selection and effect sizes; any problem (which validation should have caught) fails the stage.
    static func effects(_ selection: SelectionSpec, tables: [String: Table], measure: EffectMeasure, smd: SMDConvention,
                        subgroups: [String]) throws -> ([(SelectedStudy, EffectSize)], [(SelectedStudy, DroppedStudy)]) {
        let (studies, problems) = Selection.select(selection, tables: tables, measure: measure, subgroupColumns: subgroups)
        let (effects, dropped, effectProblems) = Selection.effectSizes(studies, spec: selection, tables: tables, measure: measure, smd: smd)
        let all = problems + effectProblems
        if !all.isEmpty {
            throw StageFailure(all.map { problem -> String in
                switch problem {
                case let .cell(table, row, _, _), let .row(table, row, _):
                    return "\(tables[table]?.path ?? table):\(row.line): \(problem.message)"
                default: return problem.message
                }
            }.joined(separator: "\n"))
        }
        if effects.isEmpty { throw StageFailure("no study with an estimable effect") }
        return (effects, dropped)
    }

    /// The data of the studies left out because their effect is not estimable (a 2×2 table with no
    /// events, or only events, in both arms), each with the number of pooled studies before it.
    static func droppedRows(_ dropped: [(SelectedStudy, DroppedStudy)], effects: [(SelectedStudy, EffectSize)]) -> [DroppedRow] {
        func key(_ s: SelectedStudy) -> (String, Int) { (s.table, s.row.line) }
        return dropped.compactMap { selected, study in
            guard case .binary(let counts) = selected.input.data, counts.isDoubleZero || counts.isDoubleFull else { return nil }
            let position = effects.filter { key($0.0) < key(selected) }.count
            return DroppedRow(study: study.study, data: selected.input.data, groups: selected.groups, position: position)
        }
    }

    static func bias(_ e: EffectsArtifact, checks: [BiasCheck], options: PoolingOptions) throws -> BiasArtifact {
        var artifact = BiasArtifact(unavailable: [:])
        let k = e.effects.count
        for check in checks {
            if k < 3 {
                artifact.unavailable[check.rawValue] = "needs at least 3 studies (k = \(k))"
                continue
            }
            do {
                switch check {
                case .egger: artifact.egger = try SmallStudy.egger(e.effects)
                case .begg: artifact.begg = try SmallStudy.begg(e.effects)
                case .trimfill: artifact.trimfill = try SmallStudy.trimAndFill(e.effects, measure: e.measure, options: options)
                }
            } catch {
                artifact.unavailable[check.rawValue] = (error as? StatsError)?.message ?? "\(error)"
            }
        }
        return artifact
    }

    // MARK: Results

    struct ResultParameters: Codable {
        var analysis: String
        var title: String
        var settings: ResolvedSettings
        var subgroups: [String]
        var leaveOneOut: Bool
        var cumulative: Bool
        var version: String
        var scenarios: [String]
    }

    mutating func addResult(_ a: Analysis, inputs: [ArtifactRef]) {
        let p = ResultParameters(analysis: a.name, title: a.title, settings: a.settings, subgroups: a.subgroups,
                                 leaveOneOut: a.leaveOneOut, cumulative: a.cumulative, version: Metapipe.version,
                                 scenarios: a.scenarios.map(\.name))
        let folder = out(a.name)
        let pipelineName = pipeline.name
        stages.append(Stage(id: id("result:\(a.name)"), kind: "result", parameters: canonical(p), inputs: inputs,
                            origin: a.origin.description) { context in
            func find(_ prefix: String, _ name: String) -> ArtifactRef? {
                inputs.first { $0.stage.rawValue.hasPrefix("\(pipelineName)/\(prefix)") && $0.name == name }
            }
            let effects = try context.decode(EffectsArtifact.self, from: find("effects:", "effects.json")!)
            let pool = try context.decode(MetaAnalysis.self, from: find("pool:", "pool.json")!)
            var subgroups: [String: SubgroupAnalysis] = [:]
            for column in p.subgroups {
                let ref = inputs.first { $0.stage.rawValue == "\(pipelineName)/subgroups:\(p.analysis):\(column)" }!
                subgroups[column] = try context.decode(SubgroupAnalysis.self, from: ref)
            }
            let loo = try find("leave-one-out:", "leave-one-out.json").map { try context.decode([SensitivityRow].self, from: $0) }
            let cumulative = try find("cumulative:", "cumulative.json").map { try context.decode([SensitivityRow].self, from: $0) }
            let bias = try find("bias:", "bias.json").map { try context.decode(BiasArtifact.self, from: $0) }
            var scenarios: [ScenarioArtifact] = []
            for name in p.scenarios {
                let ref = inputs.first { $0.stage.rawValue == "\(pipelineName)/scenario:\(p.analysis):\(name)" }!
                scenarios.append(try context.decode(ScenarioArtifact.self, from: ref))
            }
            let document = ResultAssembly.document(p, effects: effects, pool: pool, subgroups: subgroups, leaveOneOut: loo,
                                                   cumulative: cumulative, bias: bias, scenarios: scenarios)
            let json = try encodeJSON(document)
            var published = ["\(folder)/result.json": json,
                             "\(folder)/studies.csv": ResultAssembly.studiesCSV(document, effects: effects, subgroups: p.subgroups)]
            if let loo { published["\(folder)/leave-one-out.csv"] = ResultAssembly.sensitivityCSV(loo, header: "omitted") }
            if let cumulative { published["\(folder)/cumulative.csv"] = ResultAssembly.sensitivityCSV(cumulative, header: "added") }
            return StageOutput(artifacts: ["result.json": json], published: published)
        })
    }

    // MARK: Syntheses

    mutating func addSynthesis(_ s: Synthesis) -> ReportParameters.FigureInfo {
        struct SynthesisParameters: Codable {
            var name: String, themes: String, mapping: String, definitions: String?, study: String, theme: String, analytic: String
            var renderer: String
        }
        let p = SynthesisParameters(name: s.name, themes: s.themesTable, mapping: s.mappingTable, definitions: s.definitionsTable,
                                    study: s.studyColumn, theme: s.themeColumn, analytic: s.analyticColumn, renderer: rendererVersion)
        let stageID = id("synthesis:\(s.name)")
        let inputs = [tableRef(s.themesTable), tableRef(s.mappingTable)] + (s.definitionsTable.map { [tableRef($0)] } ?? [])
        let folder = out(s.name)
        stages.append(Stage(id: stageID, kind: "synthesis", parameters: canonical(p), inputs: inputs,
                            origin: s.origin.description) { context in
            let themes = try context.decode(Table.self, from: inputs[0])
            let mapping = try context.decode(Table.self, from: inputs[1])
            let definitions = inputs.count > 2 ? try context.decode(Table.self, from: inputs[2]) : nil
            let artifact = Synthesize.themes(themes: themes, mapping: mapping, definitions: definitions, study: p.study,
                                             theme: p.theme, analytic: p.analytic)
            var csv = CSVWriter(header: ["analytic_theme", "definition", "studies", "supporting_studies", "reported_themes"])
            for t in artifact.themes {
                csv.row([t.name, t.definition ?? "", String(t.studies.count), t.studies.joined(separator: " | "),
                         t.reported.joined(separator: " | ")])
            }
            let counts = artifact.themes.map { theme in
                artifact.studies.map { study in theme.reported.filter { $0.hasSuffix("(\(study))") }.count }
            }
            let matrix = MatrixPlotInput(rows: artifact.themes.map(\.name), columns: artifact.studies, counts: counts,
                                         legend: "A circle marks a study reporting at least one theme grouped under the analytic theme; larger circles, more such themes.")
            let svg: [UInt8], png: [UInt8]
            do {
                let layout = try Plots.matrix(matrix)
                svg = try Plots.render(layout, as: .svg)
                png = try Plots.render(layout, as: .png, dpi: 150)
            } catch {
                throw StageFailure("cannot draw the theme matrix: \((error as? PlotError)?.message ?? "\(error)")")
            }
            return StageOutput(artifacts: ["synthesis.json": canonical(artifact), "figure.svg": Data(svg)],
                               published: ["\(folder)/synthesis.csv": csv.data, "\(folder)/themes.png": Data(png),
                                           "\(folder)/themes.svg": Data(svg)])
        })
        return ReportParameters.FigureInfo(kind: "matrix", caption: "Studies × analytic themes.",
                                           files: ["\(s.name)/themes.png", "\(s.name)/themes.svg"], svg: stageID.rawValue)
    }

    // MARK: Report

    mutating func addReport(figures: [String: [ReportParameters.FigureInfo]], synthesisFigures: [String: ReportParameters.FigureInfo]) {
        var collected: [ArtifactRef] = []
        for f in figures.values.flatMap({ $0 }) + synthesisFigures.values { if let svg = f.svg { collected.append(ArtifactRef(StageID(svg), "figure.svg")) } }
        collected.sort()
        for a in pipeline.analyses {
            collected.append(ArtifactRef(id("result:\(a.name)"), "result.json"))
            collected.append(ArtifactRef(id("effects:\(a.name)"), "studies.json"))
            if a.verify != nil { collected.append(ArtifactRef(id("verify:\(a.name)"), "verify.json")) }
        }
        for s in pipeline.syntheses { collected.append(ArtifactRef(id("synthesis:\(s.name)"), "synthesis.json")) }
        for c in pipeline.comparisons where !collected.contains(tableRef(c.table)) { collected.append(tableRef(c.table)) }
        let inputs = collected
        let p = ReportParameters(pipeline: pipeline, figures: figures, synthesisFigures: synthesisFigures)
        let folder = out("")
        let name = pipeline.name
        stages.append(Stage(id: id("report"), kind: "report", parameters: canonical(p), inputs: inputs, origin: pipeline.file) { context in
            var results: [String: ResultDocument] = [:]
            var studies: [String: StudiesArtifact] = [:]
            var syntheses: [String: SynthesisArtifact] = [:]
            var tables: [String: Table] = [:]
            var verifications: [String: VerificationReport] = [:]
            var svg: [String: String] = [:]
            for ref in inputs where ref.name == "figure.svg" {
                var text = String(decoding: try context.artifact(ref), as: UTF8.self)
                if text.hasPrefix("<?xml"), let end = text.range(of: "?>\n") { text.removeSubrange(text.startIndex..<end.upperBound) }
                svg[ref.stage.rawValue] = text
            }
            for ref in inputs where ref.name != "figure.svg" {
                let stage = ref.stage.rawValue.dropFirst(name.count + 1)
                if stage.hasPrefix("result:") { results[String(stage.dropFirst(7))] = try context.decode(ResultDocument.self, from: ref) }
                else if stage.hasPrefix("effects:") { studies[String(stage.dropFirst(8))] = try context.decode(StudiesArtifact.self, from: ref) }
                else if stage.hasPrefix("synthesis:") { syntheses[String(stage.dropFirst(10))] = try context.decode(SynthesisArtifact.self, from: ref) }
                else if stage.hasPrefix("load:") { tables[String(stage.dropFirst(5))] = try context.decode(Table.self, from: ref) }
                else if stage.hasPrefix("verify:") { verifications[String(stage.dropFirst(7))] = try context.decode(VerificationReport.self, from: ref) }
            }
            let input = ReportAssembly.input(p, results: results, studies: studies, syntheses: syntheses, tables: tables,
                                             verifications: verifications, figures: svg)
            let document = ReportBuilder.document(input)
            let generator = ReportBuilder.generator(input)
            let all = AllResults(pipeline: p.name, title: p.title, metapipeVersion: Metapipe.version,
                                 analyses: p.analyses.compactMap { results[$0.name] })
            return StageOutput(published: [
                "\(folder)index.html": Data(document.html(generator: generator).utf8),
                "\(folder)README.md": Data(document.markdown(generator: generator).utf8),
                "\(folder)results.json": try encodeJSON(all),
            ])
        })
    }
}

/// `results.json`: every analysis of the pipeline.
struct AllResults: Codable {
    var pipeline: String
    var title: String
    var metapipeVersion: String
    var analyses: [ResultDocument]
    enum CodingKeys: String, CodingKey {
        case pipeline, title, analyses
        case metapipeVersion = "metapipe_version"
    }
}

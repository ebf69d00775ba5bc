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
    /// Figures of the risk-of-bias assessments, by assessment.
    var reviewFigures: [String: [ReportParameters.FigureInfo]] = [:]

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
        builder.addPartitions()
        builder.addVerifySplits()
        var figures: [String: [ReportParameters.FigureInfo]] = [:]
        for analysis in pipeline.analyses {
            builder.addAnalysis(analysis)
            // An analysis without an estimable study has only its forest plot, whose rows say "Not estimable".
            var drawn = analysis
            if !analysis.estimable { drawn.plots = analysis.plots.filter { $0.kind == .forest } }
            figures[analysis.name] = builder.addPlots(drawn)
        }
        var synthesisFigures: [String: ReportParameters.FigureInfo] = [:]
        for synthesis in pipeline.syntheses { synthesisFigures[synthesis.name] = builder.addSynthesis(synthesis) }
        builder.reviewFigures = builder.addRiskOfBias()
        if let prisma = builder.addPrisma() { builder.reviewFigures[PipelineStages.prismaKey] = [prisma] }
        builder.addReport(figures: figures, synthesisFigures: synthesisFigures)
        return builder.stages
    }

    // MARK: Loading

    struct LoadParameters: Codable { var source: DataSource }

    mutating func addLoads() {
        for source in pipeline.sources where pipeline.tables[source.name] != nil {
            let p = LoadParameters(source: source)
            let files = DataSources.files(DataSource(name: source.origin, path: source.path, kind: source.kind))
            stages.append(Stage(id: id("load:\(source.name)"), kind: "load", parameters: parameters(p), files: files,
                                origin: pipeline.file) { context in
                var contents: [String: Data] = [:]
                for file in files { contents[file] = try context.file(file) }
                let base = DataSource(name: p.source.origin, path: p.source.path, kind: p.source.kind, sheet: p.source.sheet)
                let (tables, problems) = DataSources.tables(base, contents: contents)
                let errors = problems.filter { $0.severity == .error }
                guard errors.isEmpty, let loaded = tables.first(where: { $0.table.name == p.source.name }) else {
                    throw StageFailure(errors.map(\.description).joined(separator: "\n"))
                }
                return StageOutput(artifacts: ["table.json": try canonical(loaded.table)])
            })
        }
    }

    // MARK: Analyses

    struct EffectsParameters: Codable {
        var selection: SelectionSpec
        var measure: EffectMeasure
        var smd: SMDConvention
        var subgroups: [String]
        /// nil under the metafor conventions, so their cache keys hold.
        var zeroCells: ZeroCellRule?
        /// nil unless `prepost-r` is set, so other analyses' cache keys hold.
        var prePostR: Double?
    }

    struct FitParameters: Codable {
        var settings: ResolvedSettings
        var column: String?
        var checks: [BiasCheck]?
    }

    /// The stage that splits a table by the `where` of the analyses that read it.
    func partitionID(_ table: String) -> StageID { id("rows:\(table)") }

    struct PartitionParameters: Codable {
        var table: String
        /// Analysis name → its selection (only `where` and the study label are applied here).
        var analyses: [String: SelectionSpec]
    }

    /// One stage per table that analyses with a `where` read: it splits the table into the rows each
    /// analysis' `where` keeps, so that an edit of a row reruns the effect sizes (and everything after
    /// them) of the analyses that select that row only. A review of a hundred analyses drawn from one
    /// table otherwise recomputes every analysis for any edit.
    mutating func addPartitions() {
        var byTable: [String: [String: SelectionSpec]] = [:]
        for a in pipeline.analyses where !a.selection.conditions.isEmpty {
            for t in a.selection.tables { byTable[t, default: [:]][a.name] = a.selection }
        }
        for (table, analyses) in byTable.sorted(by: { $0.key < $1.key }) {
            let p = PartitionParameters(table: table, analyses: analyses)
            let input = tableRef(table)
            stages.append(Stage(id: partitionID(table), kind: "rows", parameters: parameters(p), inputs: [input],
                                origin: pipeline.file) { context in
                let whole = try context.decode(Table.self, from: input)
                var artifacts: [String: Data] = [:]
                let index = Selection.Index()
                for (name, spec) in p.analyses {
                    artifacts["\(name).json"] = try canonical(Selection.prefilter(spec, table: whole, index: index))
                }
                return StageOutput(artifacts: artifacts)
            })
        }
    }

    mutating func addAnalysis(_ a: Analysis) {
        let origin = a.origin.description
        let effectsID = id("effects:\(a.name)")
        let effectsRef = ArtifactRef(effectsID, "effects.json")
        let studiesRef = ArtifactRef(effectsID, "studies.json")
        let ep = EffectsParameters(selection: a.selection, measure: a.settings.measure, smd: a.settings.smd, subgroups: a.subgroups,
                                   zeroCells: a.settings.pooling.zeroCells, prePostR: a.settings.prePostR)
        // The rows each table contributes: those the analysis' `where` keeps, or the whole table.
        let rowsRef: (String) -> ArtifactRef = { [self] table in
            a.selection.conditions.isEmpty ? tableRef(table) : ArtifactRef(partitionID(table), "\(a.name).json")
        }
        let tableRefs = Dictionary(uniqueKeysWithValues: a.selection.tables.map { ($0, rowsRef($0)) })
        stages.append(Stage(id: effectsID, kind: "effects", parameters: parameters(ep), inputs: a.selection.tables.map(rowsRef),
                            origin: origin) { context in
            let tables = try Self.tables(context, tableRefs)
            let (effects, droppedRows, missingDropped) = try Self.effects(ep.selection, tables: tables, measure: ep.measure, smd: ep.smd,
                                                                     subgroups: ep.subgroups, zeroCells: ep.zeroCells,
                                                                     prePostR: ep.prePostR)
            let dropped = missingDropped + droppedRows.map(\.1)
            var artifact = EffectsArtifact(measure: ep.measure, effects: effects.map(\.1), groups: effects.map(\.0.groups), dropped: dropped)
            artifact.droppedRows = Self.droppedRows(droppedRows, effects: effects)
            if !droppedRows.isEmpty && !ep.subgroups.isEmpty {
                // One entry per dropped study; those dropped for missing values belong to no subgroup.
                artifact.droppedGroups = missingDropped.map { _ in [:] } + droppedRows.map(\.0.groups)
                // Subgroups in the order of their first row, estimable or not (RevMan's order).
                let all = (effects.map(\.0) + droppedRows.map(\.0)).sorted {
                    (ep.selection.tables.firstIndex(of: $0.table) ?? 0, $0.row.line) < (ep.selection.tables.firstIndex(of: $1.table) ?? 0, $1.row.line)
                }
                var order: [String: [String]] = [:]
                for column in ep.subgroups {
                    var names: [String] = []
                    for s in all where !names.contains(s.groups[column] ?? "") { names.append(s.groups[column] ?? "") }
                    order[column] = names
                }
                artifact.groupOrder = order
            }
            let studies = StudiesArtifact(rows: effects.map { s, e in
                StudiesArtifact.Row(study: e.study, table: s.table, path: tables[s.table]?.path ?? s.table, line: s.row.line, metadata: s.metadata)
            })
            return StageOutput(artifacts: ["effects.json": try canonical(artifact), "studies.json": try canonical(studies)])
        })

        let settings = a.settings
        let poolID = id("pool:\(a.name)")
        stages.append(Stage(id: poolID, kind: "pool", parameters: parameters(FitParameters(settings: settings)),
                            inputs: [effectsRef], origin: origin) { context in
            let e = try context.decode(EffectsArtifact.self, from: effectsRef)
            // No estimable study: the analysis is "not estimable" (null), not a failure.
            let pool: MetaAnalysis? = e.effects.isEmpty ? nil : try Pooling.analyze(e.effects, measure: e.measure, options: settings.pooling)
            return StageOutput(artifacts: ["pool.json": try canonical(pool)])
        })
        var resultInputs = [effectsRef, studiesRef, ArtifactRef(poolID, "pool.json")]

        for column in a.subgroups {
            let sid = id("subgroups:\(a.name):\(column)")
            stages.append(Stage(id: sid, kind: "subgroups", parameters: parameters(FitParameters(settings: settings, column: column)),
                                inputs: [effectsRef], origin: origin) { context in
                let e = try context.decode(EffectsArtifact.self, from: effectsRef)
                let labels = e.groups.map { $0[column] ?? "" }
                let result = try Subgroups.analyze(e.effects, labels: labels, measure: e.measure, options: settings.pooling)
                return StageOutput(artifacts: ["subgroups.json": try canonical(result)])
            })
            resultInputs.append(ArtifactRef(sid, "subgroups.json"))
        }
        if a.leaveOneOut {
            let lid = id("leave-one-out:\(a.name)")
            stages.append(Stage(id: lid, kind: "leave-one-out", parameters: parameters(FitParameters(settings: settings)),
                                inputs: [effectsRef], origin: origin) { context in
                let e = try context.decode(EffectsArtifact.self, from: effectsRef)
                let rows = e.effects.count < 2 ? [] : try Sensitivity.leaveOneOut(e.effects, measure: e.measure, options: settings.pooling)
                return StageOutput(artifacts: ["leave-one-out.json": try canonical(rows)])
            })
            resultInputs.append(ArtifactRef(lid, "leave-one-out.json"))
        }
        if a.cumulative {
            let cid = id("cumulative:\(a.name)")
            stages.append(Stage(id: cid, kind: "cumulative", parameters: parameters(FitParameters(settings: settings)),
                                inputs: [effectsRef], origin: origin) { context in
                let e = try context.decode(EffectsArtifact.self, from: effectsRef)
                let rows = e.effects.isEmpty ? [] : try Sensitivity.cumulative(e.effects, measure: e.measure, options: settings.pooling)
                return StageOutput(artifacts: ["cumulative.json": try canonical(rows)])
            })
            resultInputs.append(ArtifactRef(cid, "cumulative.json"))
        }
        resultInputs += addInfluenceAndGosh(a, effectsRef: effectsRef)
        let needsBias = !a.bias.isEmpty || a.plots.contains { $0.kind == .funnel }
        if needsBias {
            let checks = a.bias
            let bid = id("bias:\(a.name)")
            stages.append(Stage(id: bid, kind: "bias", parameters: parameters(FitParameters(settings: settings, checks: checks)),
                                inputs: [effectsRef], origin: origin) { context in
                let e = try context.decode(EffectsArtifact.self, from: effectsRef)
                return StageOutput(artifacts: ["bias.json": try canonical(try Self.bias(e, checks: checks, options: settings.pooling))])
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
                /// The meta-regression's moderators (nil without, so other cache keys hold).
                var moderators: [String]?
            }
            let sp = ScenarioParameters(name: scenario.name, description: scenario.description, changes: scenario.changes,
                                        selection: scenario.selection, settings: scenario.settings,
                                        moderators: scenario.moderators.isEmpty ? nil : scenario.moderators)
            let refs = Dictionary(uniqueKeysWithValues: scenario.selection.tables.map { ($0, tableRef($0)) })
            stages.append(Stage(id: scid, kind: "scenario", parameters: parameters(sp), inputs: scenario.selection.tables.map(tableRef),
                                origin: scenario.origin.description) { context in
                let tables = try Self.tables(context, refs)
                let (effects, droppedRows, missingDropped) = try Self.effects(sp.selection, tables: tables, measure: sp.settings.measure,
                                                             smd: sp.settings.smd, subgroups: [], zeroCells: sp.settings.pooling.zeroCells,
                                                             prePostR: sp.settings.prePostR)
                if effects.isEmpty { throw StageFailure("scenario '\(sp.name)' leaves no study with an estimable effect") }
                let analysis = try Pooling.analyze(effects.map(\.1), measure: sp.settings.measure, options: sp.settings.pooling)
                var artifact = ScenarioArtifact(name: sp.name, description: sp.description, changes: sp.changes,
                                                measure: sp.settings.measure, analysis: analysis, dropped: missingDropped + droppedRows.map(\.1))
                if let moderators = sp.moderators {
                    artifact.regression = try ResultAssembly.regression(moderators, effects: effects.map(\.1),
                                                                        metadata: effects.map(\.0.metadata), settings: sp.settings)
                }
                return StageOutput(artifacts: ["scenario.json": try canonical(artifact)])
            })
            resultInputs.append(ArtifactRef(scid, "scenario.json"))
        }
        addResult(a, inputs: resultInputs)
        if let v = a.verify { addVerify(a, v) }
    }

    struct VerifyParameters: Codable { var spec: VerifySpec }

    struct SplitParameters: Codable {
        var results: String
        var settings: String
        var outcomes: [String]
    }

    func splitID(_ v: VerifySpec) -> StageID { id("verify-rows:\(v.resultsTable):\(v.settingsTable)") }

    /// The artifact name of one outcome's rows (outcome ids are text such as "1.1"; other characters are encoded).
    static func rowsArtifact(_ outcome: String, _ table: String) -> String {
        let safe = outcome.unicodeScalars.map { s -> String in
            (s.properties.isAlphabetic && s.isASCII) || ("0"..."9").contains(Character(s)) || s == "." || s == "-"
                ? String(Character(s)) : String(format: "_%04X", s.value)
        }.joined()
        return "\(table)-\(safe).json"
    }

    /// One stage per pair of RevMan tables that `verify` entries read: it splits them by outcome once,
    /// so that each analysis' check reads only its own rows (a review with a hundred analyses would
    /// otherwise decode the whole results table a hundred times), and editing one analysis' stored
    /// statistics reruns only that analysis' check.
    mutating func addVerifySplits() {
        var outcomes: [String: (VerifySpec, [String])] = [:]
        for a in pipeline.analyses {
            guard let v = a.verify else { continue }
            let key = splitID(v).rawValue
            var entry = outcomes[key] ?? (v, [])
            if !entry.1.contains(v.outcome) { entry.1.append(v.outcome) }
            outcomes[key] = entry
        }
        for (key, (v, list)) in outcomes.sorted(by: { $0.key < $1.key }) {
            let p = SplitParameters(results: v.resultsTable, settings: v.settingsTable, outcomes: list.sorted())
            let inputs = [tableRef(v.resultsTable), tableRef(v.settingsTable)]
            stages.append(Stage(id: StageID(key), kind: "verify-rows", parameters: parameters(p), inputs: inputs,
                                origin: pipeline.file) { context in
                let results = try context.decode(Table.self, from: inputs[0])
                let settings = try context.decode(Table.self, from: inputs[1])
                var byOutcome: [String: [TableRow]] = [:], settingsBy: [String: [TableRow]] = [:]
                for row in results.rows { byOutcome[results.cell(row, "outcome"), default: []].append(row) }
                for row in settings.rows { settingsBy[settings.cell(row, "outcome"), default: []].append(row) }
                var artifacts: [String: Data] = [:]
                for outcome in p.outcomes {
                    var r = results, s = settings
                    r.rows = byOutcome[outcome] ?? []
                    s.rows = settingsBy[outcome] ?? []
                    artifacts[Self.rowsArtifact(outcome, "results")] = try canonical(r)
                    artifacts[Self.rowsArtifact(outcome, "settings")] = try canonical(s)
                }
                return StageOutput(artifacts: artifacts)
            })
        }
    }

    /// Every statistic RevMan stored for the analysis, beside ours: `verify.csv` and `verify.json`.
    mutating func addVerify(_ a: Analysis, _ v: VerifySpec) {
        let resultRef = ArtifactRef(id("result:\(a.name)"), "result.json")
        let resultsRef = ArtifactRef(splitID(v), Self.rowsArtifact(v.outcome, "results"))
        let settingsRef = ArtifactRef(splitID(v), Self.rowsArtifact(v.outcome, "settings"))
        let folder = out(a.name)
        stages.append(Stage(id: id("verify:\(a.name)"), kind: "verify", parameters: parameters(VerifyParameters(spec: v)),
                            inputs: [resultRef, resultsRef, settingsRef], origin: a.origin.description) { context in
            let report = Verification.compare(try context.decode(ResultDocument.self, from: resultRef), outcome: v.outcome,
                                              results: try context.decode(Table.self, from: resultsRef),
                                              settings: try context.decode(Table.self, from: settingsRef))
            return StageOutput(artifacts: ["verify.json": try canonical(report)],
                               published: ["\(folder)/verify.csv": Verification.csv(report)])
        })
    }

    static func tables(_ context: StageContext, _ refs: [String: ArtifactRef]) throws -> [String: Table] {
        var tables: [String: Table] = [:]
        for (name, ref) in refs { tables[name] = try context.decode(Table.self, from: ref) }
        return tables
    }

    /// Selection and effect sizes; any problem (which validation should have caught) fails the stage.
    /// Also returns the subgroup labels of the studies left out, for subgroups that are not estimable.
    static func effects(_ selection: SelectionSpec, tables: [String: Table], measure: EffectMeasure, smd: SMDConvention,
                        subgroups: [String], zeroCells: ZeroCellRule? = nil, prePostR: Double? = nil) throws
        -> ([(SelectedStudy, EffectSize)], [(SelectedStudy, DroppedStudy)], [DroppedStudy]) {
        let (studies, selectionProblems) = Selection.select(selection, tables: tables, measure: measure, subgroupColumns: subgroups)
        let (missingDropped, _, problems) = Selection.separateMissing(selectionProblems)
        let (effects, dropped, effectProblems) = Selection.effectSizes(studies, spec: selection, tables: tables, measure: measure, smd: smd,
                                                                       zeroCells: zeroCells, prePostR: prePostR)
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
        // Studies not estimable (with their rows) and studies dropped for missing values (`missing: drop`).
        return (effects, dropped, Selection.droppedForMissing(missingDropped))
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
        // The estimates the analysis pools and shows (Peto's own for a Peto analysis).
        let effects = try SmallStudy.studyEffects(e.effects, method: options.method)
        let k = effects.count
        for check in checks {
            if k < 3 {
                artifact.unavailable[check.rawValue] = "needs at least 3 studies (k = \(k))"
                continue
            }
            do {
                switch check {
                case .egger: artifact.egger = try SmallStudy.egger(effects)
                case .begg: artifact.begg = try SmallStudy.begg(effects)
                case .trimfill: artifact.trimfill = try SmallStudy.trimAndFill(effects, measure: e.measure, options: options)
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
        /// nil for the defaults (overall totals, linear scale, exact normal tail), so older cache keys hold.
        var totals: Totals?
        var scale: EffectScale?
        /// `moderators:` of a meta-regression (nil without, so other cache keys hold).
        var moderators: [String]?
        /// Influence diagnostics and GOSH (nil without, so other cache keys hold).
        var influence: Bool?
        var gosh: GoshSpec?
    }

    mutating func addResult(_ a: Analysis, inputs: [ArtifactRef]) {
        let p = ResultParameters(analysis: a.name, title: a.title, settings: a.settings, subgroups: a.subgroups,
                                 leaveOneOut: a.leaveOneOut, cumulative: a.cumulative, version: Metapipe.version,
                                 scenarios: a.scenarios.map(\.name), totals: a.totals == .overall ? nil : a.totals,
                                 scale: a.scale == .linear ? nil : a.scale, moderators: a.moderators.isEmpty ? nil : a.moderators,
                                 influence: a.influence ? true : nil, gosh: a.gosh)
        let folder = out(a.name)
        let pipelineName = pipeline.name
        stages.append(Stage(id: id("result:\(a.name)"), kind: "result", parameters: parameters(p), inputs: inputs,
                            origin: a.origin.description) { context in
            func find(_ prefix: String, _ name: String) -> ArtifactRef? {
                inputs.first { $0.stage.rawValue.hasPrefix("\(pipelineName)/\(prefix)") && $0.name == name }
            }
            // find(…)! looks up inputs this stage declared itself, above: a graph invariant, not data.
            let effects = try context.decode(EffectsArtifact.self, from: find("effects:", "effects.json")!)
            let pool = try context.decode(MetaAnalysis?.self, from: find("pool:", "pool.json")!)
            var subgroups: [String: SubgroupAnalysis] = [:]
            for column in p.subgroups {
                let ref = inputs.first { $0.stage.rawValue == "\(pipelineName)/subgroups:\(p.analysis):\(column)" }!
                subgroups[column] = try context.decode(SubgroupAnalysis.self, from: ref)
            }
            let loo = try find("leave-one-out:", "leave-one-out.json").map { try context.decode([SensitivityRow].self, from: $0) }
            let cumulative = try find("cumulative:", "cumulative.json").map { try context.decode([SensitivityRow].self, from: $0) }
            let bias = try find("bias:", "bias.json").map { try context.decode(BiasArtifact.self, from: $0) }
            let influence = try find("influence:", "influence.json").map { try context.decode([InfluenceRow].self, from: $0) }
            let gosh = try find("gosh:", "gosh.json").map { try context.decode(GoshArtifact.self, from: $0) }
            var scenarios: [ScenarioArtifact] = []
            for name in p.scenarios {
                let ref = inputs.first { $0.stage.rawValue == "\(pipelineName)/scenario:\(p.analysis):\(name)" }!
                scenarios.append(try context.decode(ScenarioArtifact.self, from: ref))
            }
            var document = ResultAssembly.document(p, effects: effects, pool: pool, subgroups: subgroups, leaveOneOut: loo,
                                                   cumulative: cumulative, bias: bias, scenarios: scenarios)
            if let influence { document.influence = influence }
            if let gosh { document.gosh = gosh.summary }
            if let moderators = p.moderators, let ref = find("effects:", "studies.json") {
                let studies = try context.decode(StudiesArtifact.self, from: ref)
                let metadata = Dictionary(studies.rows.map { ($0.study, $0.metadata) }, uniquingKeysWith: { a, _ in a })
                document.regression = try ResultAssembly.regression(moderators, effects: effects.effects,
                                                                    metadata: effects.effects.map { metadata[$0.study] ?? [:] },
                                                                    settings: p.settings)
            }
            let json = try encodeJSON(document)
            var published = ["\(folder)/result.json": json,
                             "\(folder)/studies.csv": ResultAssembly.studiesCSV(document, effects: effects, subgroups: p.subgroups)]
            if let loo { published["\(folder)/leave-one-out.csv"] = ResultAssembly.sensitivityCSV(loo, header: "omitted") }
            if let cumulative { published["\(folder)/cumulative.csv"] = ResultAssembly.sensitivityCSV(cumulative, header: "added") }
            if let influence { published["\(folder)/influence.csv"] = Self.influenceCSV(influence) }
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
        stages.append(Stage(id: stageID, kind: "synthesis", parameters: parameters(p), inputs: inputs,
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
            return StageOutput(artifacts: ["synthesis.json": try canonical(artifact), "figure.svg": Data(svg)],
                               published: ["\(folder)/synthesis.csv": csv.data, "\(folder)/themes.png": Data(png),
                                           "\(folder)/themes.svg": Data(svg)])
        })
        return ReportParameters.FigureInfo(kind: "matrix", caption: "Studies × analytic themes.",
                                           files: ["\(s.name)/themes.png", "\(s.name)/themes.svg"], svg: stageID.rawValue)
    }

    // MARK: Report

    mutating func addReport(figures: [String: [ReportParameters.FigureInfo]], synthesisFigures: [String: ReportParameters.FigureInfo]) {
        var parametersWithReview = ReportParameters(pipeline: pipeline, figures: figures, synthesisFigures: synthesisFigures)
        parametersWithReview.riskOfBias = ReportParameters.riskOfBiasInfo(pipeline, figures: reviewFigures)
        parametersWithReview.prisma = reviewFigures[PipelineStages.prismaKey]?.first
        parametersWithReview.summaryOfFindings = pipeline.summaryOfFindings
        let p = parametersWithReview
        let tablePaths = ReportAssembly.tablePaths(p)
        // Each analysis' sections are rendered by a stage of their own, so that an edit that changes one
        // analysis renders one section again and the report only joins the parts.
        var collected: [ArtifactRef] = []
        // Comparisons and the summary of findings read whole results; the rest of the report reads
        // each analysis' summary (its result without the per-study tables).
        let wholeResults = Set(pipeline.comparisons.flatMap { $0.rows.map(\.analysis) } + (pipeline.summaryOfFindings?.outcomes.map(\.analysis) ?? []))
        for (a, info) in zip(pipeline.analyses, p.analyses) {
            let section = addReportSection(a, info: info, tablePaths: tablePaths)
            collected.append(wholeResults.contains(a.name) ? ArtifactRef(id("result:\(a.name)"), "result.json")
                                                           : ArtifactRef(section, ReportSection.summaryName))
            if a.verify != nil { collected.append(ArtifactRef(id("verify:\(a.name)"), "verify.json")) }
            collected += ReportSection.artifacts.map { ArtifactRef(section, $0) }
        }
        var svgInputs: [ArtifactRef] = []
        for f in synthesisFigures.values.map({ $0 }) + reviewFigures.values.flatMap({ $0 }) { if let svg = f.svg { svgInputs.append(ArtifactRef(StageID(svg), "figure.svg")) } }
        collected += svgInputs.sorted()
        for s in pipeline.syntheses { collected.append(ArtifactRef(id("synthesis:\(s.name)"), "synthesis.json")) }
        for c in pipeline.comparisons where !collected.contains(tableRef(c.table)) { collected.append(tableRef(c.table)) }
        let inputs = collected
        let folder = out("")
        let name = pipeline.name
        stages.append(Stage(id: id("report"), kind: "report", parameters: parameters(p), inputs: inputs, origin: pipeline.file) { context in
            var results: [String: ResultDocument] = [:]
            var sections: [String: ReportSection] = [:]
            var syntheses: [String: SynthesisArtifact] = [:]
            var tables: [String: Table] = [:]
            var verifications: [String: VerificationReport] = [:]
            var svg: [String: String] = [:]
            for ref in inputs where ref.name == "figure.svg" { svg[ref.stage.rawValue] = ReportAssembly.svgText(try context.artifact(ref)) }
            for ref in inputs where ref.name != "figure.svg" {
                let stage = ref.stage.rawValue.dropFirst(name.count + 1)
                if stage.hasPrefix("result:") { results[String(stage.dropFirst(7))] = try context.decode(ResultDocument.self, from: ref) }
                else if stage.hasPrefix("report-section:") {
                    let analysis = String(stage.dropFirst(15))
                    if ref.name == ReportSection.outlineName { sections[analysis] = try ReportSection.read(ref.stage, context) }
                    if ref.name == ReportSection.summaryName { results[analysis] = try context.decode(ResultDocument.self, from: ref) }
                }
                else if stage.hasPrefix("synthesis:") { syntheses[String(stage.dropFirst(10))] = try context.decode(SynthesisArtifact.self, from: ref) }
                else if stage.hasPrefix("load:") { tables[String(stage.dropFirst(5))] = try context.decode(Table.self, from: ref) }
                else if stage.hasPrefix("verify:") { verifications[String(stage.dropFirst(7))] = try context.decode(VerificationReport.self, from: ref) }
            }
            // One output at a time, each intermediate let go before the next is built, so that a large
            // analysis holds one of them (and the finished bytes) rather than all at once.
            var published: [String: Data] = [:]
            published["\(folder)results.json"] = try AllResults.assembled(pipeline: p.name, title: p.title, metapipeVersion: Metapipe.version,
                                                                         entries: p.analyses.compactMap { sections[$0.name]?.resultEntry })
            var input: ReportInput? = ReportAssembly.input(p, results: results, sources: sections.mapValues(\.outline.sources),
                                                           syntheses: syntheses, tables: tables, verifications: verifications, figures: svg)
            results = [:]; syntheses = [:]; tables = [:]; verifications = [:]; svg = [:]
            if let findings = input!.summaryOfFindings {
                published["\(folder)summary-of-findings.csv"] = ReportBuilder.summaryOfFindingsCSV(findings)
            }
            var document: ReportDocument? = ReportBuilder.document(input!, prerendered: sections.mapValues(\.sections))
            sections = [:]
            let generator = ReportBuilder.generator(input!)
            input = nil
            published["\(folder)index.html"] = Data(document!.html(generator: generator).utf8)
            published["\(folder)README.md"] = Data(document!.markdown(generator: generator).utf8)
            document = nil
            return StageOutput(published: published)
        })
    }

    /// The stage that renders an analysis' sections of the report and its entry of results.json.
    mutating func addReportSection(_ a: Analysis, info: ReportParameters.AnalysisInfo, tablePaths: [String: String]) -> StageID {
        var inputs = [ArtifactRef(id("result:\(a.name)"), "result.json"), ArtifactRef(id("effects:\(a.name)"), "studies.json")]
        if a.verify != nil { inputs.append(ArtifactRef(id("verify:\(a.name)"), "verify.json")) }
        let figureInputs = info.figures.compactMap { $0.svg.map { ArtifactRef(StageID($0), "figure.svg") } }.sorted()
        inputs += figureInputs
        let all = inputs
        let stageID = id("report-section:\(a.name)")
        let p = ReportSectionParameters(analysis: info, tablePaths: tablePaths)
        stages.append(Stage(id: stageID, kind: "report-section", parameters: parameters(p), inputs: all, origin: pipeline.file) { context in
            let result = try context.decode(ResultDocument.self, from: all[0])
            let studies = try context.decode(StudiesArtifact.self, from: all[1])
            let verification = a.verify != nil ? try context.decode(VerificationReport.self, from: all[2]) : nil
            var svg: [String: String] = [:]
            for ref in figureInputs { svg[ref.stage.rawValue] = ReportAssembly.svgText(try context.artifact(ref)) }
            let sources = ReportAssembly.studySources(studies, tablePaths: p.tablePaths)
            let report = ReportAssembly.analysisReport(p.analysis, result: result, sources: sources, verification: verification, figures: svg)
            let (outline, text) = ReportBuilder.renderedAnalysis(report)
            return StageOutput(artifacts: [
                ReportSection.outlineName: try canonical(ReportSection.Outline(sections: outline, sources: sources)),
                ReportSection.htmlName: Data(text.html.utf8),
                ReportSection.markdownName: Data(text.markdown.utf8),
                ReportSection.entryName: try AllResults.entry(result),
                ReportSection.summaryName: try canonical(ReportSection.summary(result)),
            ])
        })
        return stageID
    }
}

/// What the report-section stage of an analysis reads from the pipeline file.
struct ReportSectionParameters: Codable {
    var analysis: ReportParameters.AnalysisInfo
    var tablePaths: [String: String]
}

/// An analysis' part of the report, rendered by its report-section stage: the sections' outline and
/// text, the rows it used (for the report's data-sources table) and its entry of results.json.
struct ReportSection {
    struct Outline: Codable {
        var sections: [ReportDocument.Outline]
        var sources: [AnalysisReport.StudySource]
    }
    static let outlineName = "section.json"
    static let htmlName = "section.html"
    static let markdownName = "section.md"
    static let entryName = "results-entry.json"
    static let summaryName = "summary.json"
    static let artifacts = [entryName, htmlName, markdownName, outlineName]

    /// The result as the report's overview, methods and warnings read it: without the per-study,
    /// leave-one-out, influence, subgroup and scenario tables that only the analysis' own sections show.
    static func summary(_ result: ResultDocument) -> ResultDocument {
        var r = result
        r.studies = []
        r.dropped = nil
        r.subgroups = nil
        r.leaveOneOut = nil
        r.cumulative = nil
        r.influence = nil
        r.regression = nil
        r.gosh = nil
        r.bias = nil
        r.sensitivity = nil
        return r
    }

    var outline: Outline
    var text: ReportDocument.Rendered
    var resultEntry: Data
    var sections: [ReportDocument.Section] { ReportDocument.prerendered(outline.sections, text) }

    static func read(_ stage: StageID, _ context: StageContext) throws -> ReportSection {
        func bytes(_ name: String) throws -> Data { try context.artifact(ArtifactRef(stage, name)) }
        return ReportSection(outline: try context.decode(Outline.self, from: ArtifactRef(stage, outlineName)),
                             text: .init(html: String(decoding: try bytes(htmlName), as: UTF8.self),
                                         markdown: String(decoding: try bytes(markdownName), as: UTF8.self)),
                             resultEntry: try bytes(entryName))
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

    /// An analysis' entry of results.json as `encodeJSON(AllResults)` writes it there: the result's
    /// pretty JSON with every line that is not empty indented by two levels (as the encoder leaves the
    /// empty line of an empty array), without the final line feed.
    static func entry(_ result: ResultDocument) throws -> Data {
        let own = try encodeJSON(result)
        var out: [UInt8] = []
        out.reserveCapacity(own.count + own.count / 8)
        var lineStart = true
        for byte in own.dropLast() {
            if lineStart && byte != 0x0A { out += [0x20, 0x20, 0x20, 0x20] }
            out.append(byte)
            lineStart = byte == 0x0A
        }
        return Data(out)
    }

    /// results.json from the analyses' entries: the bytes `encodeJSON(AllResults(…))` writes.
    static func assembled(pipeline: String, title: String, metapipeVersion: String, entries: [Data]) throws -> Data {
        guard !entries.isEmpty else {
            return try encodeJSON(AllResults(pipeline: pipeline, title: title, metapipeVersion: metapipeVersion, analyses: []))
        }
        struct Head: Encodable {
            var pipeline: String, title: String, metapipeVersion: String
            enum CodingKeys: String, CodingKey { case pipeline, title; case metapipeVersion = "metapipe_version" }
        }
        // "{\n  "metapipe_version" : …\n}\n" with the analyses put first, as the sorted keys place them.
        let head = try encodeJSON(Head(pipeline: pipeline, title: title, metapipeVersion: metapipeVersion))
        var out = Data("{\n  \"analyses\" : [\n".utf8)
        for (i, entry) in entries.enumerated() {
            if i > 0 { out += Data(",\n".utf8) }
            out += entry
        }
        out += Data("\n  ],\n".utf8)
        out += head.dropFirst(2)
        return out
    }
}

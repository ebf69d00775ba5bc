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
    var reviewFigures: [String: [DrawnFigure]] = [:]
    /// What the report stage reads, by part.
    var reportInputs: [ReportPart] = []

    public init(_ pipeline: Pipeline) {
        self.pipeline = pipeline
    }

    func id(_ name: StageName) -> StageID { name.stageID(in: pipeline.name) }
    func ref(_ stage: StageName, _ artifact: ArtifactName) -> ArtifactRef { ArtifactRef(id(stage), artifact) }
    func out(_ path: String) -> String { "\(pipeline.name)/\(path)" }
    func tableRef(_ name: String) -> ArtifactRef { ref(.load(table: name), .table) }

    /// The stage `name`, of its kind.
    func stage(_ name: StageName, parameters: Data, files: [String] = [], inputs: [ArtifactRef] = [], origin: String?,
               run: @escaping @Sendable (StageContext) throws -> StageOutput) -> Stage {
        Stage(id: id(name), kind: name.kind, parameters: parameters, files: files, inputs: inputs, origin: origin, run: run)
    }

    /// Every stage of the pipeline.
    public static func build(_ pipeline: Pipeline) -> [Stage] { built(pipeline).stages }

    /// The builder once it has made every stage of the pipeline.
    static func built(_ pipeline: Pipeline) -> PipelineStages {
        var builder = PipelineStages(pipeline)
        builder.addLoads()
        builder.addPartitions()
        builder.addVerifySplits()
        var figures: [String: [DrawnFigure]] = [:]
        for analysis in pipeline.analyses {
            builder.addAnalysis(analysis)
            // An analysis without an estimable study has only its forest plot, whose rows say "Not estimable".
            var drawn = analysis
            if !analysis.estimable { drawn.plots = analysis.plots.filter { $0.kind == .forest } }
            figures[analysis.name] = builder.addPlots(drawn)
        }
        var synthesisFigures: [String: DrawnFigure] = [:]
        for synthesis in pipeline.syntheses { synthesisFigures[synthesis.name] = builder.addSynthesis(synthesis) }
        builder.reviewFigures = builder.addRiskOfBias()
        if let prisma = builder.addPrisma() { builder.reviewFigures[PipelineStages.prismaKey] = [prisma] }
        builder.addReport(figures: figures, synthesisFigures: synthesisFigures)
        return builder
    }

    // MARK: Loading

    struct LoadParameters: Codable { var source: DataSource }

    mutating func addLoads() {
        for source in pipeline.sources where pipeline.tables[source.name] != nil {
            let p = LoadParameters(source: source)
            let files = DataSources.files(DataSource(name: source.origin, path: source.path, kind: source.kind))
            stages.append(stage(.load(table: source.name), parameters: parameters(p), files: files,
                                origin: pipeline.file) { context in
                var contents: [String: Data] = [:]
                for file in files { contents[file] = try context.file(file) }
                let base = DataSource(name: p.source.origin, path: p.source.path, kind: p.source.kind, sheet: p.source.sheet)
                let (tables, problems) = DataSources.tables(base, contents: contents)
                let errors = problems.filter { $0.severity == .error }
                guard errors.isEmpty, let loaded = tables.first(where: { $0.table.name == p.source.name }) else {
                    throw StageFailure(errors.map(\.description).joined(separator: "\n"))
                }
                return StageOutput([.table: try canonical(loaded.table)])
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
            stages.append(stage(.rows(table: table), parameters: parameters(p), inputs: [input],
                                origin: pipeline.file) { context in
                let whole = try context.decode(Table.self, from: input)
                var artifacts: [ArtifactName: Data] = [:]
                let index = Selection.Index()
                for (name, spec) in p.analyses {
                    artifacts[.selectedRows(analysis: name)] = try canonical(Selection.prefilter(spec, table: whole, index: index))
                }
                return StageOutput(artifacts)
            })
        }
    }

    mutating func addAnalysis(_ a: Analysis) {
        let origin = a.origin.description
        let effectsRef = ref(.effects(analysis: a.name), .effects)
        let studiesRef = ref(.effects(analysis: a.name), .studies)
        let ep = EffectsParameters(selection: a.selection, measure: a.settings.measure, smd: a.settings.smd, subgroups: a.subgroups,
                                   zeroCells: a.settings.pooling.zeroCells, prePostR: a.settings.prePostR)
        // The rows each table contributes: those the analysis' `where` keeps, or the whole table.
        let rowsRef: (String) -> ArtifactRef = { [self] table in
            a.selection.conditions.isEmpty ? tableRef(table) : ref(.rows(table: table), .selectedRows(analysis: a.name))
        }
        let tableRefs = Dictionary(uniqueKeysWithValues: a.selection.tables.map { ($0, rowsRef($0)) })
        stages.append(stage(.effects(analysis: a.name), parameters: parameters(ep), inputs: a.selection.tables.map(rowsRef),
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
            return StageOutput([.effects: try canonical(artifact), .studies: try canonical(studies)])
        })

        let settings = a.settings
        let poolRef = ref(.pool(analysis: a.name), .pool)
        stages.append(stage(.pool(analysis: a.name), parameters: parameters(FitParameters(settings: settings)),
                            inputs: [effectsRef], origin: origin) { context in
            let e = try context.decode(EffectsArtifact.self, from: effectsRef)
            // No estimable study: the analysis is "not estimable" (null), not a failure.
            let pool: MetaAnalysis? = e.effects.isEmpty ? nil : try Pooling.analyze(e.effects, measure: e.measure, options: settings.pooling)
            return StageOutput([.pool: try canonical(pool)])
        })
        var resultInputs = ResultInputs(effects: effectsRef, studies: studiesRef, pool: poolRef)

        for column in a.subgroups {
            let name = StageName.subgroups(analysis: a.name, column: column)
            stages.append(stage(name, parameters: parameters(FitParameters(settings: settings, column: column)),
                                inputs: [effectsRef], origin: origin) { context in
                let e = try context.decode(EffectsArtifact.self, from: effectsRef)
                let labels = e.groups.map { $0[column] ?? "" }
                let result = try Subgroups.analyze(e.effects, labels: labels, measure: e.measure, options: settings.pooling)
                return StageOutput([.subgroups: try canonical(result)])
            })
            resultInputs.subgroups.append((column, ref(name, .subgroups)))
        }
        if a.leaveOneOut {
            let name = StageName.leaveOneOut(analysis: a.name)
            stages.append(stage(name, parameters: parameters(FitParameters(settings: settings)),
                                inputs: [effectsRef], origin: origin) { context in
                let e = try context.decode(EffectsArtifact.self, from: effectsRef)
                let rows = e.effects.count < 2 ? [] : try Sensitivity.leaveOneOut(e.effects, measure: e.measure, options: settings.pooling)
                return StageOutput([.leaveOneOut: try canonical(rows)])
            })
            resultInputs.leaveOneOut = ref(name, .leaveOneOut)
        }
        if a.cumulative {
            let name = StageName.cumulative(analysis: a.name)
            stages.append(stage(name, parameters: parameters(FitParameters(settings: settings)),
                                inputs: [effectsRef], origin: origin) { context in
                let e = try context.decode(EffectsArtifact.self, from: effectsRef)
                let rows = e.effects.isEmpty ? [] : try Sensitivity.cumulative(e.effects, measure: e.measure, options: settings.pooling)
                return StageOutput([.cumulative: try canonical(rows)])
            })
            resultInputs.cumulative = ref(name, .cumulative)
        }
        (resultInputs.influence, resultInputs.gosh) = addInfluenceAndGosh(a, effectsRef: effectsRef)
        let needsBias = !a.bias.isEmpty || a.plots.contains { $0.kind == .funnel }
        if needsBias {
            let checks = a.bias
            let name = StageName.bias(analysis: a.name)
            stages.append(stage(name, parameters: parameters(FitParameters(settings: settings, checks: checks)),
                                inputs: [effectsRef], origin: origin) { context in
                let e = try context.decode(EffectsArtifact.self, from: effectsRef)
                return StageOutput([.bias: try canonical(try Self.bias(e, checks: checks, options: settings.pooling))])
            })
            resultInputs.bias = ref(name, .bias)
        }
        for scenario in a.scenarios {
            let name = StageName.scenario(analysis: a.name, scenario: scenario.name)
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
            stages.append(stage(name, parameters: parameters(sp), inputs: scenario.selection.tables.map(tableRef),
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
                return StageOutput([.scenario: try canonical(artifact)])
            })
            resultInputs.scenarios.append((scenario.name, ref(name, .scenario)))
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

    static func splitName(_ v: VerifySpec) -> StageName { .verifyRows(results: v.resultsTable, settings: v.settingsTable) }

    /// One stage per pair of RevMan tables that `verify` entries read: it splits them by outcome once,
    /// so that each analysis' check reads only its own rows (a review with a hundred analyses would
    /// otherwise decode the whole results table a hundred times), and editing one analysis' stored
    /// statistics reruns only that analysis' check.
    mutating func addVerifySplits() {
        var outcomes: [StageID: (VerifySpec, [String])] = [:]
        for a in pipeline.analyses {
            guard let v = a.verify else { continue }
            let key = id(Self.splitName(v))
            var entry = outcomes[key] ?? (v, [])
            if !entry.1.contains(v.outcome) { entry.1.append(v.outcome) }
            outcomes[key] = entry
        }
        for (_, (v, list)) in outcomes.sorted(by: { $0.key < $1.key }) {
            let p = SplitParameters(results: v.resultsTable, settings: v.settingsTable, outcomes: list.sorted())
            let inputs = [tableRef(v.resultsTable), tableRef(v.settingsTable)]
            stages.append(stage(Self.splitName(v), parameters: parameters(p), inputs: inputs,
                                origin: pipeline.file) { context in
                let results = try context.decode(Table.self, from: inputs[0])
                let settings = try context.decode(Table.self, from: inputs[1])
                var byOutcome: [String: [TableRow]] = [:], settingsBy: [String: [TableRow]] = [:]
                for row in results.rows { byOutcome[results.cell(row, "outcome"), default: []].append(row) }
                for row in settings.rows { settingsBy[settings.cell(row, "outcome"), default: []].append(row) }
                var artifacts: [ArtifactName: Data] = [:]
                for outcome in p.outcomes {
                    var r = results, s = settings
                    r.rows = byOutcome[outcome] ?? []
                    s.rows = settingsBy[outcome] ?? []
                    artifacts[.outcomeRows(outcome, "results")] = try canonical(r)
                    artifacts[.outcomeRows(outcome, "settings")] = try canonical(s)
                }
                return StageOutput(artifacts)
            })
        }
    }

    /// Every statistic RevMan stored for the analysis, beside ours: `verify.csv` and `verify.json`.
    mutating func addVerify(_ a: Analysis, _ v: VerifySpec) {
        let resultRef = ref(.result(analysis: a.name), .result)
        let resultsRef = ref(Self.splitName(v), .outcomeRows(v.outcome, "results"))
        let settingsRef = ref(Self.splitName(v), .outcomeRows(v.outcome, "settings"))
        let folder = out(a.name)
        stages.append(stage(.verify(analysis: a.name), parameters: parameters(VerifyParameters(spec: v)),
                            inputs: [resultRef, resultsRef, settingsRef], origin: a.origin.description) { context in
            let report = Verification.compare(try context.decode(ResultDocument.self, from: resultRef), outcome: v.outcome,
                                              results: try context.decode(Table.self, from: resultsRef),
                                              settings: try context.decode(Table.self, from: settingsRef))
            return StageOutput([.verification: try canonical(report)],
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

    /// What the result stage of an analysis reads, each artifact by its part.
    struct ResultInputs {
        var effects: ArtifactRef
        var studies: ArtifactRef
        var pool: ArtifactRef
        /// By subgroup column, in the analysis' order.
        var subgroups: [(column: String, ref: ArtifactRef)] = []
        var leaveOneOut: ArtifactRef?
        var cumulative: ArtifactRef?
        var influence: ArtifactRef?
        var gosh: ArtifactRef?
        var bias: ArtifactRef?
        /// By scenario name, in the analysis' order.
        var scenarios: [(name: String, ref: ArtifactRef)] = []

        /// Every input, in the order the stage declares them.
        var all: [ArtifactRef] {
            [effects, studies, pool] + subgroups.map(\.ref) + [leaveOneOut, cumulative, influence, gosh, bias].compactMap { $0 }
                + scenarios.map(\.ref)
        }
    }

    mutating func addResult(_ a: Analysis, inputs: ResultInputs) {
        let p = ResultParameters(analysis: a.name, title: a.title, settings: a.settings, subgroups: a.subgroups,
                                 leaveOneOut: a.leaveOneOut, cumulative: a.cumulative, version: Metapipe.version,
                                 scenarios: a.scenarios.map(\.name), totals: a.totals == .overall ? nil : a.totals,
                                 scale: a.scale == .linear ? nil : a.scale, moderators: a.moderators.isEmpty ? nil : a.moderators,
                                 influence: a.influence ? true : nil, gosh: a.gosh)
        let folder = out(a.name)
        stages.append(stage(.result(analysis: a.name), parameters: parameters(p), inputs: inputs.all,
                            origin: a.origin.description) { context in
            let effects = try context.decode(EffectsArtifact.self, from: inputs.effects)
            let pool = try context.decode(MetaAnalysis?.self, from: inputs.pool)
            var subgroups: [String: SubgroupAnalysis] = [:]
            for (column, ref) in inputs.subgroups { subgroups[column] = try context.decode(SubgroupAnalysis.self, from: ref) }
            let loo = try inputs.leaveOneOut.map { try context.decode([SensitivityRow].self, from: $0) }
            let cumulative = try inputs.cumulative.map { try context.decode([SensitivityRow].self, from: $0) }
            let bias = try inputs.bias.map { try context.decode(BiasArtifact.self, from: $0) }
            let influence = try inputs.influence.map { try context.decode([InfluenceRow].self, from: $0) }
            let gosh = try inputs.gosh.map { try context.decode(GoshArtifact.self, from: $0) }
            let scenarios = try inputs.scenarios.map { try context.decode(ScenarioArtifact.self, from: $0.ref) }
            var document = ResultAssembly.document(p, effects: effects, pool: pool, subgroups: subgroups, leaveOneOut: loo,
                                                   cumulative: cumulative, bias: bias, scenarios: scenarios)
            if let influence { document.influence = influence }
            if let gosh { document.gosh = gosh.summary }
            if let moderators = p.moderators {
                let studies = try context.decode(StudiesArtifact.self, from: inputs.studies)
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
            return StageOutput([.result: json], published: published)
        })
    }

    // MARK: Syntheses

    mutating func addSynthesis(_ s: Synthesis) -> DrawnFigure {
        struct SynthesisParameters: Codable {
            var name: String, themes: String, mapping: String, definitions: String?, study: String, theme: String, analytic: String
            var renderer: String
        }
        let p = SynthesisParameters(name: s.name, themes: s.themesTable, mapping: s.mappingTable, definitions: s.definitionsTable,
                                    study: s.studyColumn, theme: s.themeColumn, analytic: s.analyticColumn, renderer: rendererVersion)
        let name = StageName.synthesis(s.name)
        let themesRef = tableRef(s.themesTable), mappingRef = tableRef(s.mappingTable)
        let definitionsRef = s.definitionsTable.map(tableRef)
        let folder = out(s.name)
        stages.append(stage(name, parameters: parameters(p), inputs: [themesRef, mappingRef] + (definitionsRef.map { [$0] } ?? []),
                            origin: s.origin.description) { context in
            let themes = try context.decode(Table.self, from: themesRef)
            let mapping = try context.decode(Table.self, from: mappingRef)
            let definitions = try definitionsRef.map { try context.decode(Table.self, from: $0) }
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
            return StageOutput([.synthesis: try canonical(artifact), .figure: Data(svg)],
                               published: ["\(folder)/synthesis.csv": csv.data, "\(folder)/themes.png": Data(png),
                                           "\(folder)/themes.svg": Data(svg)])
        })
        return DrawnFigure(kind: "matrix", caption: "Studies × analytic themes.", files: ["\(s.name)/themes.png", "\(s.name)/themes.svg"],
                           stage: id(name))
    }

    // MARK: Report

    /// What the report stage reads: each input by the part of the report it is.
    enum ReportPart: Sendable {
        /// An analysis' whole result (for comparisons and the summary of findings).
        case result(analysis: String, ArtifactRef)
        /// An analysis' result without the per-study tables, as its report-section stage keeps it.
        case resultSummary(analysis: String, ArtifactRef)
        /// An analysis' rendered sections: outline, text and entry of results.json.
        case section(analysis: String, StageID)
        case verification(analysis: String, ArtifactRef)
        /// The SVG of a figure of the syntheses or the review, by the key its `FigureInfo` names.
        case figure(key: String, ArtifactRef)
        case synthesis(name: String, ArtifactRef)
        case table(name: String, ArtifactRef)

        /// The artifacts the part reads.
        var inputs: [ArtifactRef] {
            switch self {
            case .result(_, let ref), .resultSummary(_, let ref), .verification(_, let ref), .figure(_, let ref),
                 .synthesis(_, let ref), .table(_, let ref):
                return [ref]
            case .section(_, let stage):
                return ReportSection.artifacts.map { ArtifactRef(stage, $0) }
            }
        }
    }

    /// The report's parts, in the order the report stage declares their artifacts.
    func reportParts(sections: [String: StageID], synthesisFigures: [String: DrawnFigure]) -> [ReportPart] {
        var parts: [ReportPart] = []
        // Comparisons and the summary of findings read whole results; the rest of the report reads
        // each analysis' summary (its result without the per-study tables).
        let wholeResults = Set(pipeline.comparisons.flatMap { $0.rows.map(\.analysis) } + (pipeline.summaryOfFindings?.outcomes.map(\.analysis) ?? []))
        for a in pipeline.analyses {
            // Every analysis has its section stage (addReport makes them first).
            let section = sections[a.name]!
            parts.append(wholeResults.contains(a.name) ? .result(analysis: a.name, ref(.result(analysis: a.name), .result))
                                                       : .resultSummary(analysis: a.name, ArtifactRef(section, .resultSummary)))
            if a.verify != nil { parts.append(.verification(analysis: a.name, ref(.verify(analysis: a.name), .verification))) }
            parts.append(.section(analysis: a.name, section))
        }
        let figures = (synthesisFigures.values.map { $0 } + reviewFigures.values.flatMap { $0 }).map { ($0.info.svg!, $0.svgRef) }
        parts += figures.sorted { $0.1 < $1.1 }.map { ReportPart.figure(key: $0.0, $0.1) }
        for s in pipeline.syntheses { parts.append(.synthesis(name: s.name, ref(.synthesis(s.name), .synthesis))) }
        var tables: Set<String> = []
        for c in pipeline.comparisons where tables.insert(c.table).inserted { parts.append(.table(name: c.table, tableRef(c.table))) }
        return parts
    }

    mutating func addReport(figures: [String: [DrawnFigure]], synthesisFigures: [String: DrawnFigure]) {
        var parametersWithReview = ReportParameters(pipeline: pipeline, figures: figures.mapValues { $0.map(\.info) },
                                                    synthesisFigures: synthesisFigures.mapValues(\.info))
        parametersWithReview.riskOfBias = ReportParameters.riskOfBiasInfo(pipeline, figures: reviewFigures.mapValues { $0.map(\.info) })
        parametersWithReview.prisma = reviewFigures[PipelineStages.prismaKey]?.first?.info
        parametersWithReview.summaryOfFindings = pipeline.summaryOfFindings
        let p = parametersWithReview
        let tablePaths = ReportAssembly.tablePaths(p)
        // Each analysis' sections are rendered by a stage of their own, so that an edit that changes one
        // analysis renders one section again and the report only joins the parts.
        var sections: [String: StageID] = [:]
        for (a, info) in zip(pipeline.analyses, p.analyses) {
            sections[a.name] = addReportSection(a, info: info, figures: figures[a.name] ?? [], tablePaths: tablePaths)
        }
        let parts = reportParts(sections: sections, synthesisFigures: synthesisFigures)
        reportInputs = parts
        let folder = out("")
        stages.append(stage(.report, parameters: parameters(p), inputs: parts.flatMap(\.inputs), origin: pipeline.file) { context in
            var results: [String: ResultDocument] = [:]
            var sections: [String: ReportSection] = [:]
            var syntheses: [String: SynthesisArtifact] = [:]
            var tables: [String: Table] = [:]
            var verifications: [String: VerificationReport] = [:]
            var svg: [String: String] = [:]
            for part in parts {
                switch part {
                case let .result(analysis, ref), let .resultSummary(analysis, ref):
                    results[analysis] = try context.decode(ResultDocument.self, from: ref)
                case let .section(analysis, stage): sections[analysis] = try ReportSection.read(stage, context)
                case let .verification(analysis, ref): verifications[analysis] = try context.decode(VerificationReport.self, from: ref)
                case let .figure(key, ref): svg[key] = ReportAssembly.svgText(try context.artifact(ref))
                case let .synthesis(name, ref): syntheses[name] = try context.decode(SynthesisArtifact.self, from: ref)
                case let .table(name, ref): tables[name] = try context.decode(Table.self, from: ref)
                }
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
    mutating func addReportSection(_ a: Analysis, info: ReportParameters.AnalysisInfo, figures: [DrawnFigure],
                                   tablePaths: [String: String]) -> StageID {
        let resultRef = ref(.result(analysis: a.name), .result)
        let studiesRef = ref(.effects(analysis: a.name), .studies)
        let verifyRef = a.verify.map { _ in ref(.verify(analysis: a.name), .verification) }
        // Each figure's SVG by the key its FigureInfo names it with.
        let figureInputs = figures.map { ($0.info.svg!, $0.svgRef) }.sorted { $0.1 < $1.1 }
        let name = StageName.reportSection(analysis: a.name)
        let p = ReportSectionParameters(analysis: info, tablePaths: tablePaths)
        let inputs = [resultRef, studiesRef] + (verifyRef.map { [$0] } ?? []) + figureInputs.map(\.1)
        stages.append(stage(name, parameters: parameters(p), inputs: inputs, origin: pipeline.file) { context in
            let result = try context.decode(ResultDocument.self, from: resultRef)
            let studies = try context.decode(StudiesArtifact.self, from: studiesRef)
            let verification = try verifyRef.map { try context.decode(VerificationReport.self, from: $0) }
            var svg: [String: String] = [:]
            for (key, ref) in figureInputs { svg[key] = ReportAssembly.svgText(try context.artifact(ref)) }
            let sources = ReportAssembly.studySources(studies, tablePaths: p.tablePaths)
            let report = ReportAssembly.analysisReport(p.analysis, result: result, sources: sources, verification: verification, figures: svg)
            let (outline, text) = ReportBuilder.renderedAnalysis(report)
            return StageOutput([
                .sectionOutline: try canonical(ReportSection.Outline(sections: outline, sources: sources)),
                .sectionHTML: Data(text.html.utf8),
                .sectionMarkdown: Data(text.markdown.utf8),
                .resultsEntry: try AllResults.entry(result),
                .resultSummary: try canonical(ReportSection.summary(result)),
            ])
        })
        return id(name)
    }
}

/// A figure of the report and the stage that draws it, whose `figure.svg` the report inlines.
struct DrawnFigure {
    var info: ReportParameters.FigureInfo
    var stage: StageID

    init(kind: String, caption: String, files: [String], stage: StageID) {
        info = ReportParameters.FigureInfo(kind: kind, caption: caption, files: files, svg: stage.rawValue)
        self.stage = stage
    }

    var svgRef: ArtifactRef { ArtifactRef(stage, .figure) }
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
    /// The artifacts the report reads of each section, in the order it declares them.
    static let artifacts: [ArtifactName] = [.resultsEntry, .sectionHTML, .sectionMarkdown, .sectionOutline]

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
        func bytes(_ name: ArtifactName) throws -> Data { try context.artifact(ArtifactRef(stage, name)) }
        return ReportSection(outline: try context.decode(Outline.self, from: ArtifactRef(stage, .sectionOutline)),
                             text: .init(html: String(decoding: try bytes(.sectionHTML), as: UTF8.self),
                                         markdown: String(decoding: try bytes(.sectionMarkdown), as: UTF8.self)),
                             resultEntry: try bytes(.resultsEntry))
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

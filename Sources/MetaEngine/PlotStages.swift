import Foundation
import MetaPipeline
import MetaPlot
import MetaRunner
import MetaStats

/// The renderer's identity: part of every figure stage's parameters, so a new Cairo, Pango or
/// layout version redraws the figures.
let rendererVersion = "metaplot 2; cairo \(MetaPlotVersion.cairo); pango \(MetaPlotVersion.pango)"

struct PlotParameters: Codable {
    var kind: String
    var formats: [ImageFormat]
    var dpi: Double
    var labels: Labels
    var direction: Direction
    var column: String?
    var renderer: String
    var axis: PlotAxisSpec?
    var sort: PlotSort?
    var digits: Int?
    var measureLabel: String?
    var scale: PlotScaleKind?
    var subgroupLabels: [String: String]?
    var title: String?
    /// The analysis' settings, for the headers of a forest plot with no estimable study (nil otherwise).
    var pooling: PoolingOptions?
    /// Which totals the analysis reports (nil: overall).
    var totals: Totals?
    /// The meta-regression's moderators (bubble plots only).
    var moderators: [String]?
    /// Risk-of-bias columns of a forest plot (nil: none).
    var riskOfBias: ForestRiskOfBiasParameters?

    /// The drawing options of a forest or cumulative plot.
    func forestOptions(years: [String: Int] = [:]) -> ForestOptions {
        let order: StudyOrder
        switch sort ?? PlotSort.none {
        case .none: order = .none
        case .weight: order = .weight
        case .effect: order = .effect
        case .year: order = .year
        }
        var options = ForestOptions(axis: axis.map { AxisRange(min: $0.min, max: $0.max, ticks: $0.ticks) }, order: order,
                             digits: digits, measureLabel: measureLabel, logScale: scale == .log,
                             subgroupLabels: subgroupLabels ?? [:], years: years)
        switch totals {
        case .subgroups?: options.totals = .subgroups
        case Totals.none?: options.totals = .none
        case .overall?, nil: break
        }
        return options
    }
}

extension PipelineStages {
    /// One stage per figure the analysis asks for (and, for a forest plot, one per subgroup column).
    /// Each publishes `<analysis>/<figure>.{png,svg,pdf}` and keeps the SVG as `figure.svg` for the
    /// report, which inlines it.
    mutating func addPlots(_ a: Analysis) -> [DrawnFigure] {
        var figures: [DrawnFigure] = []
        let effectsRef = ref(.effects(analysis: a.name), .effects)
        let poolRef = ref(.pool(analysis: a.name), .pool)
        let folder = out(a.name)
        for plot in a.plots {
            var variants: [(name: String, file: String, column: String?)] = [(plot.kind.rawValue, plot.kind.rawValue, nil)]
            // A subgroup column is a CSV header: any text. Its file name is encoded (see safeFileName).
            if plot.kind == .forest { variants += a.subgroups.map { ("forest-\($0)", safeFileName("forest-\($0)"), $0) } }
            for (name, file, column) in variants {
                var plotParameters = PlotParameters(kind: plot.kind.rawValue, formats: plot.formats, dpi: plot.dpi, labels: a.labels,
                                       direction: a.settings.direction, column: column, renderer: rendererVersion)
                plotParameters.axis = plot.axis
                plotParameters.sort = plot.sort
                plotParameters.digits = plot.digits
                plotParameters.measureLabel = plot.measureLabel
                // A generic measure on the log scale (`scale: log` of the analysis) is drawn on a log axis.
                plotParameters.scale = plot.scale ?? (a.scale == .log ? .log : nil)
                if !a.estimable { plotParameters.pooling = a.settings.pooling }
                if plot.kind == .bubble {
                    plotParameters.pooling = a.settings.pooling
                    plotParameters.moderators = a.moderators
                }
                if a.totals != .overall { plotParameters.totals = a.totals }
                if let column { plotParameters.subgroupLabels = plot.subgroupLabels?[column] }
                if plot.kind == .forest, let name = plot.riskOfBias, let assessment = pipeline.riskOfBias.first(where: { $0.name == name }) {
                    plotParameters.riskOfBias = ForestRiskOfBiasParameters(assessment, studies: a.studies.map(\.input.study))
                }
                let p = plotParameters
                let inputs = plotInputs(plot.kind, analysis: a.name, column: column, effects: effectsRef, pool: poolRef)
                let stageName = StageName.plot(analysis: a.name, figure: name)
                // Relative to the pipeline's output folder, as the report names them.
                let files = plot.formats.map { "\(a.name)/\(file).\($0.rawValue)" }
                stages.append(stage(stageName, parameters: parameters(p), inputs: inputs.all,
                                    origin: a.origin.description) { context in
                    let layout = try Self.layout(p, context: context, inputs: inputs)
                    var published: [String: Data] = [:]
                    var svg = Data()
                    for format in [ImageFormat.svg] + p.formats where svg.isEmpty || format != .svg {
                        // ImageFormat and PlotFormat name the same formats: the unwrap cannot fail on any data.
                        let bytes = Data(try Plots.render(layout, as: PlotFormat(rawValue: format.rawValue)!, dpi: p.dpi))
                        if format == .svg && svg.isEmpty { svg = bytes }
                        if p.formats.contains(format) { published["\(folder)/\(file).\(format.rawValue)"] = bytes }
                    }
                    return StageOutput([.figure: svg], published: published)
                })
                var caption = Self.caption(plot.kind, column: column, analysis: a)
                if let rob = p.riskOfBias {
                    caption += " Right of the plot, each study's risk of bias\(rob.overallOnly ? " (overall judgement only)" : " by domain"); the letters are explained under the plot."
                }
                figures.append(DrawnFigure(kind: name, caption: caption, files: files, stage: id(stageName)))
            }
        }
        return figures
    }

    /// What a plot stage reads, each artifact by its part: the effects and the pooled fit, and what
    /// the figure's kind draws besides.
    struct PlotInputs: Sendable {
        var effects: ArtifactRef
        var pool: ArtifactRef
        var figure: Figure

        /// One case per plot kind, with the artifacts that kind reads.
        enum Figure: Sendable {
            /// The studies' rows (for their years), and the subgroup fit of a forest plot by a column.
            case forest(studies: ArtifactRef, subgroups: (column: String, fit: ArtifactRef)?)
            case funnel(bias: ArtifactRef)
            case leaveOneOut(rows: ArtifactRef)
            case cumulative(rows: ArtifactRef)
            /// The studies' rows, for the moderators the meta-regression is refitted on.
            case bubble(studies: ArtifactRef)
            case baujat(influence: ArtifactRef)
            /// The fits (binary) and their summary.
            case gosh(points: ArtifactRef, summary: ArtifactRef)
        }

        /// Every input, in the order the stage declares them.
        var all: [ArtifactRef] {
            let own: [ArtifactRef]
            switch figure {
            case let .forest(studies, subgroups): own = [studies] + (subgroups.map { [$0.fit] } ?? [])
            case .funnel(let bias): own = [bias]
            case .leaveOneOut(let rows), .cumulative(let rows): own = [rows]
            case .bubble(let studies): own = [studies]
            case .baujat(let influence): own = [influence]
            case let .gosh(points, summary): own = [points, summary]
            }
            return [effects, pool] + own
        }
    }

    /// The inputs of a figure of the analysis (`column`: the subgroup column of a forest plot by subgroup).
    func plotInputs(_ kind: PlotKind, analysis a: String, column: String?, effects: ArtifactRef, pool: ArtifactRef) -> PlotInputs {
        let figure: PlotInputs.Figure
        switch kind {
        case .forest:
            figure = .forest(studies: ref(.effects(analysis: a), .studies),
                             subgroups: column.map { ($0, ref(.subgroups(analysis: a, column: $0), .subgroups)) })
        case .funnel: figure = .funnel(bias: ref(.bias(analysis: a), .bias))
        case .leaveOneOut: figure = .leaveOneOut(rows: ref(.leaveOneOut(analysis: a), .leaveOneOut))
        case .cumulative: figure = .cumulative(rows: ref(.cumulative(analysis: a), .cumulative))
        case .bubble: figure = .bubble(studies: ref(.effects(analysis: a), .studies))
        case .baujat: figure = .baujat(influence: ref(.influence(analysis: a), .influence))
        case .gosh: figure = .gosh(points: ref(.gosh(analysis: a), .goshPoints), summary: ref(.gosh(analysis: a), .gosh))
        }
        return PlotInputs(effects: effects, pool: pool, figure: figure)
    }

    static func caption(_ kind: PlotKind, column: String?, analysis a: Analysis) -> String {
        switch kind {
        case .forest:
            return column.map { "Forest plot of \(a.title.lowercasedFirst), by \($0)." } ?? "Forest plot of \(a.title.lowercasedFirst)."
        case .funnel:
            return "Funnel plot of \(a.title.lowercasedFirst): pseudo 95% confidence limits around the pooled estimate, shading where a study would be significant at p < 0.10, 0.05 and 0.01, open circles for studies imputed by trim and fill."
        case .leaveOneOut:
            return "Leave-one-out analysis of \(a.title.lowercasedFirst): the pooled estimate, τ² and I² with each study omitted in turn."
        case .cumulative:
            return "Cumulative meta-analysis of \(a.title.lowercasedFirst): the pooled estimate, τ² and I² as each study is added in turn."
        case .bubble:
            let numeric = a.moderators.first { c in Moderator.column(c, cells: a.studies.map { $0.metadata[c] ?? "" }).isNumeric }
            return "Bubble plot of \(a.title.lowercasedFirst) against \(numeric ?? a.moderators.first ?? "the moderator"): each study's effect (area proportional to its weight in the meta-regression), the fitted line and its confidence band."
        case .baujat:
            return "Baujat plot of \(a.title.lowercasedFirst): each study's contribution to the heterogeneity statistic Q against its influence on the pooled result (the squared change in the estimate when it is omitted, over that estimate's variance); influential studies by metafor's criteria in red."
        case .gosh:
            return "GOSH plot of \(a.title.lowercasedFirst): I² against the pooled estimate of the model fitted to subsets of the studies; the ring marks the fit to all studies."
        }
    }

    static func layout(_ p: PlotParameters, context: StageContext, inputs: PlotInputs) throws -> PlotLayout {
        let effects = try context.decode(EffectsArtifact.self, from: inputs.effects)
        let labels = PlotLabels(experimental: p.labels.experimental, control: p.labels.control,
                                favoursExperimental: p.labels.favoursExperimental, favoursControl: p.labels.favoursControl)
        let direction = p.direction
        guard let pool = try context.decode(MetaAnalysis?.self, from: inputs.pool) else {
            // No estimable study: RevMan's forest plot lists each study as "Not estimable".
            guard case .forest = inputs.figure, let options = p.pooling else {
                throw StageFailure("cannot draw the \(p.kind) plot: no study has an estimable effect")
            }
            var input = ForestPlotInput.nothingEstimable(measure: effects.measure, options: options, method: options.method,
                                                         studies: Self.notEstimable(effects.droppedRows ?? []),
                                                         direction: direction, labels: labels, plotOptions: p.forestOptions())
            input.riskOfBias = p.riskOfBias?.columns
            let drawn = Result { () throws(PlotError) -> PlotLayout in try Plots.forest(input) }
            switch drawn {
            case .success(let layout): return layout
            case .failure(let error): throw StageFailure("cannot draw the forest plot: \(error.message)")
            }
        }
        do {
            switch inputs.figure {
            case let .forest(studiesRef, subgroupsInput):
                let studies = try context.decode(StudiesArtifact.self, from: studiesRef)
                var subgroups: ForestSubgroups?
                var shown = pool
                if case let (column, fit)? = subgroupsInput {
                    let analysis = try context.decode(SubgroupAnalysis.self, from: fit)
                    subgroups = ForestSubgroups(column: column, labels: effects.groups.map { $0[column] ?? "" }, analysis: analysis)
                    if p.totals == .subgroups {
                        // Subgroup totals only: each study's weight is its share of its subgroup (RevMan's TOTALS="SUB").
                        var within: [String: Double] = [:]
                        for g in analysis.groups { for s in g.analysis.studies { within[s.study] = s.weight } }
                        for i in shown.studies.indices { shown.studies[i].weight = within[shown.studies[i].study] ?? shown.studies[i].weight }
                    }
                }
                return try Plots.forest(ForestPlotInput(measure: effects.measure, analysis: shown, effects: effects.effects,
                                                        subgroups: subgroups, direction: direction, labels: labels,
                                                        options: p.forestOptions(years: Self.years(studies)),
                                                        notEstimable: Self.notEstimable(effects.droppedRows ?? []),
                                                        riskOfBias: p.riskOfBias?.columns).onShownScale())
            case .cumulative(let rowsRef):
                let rows = try context.decode([SensitivityRow].self, from: rowsRef)
                let sizes = Dictionary(effects.effects.compactMap { e in e.n1.map { (e.study, $0) } }, uniquingKeysWith: { a, _ in a })
                return try Plots.cumulative(CumulativePlotInput(measure: effects.measure, rows: rows, overall: pool,
                                                                direction: direction, labels: labels, options: p.forestOptions())
                                                .onShownScale(sizes: sizes))
            case .funnel(let biasRef):
                let bias = try context.decode(BiasArtifact.self, from: biasRef)
                return try Plots.funnel(FunnelPlotInput(measure: effects.measure,
                                                        effects: try SmallStudy.studyEffects(effects.effects, method: pool.method),
                                                        centre: pool.pooled.estimate, level: pool.options.level,
                                                        trimAndFill: bias.trimfill, contours: true))
            case .bubble(let studiesRef):
                let studies = try context.decode(StudiesArtifact.self, from: studiesRef)
                return try Plots.bubble(try Self.bubbleInput(p, effects: effects, studies: studies))
            case .baujat(let influenceRef):
                let rows = try context.decode([InfluenceRow].self, from: influenceRef)
                return try Plots.baujat(BaujatPlotInput(studies: rows.map(\.study), contribution: rows.map(\.baujatX),
                                                        influence: rows.map(\.baujatY), influential: rows.map(\.influential),
                                                        fixedEffect: pool.options.model == .fixed))
            case let .gosh(pointsRef, summaryRef):
                let bytes = try context.artifact(pointsRef)
                let summary = try context.decode(GoshArtifact.self, from: summaryRef).summary
                var points = [Float](repeating: 0, count: bytes.count / 4)
                bytes.withUnsafeBytes { raw in
                    for i in points.indices { points[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                }
                return try Plots.gosh(GoshPlotInput(measure: effects.measure, points: points, fullEstimate: pool.pooled.estimate,
                                                    fullI2: pool.heterogeneity?.i2 ?? 0, k: pool.k, exhaustive: summary.exhaustive,
                                                    logScale: p.scale == .log))
            case .leaveOneOut(let rowsRef):
                let rows = try context.decode([SensitivityRow].self, from: rowsRef)
                let sizes = Dictionary(effects.effects.compactMap { e in e.n1.map { (e.study, $0) } }, uniquingKeysWith: { a, _ in a })
                return try Plots.leaveOneOut(LeaveOneOutPlotInput(measure: effects.measure, rows: rows, overall: pool,
                                                                  direction: direction, labels: labels, options: p.forestOptions())
                                                .onShownScale(sizes: sizes))
            }
        } catch let error as PlotError {
            throw StageFailure("cannot draw the \(p.kind) plot: \(error.message)")
        }
    }
}

/// The judgements a forest plot shows beside its studies: the assessment's domains and overall
/// judgement for each study of the analysis (part of the plot stage's parameters, so that an edited
/// judgement redraws the plot).
struct ForestRiskOfBiasParameters: Codable {
    var assessment: String
    /// Domain headings in column order, the overall judgement last.
    var domains: [String]
    /// The judgements the legend lists, in its order.
    var shown: [RiskOfBiasJudgement]
    /// Study → one judgement per domain.
    var judgements: [String: [RiskOfBiasJudgement]]
    var overallOnly: Bool

    init(_ a: RiskOfBiasAssessment, studies: [String]) {
        assessment = a.name
        domains = a.domains.map(\.title) + ["Overall risk of bias"]
        shown = PipelineStages.shownJudgements(a)
        let wanted = Set(studies)
        judgements = Dictionary(a.rows.filter { wanted.contains($0.study) }.map { ($0.study, $0.domains + [$0.overall]) },
                                uniquingKeysWith: { first, _ in first })
        overallOnly = a.overallOnly
    }

    var columns: ForestRiskOfBias {
        ForestRiskOfBias(domains: domains, categories: shown.map(PipelineStages.category),
                         judgements: judgements.mapValues { $0.map { shown.firstIndex(of: $0) ?? 0 } },
                         note: overallOnly ? "Only the overall judgement of each study is available; the domain-level judgements are not reported." : nil)
    }
}

extension PipelineStages {
    /// The bubble plot's points and line: the meta-regression refitted from the effects (as the
    /// result stage fits it), drawn along its first numeric moderator.
    static func bubbleInput(_ p: PlotParameters, effects: EffectsArtifact, studies: StudiesArtifact) throws -> BubblePlotInput {
        guard let columns = p.moderators, let options = p.pooling else { throw StageFailure("the bubble plot needs the analysis' moderators") }
        let metadata = Dictionary(studies.rows.map { ($0.study, $0.metadata) }, uniquingKeysWith: { a, _ in a })
        let (fit, moderators) = try ResultAssembly.fitRegression(columns, effects: effects.effects,
                                                                 metadata: effects.effects.map { metadata[$0.study] ?? [:] },
                                                                 pooling: options)
        guard case let .numeric(name, values)? = moderators.first(where: \.isNumeric) else {
            throw StageFailure("a bubble plot needs a numeric moderator, and \(columns.joined(separator: ", ")) are factors")
        }
        let y = effects.effects.map(\.yi), v = effects.effects.map(\.vi)
        do {
            let line = try MetaRegressionFit.line(fit, moderators: moderators, along: name)
            let points = effects.effects.indices.map { i in
                BubblePoint(study: effects.effects[i].study, x: values[i], yi: y[i], weight: 1 / (v[i] + fit.tau2))
            }
            let others = fit.coefficients.map(\.term).filter { $0 != "intercept" && $0 != name }
            return BubblePlotInput(measure: effects.measure, moderator: name, points: points, line: line, level: options.level,
                                   heldAtMeans: others)
        } catch {
            throw StageFailure("cannot draw the bubble plot: the meta-regression cannot be fitted: \(error.message)")
        }
    }

    /// The dropped studies as "Not estimable" rows of a forest plot.
    static func notEstimable(_ rows: [DroppedRow]) -> [NotEstimableStudy] {
        rows.map { row in
            var study = NotEstimableStudy(study: row.study, groups: row.groups, position: row.position)
            switch row.data {
            case .binary(let counts): study = NotEstimableStudy(study: row.study, counts: counts, groups: row.groups, position: row.position)
            case .continuous(let arms): study = NotEstimableStudy(study: row.study, arms: arms, groups: row.groups, position: row.position)
            case let .tStatistic(n1, n2, _): study.n1 = n1; study.n2 = n2
            default: break
            }
            return study
        }
    }

    /// Each study's year from a 'year' column of its row, when the data have one.
    static func years(_ studies: StudiesArtifact) -> [String: Int] {
        var years: [String: Int] = [:]
        for row in studies.rows {
            guard let cell = row.metadata.first(where: { $0.key.lowercased() == "year" })?.value,
                  let year = Int(cell.trimmingCharacters(in: .whitespaces)) else { continue }
            years[row.study] = year
        }
        return years
    }
}

extension String {
    /// "Empathy, Balint…" → "empathy, Balint…" (names and acronyms kept).
    var lowercasedFirst: String {
        guard let first = first, first.isUppercase else { return self }
        let secondIsUpper = dropFirst().first?.isUppercase ?? false
        return secondIsUpper ? self : first.lowercased() + dropFirst()
    }
}

import MetaFormat
import MetaStats

/// Everything a cumulative forest plot shows.
public struct CumulativePlotInput: Sendable {
    public var measure: EffectMeasure
    /// One refit per study added, in the order added (`Sensitivity.cumulative`).
    public var rows: [SensitivityRow]
    /// The analysis of all studies: the pooling settings and the final estimate.
    public var overall: MetaAnalysis
    public var direction: FavourableDirection
    public var labels: PlotLabels
    public var title: String?
    /// Axis, digits and measure name (order and subgroup labels do not apply).
    public var options: ForestOptions

    public init(measure: EffectMeasure, rows: [SensitivityRow], overall: MetaAnalysis,
                direction: FavourableDirection = .higher, labels: PlotLabels = .standard, title: String? = nil,
                options: ForestOptions = ForestOptions()) {
        self.measure = measure
        self.rows = rows
        self.overall = overall
        self.direction = direction
        self.labels = labels
        self.title = title
        self.options = options
    }
}

extension Plots {
    /// A cumulative forest plot: one row per study added, with the pooled estimate and interval of
    /// the studies so far, τ² and I², then the analysis of all studies as a diamond.
    public static func cumulative(_ input: CumulativePlotInput) throws(PlotError) -> PlotLayout {
        let table = try cumulativeTable(input)
        return try table.layout(engine: try TextEngine.reused(.layout))
    }

    static func cumulativeTable(_ input: CumulativePlotInput) throws(PlotError) -> EffectTable {
        guard !input.rows.isEmpty else { throw .noStudies }
        let check = FiniteCheck()
        for row in input.rows {
            let name = "the cumulative analysis up to '\(row.study)'"
            try check.require(row.estimate, "the estimate of \(name)")
            try check.require(row.ciLower, "the lower confidence limit of \(name)")
            try check.require(row.ciUpper, "the upper confidence limit of \(name)")
            try check.require(row.tau2, "tau² of \(name)")
            try check.require(row.i2, "I² of \(name)")
        }
        try check.analysis(input.overall, "the analysis of all studies")
        let scale = PlotScale(input.measure, options: input.options)
        let overall = input.overall
        // τ² only for random effects; a fixed-effect analysis has none to show.
        let random = overall.options.model == .random
        func stats(k: Int, tau2: Double, i2: Double) -> [String?] {
            let heterogeneity: [String?] = k < 2 ? [nil, nil] : [Sentences.tau2(tau2), Format.percent(i2, 0)]
            return [Format.data(Double(k))] + (random ? heterogeneity : [heterogeneity[1]])
        }
        var rows: [EffectTable.Row] = []
        var needed: [Double] = []
        var desired: [Double] = []
        for row in input.rows {
            rows.append(EffectTable.Row(
                kind: .entry, label: row.study,
                cells: stats(k: row.k, tau2: row.tau2, i2: row.i2),
                effect: scale.intervalText(row.estimate, row.ciLower, row.ciUpper),
                mark: .square(estimate: row.estimate, lower: row.ciLower, upper: row.ciUpper, side: leaveOneOutSquare)))
            needed.append(row.estimate)
            desired += [row.ciLower, row.ciUpper]
        }
        let pooled = overall.pooled
        rows.append(EffectTable.Row(
            kind: .entry, label: "All studies (k = \(overall.k))",
            cells: stats(k: overall.k, tau2: overall.heterogeneity?.tau2 ?? 0, i2: overall.heterogeneity?.i2 ?? 0),
            effect: scale.intervalText(pooled.estimate, pooled.ciLower, pooled.ciUpper),
            mark: .diamond(estimate: pooled.estimate, lower: pooled.ciLower, upper: pooled.ciUpper), bold: true))
        needed += [pooled.estimate, pooled.ciLower, pooled.ciUpper]

        return EffectTable(
            title: input.title, labelHeader: "Study added",
            columns: [.init(header: "Studies")] + (random ? [.init(header: "Tau²")] : []) + [.init(header: "I²")],
            groups: [], effectHeader: (scale.title, "Cumulative, " + overall.methodHeading), rows: rows,
            footer: ["Each row pools the studies from the first down to that row, in the order shown."],
            axis: try EffectAxis.make(log: scale.log, needed: needed, desired: desired, range: input.options.axis,
                                      proportion: scale.proportion),
            favours: input.labels.sides(input.direction), reference: nil)
    }
}

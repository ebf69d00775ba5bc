import MetaFormat
import MetaStats

extension Plots {
    /// Side of the (equal) squares of a leave-one-out plot: the rows are refits, not weighted studies.
    static let leaveOneOutSquare = 6.0

    /// The leave-one-out plot as a table; see `leaveOneOut(_:)`.
    static func leaveOneOutTable(_ input: LeaveOneOutPlotInput) throws(PlotError) -> EffectTable {
        try refitTable(
            input, labelHeader: "Study omitted", label: { "Omitting \($0)" },
            columns: [.init(header: "Tau²"), .init(header: "I²")],
            cells: { _, tau2, i2 in [Sentences.tau2(tau2), Format.percent(i2, 0)] },
            methodHeading: input.overall.methodHeading,
            footer: "Dashed line: the pooled estimate of all \(input.overall.k) studies.",
            referenceLine: true)
    }

    /// A plot of refits: a row per refit (equal squares), then the analysis of all studies as a
    /// diamond; `cells` gives a row's columns from its k, τ² and I².
    static func refitTable<Kind>(_ input: RefitPlotInput<Kind>, labelHeader: String, label: (String) -> String,
                                 columns: [EffectTable.Column], cells: (Int, Double, Double) -> [String?],
                                 methodHeading: String, footer: String, referenceLine: Bool) throws(PlotError) -> EffectTable {
        guard !input.rows.isEmpty else { throw .noStudies }
        let check = FiniteCheck()
        for row in input.rows {
            let name = Kind.refitName(row.study)
            try check.require(row.estimate, "the estimate of \(name)")
            if Kind.checksStandardError { try check.require(row.se, "the standard error of \(name)") }
            try check.require(row.ciLower, "the lower confidence limit of \(name)")
            try check.require(row.ciUpper, "the upper confidence limit of \(name)")
            try check.require(row.tau2, "tau² of \(name)")
            try check.require(row.i2, "I² of \(name)")
        }
        try check.analysis(input.overall, "the analysis of all studies")

        let scale = PlotScale(input.measure, options: input.options)
        let overall = input.overall
        var rows: [EffectTable.Row] = []
        var needed: [Double] = []
        var desired: [Double] = []
        for row in input.rows {
            rows.append(EffectTable.Row(
                kind: .entry, label: label(row.study),
                cells: cells(row.k, row.tau2, row.i2),
                effect: scale.intervalText(row.estimate, row.ciLower, row.ciUpper),
                mark: .square(estimate: row.estimate, lower: row.ciLower, upper: row.ciUpper, side: leaveOneOutSquare)))
            needed.append(row.estimate)
            desired += [row.ciLower, row.ciUpper]
        }
        let pooled = overall.pooled
        rows.append(EffectTable.Row(
            kind: .entry, label: "All studies (k = \(overall.k))",
            cells: cells(overall.k, overall.heterogeneity?.tau2 ?? 0, overall.heterogeneity?.i2 ?? 0),
            effect: scale.intervalText(pooled.estimate, pooled.ciLower, pooled.ciUpper),
            mark: .diamond(estimate: pooled.estimate, lower: pooled.ciLower, upper: pooled.ciUpper), bold: true))
        needed += [pooled.estimate, pooled.ciLower, pooled.ciUpper]

        return EffectTable(
            title: input.title, labelHeader: labelHeader, columns: columns,
            groups: [], effectHeader: (scale.title, methodHeading), rows: rows,
            footer: [footer],
            axis: try EffectAxis.make(log: scale.log, needed: needed, desired: desired, range: input.options.axis,
                                      proportion: scale.proportion),
            favours: input.labels.sides(input.direction), reference: referenceLine ? pooled.estimate : nil)
    }
}

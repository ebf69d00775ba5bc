import MetaFormat
import MetaStats

extension Plots {
    /// Side of the (equal) squares of a leave-one-out plot: the rows are refits, not weighted studies.
    static let leaveOneOutSquare = 6.0

    /// The leave-one-out plot as a table; see `leaveOneOut(_:)`.
    static func leaveOneOutTable(_ input: LeaveOneOutPlotInput) throws(PlotError) -> EffectTable {
        guard !input.rows.isEmpty else { throw .noStudies }
        let check = FiniteCheck()
        for row in input.rows {
            let name = "the refit omitting '\(row.study)'"
            try check.require(row.estimate, "the estimate of \(name)")
            try check.require(row.se, "the standard error of \(name)")
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
                kind: .entry, label: "Omitting \(row.study)",
                cells: [Sentences.tau2(row.tau2), Format.percent(row.i2, 0)],
                effect: scale.intervalText(row.estimate, row.ciLower, row.ciUpper),
                mark: .square(estimate: row.estimate, lower: row.ciLower, upper: row.ciUpper, side: leaveOneOutSquare)))
            needed.append(row.estimate)
            desired += [row.ciLower, row.ciUpper]
        }
        let pooled = overall.pooled
        rows.append(EffectTable.Row(
            kind: .entry, label: "All studies (k = \(overall.k))",
            cells: [Sentences.tau2(overall.heterogeneity?.tau2 ?? 0), Format.percent(overall.heterogeneity?.i2 ?? 0, 0)],
            effect: scale.intervalText(pooled.estimate, pooled.ciLower, pooled.ciUpper),
            mark: .diamond(estimate: pooled.estimate, lower: pooled.ciLower, upper: pooled.ciUpper), bold: true))
        needed += [pooled.estimate, pooled.ciLower, pooled.ciUpper]

        return EffectTable(
            title: input.title, labelHeader: "Study omitted", columns: [.init(header: "Tau²"), .init(header: "I²")],
            groups: [], effectHeader: (scale.title, overall.methodHeading), rows: rows,
            footer: ["Dashed line: the pooled estimate of all \(overall.k) studies."],
            axis: try EffectAxis.make(log: scale.log, needed: needed, desired: desired, range: input.options.axis,
                                      proportion: scale.proportion),
            favours: input.labels.sides(input.direction), reference: pooled.estimate)
    }
}

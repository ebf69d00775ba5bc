import MetaFormat
import MetaStats

extension Plots {
    /// A cumulative forest plot: one row per study added, with the pooled estimate and interval of
    /// the studies so far, τ² and I², then the analysis of all studies as a diamond.
    public static func cumulative(_ input: CumulativePlotInput) throws(PlotError) -> PlotLayout {
        let table = try cumulativeTable(input)
        return try table.layout(engine: try TextEngine.reused(.layout))
    }

    static func cumulativeTable(_ input: CumulativePlotInput) throws(PlotError) -> EffectTable {
        // τ² only for random effects; a fixed-effect analysis has none to show.
        let random = input.overall.options.model == .random
        return try refitTable(
            input, labelHeader: "Study added", label: { $0 },
            columns: [.init(header: "Studies")] + (random ? [.init(header: "Tau²")] : []) + [.init(header: "I²")],
            cells: { k, tau2, i2 in
                let heterogeneity: [String?] = k < 2 ? [nil, nil] : [Sentences.tau2(tau2), Format.percent(i2, 0)]
                return [Format.data(Double(k))] + (random ? heterogeneity : [heterogeneity[1]])
            },
            methodHeading: "Cumulative, " + input.overall.methodHeading,
            footer: "Each row pools the studies from the first down to that row, in the order shown.",
            referenceLine: false)
    }
}

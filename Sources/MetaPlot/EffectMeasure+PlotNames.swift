import Foundation
import MetaFormat
import MetaStats

extension EffectMeasure {
    /// The measure as RevMan titles its columns: "Odds Ratio", "Std. Mean Difference".
    var plotTitle: String {
        switch self {
        case .smd: return "Std. Mean Difference"
        case .md: return "Mean Difference"
        case .or: return "Odds Ratio"
        case .rr: return "Risk Ratio"
        case .rd: return "Risk Difference"
        case .generic: return "Estimate"
        case .cor: return "Correlation"
        case .zcor: return "Fisher's z"
        case .pr: return "Proportion"
        case .plo: return "Logit Proportion"
        case .pft: return "Double-arcsine Proportion"
        case .irr: return "Rate Ratio"
        case .ird: return "Rate Difference"
        case .rom: return "Ratio of Means"
        case .smcr, .smcc: return "Std. Mean Change"
        case .mc: return "Mean Change"
        }
    }

    /// Header of the column that shows a study's own estimate for generic input: the analysis
    /// scale, so "log[Odds Ratio]" for ratio measures.
    var analysisScaleTitle: String { isRatio ? "log[\(plotTitle)]" : plotTitle }

    /// The axis title of a funnel plot: "Odds ratio (log scale)".
    var axisTitle: String { isRatio ? "\(displayName) (log scale)" : displayName }

    /// A value on the analysis scale shown on the display scale (exponentiated for ratios).
    func display(_ value: Double) -> Double { isRatio ? exp(value) : value }

    /// "0.72 [0.49, 1.06]" on the display scale, with the report's decimals for the measure.
    func intervalText(_ estimate: Double, _ lower: Double, _ upper: Double) -> String {
        Format.interval(display(estimate), display(lower), display(upper), digits: Format.decimals(forMeasure: rawValue))
    }

    /// "[0.49, 1.06]" on the display scale, with the report's decimals for the measure.
    func boundsText(_ lower: Double, _ upper: Double) -> String {
        let digits = Format.decimals(forMeasure: rawValue)
        return "[\(Format.fixed(display(lower), digits)), \(Format.fixed(display(upper), digits))]"
    }
}

/// How a table plot shows a measure: its title, whether the axis is logarithmic (analysis-scale
/// values are logs, shown exponentiated) and the decimals of estimates.
struct PlotScale: Sendable, Hashable {
    var title: String
    var log: Bool
    var digits: Int
    /// Overrides `analysisScaleTitle` (ForestOptions.analysisScaleLabel).
    var analysisTitle: String?

    /// A proportion (PR, and PLO or PFT shown as proportions): an axis from 0 to 1 with no line of
    /// no effect and no "Favours" labels, since one group is compared with nothing.
    var proportion = false

    init(title: String, log: Bool, digits: Int) {
        self.title = title
        self.log = log
        self.digits = digits
    }

    /// The measure's own scale, with `options` naming it, choosing a log scale for generic
    /// estimates and the decimals.
    init(_ measure: EffectMeasure, options: ForestOptions = ForestOptions()) {
        title = options.measureLabel ?? measure.plotTitle
        log = measure.isRatio || (measure == .generic && options.logScale)
        digits = options.digits ?? Format.decimals(forMeasure: measure.rawValue)
        analysisTitle = options.analysisScaleLabel
        proportion = measure == .pr
    }

    /// Header of the column that shows a study's own estimate for generic input: the analysis
    /// scale, so "log[Odds Ratio]" on a log scale.
    var analysisScaleTitle: String { analysisTitle ?? (log ? "log[\(title)]" : title) }

    func display(_ value: Double) -> Double { log ? exp(value) : value }

    /// "0.72 [0.49, 1.06]" on the display scale.
    func intervalText(_ estimate: Double, _ lower: Double, _ upper: Double) -> String {
        Format.interval(display(estimate), display(lower), display(upper), digits: digits)
    }

    /// "[0.49, 1.06]" on the display scale.
    func boundsText(_ lower: Double, _ upper: Double) -> String {
        "[\(Format.fixed(display(lower), digits)), \(Format.fixed(display(upper), digits))]"
    }
}

extension MetaAnalysis {
    /// RevMan's second header line: "M-H, Fixed, 95% CI", "IV, Random, 95% CI".
    var methodHeading: String {
        let method: String
        switch self.method {
        case .mh: method = "M-H"
        case .peto: method = "Peto"
        default: method = "IV"
        }
        let model = options.model == .fixed ? "Fixed" : "Random"
        return "\(method), \(model), \(levelText) CI"
    }

    /// "95%".
    var levelText: String { "\(Format.data(options.level))%" }
}

/// The sentences under a pooled result, in RevMan's wording.
enum Sentences {
    /// "Heterogeneity: Tau² = 0.31; Chi² = 152.23, df = 12 (P < 0.00001); I² = 92%"; Tau² only for
    /// random effects. Nil when there is no heterogeneity to report (k = 1).
    static func heterogeneity(_ analysis: MetaAnalysis) -> String? {
        guard let h = analysis.heterogeneity else { return nil }
        let chi = "Chi² = \(Format.fixed(h.q, 2)), df = \(h.df) (\(Format.p(h.pValue))); I² = \(Format.percent(h.i2, 0))"
        if analysis.options.model == .random {
            return "Heterogeneity: Tau² = \(tau2(h.tau2)); \(chi)"
        }
        return "Heterogeneity: \(chi)"
    }

    /// τ² with two decimals, or with as many as a small positive value needs to show (up to 4).
    static func tau2(_ value: Double) -> String {
        if value > 0, value < 0.005 { return Format.fixed(value, value < 0.0005 ? 4 : 3) }
        return Format.fixed(value, 2)
    }

    /// "Test for overall effect: Z = 3.29 (P = 0.001)", or with "t = …, df = …" for Hartung–Knapp.
    static func overallEffect(_ analysis: MetaAnalysis) -> String {
        let pooled = analysis.pooled
        let statistic = Format.fixed(abs(pooled.statistic), 2)
        if let df = pooled.df {
            return "Test for overall effect: t = \(statistic), df = \(df) (\(Format.p(pooled.pValue)))"
        }
        return "Test for overall effect: Z = \(statistic) (\(Format.p(pooled.pValue)))"
    }

    /// "Test for subgroup differences: Chi² = 1.23, df = 1 (P = 0.27), I² = 18.5%" as RevMan prints
    /// it; "Not applicable" without subgroups.
    static func subgroupDifferences(_ subgroups: SubgroupAnalysis?) -> String {
        guard let subgroups, let q = subgroups.qBetween, let df = subgroups.df, let p = subgroups.pValue,
              let i2 = subgroups.i2 else {
            return "Test for subgroup differences: Not applicable"
        }
        return "Test for subgroup differences: Chi² = \(Format.fixed(q, 2)), df = \(df) (\(Format.p(p))), I² = \(Format.percent(i2, 1))"
    }
}

import MetaFormat

/// Everything MetaPlot refuses to draw. Each case carries what was wrong and where; `message` says
/// how to get out of it.
public enum PlotError: Error, Sendable, Equatable {
    /// Nothing to plot: no studies (k = 0), or a leave-one-out analysis without rows (k < 2).
    case noStudies
    /// A value that must be a finite number is not; `what` names it, e.g. "yi of study 'Aronson'".
    case nonFinite(what: String)
    /// Parts of the input disagree in a way the cases below do not name.
    case inconsistentInput(detail: String)
    /// A forest plot given a different number of effect sizes than the analysis has studies.
    case effectCountMismatch(effects: Int, studies: Int)
    /// A subgroup column with a different number of labels than there are studies.
    case subgroupLabelCount(column: String, labels: Int, studies: Int)
    /// A subgroup label the subgroup analysis has no group for.
    case subgroupWithoutAnalysis(column: String, subgroup: String)
    /// Risk-of-bias columns without a domain or without a judgement.
    case emptyRiskOfBias(domains: Int, judgements: Int)
    /// A study whose risk-of-bias judgements do not give one judgement per domain.
    case judgementCount(study: String, judgements: Int, domains: Int)
    /// A plot of rows and columns (the matrix, the traffic-light plot) without any of one.
    case emptyGrid(Plot, rows: Int, columns: Int)
    /// A ratio axis whose log-scale limits lie beyond ±700, where exp() is 0 or infinite; the funnel
    /// plot names its largest standard error.
    case ratioAxisOverflow(Plot, lower: Double, upper: Double, largestSE: Double?)
    /// An image whose pixel values do not fill its columns × rows.
    case pixelCount(columns: Int, rows: Int, pixels: Int)
    /// A render option out of its domain, e.g. dpi ≤ 0.
    case invalidOption(name: String, value: String, requirement: String)
    /// Cairo or Pango reported an error while drawing or writing.
    case renderFailed(detail: String)

    /// The plots an error can name.
    public enum Plot: Sendable, Equatable {
        case bubble, funnel, gosh, matrix, trafficLight
        var name: String {
            switch self {
            case .bubble: return "the bubble plot"
            case .funnel: return "the funnel plot"
            case .gosh: return "the GOSH plot"
            case .matrix: return "the matrix"
            case .trafficLight: return "the traffic-light plot"
            }
        }
        /// What its rows and columns are.
        var grid: (rows: String, columns: String) {
            switch self {
            case .trafficLight: return ("studies", "domains")
            case .bubble, .funnel, .gosh, .matrix: return ("rows", "columns")
            }
        }
    }

    public var message: String {
        switch self {
        case .noStudies:
            return "there are no studies to plot (k = 0); a leave-one-out plot needs an analysis of at least 2 studies"
        case .nonFinite(let what):
            return "\(what) is not a finite number; check the input data and the analysis that produced it"
        case .inconsistentInput(let detail):
            return detail
        case let .effectCountMismatch(effects, studies):
            return "the forest plot got \(effects) effect sizes but the analysis has \(studies) studies; pass the effects that were pooled, in the same order"
        case let .subgroupLabelCount(column, labels, studies):
            return "subgroup column '\(column)' has \(labels) labels for \(studies) studies; give one label per study"
        case let .subgroupWithoutAnalysis(column, subgroup):
            return "subgroup '\(subgroup)' of column '\(column)' has no analysis; the subgroup analysis must come from the same labels"
        case let .emptyRiskOfBias(domains, judgements):
            return "the risk-of-bias columns need at least one domain and one judgement (they have \(domains) and \(judgements))"
        case let .judgementCount(study, judgements, domains):
            return "study '\(study)' has \(judgements) risk-of-bias judgements for \(domains) domains, or one that is not a judgement; give one per domain"
        case let .emptyGrid(plot, rows, columns):
            return "\(plot.name) has \(rows) \(plot.grid.rows) and \(columns) \(plot.grid.columns); it needs at least one of each"
        case let .ratioAxisOverflow(plot, lower, upper, largestSE):
            var text = "\(plot.name)'s ratio axis would run from exp(\(Format.significant(lower))) to exp(\(Format.significant(upper))), beyond what can be drawn"
            if let se = largestSE {
                text += "; the largest standard error on the log scale is \(Format.significant(se)): check the studies' variances (their units and scale)"
            } else if plot == .bubble {
                text += "; check the studies' effects"
            }
            return text
        case let .pixelCount(columns, rows, pixels):
            return "an image of \(columns) × \(rows) pixels has \(pixels) pixel values"
        case let .invalidOption(name, value, requirement):
            return "\(name) = \(value) is not allowed; \(requirement)"
        case .renderFailed(let detail):
            return "drawing the plot failed: \(detail)"
        }
    }
}

extension PlotError: CustomStringConvertible {
    public var description: String { message }
}

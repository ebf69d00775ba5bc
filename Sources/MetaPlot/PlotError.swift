/// Everything MetaPlot refuses to draw. Each case carries what was wrong and where; `message` says
/// how to get out of it.
public enum PlotError: Error, Sendable, Equatable {
    /// Nothing to plot (k = 0; or, for leave-one-out, fewer than two studies).
    case noStudies(plot: String)
    /// A value that must be a finite number is not; `what` names it, e.g. "yi of study 'Aronson'".
    case nonFinite(what: String)
    /// Parts of the input disagree, e.g. a different number of effects and analysed studies.
    case inconsistentInput(detail: String)
    /// A render option out of its domain, e.g. dpi ≤ 0.
    case invalidOption(name: String, value: String, requirement: String)
    /// Cairo or Pango reported an error while drawing or writing.
    case renderFailed(detail: String)

    public var message: String {
        switch self {
        case .noStudies(let plot):
            return plot == "leave-one-out"
                ? "the leave-one-out plot has no rows; it needs an analysis of at least 2 studies"
                : "the \(plot) plot has no studies to show (k = 0)"
        case .nonFinite(let what):
            return "\(what) is not a finite number; check the input data and the analysis that produced it"
        case .inconsistentInput(let detail):
            return detail
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

/// Everything MetaPlot refuses to draw. Each case carries what was wrong and where; `message` says
/// how to get out of it.
public enum PlotError: Error, Sendable, Equatable {
    /// Nothing to plot: no studies (k = 0), or a leave-one-out analysis without rows (k < 2).
    case noStudies
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
        case .noStudies:
            return "there are no studies to plot (k = 0); a leave-one-out plot needs an analysis of at least 2 studies"
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

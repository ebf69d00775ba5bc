/// Settings of an analysis that are not pooling options but say how its numbers are read and shown;
/// the pipeline reads them, and result.json and the report carry them (by these raw values).

/// Which side of the effect axis favours the experimental arm.
public enum Direction: String, CaseIterable, Sendable, Codable, Hashable {
    /// Higher values favour the experimental arm (plotted on the right).
    case higher
    /// Lower values favour the experimental arm (plotted on the left).
    case lower
}

/// Which pooled totals an analysis reports, as RevMan's "Totals" option.
public enum Totals: String, Sendable, Codable, Hashable, CaseIterable {
    /// An overall total (and subgroup subtotals when there are subgroups): RevMan's TOTALS="YES".
    case overall
    /// Subgroup subtotals only, study weights within each subgroup: TOTALS="SUB".
    case subgroups
    /// Study results only, no pooling shown: TOTALS="NO".
    case none
}

/// The scale a generic measure's yi are on.
public enum EffectScale: String, Sendable, Codable, Hashable, CaseIterable {
    case linear
    case log
}

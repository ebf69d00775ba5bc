import MetaStats

/// A subgroup analysis to show as sections of a forest plot.
public struct ForestSubgroups: Sendable {
    /// The column the studies were grouped by (e.g. "country").
    public var column: String
    /// The subgroup of each effect, in the order of `ForestPlotInput.effects`.
    public var labels: [String]
    /// Each subgroup's own analysis and the test for subgroup differences.
    public var analysis: SubgroupAnalysis

    public init(column: String, labels: [String], analysis: SubgroupAnalysis) {
        self.column = column
        self.labels = labels
        self.analysis = analysis
    }
}

/// Everything a forest plot shows.
public struct ForestPlotInput: Sendable {
    /// Printed above the figure when given.
    public var title: String?
    public var measure: EffectMeasure
    /// The pooled analysis; its studies are in the same order as `effects`.
    public var analysis: MetaAnalysis
    /// The studies' raw data (arms, counts, or yi and SE) for the data columns.
    public var effects: [EffectSize]
    /// When set: one headed section per subgroup with its subtotal diamond, heterogeneity and
    /// effect lines, then the overall total and the test for subgroup differences.
    public var subgroups: ForestSubgroups?
    public var direction: FavourableDirection
    public var labels: PlotLabels
    public var options: ForestOptions

    public init(title: String? = nil, measure: EffectMeasure, analysis: MetaAnalysis, effects: [EffectSize],
                subgroups: ForestSubgroups? = nil, direction: FavourableDirection = .higher,
                labels: PlotLabels = .standard, options: ForestOptions = ForestOptions()) {
        self.title = title
        self.measure = measure
        self.analysis = analysis
        self.effects = effects
        self.subgroups = subgroups
        self.direction = direction
        self.labels = labels
        self.options = options
    }
}

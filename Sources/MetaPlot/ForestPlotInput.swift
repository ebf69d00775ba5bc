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

/// A study the analysis could not estimate (e.g. no events in either arm), listed as RevMan lists
/// it: its data, "Not estimable", no weight, its participants and events in the totals.
public struct NotEstimableStudy: Sendable, Hashable {
    public var study: String
    public var counts: BinaryCounts?
    public var arms: ContinuousArms?
    public var n1: Double?
    public var n2: Double?
    /// Subgroup column → value.
    public var groups: [String: String]
    /// How many of the pooled studies come before it in the data (where its row goes when the
    /// rows keep the data's order).
    public var position: Int

    public init(study: String, counts: BinaryCounts? = nil, arms: ContinuousArms? = nil, n1: Double? = nil, n2: Double? = nil,
                groups: [String: String] = [:], position: Int) {
        self.study = study
        self.counts = counts
        self.arms = arms
        self.n1 = n1 ?? counts?.total1 ?? arms?.n1
        self.n2 = n2 ?? counts?.total2 ?? arms?.n2
        self.groups = groups
        self.position = position
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
    /// Studies that could not be estimated, shown as "Not estimable" rows.
    public var notEstimable: [NotEstimableStudy]
    /// Risk-of-bias dots beside the plot, one column per domain (RevMan's layout); nil: none.
    public var riskOfBias: ForestRiskOfBias?

    public init(title: String? = nil, measure: EffectMeasure, analysis: MetaAnalysis, effects: [EffectSize],
                subgroups: ForestSubgroups? = nil, direction: FavourableDirection = .higher,
                labels: PlotLabels = .standard, options: ForestOptions = ForestOptions(),
                notEstimable: [NotEstimableStudy] = [], riskOfBias: ForestRiskOfBias? = nil) {
        self.title = title
        self.measure = measure
        self.analysis = analysis
        self.effects = effects
        self.subgroups = subgroups
        self.direction = direction
        self.labels = labels
        self.options = options
        self.notEstimable = notEstimable
        self.riskOfBias = riskOfBias
    }
}

extension ForestPlotInput {
    /// A forest plot of an analysis none of whose studies could be estimated: each study's row
    /// says "Not estimable", the total counts their participants and says "Not estimable", and the
    /// sentences say "Not applicable". `options` and `method` name the analysis in the headers.
    public static func nothingEstimable(title: String? = nil, measure: EffectMeasure, options: PoolingOptions,
                                        method: PoolingMethod, studies: [NotEstimableStudy],
                                        direction: FavourableDirection = .higher, labels: PlotLabels = .standard,
                                        plotOptions: ForestOptions = ForestOptions()) -> ForestPlotInput {
        let nothing = PooledEstimate(estimate: .nan, se: .nan, ciLower: .nan, ciUpper: .nan, statistic: .nan, pValue: .nan,
                                     df: nil, piLower: nil, piUpper: nil)
        let analysis = MetaAnalysis(options: options, method: method, k: 0, studies: [], pooled: nothing,
                                    heterogeneity: nil, iterations: nil, warnings: [])
        return ForestPlotInput(title: title, measure: measure, analysis: analysis, effects: [], subgroups: nil,
                               direction: direction, labels: labels, options: plotOptions, notEstimable: studies)
    }
}

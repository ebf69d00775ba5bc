import MetaStats

/// Everything a leave-one-out plot shows.
public struct LeaveOneOutPlotInput: Sendable {
    public var measure: EffectMeasure
    /// One refit per omitted study (`Sensitivity.leaveOneOut`).
    public var rows: [SensitivityRow]
    /// The analysis of all studies: the reference estimate and the pooling settings.
    public var overall: MetaAnalysis
    public var direction: FavourableDirection
    public var labels: PlotLabels
    public var title: String?
    /// Axis, digits and measure name (order and subgroup labels do not apply).
    public var options: ForestOptions

    public init(measure: EffectMeasure, rows: [SensitivityRow], overall: MetaAnalysis,
                direction: FavourableDirection = .higher, labels: PlotLabels = .standard, title: String? = nil,
                options: ForestOptions = ForestOptions()) {
        self.measure = measure
        self.rows = rows
        self.overall = overall
        self.direction = direction
        self.labels = labels
        self.title = title
        self.options = options
    }
}

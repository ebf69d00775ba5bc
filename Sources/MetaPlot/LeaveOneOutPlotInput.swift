import MetaStats

/// What tells the two plots of refits apart: one refit per study omitted (leave-one-out) or per
/// study added (cumulative).
public protocol RefitKind: Sendable {
    /// How a message names a row's refit ("the refit omitting 'Smith 2001'").
    static func refitName(_ study: String) -> String
    /// Whether a row's standard error must be finite.
    static var checksStandardError: Bool { get }
    /// The sizes that back-transform a row's PFT estimate, of all `sizes` by study.
    static func rowSizes(_ sizes: [String: Double], row: SensitivityRow) -> [Double]
}

/// One refit per omitted study (`Sensitivity.leaveOneOut`).
public enum LeaveOneOutRefits: RefitKind {
    public static func refitName(_ study: String) -> String { "the refit omitting '\(study)'" }
    public static var checksStandardError: Bool { true }
    /// Each refit's own studies: all but the one omitted.
    public static func rowSizes(_ sizes: [String: Double], row: SensitivityRow) -> [Double] {
        sizes.filter { $0.key != row.study }.map(\.value)
    }
}

/// One refit per study added, in the order added (`Sensitivity.cumulative`).
public enum CumulativeRefits: RefitKind {
    public static func refitName(_ study: String) -> String { "the cumulative analysis up to '\(study)'" }
    public static var checksStandardError: Bool { false }
    /// Every row with the harmonic mean of all the studies' sizes.
    public static func rowSizes(_ sizes: [String: Double], row: SensitivityRow) -> [Double] { Array(sizes.values) }
}

/// Everything a leave-one-out or cumulative plot shows.
public struct RefitPlotInput<Kind: RefitKind>: Sendable {
    public var measure: EffectMeasure
    /// One refit per study omitted or added.
    public var rows: [SensitivityRow]
    /// The analysis of all studies: the reference estimate, the pooling settings, the final estimate.
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

/// Everything a leave-one-out plot shows.
public typealias LeaveOneOutPlotInput = RefitPlotInput<LeaveOneOutRefits>
/// Everything a cumulative forest plot shows.
public typealias CumulativePlotInput = RefitPlotInput<CumulativeRefits>

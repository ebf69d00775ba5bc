import MetaStats

/// The file formats a layout can be rendered to.
public enum PlotFormat: String, CaseIterable, Sendable {
    /// Raster, through Cairo, at a chosen resolution.
    case png
    /// Vector with text kept as `<text>`, written by MetaPlot's own serializer.
    case svg
    /// Vector with embedded, searchable text, through Cairo.
    case pdf
}

/// Which side of the axis favours the experimental arm: `.higher` puts it on the right (the
/// analysis' own `direction`, one type from the YAML to the figure).
public typealias FavourableDirection = Direction

/// The arm names a figure prints: data-column group headers and the "Favours …" labels under the
/// axis.
public struct PlotLabels: Sendable, Hashable {
    /// Header of the experimental arm's columns, e.g. "Balint group".
    public var experimental: String
    /// Header of the control arm's columns, e.g. "Control".
    public var control: String
    /// Label on the side of the axis that favours the experimental arm, e.g. "Favours Balint group".
    public var favoursExperimental: String
    /// Label on the other side, e.g. "Favours control".
    public var favoursControl: String

    public init(experimental: String, control: String, favoursExperimental: String, favoursControl: String) {
        self.experimental = experimental
        self.control = control
        self.favoursExperimental = favoursExperimental
        self.favoursControl = favoursControl
    }

    /// Arm names with "Favours <name>" on either side of the axis.
    public init(experimental: String, control: String) {
        self.init(experimental: experimental, control: control,
                  favoursExperimental: "Favours \(experimental)", favoursControl: "Favours \(control)")
    }

    /// RevMan's wording when arms are not named.
    public static let standard = PlotLabels(experimental: "Experimental", control: "Control",
                                            favoursExperimental: "Favours experimental",
                                            favoursControl: "Favours control")

    /// The labels for the left and the right side of the axis.
    func sides(_ direction: FavourableDirection) -> (left: String, right: String) {
        switch direction {
        case .higher: return (favoursControl, favoursExperimental)
        case .lower: return (favoursExperimental, favoursControl)
        }
    }
}

/// A user-chosen effect axis, on the display scale (ratios as ratios): `min` to `max`, with tick
/// marks at `ticks` (or nicely spaced ones when nil).
public struct AxisRange: Sendable, Hashable, Codable {
    public var min: Double
    public var max: Double
    public var ticks: [Double]?

    public init(min: Double, max: Double, ticks: [Double]? = nil) {
        self.min = min
        self.max = max
        self.ticks = ticks
    }
}

/// The order of the study rows of a forest plot (within each subgroup).
public enum StudyOrder: String, Sendable, Hashable, Codable, CaseIterable {
    /// As in the data.
    case none
    /// Heaviest first.
    case weight
    /// Smallest estimate first.
    case effect
    /// Earliest first, by the year in the study label (e.g. "Smith 1999") or a year column.
    case year
}

/// How a forest plot is drawn, beyond its data.
/// Which totals a forest plot shows (RevMan's "Totals" option).
public enum ForestTotals: String, Sendable, Hashable, Codable {
    /// The overall total, and subtotals for subgroups.
    case overall
    /// Subtotals only (TOTALS="SUB"): no overall row or overall sentences.
    case subgroups
    /// Study rows only (TOTALS="NO").
    case none
}

public struct ForestOptions: Sendable, Hashable {
    /// The totals drawn.
    public var totals: ForestTotals = .overall
    /// The axis range; nil chooses it from the data.
    public var axis: AxisRange?
    public var order: StudyOrder
    /// Decimals of the effect column and the axis-side intervals; nil uses the report's (2, or 3
    /// for risk differences).
    public var digits: Int?
    /// The measure's name in the headers, e.g. "Hazard Ratio" for generic input.
    public var measureLabel: String?
    /// Draw generic estimates on a log scale: they are logs (e.g. log hazard ratios), shown
    /// exponentiated. Ignored for measures with a fixed scale.
    public var logScale: Bool
    /// Headings of subgroup sections by subgroup value; values without one are headed
    /// "<column> = <value>".
    public var subgroupLabels: [String: String]
    /// A year per study label, used by `StudyOrder.year` before looking for a year in the label.
    public var years: [String: Int]
    /// Header of the studies' own estimate column when it is on another scale than the plot
    /// (e.g. "Fisher's z" beside correlations); nil derives it from the measure.
    public var analysisScaleLabel: String?

    public init(axis: AxisRange? = nil, order: StudyOrder = .none, digits: Int? = nil, measureLabel: String? = nil,
                logScale: Bool = false, subgroupLabels: [String: String] = [:], years: [String: Int] = [:]) {
        self.axis = axis
        self.order = order
        self.digits = digits
        self.measureLabel = measureLabel
        self.logScale = logScale
        self.subgroupLabels = subgroupLabels
        self.years = years
    }
}

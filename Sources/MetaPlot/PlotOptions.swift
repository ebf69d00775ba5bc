/// The file formats a layout can be rendered to.
public enum PlotFormat: String, CaseIterable, Sendable {
    /// Raster, through Cairo, at a chosen resolution.
    case png
    /// Vector with text kept as `<text>`, written by MetaPlot's own serializer.
    case svg
    /// Vector with embedded, searchable text, through Cairo.
    case pdf
}

/// Which side of the axis favours the experimental arm: `.higher` puts it on the right.
public enum FavourableDirection: String, Sendable, CaseIterable {
    case higher
    case lower
}

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

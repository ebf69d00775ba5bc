/// Forest, funnel and leave-one-out plots: each computed as a `PlotLayout` (plain data) and then
/// rendered to PNG, SVG or PDF.
public enum Plots {
    /// A forest plot in RevMan's layout: study, data columns per arm, weight, effect with its
    /// interval as text, then squares (area ∝ weight) and interval lines over an effect axis with
    /// the pooled diamond(s), the prediction interval, the heterogeneity and test sentences and
    /// "Favours …" labels under the axis.
    public static func forest(_ input: ForestPlotInput) throws(PlotError) -> PlotLayout {
        let table = try forestTable(input)
        return try table.layout(engine: try TextEngine.reused(.layout))
    }

    /// A funnel plot: effect against standard error (0 at the top), pseudo confidence limits
    /// around the pooled estimate, optional significance contours and trim-and-fill studies.
    public static func funnel(_ input: FunnelPlotInput) throws(PlotError) -> PlotLayout {
        let funnel = try funnelModel(input)
        return try funnel.layout(engine: try TextEngine.reused(.layout))
    }

    /// A leave-one-out plot: one row per omitted study with its estimate and interval, τ² and I²,
    /// and the estimate from all studies as a diamond and a dashed reference line.
    public static func leaveOneOut(_ input: LeaveOneOutPlotInput) throws(PlotError) -> PlotLayout {
        let table = try leaveOneOutTable(input)
        return try table.layout(engine: try TextEngine.reused(.layout))
    }

    /// The largest PNG side in pixels; larger figures are rendered at a lower scale.
    public static let maxPixelDimension = 32_000

    /// The pixel size of `layout` rendered as PNG at `dpi`: points × dpi/72, rounded up, with the
    /// scale lowered so that neither side exceeds `maxPixelDimension`.
    public static func pixelSize(_ layout: PlotLayout, dpi: Double) -> (width: Int, height: Int, scale: Double) {
        var scale = dpi / 72
        let largest = max(layout.width, layout.height) * scale
        if largest.rounded(.up) > Double(maxPixelDimension) {
            scale = Double(maxPixelDimension) / max(layout.width, layout.height)
        }
        let width = min(maxPixelDimension, max(1, Int((layout.width * scale).rounded(.up))))
        let height = min(maxPixelDimension, max(1, Int((layout.height * scale).rounded(.up))))
        return (width, height, scale)
    }

    /// The largest PDF page side in points (200 inches, the limit of Acrobat and most viewers);
    /// larger figures are scaled down to fit, staying vector with their text.
    public static let maxPDFPageSide = 14_400.0

    /// The layout as file bytes: PNG at `dpi` (points → pixels at dpi/72; each side capped at
    /// 32,000 pixels by lowering the scale), SVG from MetaPlot's own writer (text kept as text), or
    /// PDF through Cairo (text kept as text). The same layout always gives the same bytes.
    public static func render(_ layout: PlotLayout, as format: PlotFormat, dpi: Double = 150) throws(PlotError) -> [UInt8] {
        guard layout.width.isFinite, layout.height.isFinite, layout.width > 0, layout.height > 0 else {
            throw .invalidOption(name: "layout size", value: "\(layout.width) × \(layout.height)",
                                 requirement: "a layout must have a finite, positive width and height")
        }
        switch format {
        case .svg:
            return Array(SVGWriter.document(layout).utf8)
        case .png:
            guard dpi.isFinite, dpi > 0 else {
                throw .invalidOption(name: "dpi", value: "\(dpi)", requirement: "the resolution must be a positive number (150 for screens, 300 for print)")
            }
            return try CairoRenderer.png(layout, dpi: dpi)
        case .pdf:
            return try CairoRenderer.pdf(layout)
        }
    }

    /// The pixels of `layout` at `dpi` (what `render(_:as: .png, dpi:)` would encode).
    static func raster(_ layout: PlotLayout, dpi: Double) throws(PlotError) -> Raster {
        try CairoRenderer.raster(layout, dpi: dpi)
    }
}

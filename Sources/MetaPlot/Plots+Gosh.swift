import Foundation
import MetaFormat
import MetaStats

/// Everything a GOSH plot shows: the pooled estimate against I² of the model fitted to subsets of
/// the studies, and the fit to all of them.
public struct GoshPlotInput: Sendable {
    public var measure: EffectMeasure
    /// (estimate, I²) of each fitted subset, interleaved; estimates on the analysis scale.
    public var points: [Float]
    public var fullEstimate: Double
    public var fullI2: Double
    public var k: Int
    /// Every non-empty subset (otherwise a random sample).
    public var exhaustive: Bool
    /// A generic measure whose estimates are log ratios (`scale: log`): drawn on a ratio axis.
    public var logScale: Bool
    public var title: String?

    public init(measure: EffectMeasure, points: [Float], fullEstimate: Double, fullI2: Double, k: Int, exhaustive: Bool,
                logScale: Bool = false, title: String? = nil) {
        self.measure = measure; self.points = points; self.fullEstimate = fullEstimate; self.fullI2 = fullI2
        self.k = k; self.exhaustive = exhaustive; self.logScale = logScale; self.title = title
    }
}

extension Plots {
    /// Up to this many subsets are drawn as points; more are binned into a density image.
    public static let goshPointLimit = 3000

    /// The shade of a density bin holding `count` of at most `maxCount` subsets: light to dark
    /// blue on a log scale; 0 is white.
    static func densityColor(_ count: Int, max maxCount: Int) -> UInt32 {
        guard count > 0 else { return 0xffffff }
        let t = maxCount <= 1 ? 1 : log(Double(count)) / log(Double(maxCount))
        let light = (r: 198.0, g: 219.0, b: 239.0), dark = (r: 8.0, g: 48.0, b: 107.0)
        func mix(_ a: Double, _ b: Double) -> UInt32 { UInt32((a + (b - a) * t).rounded()) }
        return mix(light.r, dark.r) << 16 | mix(light.g, dark.g) << 8 | mix(light.b, dark.b)
    }

    /// A GOSH plot (Olkin, Dahabreh & Trikalinos 2012): I² against the pooled estimate of each
    /// fitted subset. Up to `goshPointLimit` subsets are drawn as points; more are binned into a 2D
    /// histogram drawn as an image (2 × 2 points a bin, shaded by the count on a log scale), so a
    /// million subsets draw as fast and as readably as a hundred. The fit to all studies is ringed.
    public static func gosh(_ input: GoshPlotInput) throws(PlotError) -> PlotLayout {
        let n = input.points.count / 2
        guard n > 0 else { throw .noStudies }
        let check = FiniteCheck()
        try check.require(input.fullEstimate, "the pooled estimate of all studies")
        try check.require(input.fullI2, "I² of all studies")
        var lo = input.fullEstimate, hi = input.fullEstimate
        for i in 0..<n {
            let e = Double(input.points[2 * i])
            guard e.isFinite, input.points[2 * i + 1].isFinite else { throw .nonFinite(what: "the estimate or I² of a GOSH subset") }
            lo = min(lo, e); hi = max(hi, e)
        }
        if hi - lo < 1e-9 { lo -= 0.5; hi += 0.5 }
        let pad = (hi - lo) * 0.04
        lo -= pad; hi += pad
        let ratioAxis = input.measure.isRatio || input.logScale
        if ratioAxis, lo < -700 || hi > 700 {
            throw .ratioAxisOverflow(.gosh, lower: lo, upper: hi, largestSE: nil)
        }
        typealias M = ScatterFrame.Metrics
        var canvas = LayoutCanvas(engine: try TextEngine.reused(.layout))
        let xTicks = ratioAxis ? AxisTicks.ratio(lower: lo, upper: hi) : AxisTicks.linear(lower: lo, upper: hi)
        let yTicks = stride(from: 0.0, through: 100, by: 20).map { EffectAxis.Tick(value: $0, label: Format.fixed($0, 0)) }
        let (frame, bottom) = try ScatterFrame.make(canvas: &canvas, title: input.title, xTicks: xTicks, yTicks: yTicks,
                                                    xRange: (lo, hi), yRange: (0, 100), xTitle: input.measure == .generic ? (input.logScale ? "Pooled ratio (log scale)" : "Pooled estimate")
                                                        : "Pooled " + input.measure.axisTitle.lowercasedFirstWord,
                                                    yTitle: "I² (%)", grid: n <= goshPointLimit)
        let plot = frame.plot
        var maxCount = 0
        if n <= goshPointLimit {
            for i in 0..<n {
                canvas.circle(PlotPoint(x: frame.px(Double(input.points[2 * i])), y: frame.py(Double(input.points[2 * i + 1]))),
                              radius: 1.6, fill: .accent, stroke: nil, role: .studyPoint)
            }
        } else {
            let columns = max(1, Int(plot.width / 2)), rows = max(1, Int(plot.height / 2))
            var counts = [Int](repeating: 0, count: columns * rows)
            let xScale = Double(columns) / (hi - lo), yScale = Double(rows) / 100
            for i in 0..<n {
                let c = min(columns - 1, max(0, Int((Double(input.points[2 * i]) - lo) * xScale)))
                let r = min(rows - 1, max(0, Int((100 - Double(input.points[2 * i + 1])) * yScale)))
                counts[r * columns + c] += 1
            }
            maxCount = counts.max() ?? 1
            let pixels = counts.map { densityColor($0, max: maxCount) }
            canvas.add(.image(ImageElement(rect: plot, columns: columns, rows: rows, pixels: pixels, role: .density)))
        }
        canvas.rect(plot, fill: nil, stroke: M.frame, role: .frame)
        let full = PlotPoint(x: frame.px(input.fullEstimate), y: frame.py(input.fullI2))
        canvas.circle(full, radius: 4.5, fill: nil, stroke: StrokeStyle(color: .white, width: 2.6), role: .fullSetPoint)
        canvas.circle(full, radius: 4.5, fill: nil, stroke: StrokeStyle(color: .highlight, width: 1.4), role: .fullSetPoint)

        // Legend: the full-set ring, and the density scale.
        let bodyHeight = try canvas.lineHeight(M.body)
        var ly = bottom + 8
        let cy = ly + bodyHeight / 2
        canvas.circle(PlotPoint(x: plot.minX + 6, y: cy), radius: 4.5, fill: nil, stroke: StrokeStyle(color: .highlight, width: 1.4), role: .legend)
        var lx = try canvas.text("All \(input.k) studies", x: plot.minX + 15, top: ly, align: .start, style: M.body, role: .legend).maxX + 16
        if maxCount > 0 {
            let label = try canvas.text("Subsets per bin:", x: lx, top: ly, align: .start, style: M.body, role: .legend)
            lx = label.maxX + 4
            let low = try canvas.text("1", x: lx, top: ly, align: .start, style: M.tick, role: .legend)
            lx = low.maxX + 3
            let barWidth = 80.0
            let steps = 64
            let scale = (0..<steps).map { s in densityColor(max(1, Int(pow(Double(maxCount), Double(s) / Double(steps - 1)).rounded())), max: maxCount) }
            canvas.add(.image(ImageElement(rect: PlotRect(x: lx, y: cy - 4, width: barWidth, height: 8), columns: steps, rows: 1,
                                           pixels: scale, role: .legend)))
            canvas.rect(PlotRect(x: lx, y: cy - 4, width: barWidth, height: 8), fill: nil, stroke: StrokeStyle(color: .grey, width: 0.5), role: .legend)
            try canvas.text(Format.grouped(maxCount), x: lx + barWidth + 3, top: ly, align: .start, style: M.tick, role: .legend)
        }
        ly += bodyHeight + 4
        let what = input.exhaustive ? "all \(Format.grouped(n)) non-empty subsets of the \(input.k) studies" : "\(Format.grouped(n)) random subsets of the \(input.k) studies"
        let note = maxCount > 0
            ? "The shading counts, in each bin, the fits to \(what) (log scale)."
            : "Each point is the fit to one of \(what)."
        for line in try canvas.wrapped(note,
                                       M.body, maxWidth: M.canvasWidth - M.margin - plot.minX) {
            try canvas.text(line, x: plot.minX, top: ly, align: .start, style: M.body, role: .note)
            ly += bodyHeight + 2
        }
        return canvas.layout(width: M.canvasWidth, height: ly + M.margin)
    }
}

extension String {
    /// "Mean difference" → "mean difference"; acronyms ("SMD") unchanged.
    var lowercasedFirstWord: String {
        guard let first, first.isUppercase, !(dropFirst().first?.isUppercase ?? false) else { return self }
        return first.lowercased() + dropFirst()
    }
}

import Foundation
import MetaFormat
import MetaStats

extension Plots {
    /// The funnel plot's content, checked; see `funnel(_:)`.
    static func funnelModel(_ input: FunnelPlotInput) throws(PlotError) -> FunnelModel {
        guard !input.effects.isEmpty else { throw .noStudies }
        let check = FiniteCheck()
        for effect in input.effects { try check.effect(effect) }
        try check.require(input.centre, "the funnel's centre (pooled estimate)")
        guard input.level.isFinite, input.level > 0, input.level < 100 else {
            throw .invalidOption(name: "level", value: "\(input.level)", requirement: "the level of the pseudo confidence limits must lie between 0 and 100 (e.g. 95)")
        }
        var imputed: [EffectSize] = []
        var adjusted: Double?
        if let trimAndFill = input.trimAndFill {
            for effect in trimAndFill.filled { try check.effect(effect) }
            try check.analysis(trimAndFill.analysis, "the trim-and-fill analysis")
            imputed = trimAndFill.filled
            if trimAndFill.k0 > 0 { adjusted = trimAndFill.analysis.pooled.estimate }
        }
        let data = SmallStudy.funnel(input.effects, imputed: imputed, centre: input.centre, level: input.level)
        return FunnelModel(title: input.title, measure: input.measure, data: data, contours: input.contours,
                           adjusted: adjusted, level: input.level)
    }
}

/// A funnel plot, ready to be laid out.
struct FunnelModel: Sendable {
    var title: String?
    var measure: EffectMeasure
    var data: FunnelData
    var contours: Bool
    /// The trim-and-fill estimate, when studies were imputed.
    var adjusted: Double?
    var level: Double

    /// Two-sided p-values of the significance contours, outermost first.
    static let contourLevels: [(p: Double, fill: PlotColor)] = [(0.01, .shadeMedium), (0.05, .shadeLight), (0.10, .white)]

    /// The scatter plots' frame metrics (the frame is `ScatterFrame`'s), and the funnel's own marks.
    enum Metrics {
        static let canvasWidth = ScatterFrame.Metrics.canvasWidth
        static let margin = ScatterFrame.Metrics.margin
        static let pointRadius = 3.0
        static let body = ScatterFrame.Metrics.body
        static let tick = ScatterFrame.Metrics.tick
        static let frame = ScatterFrame.Metrics.frame
        static let limitStroke = StrokeStyle(color: .black, width: 0.75, dash: [4, 2.5])
        static let centreStroke = StrokeStyle(color: .black, width: 0.75)
        static let adjustedStroke = StrokeStyle(color: .grey, width: 0.9, dash: [1.2, 1.8])
    }

    func layout(engine: TextEngine) throws(PlotError) -> PlotLayout {
        typealias M = Metrics
        var canvas = LayoutCanvas(engine: engine)
        let width = M.canvasWidth

        // Scales: SE from 0 (top) down to a round value at or beyond the largest SE.
        let seMax = max(data.seMax, 1e-12)
        let seStep = AxisTicks.step(span: seMax, count: 5)
        let yMax = (seMax / seStep - 1e-9).rounded(.up) * seStep
        let seTicks = stride(from: 0.0, through: yMax + seStep / 2, by: seStep).map { $0 }
        var xs = data.points.map(\.yi)
        let z = data.zCritical
        xs += [data.centre, data.centre - z * yMax, data.centre + z * yMax]
        if contours { xs.append(0) }
        if let adjusted { xs.append(adjusted) }
        var lower = xs.min() ?? -1, upper = xs.max() ?? 1
        if upper - lower < 1e-9 { lower -= 0.5; upper += 0.5 }
        let pad = (upper - lower) * 0.04
        lower -= pad
        upper += pad
        // exp() of a log-scale limit beyond ±700 is 0 or infinity: no ratio axis can show it.
        if measure.isRatio, lower < -700 || upper > 700 {
            throw .ratioAxisOverflow(.funnel, lower: lower, upper: upper, largestSE: seMax)
        }
        let xTicks = measure.isRatio ? AxisTicks.ratio(lower: lower, upper: upper) : AxisTicks.linear(lower: lower, upper: upper)

        // Horizontal frame: rotated y title, y tick labels, plot area.
        let bodyHeight = try canvas.lineHeight(M.body)
        let seDigits = EffectAxis.decimals(seStep)
        let seLabels = seTicks.map { Format.fixed($0, seDigits) }
        // The same frame as the other scatter plots (their metrics are the funnel's).
        let plot = try ScatterFrame.area(canvas: &canvas, title: title, yLabels: seLabels, lastXLabel: xTicks.last?.label)
        func px(_ value: Double) -> Double { plot.minX + (value - lower) / (upper - lower) * plot.width }
        func py(_ se: Double) -> Double { plot.minY + se / yMax * plot.height }

        // Contours centred on no effect, outermost first, each a triangle from the apex.
        if contours {
            canvas.rect(plot, fill: .shadeDark, role: .contour)
            for (p, fill) in Self.contourLevels {
                let half = FunnelData.contour(p: p, se: yMax)
                let triangle = [PlotPoint(x: px(0), y: py(0)), PlotPoint(x: px(half), y: py(yMax)),
                                PlotPoint(x: px(-half), y: py(yMax))]
                let clipped = PlotGeometry.clip(triangle, to: plot)
                if clipped.count >= 3 { canvas.polygon(clipped, fill: fill, role: .contour) }
            }
        }
        // Pooled estimate and pseudo confidence limits.
        canvas.line(px(data.centre), py(0), px(data.centre), py(yMax), stroke: M.centreStroke, role: .referenceLine)
        for side in [-1.0, 1.0] {
            let end = PlotPoint(x: px(data.centre + side * z * yMax), y: py(yMax))
            if let (a, b) = PlotGeometry.clip(PlotPoint(x: px(data.centre), y: py(0)), end, to: plot) {
                canvas.line(a.x, a.y, b.x, b.y, stroke: M.limitStroke, role: .pseudoLimit)
            }
        }
        if let adjusted {
            canvas.line(px(adjusted), py(0), px(adjusted), py(yMax), stroke: M.adjustedStroke, role: .adjustedLine)
        }
        canvas.rect(plot, fill: nil, stroke: M.frame, role: .frame)

        // Studies: observed filled, imputed open.
        for point in data.points {
            let centre = PlotPoint(x: px(point.yi), y: py(point.se))
            if point.imputed {
                canvas.circle(centre, radius: M.pointRadius, fill: .white, stroke: StrokeStyle(color: .black, width: 0.8),
                              role: .imputedPoint)
            } else {
                canvas.circle(centre, radius: M.pointRadius, fill: .accent, stroke: StrokeStyle(color: .white, width: 0.4),
                              role: .studyPoint)
            }
        }

        // Axes: ticks and labels.
        for (index, value) in seTicks.enumerated() {
            let ty = py(value)
            canvas.line(plot.minX - 3, ty, plot.minX, ty, stroke: M.frame, role: .tick)
            try canvas.text(seLabels[index], x: plot.minX - 5, centreY: ty, align: .end, style: M.tick, role: .tick)
        }
        let xTitleTop = try ScatterFrame.xAxis(canvas: &canvas, plot: plot, ticks: xTicks, px: px,
                                               xTitle: measure.axisTitle, yTitle: "Standard error")

        // Legend under the axis title, flowing into as many lines as it needs.
        var legend: [(LegendSymbol, String)] = [(.point(filled: true), "Studies")]
        if data.points.contains(where: \.imputed) { legend.append((.point(filled: false), "Imputed studies (trim and fill)")) }
        legend.append((.line(M.centreStroke), "Pooled estimate"))
        if adjusted != nil { legend.append((.line(M.adjustedStroke), "Adjusted estimate (trim and fill)")) }
        legend.append((.line(M.limitStroke), "Pseudo \(Format.data(level))% confidence limits"))
        if contours {
            legend += [(.swatch(.white), "p > 0.10"), (.swatch(.shadeLight), "0.05 < p < 0.10"),
                       (.swatch(.shadeMedium), "0.01 < p < 0.05"), (.swatch(.shadeDark), "p < 0.01")]
        }
        let ly = try canvas.legend(legend, left: plot.minX, top: xTitleTop + bodyHeight + 8, right: width - M.margin,
                                   margin: M.margin, style: M.body, pointRadius: M.pointRadius)
        let height = ly + bodyHeight + M.margin
        return canvas.layout(width: width, height: height)
    }
}

/// Tick positions for the funnel plot's axes.
enum AxisTicks {
    /// A round step (1, 2, 2.5 or 5 × 10ⁿ) giving about `count` intervals over `span`.
    static func step(span: Double, count: Int) -> Double {
        let raw = span / Double(max(1, count))
        let power = pow(10, log10(raw).rounded(.down))
        for factor in [1.0, 2, 2.5, 5, 10] where factor * power >= raw * (1 - 1e-9) { return factor * power }
        return 10 * power
    }

    /// Round ticks inside [lower, upper].
    static func linear(lower: Double, upper: Double) -> [EffectAxis.Tick] {
        let step = step(span: upper - lower, count: 5)
        let digits = EffectAxis.decimals(step)
        let first = (lower / step - 1e-9).rounded(.up)
        let last = (upper / step + 1e-9).rounded(.down)
        guard first <= last else { return [] }
        return stride(from: first, through: last, by: 1).map { i in
            EffectAxis.Tick(value: i * step, label: Format.fixed(i * step, digits))
        }
    }

    /// Ticks of a log axis given on the analysis scale, labelled in ratio units: 1-2-5 per decade,
    /// or decades, or (for a narrow range) round ratios.
    static func ratio(lower: Double, upper: Double) -> [EffectAxis.Tick] {
        let lo = exp(lower), hi = exp(upper)
        // Ends that exp cannot represent (beyond 10^±308) have no ticks, rather than trapping in Int().
        guard lo > 0, hi.isFinite, lo <= hi else { return [] }
        let firstDecade = Int(log10(lo).rounded(.down)), lastDecade = Int(log10(hi).rounded(.up))
        func ticks(_ mantissas: [Double], every: Int) -> [Double] {
            var values: [Double] = []
            for decade in stride(from: firstDecade, through: lastDecade, by: 1) where decade % every == 0 {
                for m in mantissas {
                    let v = m * pow(10, Double(decade))
                    if v >= lo * (1 - 1e-12), v <= hi * (1 + 1e-12) { values.append(v) }
                }
            }
            return values
        }
        var values = ticks([1, 2, 5], every: 1)
        if values.count > 8 { values = ticks([1], every: 1) }
        var every = 2
        while values.count > 8 {
            values = ticks([1], every: every)
            every += 1
        }
        if values.count < 3 {
            return linear(lower: lo, upper: hi).filter { $0.value > 0 }.map {
                EffectAxis.Tick(value: log($0.value), label: $0.label)
            }
        }
        return values.map { EffectAxis.Tick(value: log($0), label: EffectAxis.ratioLabel($0)) }
    }
}

/// A legend entry's symbol.
enum LegendSymbol {
    case point(filled: Bool)
    case line(StrokeStyle)
    case swatch(PlotColor)
}

extension LayoutCanvas {
    /// A legend flowing left to right from (`left`, `top`) into as many lines as it needs before
    /// `right`; returns the top of its last line.
    mutating func legend(_ entries: [(LegendSymbol, String)], left: Double, top: Double, right: Double, margin: Double,
                         style: TextStyle, pointRadius: Double) throws(PlotError) -> Double {
        let bodyHeight = try lineHeight(style)
        var lx = left
        var ly = top
        let symbolWidth = 16.0
        for (symbol, label) in entries {
            let text = try ellipsized(label, style, maxWidth: right - margin - symbolWidth - 4)
            let entryWidth = symbolWidth + 4 + (try width(text, style))
            if lx > left, lx + entryWidth > right {
                lx = left
                ly += bodyHeight + 4
            }
            if lx + entryWidth > right { lx = margin }
            let cy = ly + bodyHeight / 2
            switch symbol {
            case .point(let filled):
                circle(PlotPoint(x: lx + symbolWidth / 2, y: cy), radius: pointRadius, fill: filled ? .accent : .white,
                       stroke: filled ? nil : StrokeStyle(color: .black, width: 0.8), role: .legend)
            case .line(let stroke):
                line(lx, cy, lx + symbolWidth, cy, stroke: stroke, role: .legend)
            case .swatch(let fill):
                rect(PlotRect(x: lx + 2, y: cy - 4, width: symbolWidth - 4, height: 8), fill: fill,
                     stroke: StrokeStyle(color: .grey, width: 0.5), role: .legend)
            }
            try self.text(text, x: lx + symbolWidth + 4, top: ly, align: .start, style: style, role: .legend)
            lx += entryWidth + 14
        }
        return ly
    }
}

import Foundation
import MetaFormat
import MetaStats

extension Plots {
    /// A bubble plot: each study's effect against a numeric moderator, with point areas proportional
    /// to the studies' weights, the meta-regression line and its confidence band; ratio measures on
    /// a log axis labelled in ratio units.
    public static func bubble(_ input: BubblePlotInput) throws(PlotError) -> PlotLayout {
        guard !input.points.isEmpty else { throw .noStudies }
        let check = FiniteCheck()
        for point in input.points {
            try check.require(point.x, "the moderator value of study '\(point.study)'")
            try check.require(point.yi, "the effect of study '\(point.study)'")
            try check.require(point.weight, "the weight of study '\(point.study)'")
        }
        guard input.line.count >= 2 else {
            throw .inconsistentInput(detail: "the bubble plot's fitted line needs at least two points")
        }
        for p in input.line {
            try check.require(p.estimate, "the fitted line")
            try check.require(p.ciLower, "the fitted line's confidence band")
            try check.require(p.ciUpper, "the fitted line's confidence band")
        }
        return try BubbleModel(input: input).layout(engine: try TextEngine.reused(.layout))
    }
}

/// A bubble plot, ready to be laid out.
struct BubbleModel: Sendable {
    var input: BubblePlotInput

    enum Metrics {
        static let minRadius = 2.5
        static let maxRadius = 9.0
        static let fitStroke = StrokeStyle(color: .black, width: 1.1)
        static let bandStroke = StrokeStyle(color: .grey, width: 0.6, dash: [3, 2])
        static let nullStroke = StrokeStyle(color: .grey, width: 0.6, dash: [1.2, 1.8])
    }

    /// Radius ∝ √weight (area ∝ weight), the largest weight drawn at `maxRadius`.
    func radius(_ weight: Double, largest: Double) -> Double {
        guard largest > 0 else { return Metrics.minRadius }
        return max(Metrics.minRadius, Metrics.maxRadius * (max(0, weight) / largest).squareRoot())
    }

    func layout(engine: TextEngine) throws(PlotError) -> PlotLayout {
        typealias M = ScatterFrame.Metrics
        let measure = input.measure
        var canvas = LayoutCanvas(engine: engine)
        let width = M.canvasWidth

        var xLower = input.points.map(\.x).min() ?? 0, xUpper = input.points.map(\.x).max() ?? 1
        if xUpper - xLower < 1e-12 { xLower -= 0.5; xUpper += 0.5 }
        let xPad = (xUpper - xLower) * 0.05
        xLower -= xPad; xUpper += xPad
        var ys = input.points.map(\.yi) + input.line.flatMap { [$0.ciLower, $0.ciUpper] }
        ys.append(0)
        var yLower = ys.min() ?? -1, yUpper = ys.max() ?? 1
        if yUpper - yLower < 1e-12 { yLower -= 0.5; yUpper += 0.5 }
        let yPad = (yUpper - yLower) * 0.06
        yLower -= yPad; yUpper += yPad
        if measure.isRatio, yLower < -700 || yUpper > 700 {
            throw .ratioAxisOverflow(.bubble, lower: yLower, upper: yUpper, largestSE: nil)
        }
        let xTicks = AxisTicks.linear(lower: xLower, upper: xUpper)
        let yTicks = measure.isRatio ? AxisTicks.ratio(lower: yLower, upper: yUpper) : AxisTicks.linear(lower: yLower, upper: yUpper)
        let plotWidth = width - 2 * M.margin
        let xTitle = try canvas.ellipsized(input.moderator, M.body, maxWidth: plotWidth * 0.8)
        let yTitle = try canvas.ellipsized(measure.axisTitle, M.body, maxWidth: M.plotHeight)
        let (frame, bottom) = try ScatterFrame.make(canvas: &canvas, title: input.title, xTicks: xTicks, yTicks: yTicks,
                                                    xRange: (xLower, xUpper), yRange: (yLower, yUpper),
                                                    xTitle: xTitle, yTitle: yTitle, grid: false)
        let plot = frame.plot

        // Confidence band, then the null line, the fitted line, and the studies (largest first, so
        // small studies stay visible on top).
        let band = input.line.map { PlotPoint(x: frame.px($0.x), y: frame.py($0.ciUpper)) }
            + input.line.reversed().map { PlotPoint(x: frame.px($0.x), y: frame.py($0.ciLower)) }
        let clipped = PlotGeometry.clip(band, to: plot)
        if clipped.count >= 3 { canvas.polygon(clipped, fill: .shadeLight, role: .contour) }
        for (a, b) in zip(input.line, input.line.dropFirst()) {
            canvas.line(frame.px(a.x), frame.py(a.ciLower), frame.px(b.x), frame.py(b.ciLower), stroke: Metrics.bandStroke, role: .pseudoLimit)
            canvas.line(frame.px(a.x), frame.py(a.ciUpper), frame.px(b.x), frame.py(b.ciUpper), stroke: Metrics.bandStroke, role: .pseudoLimit)
        }
        canvas.line(plot.minX, frame.py(0), plot.maxX, frame.py(0), stroke: Metrics.nullStroke, role: .nullLine)
        for (a, b) in zip(input.line, input.line.dropFirst()) {
            canvas.line(frame.px(a.x), frame.py(a.estimate), frame.px(b.x), frame.py(b.estimate), stroke: Metrics.fitStroke, role: .referenceLine)
        }
        let largest = input.points.map(\.weight).max() ?? 1
        let order = input.points.indices.sorted {
            input.points[$0].weight != input.points[$1].weight ? input.points[$0].weight > input.points[$1].weight : $0 < $1
        }
        for i in order {
            let point = input.points[i]
            canvas.circle(PlotPoint(x: frame.px(point.x), y: frame.py(point.yi)), radius: radius(point.weight, largest: largest),
                          fill: .accent, stroke: StrokeStyle(color: .white, width: 0.6), role: .studyPoint)
        }
        canvas.rect(plot, fill: nil, stroke: M.frame, role: .frame)

        let legend: [(LegendSymbol, String)] = [
            (.point(filled: true), "Studies (area ∝ weight)"),
            (.line(Metrics.fitStroke), "Meta-regression"),
            (.swatch(.shadeLight), "\(Format.data(input.level))% confidence band"),
        ]
        let bodyHeight = try canvas.lineHeight(M.body)
        var y = try canvas.legend(legend, left: plot.minX, top: bottom + 8, right: width - M.margin, margin: M.margin,
                                  style: M.body, pointRadius: 3) + bodyHeight
        if !input.heldAtMeans.isEmpty {
            y += 4
            let note = "Other terms held at their means: " + input.heldAtMeans.joined(separator: ", ") + "."
            for line in try canvas.wrapped(note, M.body, maxWidth: width - plot.minX - M.margin) {
                try canvas.text(line, x: plot.minX, top: y, align: .start, style: M.body, role: .legend)
                y += bodyHeight + 1
            }
        }
        return canvas.layout(width: width, height: y + M.margin)
    }
}

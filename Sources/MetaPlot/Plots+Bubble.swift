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
        static let canvasWidth = 440.0
        static let plotHeight = 270.0
        static let margin = 12.0
        static let minRadius = 2.5
        static let maxRadius = 9.0
        static let body = TextStyle(size: 9)
        static let tick = TextStyle(size: 8)
        static let title = TextStyle(size: 11, weight: .bold)
        static let frame = StrokeStyle(color: .black, width: 0.6)
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
        typealias M = Metrics
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
            throw .inconsistentInput(detail: "the bubble plot's ratio axis would run from exp(\(Format.significant(yLower))) to exp(\(Format.significant(yUpper))), beyond what can be drawn; check the studies' effects")
        }
        let xTicks = AxisTicks.linear(lower: xLower, upper: xUpper)
        let yTicks = measure.isRatio ? AxisTicks.ratio(lower: yLower, upper: yUpper) : AxisTicks.linear(lower: yLower, upper: yUpper)

        let bodyHeight = try canvas.lineHeight(M.body)
        let tickHeight = try canvas.lineHeight(M.tick)
        var yLabelWidth = 0.0
        for tick in yTicks { yLabelWidth = max(yLabelWidth, try canvas.width(tick.label, M.tick)) }
        let plotLeft = M.margin + bodyHeight + 6 + yLabelWidth + 5
        var lastTickHalf = 0.0
        if let last = xTicks.last { lastTickHalf = try canvas.width(last.label, M.tick) / 2 }
        let plotRight = width - M.margin - max(lastTickHalf, 4)

        var y = M.margin
        if let title = input.title, !title.isEmpty {
            let titleHeight = try canvas.lineHeight(M.title)
            for line in try canvas.wrapped(title, M.title, maxWidth: width - 2 * M.margin) {
                try canvas.text(line, x: M.margin, top: y, align: .start, style: M.title, role: .title)
                y += titleHeight + 2
            }
            y += 6
        }
        let plot = PlotRect(x: plotLeft, y: y + tickHeight / 2 + 2, width: plotRight - plotLeft, height: M.plotHeight)
        func px(_ v: Double) -> Double { plot.minX + (v - xLower) / (xUpper - xLower) * plot.width }
        func py(_ v: Double) -> Double { plot.maxY - (v - yLower) / (yUpper - yLower) * plot.height }

        // Confidence band, then the null line, the fitted line, and the studies (largest first, so
        // small studies stay visible on top).
        let band = input.line.map { PlotPoint(x: px($0.x), y: py($0.ciUpper)) }
            + input.line.reversed().map { PlotPoint(x: px($0.x), y: py($0.ciLower)) }
        let clipped = PlotGeometry.clip(band, to: plot)
        if clipped.count >= 3 { canvas.polygon(clipped, fill: .shadeLight, role: .contour) }
        for (a, b) in zip(input.line, input.line.dropFirst()) {
            canvas.line(px(a.x), py(a.ciLower), px(b.x), py(b.ciLower), stroke: M.bandStroke, role: .pseudoLimit)
            canvas.line(px(a.x), py(a.ciUpper), px(b.x), py(b.ciUpper), stroke: M.bandStroke, role: .pseudoLimit)
        }
        canvas.line(plot.minX, py(0), plot.maxX, py(0), stroke: M.nullStroke, role: .nullLine)
        for (a, b) in zip(input.line, input.line.dropFirst()) {
            canvas.line(px(a.x), py(a.estimate), px(b.x), py(b.estimate), stroke: M.fitStroke, role: .referenceLine)
        }
        let largest = input.points.map(\.weight).max() ?? 1
        let order = input.points.indices.sorted {
            input.points[$0].weight != input.points[$1].weight ? input.points[$0].weight > input.points[$1].weight : $0 < $1
        }
        for i in order {
            let point = input.points[i]
            canvas.circle(PlotPoint(x: px(point.x), y: py(point.yi)), radius: radius(point.weight, largest: largest),
                          fill: .accent, stroke: StrokeStyle(color: .white, width: 0.6), role: .studyPoint)
        }
        canvas.rect(plot, fill: nil, stroke: M.frame, role: .frame)

        // Axes.
        var placedY: [PlotRect] = []
        for tick in yTicks {
            let ty = py(tick.value)
            guard ty >= plot.minY - 0.01, ty <= plot.maxY + 0.01 else { continue }
            let box = PlotRect(x: 0, y: ty - tickHeight / 2, width: 1, height: tickHeight)
            guard !placedY.contains(where: { $0.intersects(box) }) else { continue }
            placedY.append(box)
            canvas.line(plot.minX - 3, ty, plot.minX, ty, stroke: M.frame, role: .tick)
            try canvas.text(tick.label, x: plot.minX - 5, centreY: ty, align: .end, style: M.tick, role: .tick)
        }
        var placed: [PlotRect] = []
        for tick in xTicks {
            let tx = px(tick.value)
            guard tx >= plot.minX - 0.01, tx <= plot.maxX + 0.01 else { continue }
            let w = try canvas.width(tick.label, M.tick)
            let box = PlotRect(x: tx - w / 2 - 2, y: 0, width: w + 4, height: 1)
            guard !placed.contains(where: { $0.intersects(box) }) else { continue }
            placed.append(box)
            canvas.line(tx, plot.maxY, tx, plot.maxY + 3, stroke: M.frame, role: .tick)
            try canvas.text(tick.label, x: tx, top: plot.maxY + 5, align: .middle, style: M.tick, role: .tick)
        }
        let xTitleTop = plot.maxY + 5 + tickHeight + 4
        let xTitle = try canvas.ellipsized(input.moderator, M.body, maxWidth: plot.width)
        try canvas.text(xTitle, x: plot.midX, top: xTitleTop, align: .middle, style: M.body, role: .axisTitle)
        let yTitle = try canvas.ellipsized(measure.axisTitle, M.body, maxWidth: plot.height)
        try canvas.rotatedText(yTitle, left: M.margin, centreY: plot.midY, style: M.body, role: .axisTitle)

        // Legend.
        var legend: [(FunnelModel.LegendSymbol, String)] = [
            (.point(filled: true), "Studies (area ∝ weight)"),
            (.line(M.fitStroke), "Meta-regression"),
            (.swatch(.shadeLight), "\(Format.data(input.level))% confidence band"),
        ]
        if !input.heldAtMeans.isEmpty {
            legend.append((.line(StrokeStyle(color: .white, width: 0)), "other terms at their means: " + input.heldAtMeans.joined(separator: ", ")))
        }
        var lx = plot.minX
        var ly = xTitleTop + bodyHeight + 8
        let symbolWidth = 16.0
        for (symbol, label) in legend {
            let text = try canvas.ellipsized(label, M.body, maxWidth: width - 2 * M.margin - symbolWidth - 4)
            let entryWidth = symbolWidth + 4 + (try canvas.width(text, M.body))
            if lx > plot.minX, lx + entryWidth > width - M.margin {
                lx = plot.minX
                ly += bodyHeight + 4
            }
            if lx + entryWidth > width - M.margin { lx = M.margin }
            let cy = ly + bodyHeight / 2
            switch symbol {
            case .point:
                canvas.circle(PlotPoint(x: lx + symbolWidth / 2, y: cy), radius: 3, fill: .accent, stroke: nil, role: .legend)
            case .line(let stroke):
                if stroke.width > 0 { canvas.line(lx, cy, lx + symbolWidth, cy, stroke: stroke, role: .legend) }
            case .swatch(let fill):
                canvas.rect(PlotRect(x: lx + 2, y: cy - 4, width: symbolWidth - 4, height: 8), fill: fill,
                            stroke: StrokeStyle(color: .grey, width: 0.5), role: .legend)
            }
            try canvas.text(text, x: lx + symbolWidth + 4, top: ly, align: .start, style: M.body, role: .legend)
            lx += entryWidth + 14
        }
        return canvas.layout(width: width, height: ly + bodyHeight + M.margin)
    }
}

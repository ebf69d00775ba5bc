import Foundation
import MetaFormat
import MetaStats

/// Everything a Baujat plot shows: each study's contribution to the heterogeneity statistic Q
/// against its influence on the pooled result (metafor's `baujat()`).
public struct BaujatPlotInput: Sendable {
    public var studies: [String]
    /// (yᵢ − μ̂)² / (vᵢ + τ̂²).
    public var contribution: [Double]
    /// (μ̂₋ᵢ − μ̂)² / Var μ̂₋ᵢ.
    public var influence: [Double]
    /// Flagged by metafor's influence criteria (drawn in the second colour).
    public var influential: [Bool]
    /// A fixed-effect fit: the x axis is the contribution to Q itself.
    public var fixedEffect: Bool
    public var title: String?

    public init(studies: [String], contribution: [Double], influence: [Double], influential: [Bool], fixedEffect: Bool,
                title: String? = nil) {
        self.studies = studies; self.contribution = contribution; self.influence = influence
        self.influential = influential; self.fixedEffect = fixedEffect; self.title = title
    }
}

extension PlotColor {
    /// The second colour: influential studies.
    public static let highlight = PlotColor(red: 192, green: 57, blue: 43)
    /// Light grid lines.
    public static let gridLine = PlotColor(red: 226, green: 226, blue: 226)
}

/// A scatter plot's frame: axes with round ticks from the data's ranges, grid and labels.
struct ScatterFrame {
    var plot: PlotRect
    var xLower: Double, xUpper: Double, yLower: Double, yUpper: Double

    func px(_ x: Double) -> Double { plot.minX + (x - xLower) / (xUpper - xLower) * plot.width }
    func py(_ y: Double) -> Double { plot.maxY - (y - yLower) / (yUpper - yLower) * plot.height }

    enum Metrics {
        static let canvasWidth = 440.0
        static let plotHeight = 270.0
        static let margin = 12.0
        static let body = TextStyle(size: 9)
        static let tick = TextStyle(size: 8)
        static let label = TextStyle(size: 7.5, color: PlotColor(red: 60, green: 60, blue: 60))
        static let title = TextStyle(size: 11, weight: .bold)
        static let frame = StrokeStyle(color: .black, width: 0.6)
        static let grid = StrokeStyle(color: .gridLine, width: 0.5)
    }

    /// Draws the wrapped title and returns the plot area below it: room on the left for the rotated
    /// y title and the widest y label, on the right for half of the last x label.
    static func area(canvas: inout LayoutCanvas, title: String?, yLabels: [String], lastXLabel: String?) throws(PlotError) -> PlotRect {
        typealias M = Metrics
        let bodyHeight = try canvas.lineHeight(M.body)
        let tickHeight = try canvas.lineHeight(M.tick)
        var yLabelWidth = 0.0
        for label in yLabels { yLabelWidth = max(yLabelWidth, try canvas.width(label, M.tick)) }
        let plotLeft = M.margin + bodyHeight + 6 + yLabelWidth + 5
        var lastHalf = 0.0
        if let lastXLabel { lastHalf = try canvas.width(lastXLabel, M.tick) / 2 }
        let plotRight = M.canvasWidth - M.margin - max(lastHalf, 4)
        var y = M.margin
        if let title, !title.isEmpty {
            let titleHeight = try canvas.lineHeight(M.title)
            for line in try canvas.wrapped(title, M.title, maxWidth: M.canvasWidth - 2 * M.margin) {
                try canvas.text(line, x: M.margin, top: y, align: .start, style: M.title, role: .title)
                y += titleHeight + 2
            }
            y += 6
        }
        return PlotRect(x: plotLeft, y: y + tickHeight / 2 + 2, width: plotRight - plotLeft, height: M.plotHeight)
    }

    /// Lays out title, axes, ticks, grid and axis titles; returns the frame and the y below the x title.
    static func make(canvas: inout LayoutCanvas, title: String?, xTicks: [EffectAxis.Tick], yTicks: [EffectAxis.Tick],
                     xRange: (Double, Double), yRange: (Double, Double), xTitle: String, yTitle: String,
                     grid: Bool) throws(PlotError) -> (ScatterFrame, Double) {
        typealias M = Metrics
        let bodyHeight = try canvas.lineHeight(M.body)
        let frame = ScatterFrame(plot: try area(canvas: &canvas, title: title, yLabels: yTicks.map(\.label), lastXLabel: xTicks.last?.label),
                                 xLower: xRange.0, xUpper: xRange.1, yLower: yRange.0, yUpper: yRange.1)
        let plot = frame.plot
        if grid {
            for t in xTicks where frame.px(t.value) > plot.minX + 0.5 && frame.px(t.value) < plot.maxX - 0.5 {
                canvas.line(frame.px(t.value), plot.minY, frame.px(t.value), plot.maxY, stroke: M.grid, role: .grid)
            }
            for t in yTicks where frame.py(t.value) > plot.minY + 0.5 && frame.py(t.value) < plot.maxY - 0.5 {
                canvas.line(plot.minX, frame.py(t.value), plot.maxX, frame.py(t.value), stroke: M.grid, role: .grid)
            }
        }
        for t in yTicks {
            let ty = frame.py(t.value)
            guard ty >= plot.minY - 0.01, ty <= plot.maxY + 0.01 else { continue }
            canvas.line(plot.minX - 3, ty, plot.minX, ty, stroke: M.frame, role: .tick)
            try canvas.text(t.label, x: plot.minX - 5, centreY: ty, align: .end, style: M.tick, role: .tick)
        }
        let xTitleTop = try xAxis(canvas: &canvas, plot: plot, ticks: xTicks, px: frame.px, xTitle: xTitle, yTitle: yTitle)
        return (frame, xTitleTop + bodyHeight)
    }

    /// Draws the x ticks under `plot` (a label that would overlap one already drawn is left out)
    /// and both axis titles; returns the top of the x title.
    static func xAxis(canvas: inout LayoutCanvas, plot: PlotRect, ticks: [EffectAxis.Tick], px: (Double) -> Double,
                      xTitle: String, yTitle: String) throws(PlotError) -> Double {
        typealias M = Metrics
        let tickHeight = try canvas.lineHeight(M.tick)
        var placed: [PlotRect] = []
        for t in ticks {
            let tx = px(t.value)
            guard tx >= plot.minX - 0.01, tx <= plot.maxX + 0.01 else { continue }
            canvas.line(tx, plot.maxY, tx, plot.maxY + 3, stroke: M.frame, role: .tick)
            let w = try canvas.width(t.label, M.tick)
            let box = PlotRect(x: tx - w / 2 - 2, y: 0, width: w + 4, height: 1)
            guard !placed.contains(where: { $0.intersects(box) }) else { continue }
            placed.append(box)
            try canvas.text(t.label, x: tx, top: plot.maxY + 5, align: .middle, style: M.tick, role: .tick)
        }
        let xTitleTop = plot.maxY + 5 + tickHeight + 4
        try canvas.text(xTitle, x: plot.midX, top: xTitleTop, align: .middle, style: M.body, role: .axisTitle)
        try canvas.rotatedText(yTitle, left: M.margin, centreY: plot.midY, style: M.body, role: .axisTitle)
        return xTitleTop
    }

    /// Round ticks from 0 (or `lower`) to at least `upper`, and the axis end at the last tick.
    static func ticks(lower: Double, upper: Double) -> (ticks: [EffectAxis.Tick], upper: Double) {
        // All values 0 (two identical studies): a unit axis rather than one of zero width.
        let span = upper > lower ? upper - lower : 1
        let step = AxisTicks.step(span: span, count: 5)
        let end = lower + ((span / step) - 1e-9).rounded(.up) * step
        return (AxisTicks.linear(lower: lower, upper: end), end)
    }
}

extension Plots {
    /// A Baujat plot (Baujat et al. 2002): each study's contribution to Q against its influence on
    /// the pooled result, labelled with the study's name (or its number, listed under the plot,
    /// where the name has no room); influential studies in the second colour.
    public static func baujat(_ input: BaujatPlotInput) throws(PlotError) -> PlotLayout {
        let k = input.studies.count
        guard k > 0 else { throw .noStudies }
        guard input.contribution.count == k, input.influence.count == k, input.influential.count == k else {
            throw .inconsistentInput(detail: "a Baujat plot needs one contribution and one influence value per study")
        }
        let check = FiniteCheck()
        for i in 0..<k {
            try check.require(input.contribution[i], "the contribution to Q of study '\(input.studies[i])'")
            try check.require(input.influence[i], "the influence of study '\(input.studies[i])'")
        }
        typealias M = ScatterFrame.Metrics
        var canvas = LayoutCanvas(engine: try TextEngine.reused(.layout))
        let x = ScatterFrame.ticks(lower: 0, upper: (input.contribution.max() ?? 1) * 1.06)
        let y = ScatterFrame.ticks(lower: 0, upper: (input.influence.max() ?? 1) * 1.06)
        let xTitle = input.fixedEffect ? "Contribution to overall heterogeneity (Q)" : "Squared Pearson residual (contribution to Q)"
        let (frame, bottom) = try ScatterFrame.make(canvas: &canvas, title: input.title, xTicks: x.ticks, yTicks: y.ticks,
                                                    xRange: (-0.03 * x.upper, x.upper), yRange: (-0.03 * y.upper, y.upper), xTitle: xTitle,
                                                    yTitle: "Influence on overall result", grid: true)
        let plot = frame.plot
        canvas.rect(plot, fill: nil, stroke: M.frame, role: .frame)
        let radius = 3.0
        let centres = (0..<k).map { PlotPoint(x: frame.px(input.contribution[$0]), y: frame.py(input.influence[$0])) }
        // Points: ordinary studies first, influential ones on top.
        for i in 0..<k where !input.influential[i] {
            canvas.circle(centres[i], radius: radius, fill: .accent, stroke: StrokeStyle(color: .white, width: 0.4), role: .studyPoint)
        }
        for i in 0..<k where input.influential[i] {
            canvas.circle(centres[i], radius: radius, fill: .highlight, stroke: StrokeStyle(color: .white, width: 0.4), role: .influentialPoint)
        }
        // Labels: the first of eight positions around the point that stays in the plot and clear of
        // every point and label; otherwise the study's number; otherwise none (listed below).
        var taken = centres.map { PlotRect(x: $0.x - radius - 0.5, y: $0.y - radius - 0.5, width: 2 * radius + 1, height: 2 * radius + 1) }
        let labelHeight = try canvas.lineHeight(M.label)
        var numbered: [(Int, String)] = []
        var unlabelled: [Int] = []
        // Larger influence first: the studies a reader looks for get the best places.
        let order = (0..<k).sorted { (input.influence[$0] + input.contribution[$0], $1) > (input.influence[$1] + input.contribution[$1], $0) }
        for i in order {
            let name = try canvas.ellipsized(input.studies[i], M.label, maxWidth: 130)
            var done = false
            for (attempt, text) in [name, String(i + 1)].enumerated() {
                let w = try canvas.width(text, M.label)
                let c = centres[i], gap = radius + 2
                let candidates = [
                    PlotRect(x: c.x + gap, y: c.y - labelHeight / 2, width: w, height: labelHeight),
                    PlotRect(x: c.x - gap - w, y: c.y - labelHeight / 2, width: w, height: labelHeight),
                    PlotRect(x: c.x - w / 2, y: c.y - gap - labelHeight, width: w, height: labelHeight),
                    PlotRect(x: c.x - w / 2, y: c.y + gap, width: w, height: labelHeight),
                    PlotRect(x: c.x + gap * 0.7, y: c.y - gap * 0.7 - labelHeight, width: w, height: labelHeight),
                    PlotRect(x: c.x + gap * 0.7, y: c.y + gap * 0.7, width: w, height: labelHeight),
                    PlotRect(x: c.x - gap * 0.7 - w, y: c.y - gap * 0.7 - labelHeight, width: w, height: labelHeight),
                    PlotRect(x: c.x - gap * 0.7 - w, y: c.y + gap * 0.7, width: w, height: labelHeight),
                ]
                let inner = PlotRect(x: plot.minX + 1, y: plot.minY + 1, width: plot.width - 2, height: plot.height - 2)
                guard let spot = candidates.first(where: { r in inner.contains(r) && !taken.contains { $0.intersects(r) } }) else { continue }
                try canvas.text(text, x: spot.minX, top: spot.minY, align: .start, style: M.label, role: .studyLabel)
                taken.append(spot)
                if attempt == 1 { numbered.append((i + 1, input.studies[i])) }
                done = true
                break
            }
            if !done { unlabelled.append(i) }
        }
        // Legend and the key to numbered labels.
        let bodyHeight = try canvas.lineHeight(M.body)
        var ly = bottom + 8
        var lx = plot.minX
        var entries: [(PlotColor, String)] = [(.accent, "Study")]
        if input.influential.contains(true) { entries.append((.highlight, "Influential (metafor's criteria)")) }
        for (color, label) in entries {
            let cy = ly + bodyHeight / 2
            canvas.circle(PlotPoint(x: lx + 6, y: cy), radius: radius, fill: color, stroke: nil, role: .legend)
            let rect = try canvas.text(label, x: lx + 14, top: ly, align: .start, style: M.body, role: .legend)
            lx = rect.maxX + 14
        }
        ly += bodyHeight + 4
        var notes: [String] = []
        if !numbered.isEmpty {
            notes.append("Numbered: " + numbered.sorted { $0.0 < $1.0 }.map { "\($0.0) \($0.1)" }.joined(separator: "; ") + ".")
        }
        if !unlabelled.isEmpty { notes.append("Not labelled (no room): " + unlabelled.sorted().map { input.studies[$0] }.joined(separator: "; ") + ".") }
        for note in notes {
            for line in try canvas.wrapped(note, M.body, maxWidth: M.canvasWidth - M.margin - plot.minX) {
                try canvas.text(line, x: plot.minX, top: ly, align: .start, style: M.body, role: .note)
                ly += bodyHeight + 2
            }
        }
        return canvas.layout(width: M.canvasWidth, height: ly + M.margin)
    }
}

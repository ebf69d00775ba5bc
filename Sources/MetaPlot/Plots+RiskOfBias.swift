/// One judgement category of a risk-of-bias figure: its words, symbol and colour.
public struct RiskOfBiasCategory: Sendable, Hashable {
    /// "Low", "Some concerns", …
    public var label: String
    /// The symbol inside the dot (+, −, ×, !, ?): distinct shapes, so that the figure reads in greyscale.
    public var symbol: String
    public var colour: PlotColor
    /// The symbol's colour (white on dark fills).
    public var ink: PlotColor
    public init(label: String, symbol: String, colour: PlotColor, ink: PlotColor = .black) {
        self.label = label
        self.symbol = symbol
        self.colour = colour
        self.ink = ink
    }
}

/// A traffic-light plot (robvis style): studies × domains, one coloured dot with a symbol per judgement.
public struct TrafficLightPlotInput: Sendable {
    public var title: String?
    /// Short column headings ("D1", …, "Overall").
    public var columns: [String]
    /// What each short heading means, listed under the figure ("D1: Bias arising from …").
    public var columnTitles: [String]
    public var studies: [String]
    /// `cells[study][column]`: an index into `categories`.
    public var cells: [[Int]]
    /// The categories in legend order.
    public var categories: [RiskOfBiasCategory]
    /// A note under the figure (e.g. that only overall judgements are published).
    public var note: String?

    public init(title: String? = nil, columns: [String], columnTitles: [String], studies: [String], cells: [[Int]],
                categories: [RiskOfBiasCategory], note: String? = nil) {
        self.title = title
        self.columns = columns
        self.columnTitles = columnTitles
        self.studies = studies
        self.cells = cells
        self.categories = categories
        self.note = note
    }
}

/// A summary plot (robvis style): per domain, a 100% bar split by judgement, by share of studies or weight.
public struct RiskOfBiasSummaryPlotInput: Sendable {
    public var title: String?
    /// One bar per row ("Bias arising from the randomisation process", …, "Overall risk of bias").
    public var rows: [String]
    /// `shares[row][category]`: the fraction (0…1) of studies or weight.
    public var shares: [[Double]]
    public var categories: [RiskOfBiasCategory]
    /// Under the axis: "Share of studies (n = 12)" or "Share of weight".
    public var axisTitle: String
    public var note: String?

    public init(title: String? = nil, rows: [String], shares: [[Double]], categories: [RiskOfBiasCategory],
                axisTitle: String, note: String? = nil) {
        self.title = title
        self.rows = rows
        self.shares = shares
        self.categories = categories
        self.axisTitle = axisTitle
        self.note = note
    }
}

extension Plots {
    public static func trafficLight(_ input: TrafficLightPlotInput) throws(PlotError) -> PlotLayout {
        guard !input.studies.isEmpty, !input.columns.isEmpty, !input.categories.isEmpty else {
            throw .emptyGrid(.trafficLight, rows: input.studies.count, columns: input.columns.count)
        }
        guard input.cells.count == input.studies.count,
              input.cells.allSatisfy({ $0.count == input.columns.count && $0.allSatisfy { input.categories.indices.contains($0) } }) else {
            throw .inconsistentInput(detail: "the traffic-light plot needs one judgement per study and domain")
        }
        return try withRenderLock { () throws(PlotError) -> PlotLayout in
            try trafficLightLayout(input, engine: try TextEngine())
        }
    }

    public static func riskOfBiasSummary(_ input: RiskOfBiasSummaryPlotInput) throws(PlotError) -> PlotLayout {
        guard !input.rows.isEmpty, !input.categories.isEmpty else {
            throw .inconsistentInput(detail: "the risk-of-bias summary needs at least one domain and one judgement")
        }
        guard input.shares.count == input.rows.count,
              input.shares.allSatisfy({ $0.count == input.categories.count && $0.allSatisfy { $0.isFinite && $0 >= 0 } }) else {
            throw .inconsistentInput(detail: "the risk-of-bias summary needs one finite share ≥ 0 per domain and judgement")
        }
        return try withRenderLock { () throws(PlotError) -> PlotLayout in
            try riskOfBiasSummaryLayout(input, engine: try TextEngine())
        }
    }

    /// The judgement legend from (`margin`, `top`) and the note, if any, under it; `width` grows to
    /// hold both with `margin` to spare. Returns the bottom.
    static func legendAndNote(_ canvas: inout LayoutCanvas, _ categories: [RiskOfBiasCategory], note: String?,
                              style: TextStyle, margin: Double, top: Double, maxWidth: Double,
                              width: inout Double) throws(PlotError) -> Double {
        let legend = try judgementLegend(&canvas, categories, left: margin, top: top, maxWidth: maxWidth, dot: 15)
        width = max(width, legend.right + margin)
        guard let note else { return legend.bottom }
        return try canvas.paragraph(note, left: margin, top: legend.bottom + 6, maxWidth: maxWidth, style: style,
                                    role: .note, width: &width)
    }

    /// A legend row of dots with symbols and words, wrapped to `maxWidth`; returns the bottom.
    static func judgementLegend(_ canvas: inout LayoutCanvas, _ categories: [RiskOfBiasCategory], left: Double, top: Double,
                                maxWidth: Double, dot: Double) throws(PlotError) -> (bottom: Double, right: Double) {
        let label = TextStyle(size: 10)
        let lineHeight = max(dot + 4, try canvas.lineHeight(label))
        var x = left, y = top, right = left
        let heading = TextStyle(size: 10, weight: .bold)
        let headingRect = try canvas.text("Judgement:", x: x, centreY: y + lineHeight / 2, align: .start, style: heading, role: .legend)
        x = headingRect.maxX + 8
        right = max(right, headingRect.maxX)
        for c in categories {
            let w = dot + 4 + (try canvas.width(c.label, label))
            if x + w > left + maxWidth, x > headingRect.maxX + 8 { x = headingRect.maxX + 8; y += lineHeight + 2 }
            try symbolDot(&canvas, c, centre: PlotPoint(x: x + dot / 2, y: y + lineHeight / 2), diameter: dot)
            let r = try canvas.text(c.label, x: x + dot + 4, centreY: y + lineHeight / 2, align: .start, style: label, role: .legend)
            right = max(right, r.maxX)
            x = r.maxX + 14
        }
        return (y + lineHeight, right)
    }

    /// A filled dot with its symbol centred inside.
    static func symbolDot(_ canvas: inout LayoutCanvas, _ c: RiskOfBiasCategory, centre: PlotPoint, diameter: Double) throws(PlotError) {
        canvas.circle(centre, radius: diameter / 2, fill: c.colour, stroke: StrokeStyle(color: .black, width: 0.5), role: .studyPoint)
        let style = TextStyle(size: diameter * 0.62, weight: .bold, color: c.ink)
        _ = try canvas.text(c.symbol, x: centre.x, centreY: centre.y, align: .middle, style: style, role: .cell)
    }

    static func trafficLightLayout(_ input: TrafficLightPlotInput, engine: TextEngine) throws(PlotError) -> PlotLayout {
        var canvas = LayoutCanvas(engine: engine)
        let margin = 16.0, cell = 26.0, dot = 19.0, gap = 10.0
        let label = TextStyle(size: 11), header = TextStyle(size: 11, weight: .bold)
        let titleStyle = TextStyle(size: 13, weight: .bold), note = TextStyle(size: 10, color: .grey)
        let small = TextStyle(size: 10)
        let studies = try input.studies.map { (s: String) throws(PlotError) -> String in try canvas.ellipsized(s, label, maxWidth: 260) }
        var labelWidth = try canvas.width("Study", header)
        for s in studies { labelWidth = max(labelWidth, try canvas.width(s, label)) }
        var columnWidth = cell + 8
        for c in input.columns { columnWidth = max(columnWidth, try canvas.width(c, header) + 10) }
        let gridLeft = margin + labelWidth + gap
        let gridWidth = Double(input.columns.count) * columnWidth
        var width = max(gridLeft + gridWidth + margin, 420)
        var top = margin
        if let title = input.title {
            for line in try canvas.wrapped(title, titleStyle, maxWidth: width - 2 * margin) {
                top = try canvas.text(line, x: margin, top: top, align: .start, style: titleStyle, role: .title).maxY
            }
            top += gap
        }
        let headerHeight = try canvas.lineHeight(header)
        try canvas.text("Study", x: margin, top: top, align: .start, style: header, role: .header)
        for (j, c) in input.columns.enumerated() {
            try canvas.text(c, x: gridLeft + (Double(j) + 0.5) * columnWidth, top: top, align: .middle, style: header, role: .header)
        }
        let gridTop = top + headerHeight + 4
        canvas.line(margin, gridTop, gridLeft + gridWidth, gridTop, stroke: StrokeStyle(color: .black, width: 0.75), role: .rule)
        for (i, s) in studies.enumerated() {
            let y = gridTop + Double(i) * cell
            if i % 2 == 1 {
                canvas.rect(PlotRect(x: margin, y: y, width: gridLeft + gridWidth - margin, height: cell), fill: .shadeLight, role: .background)
            }
            try canvas.text(s, x: margin, centreY: y + cell / 2, align: .start, style: label, role: .studyLabel)
            for j in input.columns.indices {
                try symbolDot(&canvas, input.categories[input.cells[i][j]],
                              centre: PlotPoint(x: gridLeft + (Double(j) + 0.5) * columnWidth, y: y + cell / 2), diameter: dot)
            }
        }
        let gridBottom = gridTop + Double(studies.count) * cell
        canvas.line(margin, gridBottom, gridLeft + gridWidth, gridBottom, stroke: StrokeStyle(color: .black, width: 0.75), role: .rule)
        // The last column (overall) set apart by a rule.
        if input.columns.count > 1 {
            let x = gridLeft + Double(input.columns.count - 1) * columnWidth
            canvas.line(x, gridTop, x, gridBottom, stroke: StrokeStyle(color: .shadeDark, width: 0.75), role: .rule)
        }
        var bottom = gridBottom + gap
        let textWidth = max(width - 2 * margin, 380)
        for (c, t) in zip(input.columns, input.columnTitles) where c != t {
            bottom = try canvas.paragraph("\(c): \(t)", left: margin, top: bottom, maxWidth: textWidth, style: small,
                                          role: .legend, width: &width)
        }
        bottom = try legendAndNote(&canvas, input.categories, note: input.note, style: note, margin: margin, top: bottom + 6,
                                   maxWidth: textWidth, width: &width)
        return canvas.layout(width: width, height: bottom + margin)
    }

    static func riskOfBiasSummaryLayout(_ input: RiskOfBiasSummaryPlotInput, engine: TextEngine) throws(PlotError) -> PlotLayout {
        var canvas = LayoutCanvas(engine: engine)
        let margin = 16.0, barHeight = 22.0, rowGap = 8.0, gap = 10.0, barWidth = 360.0
        let label = TextStyle(size: 11), titleStyle = TextStyle(size: 13, weight: .bold)
        let tick = TextStyle(size: 10), note = TextStyle(size: 10, color: .grey), inBar = TextStyle(size: 9, weight: .bold)
        let rows = try input.rows.map { (s: String) throws(PlotError) -> String in try canvas.ellipsized(s, label, maxWidth: 320) }
        var labelWidth = 0.0
        for r in rows { labelWidth = max(labelWidth, try canvas.width(r, label)) }
        let barLeft = margin + labelWidth + gap
        var width = barLeft + barWidth + margin + 8
        var top = margin
        if let title = input.title {
            for line in try canvas.wrapped(title, titleStyle, maxWidth: width - 2 * margin) {
                top = try canvas.text(line, x: margin, top: top, align: .start, style: titleStyle, role: .title).maxY
            }
            top += gap
        }
        for (i, row) in rows.enumerated() {
            let y = top + Double(i) * (barHeight + rowGap)
            try canvas.text(row, x: margin, centreY: y + barHeight / 2, align: .start, style: label, role: .studyLabel)
            let total = input.shares[i].reduce(0, +)
            var x = barLeft
            for (k, c) in input.categories.enumerated() {
                let share = total > 0 ? input.shares[i][k] / total : 0
                guard share > 0 else { continue }
                let w = share * barWidth
                canvas.rect(PlotRect(x: x, y: y, width: w, height: barHeight), fill: c.colour,
                            stroke: StrokeStyle(color: .black, width: 0.5), role: .studySquare)
                let text = "\(c.symbol) \(Int((share * 100).rounded()))%"
                if try canvas.width(text, inBar) + 6 <= w {
                    try canvas.text(text, x: x + w / 2, centreY: y + barHeight / 2, align: .middle,
                                    style: TextStyle(size: 9, weight: .bold, color: c.ink), role: .cell)
                }
                x += w
            }
            if total == 0 {
                canvas.rect(PlotRect(x: barLeft, y: y, width: barWidth, height: barHeight), fill: nil,
                            stroke: StrokeStyle(color: .grey, width: 0.5, dash: [3, 2]), role: .frame)
            }
        }
        let axisY = top + Double(rows.count) * (barHeight + rowGap) - rowGap + 4
        canvas.line(barLeft, axisY, barLeft + barWidth, axisY, stroke: StrokeStyle(color: .black, width: 0.75), role: .axis)
        var bottom = axisY
        for p in stride(from: 0, through: 100, by: 25) {
            let x = barLeft + Double(p) / 100 * barWidth
            canvas.line(x, axisY, x, axisY + 4, stroke: StrokeStyle(color: .black, width: 0.75), role: .tick)
            bottom = max(bottom, try canvas.text("\(p)%", x: x, top: axisY + 5, align: .middle, style: tick, role: .tick).maxY)
        }
        bottom = try canvas.text(input.axisTitle, x: barLeft + barWidth / 2, top: bottom + 2, align: .middle, style: tick, role: .axisTitle).maxY
        bottom += gap
        bottom = try legendAndNote(&canvas, input.categories, note: input.note, style: note, margin: margin, top: bottom,
                                   maxWidth: width - 2 * margin, width: &width)
        return canvas.layout(width: width, height: bottom + margin)
    }
}

/// A presence matrix: rows (e.g. analytic themes) against columns (e.g. studies), a mark where a
/// column supports a row — the figure of a qualitative meta-synthesis.
public struct MatrixPlotInput: Sendable {
    public var title: String?
    public var rows: [String]
    public var columns: [String]
    /// `counts[row][column]`: how many items link them (0 = none). Marks grow with the count.
    public var counts: [[Int]]
    /// Words for what a mark means, under the matrix.
    public var legend: String

    public init(title: String? = nil, rows: [String], columns: [String], counts: [[Int]], legend: String) {
        self.title = title
        self.rows = rows
        self.columns = columns
        self.counts = counts
        self.legend = legend
    }
}

extension Plots {
    /// Row labels on the left, column labels rotated above, one circle per linked cell (its area
    /// growing with the count), and each row's number of linked columns on the right.
    public static func matrix(_ input: MatrixPlotInput) throws(PlotError) -> PlotLayout {
        guard !input.rows.isEmpty, !input.columns.isEmpty else {
            throw .emptyGrid(.matrix, rows: input.rows.count, columns: input.columns.count)
        }
        guard input.counts.count == input.rows.count, input.counts.allSatisfy({ $0.count == input.columns.count }) else {
            throw .inconsistentInput(detail: "the matrix needs one count per row and column")
        }
        return try matrixLayout(input, engine: try TextEngine.reused(.layout))
    }

    static func matrixLayout(_ input: MatrixPlotInput, engine: TextEngine) throws(PlotError) -> PlotLayout {
        var canvas = LayoutCanvas(engine: engine)
        let margin = 16.0, cell = 24.0, gap = 8.0
        let label = TextStyle(size: 11), header = TextStyle(size: 10), bold = TextStyle(size: 11, weight: .bold)
        let titleStyle = TextStyle(size: 13, weight: .bold), note = TextStyle(size: 10, color: .grey)
        let rowLabels = try input.rows.map { (row: String) throws(PlotError) -> String in
            try canvas.ellipsized(row, label, maxWidth: 280)
        }
        let columnLabels = try input.columns.map { (column: String) throws(PlotError) -> String in
            try canvas.ellipsized(column, header, maxWidth: 200)
        }
        var labelWidth = 0.0
        for l in rowLabels { labelWidth = max(labelWidth, try canvas.width(l, label)) }
        var headerHeight = 0.0
        for c in columnLabels { headerHeight = max(headerHeight, try canvas.width(c, header)) }
        let countHeader = "Studies"
        let countWidth = max(try canvas.width(countHeader, bold), try canvas.width("\(input.columns.count)/\(input.columns.count)", label))

        var top = margin
        let gridLeft = margin + labelWidth + gap
        let gridWidth = Double(input.columns.count) * cell
        var width = gridLeft + gridWidth + gap + countWidth + margin
        if let title = input.title {
            let lines = try canvas.wrapped(title, titleStyle, maxWidth: max(200, width - 2 * margin))
            for line in lines {
                let rect = try canvas.text(line, x: margin, top: top, align: .start, style: titleStyle, role: .title)
                top = rect.maxY
                width = max(width, rect.maxX + margin)   // a narrow matrix widens to its title
            }
            top += gap
        }
        let headerBottom = top + headerHeight
        for (j, c) in columnLabels.enumerated() {
            _ = try canvas.rotatedText(c, left: gridLeft + Double(j) * cell + cell / 2 - (try canvas.lineHeight(header)) / 2,
                                       centreY: headerBottom - (try canvas.width(c, header)) / 2, style: header, role: .header)
        }
        _ = try canvas.text(countHeader, x: gridLeft + gridWidth + gap + countWidth, top: headerBottom - (try canvas.lineHeight(bold)),
                            align: .end, style: bold, role: .header)
        let gridTop = headerBottom + 4
        let rule = StrokeStyle(color: .shadeMedium, width: 0.5)
        let maxCount = max(1, input.counts.flatMap { $0 }.max() ?? 1)
        for (i, row) in rowLabels.enumerated() {
            let y = gridTop + Double(i) * cell
            if i % 2 == 0 {
                canvas.rect(PlotRect(x: margin, y: y, width: width - 2 * margin, height: cell), fill: .shadeLight, role: .background)
            }
            _ = try canvas.text(row, x: margin, centreY: y + cell / 2, align: .start, style: label, role: .studyLabel)
            var linked = 0
            for j in input.columns.indices where input.counts[i][j] > 0 {
                linked += 1
                let fraction = Double(input.counts[i][j]) / Double(maxCount)
                let radius = 3.5 + 5 * fraction.squareRoot()
                canvas.circle(PlotPoint(x: gridLeft + Double(j) * cell + cell / 2, y: y + cell / 2), radius: radius,
                              fill: .accent, stroke: nil, role: .studyPoint)
            }
            _ = try canvas.text("\(linked)/\(input.columns.count)", x: gridLeft + gridWidth + gap + countWidth, centreY: y + cell / 2,
                                align: .end, style: label, role: .cell)
        }
        let gridBottom = gridTop + Double(input.rows.count) * cell
        for j in 0...input.columns.count {
            let x = gridLeft + Double(j) * cell
            canvas.line(x, gridTop, x, gridBottom, stroke: rule, role: .rule)
        }
        canvas.line(margin, gridBottom, width - margin, gridBottom, stroke: StrokeStyle(color: .black, width: 0.75), role: .rule)
        let bottom = try canvas.paragraph(input.legend, left: margin, top: gridBottom + gap, maxWidth: width - 2 * margin,
                                          style: note, role: .note, width: &width)
        return canvas.layout(width: width, height: bottom + margin)
    }
}

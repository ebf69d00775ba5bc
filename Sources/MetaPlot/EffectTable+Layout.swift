extension EffectTable {
    /// Places the table, the plot column, the axis and the footer.
    ///
    /// Horizontally everything is fixed first: column widths are the widest of their header and
    /// values (labels ellipsized at `TableMetrics.maxLabelWidth`), then the plot column, the tick
    /// labels and the "Favours" labels, and from these the room left for footer sentences. Then
    /// rows are stacked at `TableMetrics.rowPitch`; notes wrap, so a row may take several lines.
    func layout(engine: TextEngine) throws(PlotError) -> PlotLayout {
        typealias M = TableMetrics
        var canvas = LayoutCanvas(engine: engine)
        let pitch = M.rowPitch

        // MARK: Horizontal layout

        // Label column: the widest entry label, capped.
        var labelWidth = try canvas.width(labelHeader, M.bold)
        for row in rows where row.kind == .entry {
            labelWidth = max(labelWidth, try canvas.width(row.label, row.bold ? M.bold : M.body))
        }
        labelWidth = min(labelWidth, max(M.maxLabelWidth, try canvas.width(labelHeader, M.bold)))

        // Data columns: widest of header and values.
        var widths = try columns.map { (column: Column) throws(PlotError) -> Double in try canvas.width(column.header, M.bold) }
        for row in rows where row.kind == .entry {
            for (index, cell) in row.cells.enumerated() where index < widths.count {
                if let cell { widths[index] = max(widths[index], try canvas.width(cell, row.bold ? M.bold : M.body)) }
            }
        }
        // Arm titles: widen the group's columns to fit, up to a cap; longer titles are ellipsized.
        var groupTitles: [String] = []
        for group in groups {
            let title = try canvas.ellipsized(group.title, M.bold, maxWidth: M.maxGroupTitleWidth)
            groupTitles.append(title)
            let span = group.columns.reduce(0) { $0 + widths[$1] } + Double(max(0, group.columns.count - 1)) * M.columnGap
            let missing = try canvas.width(title, M.bold) - span
            if missing > 0, !group.columns.isEmpty {
                for index in group.columns { widths[index] += missing / Double(group.columns.count) }
            }
        }
        func groupIndex(_ column: Int) -> Int? { groups.firstIndex { $0.columns.contains(column) } }

        var x = M.margin
        let labelLeft = x
        x += labelWidth
        var columnRight: [Double] = []
        for index in columns.indices {
            let sameGroup = index > 0 && groupIndex(index) != nil && groupIndex(index) == groupIndex(index - 1)
            x += sameGroup ? M.columnGap : M.sectionGap
            x += widths[index]
            columnRight.append(x)
        }
        let effectCells = rows.filter { $0.kind == .entry }.compactMap { row in row.effect.map { ($0, row.bold) } }
        var effectWidth = max(try canvas.width(effectHeader.top, M.bold), try canvas.width(effectHeader.bottom, M.bold))
        for (text, bold) in effectCells { effectWidth = max(effectWidth, try canvas.width(text, bold ? M.bold : M.body)) }
        x += M.sectionGap
        let effectLeft = x
        let effectRight = x + effectWidth
        let plotLeft = effectRight + M.plotGap
        let mapping = AxisMapping(axis: axis, left: plotLeft, width: M.plotWidth)
        let plotRight = mapping.right
        let nullX = mapping.x(axis.null)

        // Tick labels, dropping any that would touch a neighbour (kept outward from no effect).
        var tickLabels: [(x: Double, label: String, width: Double)] = []
        let ticks = axis.ticks.sorted { abs($0.value - axis.null) < abs($1.value - axis.null) }
        for tick in ticks {
            let tx = mapping.x(tick.value)
            let w = try canvas.width(tick.label, M.tick)
            let clash = tickLabels.contains { abs($0.x - tx) < ($0.width + w) / 2 + 3 }
            if !clash { tickLabels.append((tx, tick.label, w)) }
        }
        tickLabels.sort { $0.x < $1.x }

        // "Favours" labels: each side of no effect, wrapped to a little more than half the plot.
        let favoursWidth = M.plotWidth / 2 + 30
        // An axis without a line of no effect (a proportion's) has no sides to favour.
        let leftFavours = !axis.showsNull || favours.left.isEmpty ? [] : try canvas.wrapped(favours.left, M.body, maxWidth: favoursWidth)
        let rightFavours = !axis.showsNull || favours.right.isEmpty ? [] : try canvas.wrapped(favours.right, M.body, maxWidth: favoursWidth)
        var leftFavoursMin = nullX - 5
        for line in leftFavours { leftFavoursMin = min(leftFavoursMin, nullX - 5 - (try canvas.width(line, M.body))) }
        var rightFavoursMax = nullX + 5
        for line in rightFavours { rightFavoursMax = max(rightFavoursMax, nullX + 5 + (try canvas.width(line, M.body))) }

        // Plot headers centred over the plot, never wider than it.
        let plotHeaderTop = try canvas.ellipsized(effectHeader.top, M.bold, maxWidth: M.plotWidth)
        let plotHeaderBottom = try canvas.ellipsized(effectHeader.bottom, M.bold, maxWidth: M.plotWidth)

        var contentRight = plotRight
        for tick in tickLabels { contentRight = max(contentRight, tick.x + tick.width / 2) }
        contentRight = max(contentRight, rightFavoursMax)

        // Risk-of-bias columns right of everything above: one per domain, centred under their header.
        typealias R = RiskOfBiasColumnMetrics
        var robCentres: [Double] = []
        var robSpan: (left: Double, right: Double)?
        if let rob = riskOfBias {
            let left = contentRight + M.sectionGap
            var span = Double(rob.domains.count) * R.pitch
            span = max(span, try canvas.width(R.header, M.bold))
            let first = left + (span - Double(rob.domains.count) * R.pitch) / 2 + R.pitch / 2
            robCentres = rob.domains.indices.map { first + Double($0) * R.pitch }
            robSpan = (left, left + span)
            contentRight = left + span
        }
        let canvasWidth = contentRight + M.margin

        // Room for sentences: left of the plot inside the table; beside the axis labels below it.
        let spanWidth = plotLeft - M.plotGap - labelLeft
        var axisTextLeft = min(leftFavoursMin, plotLeft)
        for tick in tickLabels { axisTextLeft = min(axisTextLeft, tick.x - tick.width / 2) }
        let besideWidth = axisTextLeft - M.sectionGap - labelLeft
        let footerBeside = besideWidth >= M.minFooterWidth
        let footerWidth = footerBeside ? besideWidth : canvasWidth - 2 * M.margin

        // MARK: Vertical layout

        var y = M.margin
        if let title, !title.isEmpty {
            let titleHeight = try canvas.lineHeight(M.title)
            for line in try canvas.wrapped(title, M.title, maxWidth: canvasWidth - 2 * M.margin) {
                try canvas.text(line, x: labelLeft, top: y, align: .start, style: M.title, role: .title)
                y += titleHeight + 2
            }
            y += 6
        }

        // Two header lines.
        let headerTop = y + pitch / 2
        let headerBottom = y + pitch * 1.5
        for (index, group) in groups.enumerated() where !group.columns.isEmpty {
            let first = group.columns.lowerBound, last = group.columns.upperBound - 1
            let left = columnRight[first] - widths[first]
            let centre = (left + columnRight[last]) / 2
            try canvas.text(groupTitles[index], x: centre, centreY: headerTop, align: .middle, style: M.bold, role: .header)
        }
        try canvas.text(labelHeader, x: labelLeft, centreY: headerBottom, align: .start, style: M.bold, role: .header)
        for (index, column) in columns.enumerated() {
            let centre = columnRight[index] - widths[index] / 2
            try canvas.text(column.header, x: centre, centreY: headerBottom, align: .middle, style: M.bold, role: .header)
        }
        let effectCentre = (effectLeft + effectRight) / 2
        try canvas.text(effectHeader.top, x: effectCentre, centreY: headerTop, align: .middle, style: M.bold, role: .header)
        try canvas.text(effectHeader.bottom, x: effectCentre, centreY: headerBottom, align: .middle, style: M.bold, role: .header)
        let plotCentre = (plotLeft + plotRight) / 2
        try canvas.text(plotHeaderTop, x: plotCentre, centreY: headerTop, align: .middle, style: M.bold, role: .header)
        try canvas.text(plotHeaderBottom, x: plotCentre, centreY: headerBottom, align: .middle, style: M.bold, role: .header)
        if let span = robSpan {
            try canvas.text(R.header, x: (span.left + span.right) / 2, centreY: headerTop, align: .middle, style: M.bold, role: .header)
            for (index, x) in robCentres.enumerated() {
                try canvas.text(ForestRiskOfBias.letter(index), x: x, centreY: headerBottom, align: .middle, style: M.bold, role: .header)
            }
        }
        y += 2 * pitch + 2
        let ruleY = y
        canvas.line(labelLeft, ruleY, plotRight, ruleY, stroke: M.thin, role: .rule)
        if let span = robSpan { canvas.line(span.left, ruleY, span.right, ruleY, stroke: M.thin, role: .rule) }
        y += 3

        // Rows.
        var marks: [(mark: Mark, centreY: Double)] = []
        for row in rows {
            switch row.kind {
            case .spacer:
                y += pitch / 2
            case .heading:
                let text = try canvas.ellipsized(row.label, M.bold, maxWidth: spanWidth)
                try canvas.text(text, x: labelLeft, centreY: y + pitch / 2, align: .start, style: M.bold, role: .studyLabel)
                y += pitch
            case .note:
                let style = row.bold ? M.bold : M.body
                for line in try canvas.wrapped(row.label, style, maxWidth: spanWidth) {
                    try canvas.text(line, x: labelLeft, centreY: y + pitch / 2, align: .start, style: style, role: .note)
                    y += pitch
                }
            case .entry:
                let style = row.bold ? M.bold : M.body
                let centreY = y + pitch / 2
                if !row.label.isEmpty {
                    let label = try canvas.ellipsized(row.label, style, maxWidth: labelWidth)
                    try canvas.text(label, x: labelLeft, centreY: centreY, align: .start, style: style, role: .studyLabel)
                }
                for (index, cell) in row.cells.enumerated() where index < columns.count {
                    guard let cell, !cell.isEmpty else { continue }
                    try canvas.text(cell, x: columnRight[index], centreY: centreY, align: .end, style: style, role: .cell)
                }
                if let effect = row.effect {
                    try canvas.text(effect, x: effectRight, centreY: centreY, align: .end, style: style, role: .effect)
                }
                if let mark = row.mark { marks.append((mark, centreY)) }
                if let rob = riskOfBias, let judgements = row.judgements {
                    for (x, judgement) in zip(robCentres, judgements) {
                        try Plots.symbolDot(&canvas, rob.categories[judgement], centre: PlotPoint(x: x, y: centreY), diameter: R.dot)
                    }
                }
                y += pitch
            }
        }
        let tableBottom = y + 2
        let axisY = tableBottom

        // Plot column: no-effect line, reference line, marks.
        if axis.showsNull { canvas.line(nullX, ruleY, nullX, axisY, stroke: M.thin, role: .nullLine) }
        if let reference, axis.contains(reference) {
            let rx = mapping.x(reference)
            canvas.line(rx, ruleY, rx, axisY, stroke: M.referenceStroke, role: .referenceLine)
        }
        for (mark, centreY) in marks { drawMark(mark, centreY: centreY, mapping: mapping, canvas: &canvas) }

        // Axis.
        canvas.line(plotLeft, axisY, plotRight, axisY, stroke: M.thin, role: .axis)
        for tick in axis.ticks {
            let tx = mapping.x(tick.value)
            canvas.line(tx, axisY, tx, axisY + 3, stroke: M.thin, role: .tick)
        }
        let tickTop = axisY + 4
        let tickHeight = try canvas.lineHeight(M.tick)
        for tick in tickLabels {
            try canvas.text(tick.label, x: tick.x, top: tickTop, align: .middle, style: M.tick, role: .tick)
        }
        let favoursTop = tickTop + tickHeight + 2
        let bodyHeight = try canvas.lineHeight(M.body)
        for (index, line) in leftFavours.enumerated() {
            try canvas.text(line, x: nullX - 5, top: favoursTop + Double(index) * (bodyHeight + 1), align: .end,
                            style: M.body, role: .favours)
        }
        for (index, line) in rightFavours.enumerated() {
            try canvas.text(line, x: nullX + 5, top: favoursTop + Double(index) * (bodyHeight + 1), align: .start,
                            style: M.body, role: .favours)
        }
        let favoursBottom = favoursTop + Double(max(leftFavours.count, rightFavours.count)) * (bodyHeight + 1)

        // Footer sentences.
        var footerY = footerBeside ? axisY + 2 : favoursBottom + 8
        for sentence in footer {
            for line in try canvas.wrapped(sentence, M.body, maxWidth: footerWidth) {
                try canvas.text(line, x: labelLeft, centreY: footerY + pitch / 2, align: .start, style: M.body, role: .note)
                footerY += pitch
            }
        }
        var bottom = max(favoursBottom, footerY)
        var width = canvasWidth
        if let rob = riskOfBias {
            let legendWidth = canvasWidth - 2 * M.margin
            bottom += 8
            bottom = try canvas.text(R.legendHeader, x: labelLeft, top: bottom, align: .start, style: M.bold, role: .legend).maxY + 2
            for (index, domain) in rob.domains.enumerated() {
                for line in try canvas.wrapped("(\(ForestRiskOfBias.letter(index))) \(domain)", M.body, maxWidth: legendWidth) {
                    bottom = try canvas.text(line, x: labelLeft, top: bottom, align: .start, style: M.body, role: .legend).maxY
                }
            }
            let legend = try Plots.judgementLegend(&canvas, rob.categories, left: labelLeft, top: bottom + 4, maxWidth: legendWidth, dot: R.dot)
            bottom = legend.bottom
            width = max(width, legend.right + M.margin)
            if let note = rob.note {
                bottom += 4
                for line in try canvas.wrapped(note, TextStyle(size: 9, color: .grey), maxWidth: legendWidth) {
                    bottom = try canvas.text(line, x: labelLeft, top: bottom, align: .start, style: TextStyle(size: 9, color: .grey), role: .note).maxY
                }
            }
        }
        return canvas.layout(width: width, height: bottom + M.margin)
    }

    /// Draws a square with its interval line, a diamond, or a prediction interval.
    private func drawMark(_ mark: Mark, centreY: Double, mapping: AxisMapping, canvas: inout LayoutCanvas) {
        typealias M = TableMetrics
        switch mark {
        case let .square(estimate, lower, upper, side):
            drawInterval(lower: lower, upper: upper, centreY: centreY, mapping: mapping, stroke: M.ciStroke,
                         role: .ciLine, caps: false, canvas: &canvas)
            if mapping.axis.contains(estimate), side > 0 {
                let cx = mapping.x(estimate)
                canvas.rect(PlotRect(x: cx - side / 2, y: centreY - side / 2, width: side, height: side),
                            fill: .accent, role: .studySquare)
            }
        case let .diamond(estimate, lower, upper):
            let half = M.diamondHeight / 2
            // A very precise pooled estimate still gets a visible diamond, centred on it.
            let centre = mapping.clampedX(estimate)
            var left = mapping.clampedX(lower), right = mapping.clampedX(upper)
            if right - left < M.minDiamondWidth {
                left = min(left, centre - M.minDiamondWidth / 2)
                right = max(right, centre + M.minDiamondWidth / 2)
            }
            let points = [
                PlotPoint(x: left, y: centreY),
                PlotPoint(x: centre, y: centreY - half),
                PlotPoint(x: right, y: centreY),
                PlotPoint(x: centre, y: centreY + half),
            ]
            canvas.polygon(points, fill: .black, role: .diamond)
        case let .interval(lower, upper):
            drawInterval(lower: lower, upper: upper, centreY: centreY, mapping: mapping, stroke: M.intervalStroke,
                         role: .predictionInterval, caps: true, canvas: &canvas)
        }
    }

    /// A horizontal interval line limited to the axis, with an arrow head where it leaves the axis
    /// and, for `caps`, short vertical end caps where it does not.
    private func drawInterval(lower: Double, upper: Double, centreY: Double, mapping: AxisMapping, stroke: StrokeStyle,
                              role: ElementRole, caps: Bool, canvas: inout LayoutCanvas) {
        typealias M = TableMetrics
        let axis = mapping.axis
        guard upper >= axis.lower, lower <= axis.upper else {
            // Entirely off the axis: an arrow at the side it lies on.
            let tipX = upper < axis.lower ? mapping.left : mapping.right
            let direction: Double = upper < axis.lower ? -1 : 1
            drawArrow(tipX: tipX, centreY: centreY, direction: direction, color: stroke.color, canvas: &canvas)
            return
        }
        let leftClipped = lower < axis.lower, rightClipped = upper > axis.upper
        var x1 = mapping.clampedX(lower), x2 = mapping.clampedX(upper)
        if leftClipped { x1 += M.arrowLength - 0.5 }
        if rightClipped { x2 -= M.arrowLength - 0.5 }
        if x2 > x1 { canvas.line(x1, centreY, x2, centreY, stroke: stroke, role: role) }
        if leftClipped {
            drawArrow(tipX: mapping.left, centreY: centreY, direction: -1, color: stroke.color, canvas: &canvas)
        } else if caps {
            canvas.line(x1, centreY - 3, x1, centreY + 3, stroke: stroke, role: role)
        }
        if rightClipped {
            drawArrow(tipX: mapping.right, centreY: centreY, direction: 1, color: stroke.color, canvas: &canvas)
        } else if caps {
            canvas.line(x2, centreY - 3, x2, centreY + 3, stroke: stroke, role: role)
        }
    }

    /// A filled arrow head with its tip at `tipX`, pointing left (−1) or right (+1).
    private func drawArrow(tipX: Double, centreY: Double, direction: Double, color: PlotColor, canvas: inout LayoutCanvas) {
        typealias M = TableMetrics
        let baseX = tipX - direction * M.arrowLength
        canvas.polygon([PlotPoint(x: tipX, y: centreY),
                        PlotPoint(x: baseX, y: centreY - M.arrowHalfWidth),
                        PlotPoint(x: baseX, y: centreY + M.arrowHalfWidth)],
                       fill: color, role: .arrow)
    }
}

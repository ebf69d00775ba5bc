/// A PRISMA 2020 flow diagram: phases down the left, a column of boxes that flow down, and beside
/// each the box of what was removed or excluded at that step.
public struct PrismaPlotInput: Sendable {
    public struct Line: Sendable, Hashable {
        public var text: String
        public var bold: Bool
        /// Indented under the line before (a database, a reason).
        public var indent: Bool
        public init(_ text: String, bold: Bool = false, indent: Bool = false) {
            self.text = text
            self.bold = bold
            self.indent = indent
        }
    }
    public struct Row: Sendable {
        /// The phase (Identification, Screening, Included); consecutive rows of one phase share its bar.
        public var phase: String
        public var main: [Line]
        /// The side box (removed, excluded), nil for none.
        public var side: [Line]?
        public init(phase: String, main: [Line], side: [Line]? = nil) {
            self.phase = phase
            self.main = main
            self.side = side
        }
    }
    public var title: String
    public var rows: [Row]
    public var note: String?
    public init(title: String, rows: [Row], note: String? = nil) {
        self.title = title
        self.rows = rows
        self.note = note
    }
}

extension Plots {
    public static func prisma(_ input: PrismaPlotInput) throws(PlotError) -> PlotLayout {
        guard !input.rows.isEmpty, input.rows.allSatisfy({ !$0.main.isEmpty }) else {
            throw .inconsistentInput(detail: "the flow diagram needs at least one box, each with at least one line")
        }
        return try withRenderLock { () throws(PlotError) -> PlotLayout in
            try prismaLayout(input, engine: try TextEngine())
        }
    }

    static func prismaLayout(_ input: PrismaPlotInput, engine: TextEngine) throws(PlotError) -> PlotLayout {
        var canvas = LayoutCanvas(engine: engine)
        let margin = 16.0, bar = 28.0, gap = 14.0, boxWidth = 300.0, arrowGap = 56.0, pad = 8.0, rowGap = 30.0
        let regular = TextStyle(size: 11), bold = TextStyle(size: 11, weight: .bold), phaseStyle = TextStyle(size: 12, weight: .bold)
        let headerStyle = TextStyle(size: 12, weight: .bold), note = TextStyle(size: 10, color: .grey)
        let lineHeight = try canvas.lineHeight(regular)
        let indent = 12.0
        /// A box's wrapped lines: (text, style, x offset).
        func wrap(_ lines: [PrismaPlotInput.Line]) throws(PlotError) -> [(String, TextStyle, Double)] {
            var out: [(String, TextStyle, Double)] = []
            for l in lines {
                let style = l.bold ? bold : regular
                let offset = l.indent ? indent : 0
                for w in try canvas.wrapped(l.text, style, maxWidth: boxWidth - 2 * pad - offset) { out.append((w, style, offset)) }
            }
            return out
        }
        let mains = try input.rows.map { (r: PrismaPlotInput.Row) throws(PlotError) in try wrap(r.main) }
        let sides = try input.rows.map { (r: PrismaPlotInput.Row) throws(PlotError) in try r.side.map { (s: [PrismaPlotInput.Line]) throws(PlotError) in try wrap(s) } }
        var heights = input.rows.indices.map { i in
            Double(max(mains[i].count, sides[i]?.count ?? 0)) * lineHeight + 2 * pad
        }
        // Phases: runs of rows; each bar at least as tall as its rotated label.
        var phases: [(name: String, rows: Range<Int>)] = []
        for (i, r) in input.rows.enumerated() {
            if let last = phases.last, last.name == r.phase { phases[phases.count - 1].rows = last.rows.lowerBound..<(i + 1) }
            else { phases.append((r.phase, i..<(i + 1))) }
        }
        for p in phases {
            let span = p.rows.reduce(0.0) { $0 + heights[$1] } + Double(p.rows.count - 1) * rowGap
            let needed = try canvas.width(p.name, phaseStyle) + 16
            if span < needed {
                let extra = (needed - span) / Double(p.rows.count)
                for i in p.rows { heights[i] += extra }
            }
        }
        let mainLeft = margin + bar + gap
        let sideLeft = mainLeft + boxWidth + arrowGap
        let width = sideLeft + boxWidth + margin
        var top = margin
        for line in try canvas.wrapped(input.title, TextStyle(size: 13, weight: .bold), maxWidth: width - 2 * margin) {
            top = try canvas.text(line, x: margin, top: top, align: .start, style: TextStyle(size: 13, weight: .bold), role: .title).maxY
        }
        top += gap
        // The template's header: the kind of sources, across both columns.
        let header = "Identification of studies via databases and registers"
        let headerHeight = try canvas.lineHeight(headerStyle) + 2 * pad
        canvas.rect(PlotRect(x: mainLeft, y: top, width: width - margin - mainLeft, height: headerHeight),
                    fill: PlotColor(red: 255, green: 217, blue: 102), stroke: StrokeStyle(color: .black, width: 0.75), role: .frame)
        try canvas.text(header, x: (mainLeft + width - margin) / 2, centreY: top + headerHeight / 2, align: .middle, style: headerStyle, role: .header)
        top += headerHeight + gap
        var tops: [Double] = []
        var y = top
        for h in heights { tops.append(y); y += h + rowGap }
        let bottomOfRows = y - rowGap
        let frame = StrokeStyle(color: .black, width: 0.75)
        func drawBox(_ lines: [(String, TextStyle, Double)], left: Double, top: Double, height: Double) throws(PlotError) {
            canvas.rect(PlotRect(x: left, y: top, width: boxWidth, height: height), fill: .white, stroke: frame, role: .frame)
            var ty = top + pad
            for (text, style, offset) in lines {
                ty = try canvas.text(text, x: left + pad + offset, top: ty, align: .start, style: style, role: .cell).maxY
            }
        }
        func arrow(from a: PlotPoint, to b: PlotPoint) {
            canvas.line(a.x, a.y, b.x, b.y, stroke: StrokeStyle(color: .black, width: 1), role: .arrow)
            let dx = b.x - a.x, dy = b.y - a.y
            let length = max(1e-9, (dx * dx + dy * dy).squareRoot())
            let ux = dx / length, uy = dy / length, size = 7.0
            canvas.polygon([b, PlotPoint(x: b.x - ux * size - uy * size / 2, y: b.y - uy * size + ux * size / 2),
                            PlotPoint(x: b.x - ux * size + uy * size / 2, y: b.y - uy * size - ux * size / 2)],
                           fill: .black, role: .arrow)
        }
        for i in input.rows.indices {
            try drawBox(mains[i], left: mainLeft, top: tops[i], height: heights[i])
            if let side = sides[i] {
                try drawBox(side, left: sideLeft, top: tops[i], height: heights[i])
                arrow(from: PlotPoint(x: mainLeft + boxWidth, y: tops[i] + heights[i] / 2), to: PlotPoint(x: sideLeft, y: tops[i] + heights[i] / 2))
            }
            if i + 1 < input.rows.count {
                arrow(from: PlotPoint(x: mainLeft + boxWidth / 2, y: tops[i] + heights[i]), to: PlotPoint(x: mainLeft + boxWidth / 2, y: tops[i + 1]))
            }
        }
        for p in phases {
            let t = tops[p.rows.lowerBound], b = tops[p.rows.upperBound - 1] + heights[p.rows.upperBound - 1]
            canvas.rect(PlotRect(x: margin, y: t, width: bar, height: b - t), fill: PlotColor(red: 157, green: 195, blue: 230),
                        stroke: frame, role: .frame)
            try canvas.rotatedText(p.name, left: margin + (bar - (try canvas.lineHeight(phaseStyle))) / 2, centreY: (t + b) / 2,
                                   style: phaseStyle, role: .header)
        }
        var bottom = bottomOfRows
        if let n = input.note {
            bottom += gap
            for line in try canvas.wrapped(n, note, maxWidth: width - 2 * margin) {
                bottom = try canvas.text(line, x: margin, top: bottom, align: .start, style: note, role: .note).maxY
            }
        }
        return canvas.layout(width: width, height: bottom + margin)
    }
}

/// Collects the elements of a layout while a plot is being laid out: shapes in painting order,
/// then text on top. Text is measured with Pango as it is placed, so every run's box is exact.
struct LayoutCanvas {
    let engine: TextEngine
    private(set) var shapes: [PlotElement] = []
    private(set) var runs: [TextRun] = []

    init(engine: TextEngine) {
        self.engine = engine
    }

    // MARK: Shapes

    mutating func add(_ element: PlotElement) { shapes.append(element) }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: StrokeStyle, role: ElementRole) {
        shapes.append(.line(LineElement(from: PlotPoint(x: x1, y: y1), to: PlotPoint(x: x2, y: y2),
                                        stroke: stroke, role: role)))
    }

    mutating func rect(_ rect: PlotRect, fill: PlotColor?, stroke: StrokeStyle? = nil, role: ElementRole) {
        shapes.append(.rect(RectElement(rect: rect, fill: fill, stroke: stroke, role: role)))
    }

    mutating func polygon(_ points: [PlotPoint], fill: PlotColor?, stroke: StrokeStyle? = nil, role: ElementRole) {
        shapes.append(.polygon(PolygonElement(points: points, fill: fill, stroke: stroke, role: role)))
    }

    mutating func circle(_ centre: PlotPoint, radius: Double, fill: PlotColor?, stroke: StrokeStyle?, role: ElementRole) {
        shapes.append(.circle(CircleElement(centre: centre, radius: radius, fill: fill, stroke: stroke, role: role)))
    }

    // MARK: Text

    /// The measured extent of `text` in `style`.
    func measure(_ text: String, _ style: TextStyle) throws(PlotError) -> TextMetrics {
        try engine.measure(Self.clean(text), style)
    }

    func width(_ text: String, _ style: TextStyle) throws(PlotError) -> Double {
        try measure(text, style).width
    }

    /// Height of one line in `style`.
    func lineHeight(_ style: TextStyle) throws(PlotError) -> Double {
        try engine.measure("Ag", style).height
    }

    /// Places one line of text whose logical box has its top at `top`; `x` is the start, middle or
    /// end of the line according to `align`. Returns the box. An empty text adds no run.
    @discardableResult
    mutating func text(_ text: String, x: Double, top: Double, align: TextAnchor, style: TextStyle,
                       role: TextRole) throws(PlotError) -> PlotRect {
        let clean = Self.clean(text)
        let metrics = try engine.measure(clean, style)
        guard !clean.isEmpty else { return PlotRect(x: x, y: top, width: 0, height: metrics.height) }
        let left: Double
        switch align {
        case .start: left = x
        case .middle: left = x - metrics.width / 2
        case .end: left = x - metrics.width
        }
        let rect = PlotRect(x: left, y: top, width: metrics.width, height: metrics.height)
        runs.append(TextRun(text: clean, anchor: PlotPoint(x: x, y: top + metrics.baseline), alignment: align,
                            style: style, rotated: false, box: TextBox(text: clean, rect: rect, role: role)))
        return rect
    }

    /// `text` wrapped to `maxWidth`, its lines one under the other from (`left`, `top`); `width` grows
    /// to hold every line with `left` to spare on the right. Returns the bottom of the last line
    /// (`top` when there is none).
    mutating func paragraph(_ text: String, left: Double, top: Double, maxWidth: Double, style: TextStyle,
                            role: TextRole, width: inout Double) throws(PlotError) -> Double {
        var bottom = top
        for line in try wrapped(text, style, maxWidth: maxWidth) {
            let rect = try self.text(line, x: left, top: bottom, align: .start, style: style, role: role)
            bottom = rect.maxY
            width = max(width, rect.maxX + left)
        }
        return bottom
    }

    /// Places one line of text centred vertically on `centreY`.
    @discardableResult
    mutating func text(_ text: String, x: Double, centreY: Double, align: TextAnchor, style: TextStyle,
                       role: TextRole) throws(PlotError) -> PlotRect {
        let height = try measure(text, style).height
        return try self.text(text, x: x, top: centreY - height / 2, align: align, style: style, role: role)
    }

    /// Places a line reading bottom to top, its box's left edge at `left`, centred on `centreY`.
    @discardableResult
    mutating func rotatedText(_ text: String, left: Double, centreY: Double, style: TextStyle,
                              role: TextRole) throws(PlotError) -> PlotRect {
        let clean = Self.clean(text)
        let metrics = try engine.measure(clean, style)
        let rect = PlotRect(x: left, y: centreY - metrics.width / 2, width: metrics.height, height: metrics.width)
        guard !clean.isEmpty else { return rect }
        runs.append(TextRun(text: clean, anchor: PlotPoint(x: left + metrics.baseline, y: centreY), alignment: .middle,
                            style: style, rotated: true, box: TextBox(text: clean, rect: rect, role: role)))
        return rect
    }

    /// `text` shortened with a trailing ellipsis so that it is at most `maxWidth` wide.
    func ellipsized(_ text: String, _ style: TextStyle, maxWidth: Double) throws(PlotError) -> String {
        let clean = Self.clean(text)
        if try width(clean, style) <= maxWidth { return clean }
        let characters = Array(clean)
        var low = 0, high = characters.count   // the longest prefix that fits lies in [low, high)
        while high - low > 1 {
            let mid = (low + high) / 2
            let candidate = Self.trimmedPrefix(characters, mid) + "…"
            if try width(candidate, style) <= maxWidth { low = mid } else { high = mid }
        }
        let result = Self.trimmedPrefix(characters, low) + "…"
        return try width(result, style) <= maxWidth ? result : ""
    }

    private static func trimmedPrefix(_ characters: [Character], _ count: Int) -> String {
        var prefix = String(characters[0..<count])
        while let last = prefix.last, last == " " { prefix.removeLast() }
        return prefix
    }

    /// `text` broken into lines at most `maxWidth` wide, at spaces; a word that is too long on its
    /// own is ellipsized.
    func wrapped(_ text: String, _ style: TextStyle, maxWidth: Double) throws(PlotError) -> [String] {
        let clean = Self.clean(text)
        if try width(clean, style) <= maxWidth { return [clean] }
        var lines: [String] = []
        var current = ""
        for word in clean.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if try width(candidate, style) <= maxWidth {
                current = candidate
                continue
            }
            if !current.isEmpty { lines.append(current) }
            current = try width(word, style) <= maxWidth ? word : try ellipsized(word, style, maxWidth: maxWidth)
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// Text as it can be drawn and serialised: control characters (tabs, newlines) become spaces and
    /// characters XML cannot hold are dropped.
    static func clean(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: scalars.append(" ")
            case 0x00..<0x20, 0x7F, 0xFFFE, 0xFFFF: continue
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    // MARK: Result

    /// The finished layout: shapes, then text.
    func layout(width: Double, height: Double) -> PlotLayout {
        PlotLayout(width: width, height: height, elements: shapes + runs.map { .text($0) })
    }
}

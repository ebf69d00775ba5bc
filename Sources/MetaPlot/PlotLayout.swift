/// A finished figure as plain data: every line, mark and text run with its position, in points
/// (1/72 inch), origin at the top left, y pointing down. Computing a plot yields a `PlotLayout`;
/// rendering (`Plots.render`) only interprets it, so tests can check geometry without pixels.
public struct PlotLayout: Sendable, Hashable {
    /// Canvas width in points.
    public var width: Double
    /// Canvas height in points.
    public var height: Double
    /// Everything drawn, in painting order (later elements over earlier ones).
    public var elements: [PlotElement]
    /// The measured box of every text run, in the order of the runs in `elements`.
    public var textBoxes: [TextBox]

    public init(width: Double, height: Double, elements: [PlotElement]) {
        self.width = width
        self.height = height
        self.elements = elements
        self.textBoxes = elements.compactMap { element in
            if case .text(let run) = element { return run.box }
            return nil
        }
    }

    /// The text runs, in painting order.
    public var textRuns: [TextRun] {
        elements.compactMap { element in
            if case .text(let run) = element { return run }
            return nil
        }
    }
}

/// A point of the canvas.
public struct PlotPoint: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// An axis-aligned rectangle of the canvas.
public struct PlotRect: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
    public var minX: Double { x }
    public var minY: Double { y }
    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
    public var midX: Double { x + width / 2 }
    public var midY: Double { y + height / 2 }

    /// Whether the two rectangles share interior area (touching edges do not count).
    public func intersects(_ other: PlotRect) -> Bool {
        minX < other.maxX && other.minX < maxX && minY < other.maxY && other.minY < maxY
    }

    /// Whether `other` lies inside this rectangle, `tolerance` points of slack allowed.
    public func contains(_ other: PlotRect, tolerance: Double = 1e-9) -> Bool {
        other.minX >= minX - tolerance && other.maxX <= maxX + tolerance
            && other.minY >= minY - tolerance && other.maxY <= maxY + tolerance
    }
}

/// An opaque sRGB colour.
public struct PlotColor: Sendable, Hashable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// "#rrggbb".
    public var hex: String {
        let digits = Array("0123456789abcdef")
        var text = "#"
        for component in [red, green, blue] {
            text.append(digits[Int(component >> 4)])
            text.append(digits[Int(component & 0x0f)])
        }
        return text
    }

    public static let black = PlotColor(red: 0, green: 0, blue: 0)
    public static let white = PlotColor(red: 255, green: 255, blue: 255)
    /// Secondary lines and labels.
    public static let grey = PlotColor(red: 110, green: 110, blue: 110)
    /// The single accent: study squares and observed points.
    public static let accent = PlotColor(red: 31, green: 78, blue: 121)
    /// Contour shading of a funnel plot, light to dark.
    public static let shadeLight = PlotColor(red: 240, green: 240, blue: 240)
    public static let shadeMedium = PlotColor(red: 217, green: 217, blue: 217)
    public static let shadeDark = PlotColor(red: 189, green: 189, blue: 189)
}

/// How a line or outline is stroked.
public struct StrokeStyle: Sendable, Hashable {
    public var color: PlotColor
    /// Width in points.
    public var width: Double
    /// Dash pattern in points (on, off, …); empty for a solid line.
    public var dash: [Double]
    public init(color: PlotColor = .black, width: Double = 0.75, dash: [Double] = []) {
        self.color = color
        self.width = width
        self.dash = dash
    }
}

/// What an element stands for; lets tests and readers of a layout find things without geometry.
public enum ElementRole: String, Sendable, Hashable, CaseIterable {
    case background
    /// A horizontal rule of the table.
    case rule
    /// The vertical line of no effect.
    case nullLine
    /// A dashed reference line (leave-one-out: the full-data estimate; funnel: pooled estimate).
    case referenceLine
    /// The trim-and-fill adjusted estimate in a funnel plot.
    case adjustedLine
    case axis
    case tick
    /// A study's confidence interval line.
    case ciLine
    /// The head of an arrow where a confidence interval leaves the axis.
    case arrow
    /// A study's square, its area proportional to the study's weight.
    case studySquare
    /// A pooled estimate's diamond.
    case diamond
    /// A prediction interval.
    case predictionInterval
    /// Pseudo confidence limits of a funnel plot.
    case pseudoLimit
    /// Significance contour shading of a funnel plot.
    case contour
    case studyPoint
    case imputedPoint
    case legend
    case frame
    /// Light grid lines of a scatter plot.
    case grid
    /// A density image (GOSH plot: how many subsets fall in each bin).
    case density
    /// The fit to all studies, marked in a GOSH plot.
    case fullSetPoint
    /// A study flagged as influential (Baujat plot).
    case influentialPoint
}

/// A straight line segment.
public struct LineElement: Sendable, Hashable {
    public var from: PlotPoint
    public var to: PlotPoint
    public var stroke: StrokeStyle
    public var role: ElementRole
}

/// A rectangle, filled and/or outlined.
public struct RectElement: Sendable, Hashable {
    public var rect: PlotRect
    public var fill: PlotColor?
    public var stroke: StrokeStyle?
    public var role: ElementRole
}

/// A closed polygon, filled and/or outlined.
public struct PolygonElement: Sendable, Hashable {
    public var points: [PlotPoint]
    public var fill: PlotColor?
    public var stroke: StrokeStyle?
    public var role: ElementRole
}

/// A circle, filled and/or outlined.
public struct CircleElement: Sendable, Hashable {
    public var centre: PlotPoint
    public var radius: Double
    public var fill: PlotColor?
    public var stroke: StrokeStyle?
    public var role: ElementRole
}

/// A raster image of `columns` × `rows` opaque pixels (0x00RRGGBB, row by row from the top),
/// stretched over `rect` without smoothing.
public struct ImageElement: Sendable, Hashable {
    public var rect: PlotRect
    public var columns: Int
    public var rows: Int
    public var pixels: [UInt32]
    public var role: ElementRole
}

/// Horizontal alignment of a text run relative to its anchor point.
public enum TextAnchor: String, Sendable, Hashable, CaseIterable {
    case start, middle, end
}

public enum FontWeight: String, Sendable, Hashable, CaseIterable {
    case normal, bold
}

/// Font and colour of a text run. The family is always DejaVu Sans.
public struct TextStyle: Sendable, Hashable {
    /// Size in points.
    public var size: Double
    public var weight: FontWeight
    public var color: PlotColor
    public init(size: Double, weight: FontWeight = .normal, color: PlotColor = .black) {
        self.size = size
        self.weight = weight
        self.color = color
    }
    /// The font family every plot uses.
    public static let family = "DejaVu Sans"
}

/// What a text run is; lets tests find labels without matching strings.
public enum TextRole: String, Sendable, Hashable, CaseIterable {
    case title
    case header
    case studyLabel
    case cell
    case effect
    case note
    case tick
    case favours
    case axisTitle
    case legend
}

/// The measured extent of a text run: Pango's logical rectangle, in canvas coordinates.
public struct TextBox: Sendable, Hashable {
    public var text: String
    public var rect: PlotRect
    public var role: TextRole
    public init(text: String, rect: PlotRect, role: TextRole) {
        self.text = text
        self.rect = rect
        self.role = role
    }
}

/// One line of text. `anchor` is the point on the baseline that `alignment` refers to (the start,
/// middle or end of the run); `box` is the measured extent the run occupies. A `rotated` run reads
/// bottom to top (turned 90° counter-clockwise about its anchor).
public struct TextRun: Sendable, Hashable {
    public var text: String
    public var anchor: PlotPoint
    public var alignment: TextAnchor
    public var style: TextStyle
    public var rotated: Bool
    public var box: TextBox
}

/// One drawable thing.
public enum PlotElement: Sendable, Hashable {
    case line(LineElement)
    case rect(RectElement)
    case polygon(PolygonElement)
    case circle(CircleElement)
    case image(ImageElement)
    case text(TextRun)

    /// The role of a shape; nil for text (see `TextRun.box.role`).
    public var role: ElementRole? {
        switch self {
        case .line(let line): return line.role
        case .rect(let rect): return rect.role
        case .polygon(let polygon): return polygon.role
        case .circle(let circle): return circle.role
        case .image(let image): return image.role
        case .text: return nil
        }
    }

    /// The area the element covers, including half the stroke width.
    public var bounds: PlotRect {
        func box(_ points: [PlotPoint], pad: Double) -> PlotRect {
            var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
            for p in points {
                minX = min(minX, p.x); maxX = max(maxX, p.x)
                minY = min(minY, p.y); maxY = max(maxY, p.y)
            }
            return PlotRect(x: minX - pad, y: minY - pad, width: maxX - minX + 2 * pad, height: maxY - minY + 2 * pad)
        }
        switch self {
        case .line(let line):
            return box([line.from, line.to], pad: line.stroke.width / 2)
        case .rect(let rect):
            let pad = (rect.stroke?.width ?? 0) / 2
            return PlotRect(x: rect.rect.x - pad, y: rect.rect.y - pad,
                            width: rect.rect.width + 2 * pad, height: rect.rect.height + 2 * pad)
        case .polygon(let polygon):
            return box(polygon.points, pad: (polygon.stroke?.width ?? 0) / 2)
        case .circle(let circle):
            let r = circle.radius + (circle.stroke?.width ?? 0) / 2
            return PlotRect(x: circle.centre.x - r, y: circle.centre.y - r, width: 2 * r, height: 2 * r)
        case .image(let image):
            return image.rect
        case .text(let run):
            return run.box.rect
        }
    }
}

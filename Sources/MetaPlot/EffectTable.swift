/// A table of studies beside an effect axis, in RevMan's arrangement: label column, data columns
/// (optionally grouped under arm headers), an effect-and-interval text column, then the plot
/// column with squares, diamonds and interval lines over an axis with "Favours …" labels.
///
/// Forest and leave-one-out plots describe themselves as an `EffectTable`; one layout function
/// (`EffectTable.layout`) places everything, so both kinds of plot share spacing, wrapping and the
/// guarantee that no two text runs overlap.
struct EffectTable: Sendable {
    /// A data column: values right-aligned under a centred header.
    struct Column: Sendable {
        /// Header line right above the values ("Events", "SD", "Weight").
        var header: String
    }

    /// An arm header centred over a run of columns ("Aspirin" over "Events Total").
    struct ColumnGroup: Sendable {
        var title: String
        var columns: Range<Int>
    }

    /// What the plot column shows in a row.
    enum Mark: Sendable {
        /// A study: square of side `side` points at the estimate, line over the interval.
        case square(estimate: Double, lower: Double, upper: Double, side: Double)
        /// A pooled estimate: diamond spanning the interval.
        case diamond(estimate: Double, lower: Double, upper: Double)
        /// A prediction interval: line with end caps.
        case interval(lower: Double, upper: Double)
    }

    enum RowKind: Sendable {
        /// Label, cells, effect text and mark on one line; the label is ellipsized to the label column.
        case entry
        /// A bold heading that may run across the data columns (ellipsized before the plot column).
        case heading
        /// A sentence (heterogeneity, test for overall effect) wrapped before the plot column.
        case note
        /// An empty line between sections.
        case spacer
    }

    struct Row: Sendable {
        var kind: RowKind
        var label: String = ""
        /// One optional value per column.
        var cells: [String?] = []
        var effect: String?
        var mark: Mark?
        var bold: Bool = false
        /// One judgement (an index into `riskOfBias.categories`) per risk-of-bias column; nil: no dots.
        var judgements: [Int]? = nil

        static func heading(_ text: String) -> Row { Row(kind: .heading, label: text, bold: true) }
        static func note(_ text: String) -> Row { Row(kind: .note, label: text) }
        static let spacer = Row(kind: .spacer)
    }

    var title: String?
    /// Header of the label column ("Study or Subgroup").
    var labelHeader: String
    var columns: [Column]
    var groups: [ColumnGroup]
    /// Two header lines over the effect text column and the plot ("Odds Ratio", "M-H, Fixed, 95% CI").
    var effectHeader: (top: String, bottom: String)
    var rows: [Row]
    /// Sentences under the table, beside or below the axis.
    var footer: [String]
    var axis: EffectAxis
    /// Labels under the axis, left and right of the line of no effect.
    var favours: (left: String, right: String)
    /// A dashed vertical reference line at this analysis-scale value (leave-one-out: all studies).
    var reference: Double?
    /// Risk-of-bias columns right of the plot, with their legend below it.
    var riskOfBias: ForestRiskOfBias? = nil
}

/// Sizes and spacing shared by the table plots, in points.
enum TableMetrics {
    static let body = TextStyle(size: 9)
    static let bold = TextStyle(size: 9, weight: .bold)
    static let tick = TextStyle(size: 8)
    static let title = TextStyle(size: 11, weight: .bold)

    static let margin = 12.0
    /// Baseline-to-baseline distance of table rows.
    static let rowPitch = 14.0
    /// Between columns of one arm.
    static let columnGap = 10.0
    /// Between the label column, arm groups, the weight and the effect column.
    static let sectionGap = 16.0
    /// Between the effect text column and the plot.
    static let plotGap = 14.0
    static let plotWidth = 170.0
    static let maxLabelWidth = 210.0
    static let maxGroupTitleWidth = 160.0
    /// The largest study square's side.
    static let maxSquare = 10.0
    /// The smallest study square's side (at 150 dpi about 8 pixels): a study with a tiny weight
    /// next to a dominant one stays visible, and its square is still wider than the interval line.
    static let minSquare = 4.0
    static let diamondHeight = 9.0
    /// The narrowest diamond: a pooled interval narrower than this on the axis is drawn this wide.
    static let minDiamondWidth = 5.0
    static let arrowLength = 5.0
    static let arrowHalfWidth = 2.6
    /// Footer sentences are moved below the axis when less than this width is free beside it.
    static let minFooterWidth = 220.0

    static let thin = StrokeStyle(color: .black, width: 0.6)
    static let ciStroke = StrokeStyle(color: .black, width: 0.75)
    static let intervalStroke = StrokeStyle(color: .black, width: 1.0)
    static let referenceStroke = StrokeStyle(color: .grey, width: 0.6, dash: [3, 2])
}

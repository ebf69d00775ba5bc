import MetaStats

/// One study of a bubble plot: its moderator value, its effect (analysis scale) and its model weight.
public struct BubblePoint: Sendable, Hashable {
    public var study: String
    public var x: Double
    public var yi: Double
    public var weight: Double
    public init(study: String, x: Double, yi: Double, weight: Double) {
        self.study = study; self.x = x; self.yi = yi; self.weight = weight
    }
}

/// Everything a bubble plot shows: the studies' effects against one numeric moderator, sized by
/// weight, with the meta-regression's fitted line and its confidence band (metafor's `regplot`).
public struct BubblePlotInput: Sendable {
    public var measure: EffectMeasure
    /// The moderator on the horizontal axis.
    public var moderator: String
    public var points: [BubblePoint]
    /// The fitted line with its confidence band, from the smallest to the largest moderator value.
    public var line: [RegressionLinePoint]
    public var level: Double
    /// Other terms of the model, held at their means along the line (named in the legend).
    public var heldAtMeans: [String]
    public var title: String?

    public init(measure: EffectMeasure, moderator: String, points: [BubblePoint], line: [RegressionLinePoint],
                level: Double = 95, heldAtMeans: [String] = [], title: String? = nil) {
        self.measure = measure; self.moderator = moderator; self.points = points; self.line = line
        self.level = level; self.heldAtMeans = heldAtMeans; self.title = title
    }
}

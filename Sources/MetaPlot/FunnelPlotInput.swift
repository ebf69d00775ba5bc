import MetaStats

/// Everything a funnel plot shows.
public struct FunnelPlotInput: Sendable {
    public var measure: EffectMeasure
    public var effects: [EffectSize]
    /// The pooled estimate the pseudo confidence limits are centred on (analysis scale).
    public var centre: Double
    /// Level of the pseudo confidence limits, in percent.
    public var level: Double
    /// Imputed studies (drawn as open symbols) and the adjusted estimate, when given.
    public var trimAndFill: TrimAndFill?
    /// Shade the regions where a study would be significant at p < 0.10, 0.05 and 0.01
    /// (contour-enhanced funnel plot; Peters et al. 2008), centred on no effect.
    public var contours: Bool
    public var title: String?

    public init(measure: EffectMeasure, effects: [EffectSize], centre: Double, level: Double = 95,
                trimAndFill: TrimAndFill? = nil, contours: Bool = false, title: String? = nil) {
        self.measure = measure
        self.effects = effects
        self.centre = centre
        self.level = level
        self.trimAndFill = trimAndFill
        self.contours = contours
        self.title = title
    }
}

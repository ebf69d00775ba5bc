import Foundation
import MetaFormat
import MetaStats

/// How a result's numbers are shown: on its measure's display scale, as a ratio (a generic measure
/// on the log scale, `scale: log`), or as proportions back-transformed from PFT with the harmonic
/// mean of the studies' sizes.
public enum ShownMeasure: Sendable, Hashable, Codable {
    case measure(EffectMeasure)
    /// A generic measure whose yi are log ratios: shown exponentiated, as a ratio.
    case logGeneric
    /// PFT shown as proportions with the harmonic mean of the studies' sizes.
    case pft(harmonicN: Double)

    /// How `r` is shown.
    public init(_ r: ResultDocument) {
        if r.measure == .pft, let n = r.settings.harmonicN { self = .pft(harmonicN: n) }
        else if r.settings.scale == .log { self = .logGeneric }
        else { self = .measure(r.measure) }
    }

    /// The measure the numbers are computed in.
    var base: EffectMeasure {
        switch self {
        case .measure(let m): return m
        case .logGeneric: return .generic
        case .pft: return .pft
        }
    }

    /// Numbers are logs of ratios, shown exponentiated.
    public var isRatio: Bool {
        switch self {
        case .measure(let m): return m.isRatio
        case .logGeneric: return true
        case .pft: return false
        }
    }

    /// A value on the analysis scale on the display scale: ratios exponentiated, Fisher's z as r,
    /// logits and double arcsines as proportions (PFT only with the studies' sizes).
    public func display(_ x: Double) -> Double {
        if isRatio { return exp(x) }
        switch self {
        case .measure(.zcor): return BackTransform.tanh.apply(x)
        case .measure(.plo): return BackTransform.inverseLogit.apply(x)
        case .pft(let n): return BackTransform.inverseFreemanTukey(harmonicN: n).apply(x)
        case .measure, .logGeneric: return x
        }
    }

    /// The measure's name in tables and sentences.
    public var name: String {
        switch self {
        case .measure(let m): return m.displayName
        case .logGeneric: return "Ratio"
        case .pft: return "Proportion (Freeman–Tukey, back-transformed)"
        }
    }

    /// The decimals of estimates (RevMan's: 3 for risk differences, 2 otherwise).
    public var decimals: Int { Format.decimals(forMeasure: base.rawValue) }

    /// "0.60 [0.45, 0.81]": an estimate and its interval on the display scale.
    public func interval(_ e: Double, _ l: Double, _ u: Double) -> String {
        Format.interval(display(e), display(l), display(u), digits: decimals)
    }
}

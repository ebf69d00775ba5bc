import Foundation
import MetaFormat
import MetaStats

/// The horizontal effect axis of a forest or leave-one-out plot: a range on the analysis scale (log
/// for ratio measures), symmetric about no effect, with ticks labelled on the display scale.
struct EffectAxis: Sendable, Hashable {
    struct Tick: Sendable, Hashable {
        /// Position on the analysis scale.
        var value: Double
        /// Label on the display scale ("0.1", "1", "10"; "-2", "0", "2").
        var label: String
    }

    /// Ends of the axis on the analysis scale.
    var lower: Double
    var upper: Double
    var ticks: [Tick]
    var logScale: Bool

    /// No effect on the analysis scale (log 1 = 0 for ratios).
    var null: Double { 0 }

    func contains(_ value: Double) -> Bool { value >= lower - 1e-12 && value <= upper + 1e-12 }

    /// The axis for a set of values on the analysis scale. `needed` (point estimates, pooled
    /// intervals) always lies on the axis; `desired` (study confidence limits) widens it only up
    /// to a limit, beyond which a confidence line ends in an arrow.
    ///
    /// Ratio measures use the decades RevMan uses: 0.1–10 with ticks 0.1 0.2 0.5 1 2 5 10 at least,
    /// then 0.01–100, 0.001–1000, … (desired values widen up to 0.01–100). Difference measures use
    /// ±L with L from 1, 2, 4 × 10ⁿ and ticks at −L, −L/2, 0, L/2, L (desired values widen up to
    /// four times the needed L).
    static func make(measure: EffectMeasure, needed: [Double], desired: [Double]) -> EffectAxis {
        let neededExtent = needed.map(abs).max() ?? 0
        let desiredExtent = max(neededExtent, desired.map(abs).max() ?? 0)
        if measure.isRatio {
            let ln10 = log(10.0)
            let decadesNeeded = decadeCount(neededExtent / ln10)
            let decadesDesired = decadeCount(desiredExtent / ln10)
            let decades = max(decadesNeeded, min(decadesDesired, 2))
            return logAxis(decades: decades)
        }
        let limitNeeded = linearLimit(atLeast: neededExtent)
        let limitDesired = linearLimit(atLeast: desiredExtent)
        let limit = max(limitNeeded, min(limitDesired, linearLimit(atLeast: 4 * limitNeeded)))
        return linearAxis(limit: limit)
    }

    /// Decades (at least 1) that cover `decades`, as an Int without trapping: a non-finite or huge
    /// extent is capped at 300 decades (10^±300, about the range of a double), its points ending in arrows.
    static func decadeCount(_ decades: Double) -> Int {
        let wanted = (decades - 1e-9).rounded(.up)
        guard wanted.isFinite else { return wanted.isNaN ? 1 : 300 }
        return Int(min(300, max(1, wanted)))
    }

    /// The smallest of 1, 2, 4 × 10ⁿ that is at least `extent` (1 for 0).
    static func linearLimit(atLeast extent: Double) -> Double {
        guard extent > 0, extent.isFinite else { return 1 }
        var power = pow(10, (log10(extent)).rounded(.down))
        while true {
            for factor in [1.0, 2, 4] where factor * power >= extent * (1 - 1e-12) {
                return factor * power
            }
            power *= 10
        }
    }

    static func linearAxis(limit: Double) -> EffectAxis {
        let step = limit / 2
        let digits = decimals(step)
        let ticks = (-2...2).map { i in Tick(value: Double(i) * step, label: Format.fixed(Double(i) * step, digits)) }
        return EffectAxis(lower: -limit, upper: limit, ticks: ticks, logScale: false)
    }

    /// Log axis from 10^−decades to 10^decades.
    static func logAxis(decades: Int) -> EffectAxis {
        let ln10 = log(10.0)
        var values: [(exponent: Double, display: Double)] = []
        if decades == 1 {
            for display in [0.1, 0.2, 0.5, 1, 2, 5, 10] { values.append((log10(display), display)) }
        } else {
            let step = decades <= 3 ? 1 : Int((Double(decades) / 3).rounded(.up))
            let top = decades % step == 0 ? decades : (decades / step + 1) * step
            for e in stride(from: -top, through: top, by: step) { values.append((Double(e), pow(10, Double(e)))) }
            let span = Double(top) * ln10
            return EffectAxis(lower: -span, upper: span,
                              ticks: values.map { Tick(value: $0.exponent * ln10, label: ratioLabel($0.display)) },
                              logScale: true)
        }
        return EffectAxis(lower: -ln10, upper: ln10,
                          ticks: values.map { Tick(value: $0.exponent * ln10, label: ratioLabel($0.display)) },
                          logScale: true)
    }

    /// A ratio tick label: integers plainly, fractions with as many decimals as they need, and
    /// powers of ten below 0.001 as "1e-6" (a wide log axis).
    static func ratioLabel(_ value: Double) -> String {
        if value >= 1 { return Format.data(value.rounded()) }
        if value < 0.001 { return Format.significant(value, 1) }
        return Format.fixed(value, decimals(value))
    }

    /// The fewest decimals (≤ 10) that print `value` exactly enough.
    static func decimals(_ value: Double) -> Int {
        for digits in 0...10 {
            let scaled = abs(value) * pow(10, Double(digits))
            // A nonzero value is never printed as 0.
            if value != 0, scaled.rounded() == 0 { continue }
            if abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled) { return digits }
        }
        return 10
    }
}

/// Maps analysis-scale values onto a horizontal extent of the canvas.
struct AxisMapping: Sendable, Hashable {
    var axis: EffectAxis
    var left: Double
    var width: Double

    var right: Double { left + width }

    func x(_ value: Double) -> Double {
        left + (value - axis.lower) / (axis.upper - axis.lower) * width
    }

    /// `value` limited to the axis.
    func clampedX(_ value: Double) -> Double { x(min(max(value, axis.lower), axis.upper)) }
}

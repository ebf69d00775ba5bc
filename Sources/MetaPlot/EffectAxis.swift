import Foundation
import MetaFormat
import MetaStats

/// The horizontal effect axis of a forest or leave-one-out plot: a range on the analysis scale (log
/// for ratio measures), symmetric about no effect unless the user gives the range, with ticks
/// labelled on the display scale.
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
    /// Whether the axis has a line of no effect (a proportion's axis has none).
    var showsNull = true

    /// No effect on the analysis scale (log 1 = 0 for ratios).
    var null: Double { 0 }

    func contains(_ value: Double) -> Bool { value >= lower - 1e-12 && value <= upper + 1e-12 }

    /// The axis for a set of values on the analysis scale, or the user's `range` (display scale).
    /// `needed` (point estimates, pooled intervals) always lies on the axis; `desired` (study
    /// confidence limits, prediction intervals) widens it by at most one step, beyond which a
    /// confidence line ends in an arrow.
    ///
    /// Log axes are symmetric about 1 with RevMan's scales: 0.5–2 (ticks 0.5 0.7 1 1.5 2), 0.2–5,
    /// 0.1–10 (0.1 0.2 0.5 1 2 5 10), 0.05–20, 0.02–50, 0.01–100, 0.005–200, 0.002–500,
    /// 0.001–1000, then whole decades. Linear axes are ±L with L from 1, 2, 4 × 10ⁿ and ticks at
    /// −L, −L/2, 0, L/2, L.
    static func make(log: Bool, needed: [Double], desired: [Double], range: AxisRange? = nil,
                     proportion: Bool = false) throws(PlotError) -> EffectAxis {
        if proportion { return try proportionAxis(range) }
        if let range { return try custom(range, log: log) }
        let neededExtent = needed.filter(\.isFinite).map(abs).max() ?? 0
        let desiredExtent = max(neededExtent, desired.filter(\.isFinite).map(abs).max() ?? 0)
        if log {
            let first = ratioIndex(atLeast: neededExtent)
            return ratioAxis(index: max(first, min(ratioIndex(atLeast: desiredExtent), first + 1)))
        }
        guard neededExtent > 0 else { return linearAxis(limit: linearLimit(atLeast: desiredExtent)) }
        let limitNeeded = linearLimit(atLeast: neededExtent)
        let oneStepWider = linearLimit(atLeast: limitNeeded * 1.5)
        return linearAxis(limit: max(limitNeeded, min(linearLimit(atLeast: desiredExtent), oneStepWider)))
    }

    /// A proportion's axis: 0 to 1 (ticks every 0.2), or the user's range within [0, 1]; no line of
    /// no effect.
    static func proportionAxis(_ range: AxisRange?) throws(PlotError) -> EffectAxis {
        let shown = { (x: Double) in Format.significant(x, 6) }
        let (lower, upper) = (range?.min ?? 0, range?.max ?? 1)
        guard lower.isFinite, upper.isFinite, lower < upper else {
            throw .invalidOption(name: "axis", value: "\(shown(lower)) to \(shown(upper))", requirement: "'min' must be below 'max'")
        }
        guard lower >= 0, upper <= 1 else {
            throw .invalidOption(name: "axis", value: "\(shown(lower)) to \(shown(upper))",
                                 requirement: "a proportion's axis lies within 0 and 1 (e.g. min: 0, max: 0.5)")
        }
        var values: [Double]
        if let given = range?.ticks {
            if let stray = given.first(where: { !$0.isFinite || $0 < lower - 1e-12 || $0 > upper + 1e-12 }) {
                throw .invalidOption(name: "axis tick", value: shown(stray),
                                     requirement: "ticks must lie between min (\(shown(lower))) and max (\(shown(upper)))")
            }
            values = given
        } else {
            let step = niceStep((upper - lower) / 5)
            values = stride(from: (lower / step).rounded(.up), through: (upper / step + 1e-9).rounded(.down), by: 1).map { $0 * step }
            values += [lower, upper]
        }
        var unique: [Double] = []
        for v in values.sorted() where !unique.contains(where: { abs($0 - v) <= 1e-9 }) { unique.append(v) }
        let digits = unique.map(decimals).max() ?? 0
        var axis = EffectAxis(lower: lower, upper: upper,
                              ticks: unique.map { Tick(value: $0, label: $0 == 0 ? "0" : Format.fixed($0, min(digits, 6))) },
                              logScale: false)
        axis.showsNull = false
        return axis
    }

    /// Upper ends of the log scales before whole decades take over, with their ticks.
    static let ratioScales: [(upper: Double, ticks: [Double])] = [
        (2, [0.5, 0.7, 1, 1.5, 2]),
        (5, [0.2, 0.5, 1, 2, 5]),
        (10, [0.1, 0.2, 0.5, 1, 2, 5, 10]),
        (20, [0.05, 0.2, 1, 5, 20]),
        (50, [0.02, 0.1, 1, 10, 50]),
        (100, [0.01, 0.1, 1, 10, 100]),
        (200, [0.005, 0.1, 1, 10, 200]),
        (500, [0.002, 0.1, 1, 10, 500]),
        (1000, [0.001, 0.1, 1, 10, 1000]),
    ]

    /// The first log scale whose upper end on the log scale is at least `extent`; past the table,
    /// `ratioScales.count + d − 4` stands for 10^d.
    static func ratioIndex(atLeast extent: Double) -> Int {
        for (index, scale) in ratioScales.enumerated() where Foundation.log(scale.upper) >= extent * (1 - 1e-12) {
            return index
        }
        let decades = max(4, decadeCount(extent / Foundation.log(10.0)))
        return ratioScales.count + decades - 4
    }

    static func ratioAxis(index: Int) -> EffectAxis {
        guard index < ratioScales.count else { return logAxis(decades: index - ratioScales.count + 4) }
        let scale = ratioScales[index]
        let span = Foundation.log(scale.upper)
        return EffectAxis(lower: -span, upper: span,
                          ticks: scale.ticks.map { Tick(value: Foundation.log($0), label: ratioLabel($0)) }, logScale: true)
    }

    /// The user's axis: checked, on the analysis scale, with the user's ticks or nice ones.
    static func custom(_ range: AxisRange, log: Bool) throws(PlotError) -> EffectAxis {
        let null = log ? 1.0 : 0.0
        let shown = { (x: Double) in Format.significant(x, 6) }
        guard range.min.isFinite, range.max.isFinite, range.min < range.max else {
            throw .invalidOption(name: "axis", value: "\(shown(range.min)) to \(shown(range.max))",
                                 requirement: "'min' must be below 'max'")
        }
        if log, range.min <= 0 {
            throw .invalidOption(name: "axis min", value: shown(range.min),
                                 requirement: "a ratio axis is logarithmic, so its ends must be above 0 (e.g. min: 0.1, max: 10)")
        }
        guard range.min < null, range.max > null else {
            throw .invalidOption(name: "axis", value: "\(shown(range.min)) to \(shown(range.max))",
                                 requirement: "the axis must contain no effect (\(Format.data(null))) so that the line of no effect is drawn; widen it")
        }
        let tolerance = 1e-9 * (range.max - range.min)
        var ticks: [Double]
        if let given = range.ticks {
            if let stray = given.first(where: { !$0.isFinite || $0 < range.min - tolerance || $0 > range.max + tolerance }) {
                throw .invalidOption(name: "axis tick", value: shown(stray),
                                     requirement: "ticks must lie between min (\(shown(range.min))) and max (\(shown(range.max)))")
            }
            ticks = given
        } else if log {
            var candidates: [Double] = []
            for power in -8...8 { for factor in [1.0, 2, 5] { candidates.append(factor * pow(10, Double(power))) } }
            ticks = candidates.filter { $0 >= range.min * (1 - 1e-9) && $0 <= range.max * (1 + 1e-9) }
            if ticks.count > 7 { ticks = ticks.filter { abs(log10($0) - log10($0).rounded()) < 1e-9 } }
            ticks += [range.min, range.max, 1]
        } else {
            let step = niceStep((range.max - range.min) / 4)
            ticks = stride(from: (range.min / step).rounded(.up), through: (range.max / step).rounded(.down), by: 1)
                .map { $0 * step }
            ticks += [range.min, range.max, 0]
        }
        var unique: [Double] = []
        for tick in ticks.sorted() where !unique.contains(where: { abs($0 - tick) <= 1e-9 * max(1, abs(tick)) }) {
            unique.append(tick)
        }
        if log {
            return EffectAxis(lower: Foundation.log(range.min), upper: Foundation.log(range.max),
                              ticks: unique.map { Tick(value: Foundation.log($0), label: ratioLabel($0)) }, logScale: true)
        }
        let digits = unique.map(decimals).max() ?? 0
        return EffectAxis(lower: range.min, upper: range.max,
                          ticks: unique.map { Tick(value: $0, label: $0 == 0 ? "0" : Format.fixed($0, min(digits, 6))) }, logScale: false)
    }

    /// The smallest of 1, 2, 5 × 10ⁿ that is at least `x`.
    static func niceStep(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        var power = pow(10, log10(x).rounded(.down))
        while true {
            for factor in [1.0, 2, 5] where factor * power >= x * (1 - 1e-12) { return factor * power }
            power *= 10
        }
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
        let ticks = (-2...2).map { i in Tick(value: Double(i) * step, label: i == 0 ? "0" : Format.fixed(Double(i) * step, digits)) }
        return EffectAxis(lower: -limit, upper: limit, ticks: ticks, logScale: false)
    }

    /// Log axis from 10^−decades to 10^decades (whole decades; for more than one decade, wide
    /// scales beyond `ratioScales`).
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
        if value >= 1, value == value.rounded() { return Format.data(value) }
        if value < 0.001 { return Format.significant(value, 1) }
        return Format.fixed(value, min(decimals(value), 4))
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

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything the statistics core refuses to compute. Each case names the study (when there is one),
/// the input it rejects and the bad value, so that the pipeline can point at the CSV cell.
public enum StatsError: Error, Equatable, Sendable {
    /// An input value outside its domain, e.g. an SD ≤ 0 or n < 2. `field` is the input role
    /// (`sd1`, `n2`, `vi`, …) so callers can map it back to a column.
    case invalidInput(study: String, field: String, value: Double, requirement: String)
    /// Two related inputs that contradict each other (events > total, lower CI > upper CI).
    case inconsistentInput(study: String, message: String)
    /// The study's input does not fit the measure (e.g. a t statistic for MD).
    case unsupportedInput(study: String, measure: String, input: String)
    /// Nothing left to pool.
    case noStudies
    /// A pooling method needs 2×2 counts for every study (Mantel–Haenszel, Peto).
    case needsCounts(study: String, method: String)
    /// An iterative estimator did not converge within its iteration limit.
    case noConvergence(method: String, iterations: Int, detail: String)
    /// A computed quantity was not finite; reported instead of returning NaN or infinity.
    case nonFinite(quantity: String, detail: String)

    public var message: String {
        switch self {
        case let .invalidInput(study, field, value, requirement):
            return "study '\(study)' has \(field) = \(formatValue(value)); \(requirement)"
        case let .inconsistentInput(study, message):
            return "study '\(study)': \(message)"
        case let .unsupportedInput(study, measure, input):
            return "study '\(study)' gives \(input), which cannot produce measure \(measure)"
        case .noStudies:
            return "no studies to pool"
        case let .needsCounts(study, method):
            return "method \(method) needs 2×2 counts (events1 total1 events2 total2), but study '\(study)' has none"
        case let .noConvergence(method, iterations, detail):
            return "the \(method) estimator did not converge in \(iterations) iterations (\(detail)); try method: DL or PM, or convergence: strict"
        case let .nonFinite(quantity, detail):
            return "\(quantity) is not finite (\(detail))"
        }
    }
}

extension StatsError: CustomStringConvertible {
    public var description: String { message }
}

/// A value for a warning's prose: six significant digits, no trailing zeros ("2054.09", "100");
/// outside 1e-4 ... 1e6 the round-trip spelling of `formatValue`.
func shortValue(_ value: Double) -> String {
    guard value.isFinite else { return formatValue(value) }
    let magnitude = value == 0 ? 0 : Int(floor(log10(abs(value))))
    guard magnitude >= -4 && magnitude < 6 else { return formatValue(value) }
    let scale = pow(10, Double(5 - magnitude))
    var text = String((value * scale).rounded() / scale)
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text
}

/// Shortest round-trip spelling of a number for messages (`0.5`, `12`, `-3.2e-07`).
func formatValue(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
}

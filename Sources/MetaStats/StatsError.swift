#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything the statistics core refuses to compute. Each case carries the study (when there is
/// one), the input it rejects and the bad value, so that the pipeline can point at the CSV cell;
/// `message` is the one place that words them.
public enum StatsError: Error, Equatable, Sendable {
    /// An input value outside its domain, e.g. an SD ≤ 0 or n < 2. `field` is the input role
    /// (`sd1`, `n2`, `vi`, …) so callers can map it back to a column.
    case invalidInput(study: String, field: String, value: Double, requirement: Requirement)
    /// The study's input does not fit the measure (e.g. a t statistic for MD).
    case unsupportedInput(study: String, measure: EffectMeasure, input: String)
    /// The study's values (`values`, as the row gives them) give an effect size or variance outside
    /// the range every estimator can sum in floating point (`EffectSizes.largestEffect`, `variances`).
    case unrepresentable(study: String, values: String, yi: Double, vi: Double, measure: EffectMeasure)
    /// A CI whose lower limit is not below its upper limit.
    case reversedCI(study: String, lower: Double, upper: Double)
    /// An estimate outside its own CI.
    case estimateOutsideCI(study: String, estimate: Double, lower: Double, upper: Double)
    /// A pre–post study without a correlation r, and no `prepost-r` for the analysis.
    case missingPrePostR(study: String, measure: EffectMeasure)
    /// Pre- and post-test SDs and r that give a change-score SD of 0.
    case zeroChangeSD(study: String, r: Double)
    /// Nothing left to pool.
    case noStudies
    /// Fewer studies than a procedure needs.
    case tooFewStudies(Procedure, k: Int)
    /// A procedure that refits inverse-variance models, asked of a Mantel–Haenszel or Peto fit.
    case needsInverseVariance(Procedure, method: PoolingMethod)
    /// A fixed-effect-only method (Peto's) asked for random effects.
    case fixedEffectOnly(method: PoolingMethod)
    /// A method of 2×2 tables (Mantel–Haenszel, Peto) asked of another measure.
    case needsBinaryMeasure(method: PoolingMethod, measure: EffectMeasure)
    /// A pooling method needs 2×2 counts for every study (Mantel–Haenszel, Peto).
    case needsCounts(study: String, method: PoolingMethod)
    /// A pooled estimate the studies' tables carry no information for.
    case notEstimable(Estimate)
    /// An iterative estimator did not converge within its iteration limit.
    case noConvergence(method: String, iterations: Int, detail: String)
    /// A computed quantity was not finite; reported instead of returning NaN or infinity.
    case nonFinite(quantity: String, detail: String)

    /// What an input value must satisfy.
    public enum Requirement: Equatable, Sendable {
        case finite
        case positiveSD
        case positiveVariance
        case positiveStandardError
        /// A ratio estimate and its CI limits (generic input of a ratio measure).
        case positiveRatio
        /// The means of a ratio of means.
        case positiveMeans
        case positivePersonTime
        case nonNegativeEvents
        case correlationRange
        /// Fisher's z of r = ±1 is infinite.
        case fisherZBelowOne
        /// A correlation of ±1 has no sampling variance.
        case correlationBelowOne
        /// The smallest sample a computation needs.
        case minimumSize(Sample)
        /// A one-group proportion's total, or an arm's (`arm`), must be at least 1.
        case participants(arm: Bool)
        /// Events at most the total: a one-group total (`totalField` nil) or an arm's (`total1`, `total2`).
        case eventsWithinTotal(totalField: String?, total: Double)
    }

    /// Computations with a smallest sample size.
    public enum Sample: Equatable, Sendable {
        case arm, correlation, fisherZ, pairedT, prePost
        var minimum: Int {
            switch self {
            case .arm, .correlation: return 2
            case .pairedT, .prePost: return 3
            case .fisherZ: return 4
            }
        }
        var name: String {
            switch self {
            case .arm: return "an arm"
            case .correlation: return "a correlation"
            case .fisherZ: return "Fisher's z"
            case .pairedT: return "a paired t"
            case .prePost: return "a pre–post study"
            }
        }
    }

    /// Procedures beyond pooling, with the number of studies each needs.
    public enum Procedure: Equatable, Sendable {
        case influence, gosh, egger, begg, trimAndFill
        public var minimumStudies: Int {
            switch self {
            case .influence, .gosh: return 2
            case .egger, .begg, .trimAndFill: return 3
            }
        }
        /// The procedure as the subject of a sentence, with the verb "need" agreeing with it.
        var subject: (name: String, needs: String) {
            switch self {
            case .influence: return ("influence diagnostics", "need")
            case .gosh: return ("GOSH", "needs")
            case .egger: return ("Egger's test", "needs")
            case .begg: return ("Begg's test", "needs")
            case .trimAndFill: return ("trim and fill", "needs")
            }
        }
    }

    /// Pooled estimates that can be not estimable from their tables.
    public enum Estimate: Equatable, Sendable {
        case mantelHaenszelOddsRatio, mantelHaenszelRiskRatio, mantelHaenszelRiskDifference, peto
    }

    public var message: String {
        switch self {
        case let .invalidInput(study, field, value, requirement):
            return "study '\(study)' has \(field) = \(formatValue(value)); \(requirement.text)"
        case let .unsupportedInput(study, measure, input):
            return "study '\(study)' gives \(input), which cannot produce measure \(measure.rawValue)"
        case let .unrepresentable(study, values, yi, vi, measure):
            let rule = measure.isRatio
                ? "|yi| + 10·√vi must be at most 700, so that the ratio and its CI are finite, and vi between 1e-100 and 1e100"
                : "|yi| must be at most 1e100 and vi between 1e-100 and 1e100"
            return "study '\(study)': its values (\(values)) give yi = \(formatValue(yi)) and vi = \(formatValue(vi)), "
                + "which cannot be pooled in floating point (\(rule)); check the row's numbers and their units"
        case let .reversedCI(study, lower, upper):
            return "study '\(study)': ci_lower (\(formatValue(lower))) must be below ci_upper (\(formatValue(upper)))"
        case let .estimateOutsideCI(study, estimate, lower, upper):
            return "study '\(study)': the estimate \(formatValue(estimate)) lies outside its CI [\(formatValue(lower)), \(formatValue(upper))]"
        case let .missingPrePostR(study, measure):
            return "study '\(study)': it gives no pre–post correlation r, which \(measure.rawValue) needs; add an r column for the study or set prepost-r (e.g. prepost-r: 0.5) for the analysis"
        case let .zeroChangeSD(study, r):
            return "study '\(study)': its SDs and r = \(formatValue(r)) give a change-score SD of 0; check r"
        case .noStudies:
            return "no studies to pool"
        case let .tooFewStudies(procedure, k):
            let (name, needs) = procedure.subject
            return "\(name) \(needs) at least \(procedure.minimumStudies) studies (k = \(k))"
        case let .needsInverseVariance(procedure, method):
            let (name, needs) = procedure.subject
            return "\(name) \(needs) an inverse-variance fit\(procedure == .influence ? " (metafor's rma.uni)" : ""); "
                + "\(method.rawValue) is not one: use method: IV (fixed effect) or a τ² estimator"
        case let .fixedEffectOnly(method):
            return "\(method == .peto ? "Peto's method" : "method \(method.rawValue)") is fixed-effect only; use model: fixed or method: MH"
        case let .needsBinaryMeasure(method, measure):
            return "method \(method.rawValue) needs a binary measure (\(method == .peto ? "OR" : "OR, RR or RD")), not \(measure.rawValue)"
        case let .needsCounts(study, method):
            return "method \(method.rawValue) needs 2×2 counts (events1 total1 events2 total2), but study '\(study)' has none"
        case .notEstimable(.mantelHaenszelOddsRatio):
            return "the Mantel–Haenszel odds ratio is not estimable (no informative tables)"
        case .notEstimable(.mantelHaenszelRiskRatio):
            return "the Mantel–Haenszel risk ratio is not estimable (no events)"
        case .notEstimable(.mantelHaenszelRiskDifference):
            return "the Mantel–Haenszel risk difference has zero variance (every arm has 0% or 100% events)"
        case .notEstimable(.peto):
            return "a table without events (or without non-events) has no information for Peto's method"
        case let .noConvergence(method, iterations, detail):
            return "the \(method) estimator did not converge in \(iterations) iterations (\(detail)); try method: DL or PM, or convergence: strict"
        case let .nonFinite(quantity, detail):
            return "\(quantity) is not finite (\(detail))"
        }
    }
}

extension StatsError.Requirement {
    /// The clause after "study 'X' has field = value; ".
    var text: String {
        switch self {
        case .finite: return "it must be a finite number"
        case .positiveSD: return "an SD must be > 0"
        case .positiveVariance: return "a sampling variance must be > 0"
        case .positiveStandardError: return "a standard error must be > 0"
        case .positiveRatio: return "a ratio and its CI limits must be > 0"
        case .positiveMeans: return "a ratio of means needs means > 0"
        case .positivePersonTime: return "person-time must be > 0"
        case .nonNegativeEvents: return "event counts must be ≥ 0"
        case .correlationRange: return "a correlation lies between −1 and 1"
        case .fisherZBelowOne: return "Fisher's z needs |r| < 1"
        case .correlationBelowOne: return "|r| = 1 has no sampling variance; use |r| < 1"
        case .minimumSize(let sample): return "\(sample.name) needs n ≥ \(sample.minimum)"
        case .participants(let arm): return "\(arm ? "an arm" : "a group") needs at least 1 participant"
        case let .eventsWithinTotal(field?, total): return "events cannot exceed the arm's total (\(field) = \(formatValue(total)))"
        case let .eventsWithinTotal(nil, total): return "events cannot exceed the total (total = \(formatValue(total)))"
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

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The effect measures metapipe computes. Raw values are the pipeline spelling.
public enum EffectMeasure: String, CaseIterable, Sendable, Codable, Hashable {
    /// Standardised mean difference (Hedges' g).
    case smd = "SMD"
    /// Mean difference.
    case md = "MD"
    /// Odds ratio (analysed as log OR).
    case or = "OR"
    /// Risk ratio (analysed as log RR).
    case rr = "RR"
    /// Risk difference.
    case rd = "RD"
    /// Generic inverse variance: the study gives its own estimate and variance, SE or CI.
    case generic = "GEN"

    /// Ratio measures are pooled on the log scale and shown exponentiated.
    public var isRatio: Bool { self == .or || self == .rr }
    /// Measures computed from 2×2 counts.
    public var isBinary: Bool { self == .or || self == .rr || self == .rd }

    public var displayName: String {
        switch self {
        case .smd: return "Std. mean difference"
        case .md: return "Mean difference"
        case .or: return "Odds ratio"
        case .rr: return "Risk ratio"
        case .rd: return "Risk difference"
        case .generic: return "Estimate"
        }
    }
}

/// How Hedges' g is corrected for small samples and which variance goes with it.
public enum SMDConvention: String, CaseIterable, Sendable, Codable, Hashable {
    /// Exact J = Γ(m/2) / (√(m/2)·Γ((m−1)/2)), m = n₁ + n₂ − 2, and
    /// v = 1/n₁ + 1/n₂ + g²/(2(n₁ + n₂)) (Hedges 1981; metafor's default).
    case hedges
    /// RevMan 5: J ≈ 1 − 3/(4N − 9) and SE² = N/(n₁n₂) + g²/(2(N − 3.94)), N = n₁ + n₂
    /// (Deeks & Higgins, "Statistical algorithms in Review Manager 5", 2010).
    case revman
}

/// Means, SDs and sizes of two arms (arm 1 = experimental).
public struct ContinuousArms: Sendable, Hashable, Codable {
    public var n1: Double, mean1: Double, sd1: Double
    public var n2: Double, mean2: Double, sd2: Double
    public init(n1: Double, mean1: Double, sd1: Double, n2: Double, mean2: Double, sd2: Double) {
        self.n1 = n1; self.mean1 = mean1; self.sd1 = sd1
        self.n2 = n2; self.mean2 = mean2; self.sd2 = sd2
    }
}

/// A 2×2 table as events and totals per arm (arm 1 = experimental).
public struct BinaryCounts: Sendable, Hashable, Codable {
    public var events1: Double, total1: Double
    public var events2: Double, total2: Double
    public init(events1: Double, total1: Double, events2: Double, total2: Double) {
        self.events1 = events1; self.total1 = total1
        self.events2 = events2; self.total2 = total2
    }
    public var a: Double { events1 }
    public var b: Double { total1 - events1 }
    public var c: Double { events2 }
    public var d: Double { total2 - events2 }
    public var total: Double { total1 + total2 }
    public var hasZeroCell: Bool { a == 0 || b == 0 || c == 0 || d == 0 }
    /// The table with 0.5 added to every cell when it has a zero cell (itself otherwise).
    public var corrected: BinaryCounts {
        guard hasZeroCell else { return self }
        return BinaryCounts(events1: events1 + 0.5, total1: total1 + 1, events2: events2 + 0.5, total2: total2 + 1)
    }
    public var isDoubleZero: Bool { events1 == 0 && events2 == 0 }
    public var isDoubleFull: Bool { b == 0 && d == 0 }
}

/// What a study reports, before an effect size is computed from it.
public enum StudyData: Sendable, Hashable, Codable {
    case continuous(ContinuousArms)
    case binary(BinaryCounts)
    /// An independent-samples t statistic (positive when arm 1 is higher) with the arm sizes.
    case tStatistic(n1: Double, n2: Double, t: Double)
    /// An effect size with its sampling variance, on the analysis scale.
    case generic(yi: Double, vi: Double)
    /// An effect size with its standard error, on the analysis scale.
    case genericSE(yi: Double, se: Double)
    /// An estimate with a 95% confidence interval, on the natural scale (ratios are logged).
    case genericCI(estimate: Double, lower: Double, upper: Double)

    /// The numbers, for messages: "mean1 = 1e+308, sd1 = 1, …".
    var valuesDescription: String {
        func list(_ pairs: [(String, Double)]) -> String { pairs.map { "\($0.0) = \(formatValue($0.1))" }.joined(separator: ", ") }
        switch self {
        case .continuous(let a):
            return list([("n1", a.n1), ("mean1", a.mean1), ("sd1", a.sd1), ("n2", a.n2), ("mean2", a.mean2), ("sd2", a.sd2)])
        case .binary(let c):
            return list([("events1", c.events1), ("total1", c.total1), ("events2", c.events2), ("total2", c.total2)])
        case let .tStatistic(n1, n2, t): return list([("n1", n1), ("n2", n2), ("t", t)])
        case let .generic(yi, vi): return list([("yi", yi), ("vi", vi)])
        case let .genericSE(yi, se): return list([("yi", yi), ("se", se)])
        case let .genericCI(estimate, lower, upper): return list([("estimate", estimate), ("ci_lower", lower), ("ci_upper", upper)])
        }
    }

    var inputDescription: String {
        switch self {
        case .continuous: return "means and SDs"
        case .binary: return "2×2 counts"
        case .tStatistic: return "a t statistic"
        case .generic: return "yi and vi"
        case .genericSE: return "yi and se"
        case .genericCI: return "an estimate with a CI"
        }
    }
}

/// One study's reported data.
public struct StudyInput: Sendable, Hashable, Codable {
    public var study: String
    public var data: StudyData
    public init(study: String, data: StudyData) {
        self.study = study
        self.data = data
    }
}

/// How a study's effect size was obtained; recorded per study in every result.
public enum InputMethod: String, Sendable, Codable, Hashable, CaseIterable {
    case meansHedges = "means and SDs (Hedges' g, exact J)"
    case meansRevMan = "means and SDs (Hedges' g, RevMan 5 approximation)"
    case tStatisticHedges = "t statistic (Hedges' g, exact J)"
    case tStatisticRevMan = "t statistic (Hedges' g, RevMan 5 approximation)"
    case meanDifference = "means and SDs (mean difference)"
    case counts = "2×2 counts"
    case countsCorrected = "2×2 counts, 0.5 added to each cell"
    case variance = "yi and vi"
    case standardError = "yi and SE"
    case confidenceInterval = "estimate and 95% CI"
}

/// A study's effect size on the analysis scale (log for OR and RR) with its sampling variance.
public struct EffectSize: Sendable, Hashable, Codable {
    public var study: String
    public var yi: Double
    public var vi: Double
    public var input: InputMethod
    /// The 2×2 counts as reported (no continuity correction), for Mantel–Haenszel and Peto pooling.
    public var counts: BinaryCounts?
    /// The arm summaries as reported, for tables and plots.
    public var arms: ContinuousArms?
    /// Arm sizes when the study reports them (continuous, t statistic or counts).
    public var n1: Double?
    public var n2: Double?

    public init(study: String, yi: Double, vi: Double, input: InputMethod,
                counts: BinaryCounts? = nil, arms: ContinuousArms? = nil, n1: Double? = nil, n2: Double? = nil) {
        self.study = study; self.yi = yi; self.vi = vi; self.input = input
        self.counts = counts; self.arms = arms; self.n1 = n1; self.n2 = n2
    }

    public var se: Double { vi.squareRoot() }
}

/// The outcome of computing effect sizes for a set of studies.
public struct EffectSizeSet: Sendable, Hashable, Codable {
    public var effects: [EffectSize]
    /// Studies left out, with the reason (e.g. no events in either arm).
    public var dropped: [DroppedStudy]
    public var warnings: [String]
}

public struct DroppedStudy: Sendable, Hashable, Codable {
    public var study: String
    public var reason: String
    public init(study: String, reason: String) {
        self.study = study
        self.reason = reason
    }
}

/// Effect-size calculations (cf. metafor's `escalc`). Values in, values out.
public enum EffectSizes {
    /// The 97.5% normal quantile used to turn a reported 95% CI into a standard error.
    static let z975 = Normal.upperQuantile(0.025)

    /// Computes every study's effect size; throws the first invalid input.
    public static func compute(_ studies: [StudyInput], measure: EffectMeasure, smd: SMDConvention = .hedges)
        throws -> EffectSizeSet
    {
        var effects: [EffectSize] = []
        var dropped: [DroppedStudy] = []
        var warnings: [String] = []
        effects.reserveCapacity(studies.count)
        for study in studies {
            switch try compute(study, measure: measure, smd: smd) {
            case .effect(let effect):
                effects.append(effect)
            case .dropped(let reason):
                dropped.append(DroppedStudy(study: study.study, reason: reason))
                warnings.append("study '\(study.study)' was left out: \(reason)")
            }
        }
        return EffectSizeSet(effects: effects, dropped: dropped, warnings: warnings)
    }

    public enum Outcome: Sendable, Hashable {
        case effect(EffectSize)
        case dropped(String)
    }

    /// The range an effect size and its variance must lie in: wide enough for any real data, narrow
    /// enough that every sum, square and weight the estimators form stays a finite double.
    public static let largestEffect = 1e100
    public static let variances = 1e-100...1e100

    /// Computes one study's effect size, or says why the study cannot contribute. An effect size or
    /// variance that overflows (or leaves `largestEffect`, `variances`) is an error naming the values,
    /// never a non-finite number passed on.
    public static func compute(_ study: StudyInput, measure: EffectMeasure, smd: SMDConvention = .hedges,
                               zeroCells: ZeroCellRule? = nil) throws -> Outcome
    {
        let outcome = try computeUnchecked(study, measure: measure, smd: smd, zeroCells: zeroCells)
        guard case .effect(let e) = outcome else { return outcome }
        // A ratio is shown as exp(yi ± z·se): that must stay a finite double too (e^700 ≈ 1e304).
        let ratioLimitOK = !measure.isRatio || (abs(e.yi) + 10 * e.vi.squareRoot() <= 700)
        if !(e.yi.isFinite && abs(e.yi) <= largestEffect && e.vi.isFinite && variances.contains(e.vi) && ratioLimitOK) {
            let rule = measure.isRatio
                ? "|yi| + 10·√vi must be at most 700, so that the ratio and its CI are finite, and vi between 1e-100 and 1e100"
                : "|yi| must be at most 1e100 and vi between 1e-100 and 1e100"
            throw StatsError.inconsistentInput(study: study.study, message:
                "its values (\(study.data.valuesDescription)) give yi = \(formatValue(e.yi)) and vi = \(formatValue(e.vi)), "
                + "which cannot be pooled in floating point (\(rule)); check the row's numbers and their units")
        }
        return outcome
    }

    static func computeUnchecked(_ study: StudyInput, measure: EffectMeasure, smd: SMDConvention,
                                 zeroCells: ZeroCellRule?) throws -> Outcome {
        let name = study.study
        switch study.data {
        case .continuous(let arms):
            try checkArms(arms, study: name)
            switch measure {
            case .smd:
                let (yi, vi) = standardizedMeanDifference(arms, convention: smd)
                return .effect(EffectSize(study: name, yi: yi, vi: vi,
                                          input: smd == .hedges ? .meansHedges : .meansRevMan,
                                          arms: arms, n1: arms.n1, n2: arms.n2))
            case .md:
                let yi = arms.mean1 - arms.mean2
                let vi = arms.sd1 * arms.sd1 / arms.n1 + arms.sd2 * arms.sd2 / arms.n2
                return .effect(EffectSize(study: name, yi: yi, vi: vi, input: .meanDifference,
                                          arms: arms, n1: arms.n1, n2: arms.n2))
            default:
                throw StatsError.unsupportedInput(study: name, measure: measure.rawValue, input: study.data.inputDescription)
            }
        case let .tStatistic(n1, n2, t):
            guard measure == .smd else {
                throw StatsError.unsupportedInput(study: name, measure: measure.rawValue, input: study.data.inputDescription)
            }
            try checkSize(n1, field: "n1", study: name)
            try checkSize(n2, field: "n2", study: name)
            try checkFinite(t, field: "t", study: name)
            let d = t * (1 / n1 + 1 / n2).squareRoot()
            let (yi, vi) = correctedSMD(d: d, n1: n1, n2: n2, convention: smd)
            return .effect(EffectSize(study: name, yi: yi, vi: vi,
                                      input: smd == .hedges ? .tStatisticHedges : .tStatisticRevMan,
                                      n1: n1, n2: n2))
        case .binary(let counts):
            guard measure.isBinary else {
                throw StatsError.unsupportedInput(study: name, measure: measure.rawValue, input: study.data.inputDescription)
            }
            try checkCounts(counts, study: name)
            if measure != .rd && counts.isDoubleZero {
                return .dropped("no events in either arm, so the \(measure.rawValue) is not estimable")
            }
            if measure == .or && counts.isDoubleFull {
                return .dropped("every participant had the event in both arms, so the OR is not estimable")
            }
            var (yi, vi, corrected) = binaryEffect(counts, measure: measure)
            if measure == .rd, corrected, zeroCells == .revman {
                // RevMan keeps the raw risk difference; only its variance uses the corrected cells.
                yi = counts.events1 / counts.total1 - counts.events2 / counts.total2
            }
            return .effect(EffectSize(study: name, yi: yi, vi: vi, input: corrected ? .countsCorrected : .counts,
                                      counts: counts, n1: counts.total1, n2: counts.total2))
        case let .generic(yi, vi):
            try checkFinite(yi, field: "yi", study: name)
            guard vi.isFinite, vi > 0 else {
                throw StatsError.invalidInput(study: name, field: "vi", value: vi, requirement: "a sampling variance must be > 0")
            }
            return .effect(EffectSize(study: name, yi: yi, vi: vi, input: .variance))
        case let .genericSE(yi, se):
            try checkFinite(yi, field: "yi", study: name)
            guard se.isFinite, se > 0 else {
                throw StatsError.invalidInput(study: name, field: "se", value: se, requirement: "a standard error must be > 0")
            }
            return .effect(EffectSize(study: name, yi: yi, vi: se * se, input: .standardError))
        case let .genericCI(estimate, lower, upper):
            try checkFinite(estimate, field: "estimate", study: name)
            try checkFinite(lower, field: "ci_lower", study: name)
            try checkFinite(upper, field: "ci_upper", study: name)
            if measure.isRatio {
                for (field, value) in [("estimate", estimate), ("ci_lower", lower), ("ci_upper", upper)] where value <= 0 {
                    throw StatsError.invalidInput(study: name, field: field, value: value,
                                        requirement: "a ratio and its CI limits must be > 0")
                }
            }
            guard lower < upper else {
                throw StatsError.inconsistentInput(study: name, message: "ci_lower (\(formatValue(lower))) must be below ci_upper (\(formatValue(upper)))")
            }
            guard lower <= estimate, estimate <= upper else {
                throw StatsError.inconsistentInput(study: name, message: "the estimate \(formatValue(estimate)) lies outside its CI [\(formatValue(lower)), \(formatValue(upper))]")
            }
            let yi = measure.isRatio ? log(estimate) : estimate
            let width = measure.isRatio ? log(upper) - log(lower) : upper - lower
            let se = width / (2 * z975)
            return .effect(EffectSize(study: name, yi: yi, vi: se * se, input: .confidenceInterval))
        }
    }

    // MARK: Formulas

    /// Hedges' g and its variance from two arms' means and SDs.
    public static func standardizedMeanDifference(_ arms: ContinuousArms, convention: SMDConvention) -> (yi: Double, vi: Double) {
        let m = arms.n1 + arms.n2 - 2
        let pooledVariance = ((arms.n1 - 1) * arms.sd1 * arms.sd1 + (arms.n2 - 1) * arms.sd2 * arms.sd2) / m
        let d = (arms.mean1 - arms.mean2) / pooledVariance.squareRoot()
        return correctedSMD(d: d, n1: arms.n1, n2: arms.n2, convention: convention)
    }

    /// Applies the small-sample correction to Cohen's d and returns g with its variance.
    static func correctedSMD(d: Double, n1: Double, n2: Double, convention: SMDConvention) -> (yi: Double, vi: Double) {
        let total = n1 + n2
        switch convention {
        case .hedges:
            let g = hedgesJ(m: total - 2) * d
            return (g, 1 / n1 + 1 / n2 + g * g / (2 * total))
        case .revman:
            let g = (1 - 3 / (4 * total - 9)) * d
            return (g, total / (n1 * n2) + g * g / (2 * (total - 3.94)))
        }
    }

    /// The exact bias correction J(m) = Γ(m/2) / (√(m/2)·Γ((m−1)/2)) (Hedges 1981).
    /// For large m the log-gamma difference is taken from Stirling's series to avoid cancellation.
    public static func hedgesJ(m: Double) -> Double {
        let x = m / 2
        if x - 0.5 >= 10 {
            let logJ = -(x - 1) * log1p(-0.5 / x) - 0.5
                + SpecialFunctions.stirlingRemainder(x) - SpecialFunctions.stirlingRemainder(x - 0.5)
            return exp(logJ)
        }
        return exp(lgamma(x) - 0.5 * log(x) - lgamma(x - 0.5))
    }

    /// Log OR, log RR or RD with 0.5 added to every cell of a table that has a zero cell.
    static func binaryEffect(_ counts: BinaryCounts, measure: EffectMeasure) -> (yi: Double, vi: Double, corrected: Bool) {
        let add = counts.hasZeroCell ? 0.5 : 0
        let a = counts.a + add, b = counts.b + add, c = counts.c + add, d = counts.d + add
        let n1 = a + b, n2 = c + d
        switch measure {
        case .or:
            return (log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d, add > 0)
        case .rr:
            return (log((a / n1) / (c / n2)), 1 / a - 1 / n1 + 1 / c - 1 / n2, add > 0)
        default:
            let p1 = a / n1, p2 = c / n2
            return (p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2, add > 0)
        }
    }

    // MARK: Checks

    static func checkFinite(_ value: Double, field: String, study: String) throws {
        guard value.isFinite else {
            throw StatsError.invalidInput(study: study, field: field, value: value, requirement: "it must be a finite number")
        }
    }

    static func checkSize(_ n: Double, field: String, study: String) throws {
        guard n.isFinite, n >= 2 else {
            throw StatsError.invalidInput(study: study, field: field, value: n, requirement: "an arm needs n ≥ 2")
        }
    }

    static func checkArms(_ arms: ContinuousArms, study: String) throws {
        try checkSize(arms.n1, field: "n1", study: study)
        try checkSize(arms.n2, field: "n2", study: study)
        try checkFinite(arms.mean1, field: "mean1", study: study)
        try checkFinite(arms.mean2, field: "mean2", study: study)
        for (field, sd) in [("sd1", arms.sd1), ("sd2", arms.sd2)] {
            guard sd.isFinite, sd > 0 else {
                throw StatsError.invalidInput(study: study, field: field, value: sd, requirement: "an SD must be > 0")
            }
        }
    }

    static func checkCounts(_ counts: BinaryCounts, study: String) throws {
        for (field, value) in [("events1", counts.events1), ("events2", counts.events2)] {
            guard value.isFinite, value >= 0 else {
                throw StatsError.invalidInput(study: study, field: field, value: value, requirement: "event counts must be ≥ 0")
            }
        }
        for (field, value) in [("total1", counts.total1), ("total2", counts.total2)] {
            guard value.isFinite, value >= 1 else {
                throw StatsError.invalidInput(study: study, field: field, value: value, requirement: "an arm needs at least 1 participant")
            }
        }
        if counts.events1 > counts.total1 {
            throw StatsError.invalidInput(study: study, field: "events1", value: counts.events1,
                                requirement: "events cannot exceed the arm's total (total1 = \(formatValue(counts.total1)))")
        }
        if counts.events2 > counts.total2 {
            throw StatsError.invalidInput(study: study, field: "events2", value: counts.events2,
                                requirement: "events cannot exceed the arm's total (total2 = \(formatValue(counts.total2)))")
        }
    }
}

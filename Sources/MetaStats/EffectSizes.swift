#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The effect measures metapipe computes. Raw values are the pipeline spelling.
/// The measures a 2×2 table gives: odds ratio, risk ratio, risk difference.
public enum BinaryMeasure: String, Sendable, Hashable {
    case or = "OR", rr = "RR", rd = "RD"
}

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
    /// Raw correlation coefficient.
    case cor = "COR"
    /// Fisher's z-transformed correlation (shown as r).
    case zcor = "ZCOR"
    /// Raw proportion (one group).
    case pr = "PR"
    /// Logit-transformed proportion (shown as a proportion).
    case plo = "PLO"
    /// Freeman–Tukey double-arcsine proportion (shown as a proportion).
    case pft = "PFT"
    /// Incidence-rate ratio (analysed as log IRR).
    case irr = "IRR"
    /// Incidence-rate difference.
    case ird = "IRD"
    /// Ratio of means (analysed as log ROM).
    case rom = "ROM"
    /// Standardised mean change, raw-score standardisation (by the pre-test SD).
    case smcr = "SMCR"
    /// Standardised mean change, change-score standardisation.
    case smcc = "SMCC"
    /// Raw mean change (post − pre).
    case mc = "MC"

    /// Ratio measures are pooled on the log scale and shown exponentiated.
    public var isRatio: Bool { self == .or || self == .rr || self == .irr || self == .rom }
    /// Measures computed from 2×2 counts.
    public var isBinary: Bool { binary != nil }
    /// The comparison of two proportions this measure is, if any: what 2×2 tables compute.
    public var binary: BinaryMeasure? {
        switch self {
        case .or: return .or
        case .rr: return .rr
        case .rd: return .rd
        case .smd, .md, .generic, .cor, .zcor, .pr, .plo, .pft, .irr, .ird, .rom, .smcr, .smcc, .mc: return nil
        }
    }
    /// Measures of one group's proportion (events and total).
    public var isProportion: Bool { self == .pr || self == .plo || self == .pft }
    /// Measures of a correlation (r and n).
    public var isCorrelation: Bool { self == .cor || self == .zcor }
    /// Measures comparing two incidence rates (events and person-time per arm).
    public var isRate: Bool { self == .irr || self == .ird }
    /// Measures of a change from a pre-test to a post-test in one group.
    public var isPrePost: Bool { self == .smcr || self == .smcc || self == .mc }
    /// Standardised differences (in SD units), read on the SMD's scale of sizes.
    public var isStandardised: Bool { self == .smd || self == .smcr || self == .smcc }

    public var displayName: String {
        switch self {
        case .smd: return "Std. mean difference"
        case .md: return "Mean difference"
        case .or: return "Odds ratio"
        case .rr: return "Risk ratio"
        case .rd: return "Risk difference"
        case .generic: return "Estimate"
        case .cor: return "Correlation"
        case .zcor: return "Correlation (Fisher's z)"
        case .pr: return "Proportion"
        case .plo: return "Proportion (logit)"
        case .pft: return "Proportion (Freeman–Tukey)"
        case .irr: return "Rate ratio"
        case .ird: return "Rate difference"
        case .rom: return "Ratio of means"
        case .smcr: return "Std. mean change (raw-score)"
        case .smcc: return "Std. mean change (change-score)"
        case .mc: return "Mean change"
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

/// Events and person-time of two groups (group 1 = experimental).
public struct RateCounts: Sendable, Hashable, Codable {
    public var events1: Double, time1: Double
    public var events2: Double, time2: Double
    public init(events1: Double, time1: Double, events2: Double, time2: Double) {
        self.events1 = events1; self.time1 = time1; self.events2 = events2; self.time2 = time2
    }
}

/// One group measured before and after (change = post − pre); `r` is the pre–post correlation
/// when the study reports it.
public struct PrePostSummary: Sendable, Hashable, Codable {
    public var n: Double
    public var meanPre: Double, sdPre: Double
    public var meanPost: Double, sdPost: Double
    public var r: Double?
    public init(n: Double, meanPre: Double, sdPre: Double, meanPost: Double, sdPost: Double, r: Double? = nil) {
        self.n = n; self.meanPre = meanPre; self.sdPre = sdPre; self.meanPost = meanPost; self.sdPost = sdPost; self.r = r
    }
}

/// What a study reports, before an effect size is computed from it.
public enum StudyData: Sendable, Hashable, Codable {
    case continuous(ContinuousArms)
    case binary(BinaryCounts)
    /// An independent-samples t statistic (positive when arm 1 is higher) with the arm sizes.
    case tStatistic(n1: Double, n2: Double, t: Double)
    /// A correlation coefficient with the sample size.
    case correlation(r: Double, n: Double)
    /// One group's events out of its total.
    case proportion(events: Double, total: Double)
    /// Two groups' events and person-time.
    case rates(RateCounts)
    /// One group's pre- and post-test means and SDs.
    case prePost(PrePostSummary)
    /// A paired t statistic (positive when post is higher) with the number of pairs.
    case pairedT(n: Double, t: Double)
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
        case let .correlation(r, n): return list([("r", r), ("n", n)])
        case let .proportion(x, n): return list([("events", x), ("total", n)])
        case .rates(let c):
            return list([("events1", c.events1), ("time1", c.time1), ("events2", c.events2), ("time2", c.time2)])
        case .prePost(let p):
            return list([("n", p.n), ("mean_pre", p.meanPre), ("sd_pre", p.sdPre), ("mean_post", p.meanPost),
                         ("sd_post", p.sdPost)] + (p.r.map { [("r", $0)] } ?? []))
        case let .pairedT(n, t): return list([("n", n), ("t", t)])
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
        case .correlation: return "a correlation"
        case .proportion: return "events and a total"
        case .rates: return "events and person-time"
        case .prePost: return "pre- and post-test means and SDs"
        case .pairedT: return "a paired t statistic"
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
    case correlation = "r and n"
    case fisherZ = "r and n (Fisher's z)"
    case proportion = "events and total"
    case proportionCorrected = "events and total, 0.5 added to events and non-events"
    case rates = "events and person-time"
    case ratesCorrected = "events and person-time, 0.5 added to each group's events"
    case meansRatio = "means and SDs (log ratio of means)"
    case prePostReported = "pre and post means and SDs, the study's pre–post r"
    case prePostSetting = "pre and post means and SDs, pre–post r from prepost-r"
    case pairedT = "paired t statistic and n (Hedges' g, exact J)"
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
    /// Arm sizes when the study reports them (continuous, t statistic or counts); a one-group study's
    /// size (proportion, correlation, pre–post) is `n1`.
    public var n1: Double?
    public var n2: Double?
    /// The pre–post correlation a change measure used (the study's own or the `prepost-r` setting).
    public var prePostR: Double?

    public init(study: String, yi: Double, vi: Double, input: InputMethod,
                counts: BinaryCounts? = nil, arms: ContinuousArms? = nil, n1: Double? = nil, n2: Double? = nil,
                prePostR: Double? = nil) {
        self.study = study; self.yi = yi; self.vi = vi; self.input = input
        self.counts = counts; self.arms = arms; self.n1 = n1; self.n2 = n2; self.prePostR = prePostR
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
    public static func compute(_ studies: [StudyInput], measure: EffectMeasure, smd: SMDConvention = .hedges,
                               prePostR: Double? = nil) throws -> EffectSizeSet
    {
        var effects: [EffectSize] = []
        var dropped: [DroppedStudy] = []
        var warnings: [String] = []
        effects.reserveCapacity(studies.count)
        for study in studies {
            switch try compute(study, measure: measure, smd: smd, prePostR: prePostR) {
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
                               zeroCells: ZeroCellRule? = nil, prePostR: Double? = nil) throws -> Outcome
    {
        let outcome = try computeUnchecked(study, measure: measure, smd: smd, zeroCells: zeroCells, prePostR: prePostR)
        guard case .effect(let e) = outcome else { return outcome }
        // A ratio is shown as exp(yi ± z·se): that must stay a finite double too (e^700 ≈ 1e304).
        let ratioLimitOK = !measure.isRatio || (abs(e.yi) + 10 * e.vi.squareRoot() <= 700)
        if !(e.yi.isFinite && abs(e.yi) <= largestEffect && e.vi.isFinite && variances.contains(e.vi) && ratioLimitOK) {
            throw StatsError.unrepresentable(study: study.study, values: study.data.valuesDescription, yi: e.yi, vi: e.vi,
                                             measure: measure)
        }
        return outcome
    }

    static func computeUnchecked(_ study: StudyInput, measure: EffectMeasure, smd: SMDConvention,
                                 zeroCells: ZeroCellRule?, prePostR: Double? = nil) throws -> Outcome {
        let name = study.study
        switch study.data {
        case let .correlation(r, n):
            return try correlationEffect(r: r, n: n, measure: measure, study: study)
        case let .proportion(x, n):
            return try proportionEffect(events: x, total: n, measure: measure, study: study)
        case .rates(let c):
            return try rateEffect(c, measure: measure, study: study)
        case .prePost(let p):
            return try prePostEffect(p, measure: measure, prePostR: prePostR, study: study)
        case let .pairedT(n, t):
            guard measure == .smcc else {
                throw StatsError.unsupportedInput(study: name, measure: measure, input: study.data.inputDescription)
            }
            guard n.isFinite, n >= 3 else {
                throw StatsError.invalidInput(study: name, field: "n", value: n, requirement: .minimumSize(.pairedT))
            }
            try checkFinite(t, field: "t", study: name)
            let g = hedgesJ(m: n - 1) * t / n.squareRoot()
            return .effect(EffectSize(study: name, yi: g, vi: 1 / n + g * g / (2 * n), input: .pairedT, n1: n))
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
            case .rom:
                for (field, m) in [("mean1", arms.mean1), ("mean2", arms.mean2)] where !(m > 0) {
                    throw StatsError.invalidInput(study: name, field: field, value: m,
                                                  requirement: .positiveMeans)
                }
                let yi = log(arms.mean1 / arms.mean2)
                let vi = arms.sd1 * arms.sd1 / (arms.n1 * arms.mean1 * arms.mean1)
                    + arms.sd2 * arms.sd2 / (arms.n2 * arms.mean2 * arms.mean2)
                return .effect(EffectSize(study: name, yi: yi, vi: vi, input: .meansRatio,
                                          arms: arms, n1: arms.n1, n2: arms.n2))
            default:
                throw StatsError.unsupportedInput(study: name, measure: measure, input: study.data.inputDescription)
            }
        case let .tStatistic(n1, n2, t):
            guard measure == .smd else {
                throw StatsError.unsupportedInput(study: name, measure: measure, input: study.data.inputDescription)
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
                throw StatsError.unsupportedInput(study: name, measure: measure, input: study.data.inputDescription)
            }
            try checkCounts(counts, study: name)
            if measure != .rd && counts.isDoubleZero {
                return .dropped("no events in either arm, so the \(measure.rawValue) is not estimable")
            }
            if measure == .or && counts.isDoubleFull {
                return .dropped("every participant had the event in both arms, so the OR is not estimable")
            }
            guard let binary = measure.binary else {
                throw StatsError.unsupportedInput(study: name, measure: measure, input: study.data.inputDescription)
            }
            var (yi, vi, corrected) = binaryEffect(counts, measure: binary)
            if measure == .rd, corrected, zeroCells == .revman {
                // RevMan keeps the raw risk difference; only its variance uses the corrected cells.
                yi = counts.events1 / counts.total1 - counts.events2 / counts.total2
            }
            return .effect(EffectSize(study: name, yi: yi, vi: vi, input: corrected ? .countsCorrected : .counts,
                                      counts: counts, n1: counts.total1, n2: counts.total2))
        case let .generic(yi, vi):
            try checkFinite(yi, field: "yi", study: name)
            guard vi.isFinite, vi > 0 else {
                throw StatsError.invalidInput(study: name, field: "vi", value: vi, requirement: .positiveVariance)
            }
            return .effect(EffectSize(study: name, yi: yi, vi: vi, input: .variance))
        case let .genericSE(yi, se):
            try checkFinite(yi, field: "yi", study: name)
            guard se.isFinite, se > 0 else {
                throw StatsError.invalidInput(study: name, field: "se", value: se, requirement: .positiveStandardError)
            }
            return .effect(EffectSize(study: name, yi: yi, vi: se * se, input: .standardError))
        case let .genericCI(estimate, lower, upper):
            try checkFinite(estimate, field: "estimate", study: name)
            try checkFinite(lower, field: "ci_lower", study: name)
            try checkFinite(upper, field: "ci_upper", study: name)
            if measure.isRatio {
                for (field, value) in [("estimate", estimate), ("ci_lower", lower), ("ci_upper", upper)] where value <= 0 {
                    throw StatsError.invalidInput(study: name, field: field, value: value,
                                        requirement: .positiveRatio)
                }
            }
            guard lower < upper else {
                throw StatsError.reversedCI(study: name, lower: lower, upper: upper)
            }
            guard lower <= estimate, estimate <= upper else {
                throw StatsError.estimateOutsideCI(study: name, estimate: estimate, lower: lower, upper: upper)
            }
            let yi = measure.isRatio ? log(estimate) : estimate
            let width = measure.isRatio ? log(upper) - log(lower) : upper - lower
            let se = width / (2 * z975)
            return .effect(EffectSize(study: name, yi: yi, vi: se * se, input: .confidenceInterval))
        }
    }

    // MARK: Formulas

    /// COR: r with (1 − r²)²/(n − 1); ZCOR: atanh r with 1/(n − 3) (metafor's escalc, vtype "LS").
    static func correlationEffect(r: Double, n: Double, measure: EffectMeasure, study: StudyInput) throws -> Outcome {
        let name = study.study
        guard measure.isCorrelation else {
            throw StatsError.unsupportedInput(study: name, measure: measure, input: study.data.inputDescription)
        }
        guard r.isFinite, abs(r) <= 1 else {
            throw StatsError.invalidInput(study: name, field: "r", value: r, requirement: .correlationRange)
        }
        if measure == .zcor {
            guard n.isFinite, n > 3 else {
                throw StatsError.invalidInput(study: name, field: "n", value: n, requirement: .minimumSize(.fisherZ))
            }
            guard abs(r) < 1 else {
                throw StatsError.invalidInput(study: name, field: "r", value: r, requirement: .fisherZBelowOne)
            }
            return .effect(EffectSize(study: name, yi: atanh(r), vi: 1 / (n - 3), input: .fisherZ, n1: n))
        }
        guard n.isFinite, n >= 2 else {
            throw StatsError.invalidInput(study: name, field: "n", value: n, requirement: .minimumSize(.correlation))
        }
        guard abs(r) < 1 else {
            throw StatsError.invalidInput(study: name, field: "r", value: r, requirement: .correlationBelowOne)
        }
        let v = (1 - r * r) * (1 - r * r) / (n - 1)
        return .effect(EffectSize(study: name, yi: r, vi: v, input: .correlation, n1: n))
    }

    /// PR, PLO with 0.5 added to events and non-events when either is 0; PFT as is (metafor's escalc).
    static func proportionEffect(events x: Double, total n: Double, measure: EffectMeasure, study: StudyInput) throws -> Outcome {
        let name = study.study
        guard measure.isProportion else {
            throw StatsError.unsupportedInput(study: name, measure: measure, input: study.data.inputDescription)
        }
        guard x.isFinite, x >= 0 else {
            throw StatsError.invalidInput(study: name, field: "events", value: x, requirement: .nonNegativeEvents)
        }
        guard n.isFinite, n >= 1 else {
            throw StatsError.invalidInput(study: name, field: "total", value: n, requirement: .participants(arm: false))
        }
        guard x <= n else {
            throw StatsError.invalidInput(study: name, field: "events", value: x,
                                          requirement: .eventsWithinTotal(totalField: nil, total: n))
        }
        if measure == .pft {
            let yi = 0.5 * (asin((x / (n + 1)).squareRoot()) + asin(((x + 1) / (n + 1)).squareRoot()))
            return .effect(EffectSize(study: name, yi: yi, vi: 1 / (4 * n + 2), input: .proportion, n1: n))
        }
        let corrected = x == 0 || x == n
        let xa = corrected ? x + 0.5 : x
        let ma = corrected ? n - x + 0.5 : n - x
        let na = xa + ma
        let p = xa / na
        let input: InputMethod = corrected ? .proportionCorrected : .proportion
        if measure == .pr {
            return .effect(EffectSize(study: name, yi: p, vi: p * (1 - p) / na, input: input, n1: n))
        }
        return .effect(EffectSize(study: name, yi: log(xa / ma), vi: 1 / xa + 1 / ma, input: input, n1: n))
    }

    /// IRR (log) and IRD, with 0.5 added to both groups' events when either is 0 (metafor's escalc).
    static func rateEffect(_ c: RateCounts, measure: EffectMeasure, study: StudyInput) throws -> Outcome {
        let name = study.study
        guard measure.isRate else {
            throw StatsError.unsupportedInput(study: name, measure: measure, input: study.data.inputDescription)
        }
        for (field, v) in [("events1", c.events1), ("events2", c.events2)] where !(v.isFinite && v >= 0) {
            throw StatsError.invalidInput(study: name, field: field, value: v, requirement: .nonNegativeEvents)
        }
        for (field, v) in [("time1", c.time1), ("time2", c.time2)] where !(v.isFinite && v > 0) {
            throw StatsError.invalidInput(study: name, field: field, value: v, requirement: .positivePersonTime)
        }
        if measure == .irr && c.events1 == 0 && c.events2 == 0 {
            return .dropped("no events in either group, so the IRR is not estimable")
        }
        let corrected = c.events1 == 0 || c.events2 == 0
        let x1 = corrected ? c.events1 + 0.5 : c.events1
        let x2 = corrected ? c.events2 + 0.5 : c.events2
        let ir1 = x1 / c.time1, ir2 = x2 / c.time2
        let input: InputMethod = corrected ? .ratesCorrected : .rates
        if measure == .irr {
            return .effect(EffectSize(study: name, yi: log(ir1) - log(ir2), vi: 1 / x1 + 1 / x2, input: input))
        }
        return .effect(EffectSize(study: name, yi: ir1 - ir2, vi: ir1 / c.time1 + ir2 / c.time2, input: input))
    }

    /// MC, SMCC (change-score SD) and SMCR (pre-test SD), change = post − pre (metafor's escalc with
    /// m1i = post, m2i = pre; vtype "LS"). `prePostR` is used when the study gives no r.
    static func prePostEffect(_ p: PrePostSummary, measure: EffectMeasure, prePostR: Double?, study: StudyInput) throws -> Outcome {
        let name = study.study
        guard measure.isPrePost else {
            throw StatsError.unsupportedInput(study: name, measure: measure, input: study.data.inputDescription)
        }
        guard p.n.isFinite, p.n >= 3 else {
            throw StatsError.invalidInput(study: name, field: "n", value: p.n, requirement: .minimumSize(.prePost))
        }
        try checkFinite(p.meanPre, field: "mean_pre", study: name)
        try checkFinite(p.meanPost, field: "mean_post", study: name)
        for (field, sd) in [("sd_pre", p.sdPre), ("sd_post", p.sdPost)] where !(sd.isFinite && sd > 0) {
            throw StatsError.invalidInput(study: name, field: field, value: sd, requirement: .positiveSD)
        }
        guard let r = p.r ?? prePostR else {
            throw StatsError.missingPrePostR(study: name, measure: measure)
        }
        guard r.isFinite, abs(r) <= 1 else {
            throw StatsError.invalidInput(study: name, field: "r", value: r, requirement: .correlationRange)
        }
        let input: InputMethod = p.r == nil ? .prePostSetting : .prePostReported
        let n = p.n
        let change = p.meanPost - p.meanPre
        let changeVariance = p.sdPre * p.sdPre + p.sdPost * p.sdPost - 2 * r * p.sdPre * p.sdPost
        let yi: Double, vi: Double
        switch measure {
        case .mc:
            yi = change; vi = changeVariance / n
        case .smcc:
            guard changeVariance > 0 else {
                throw StatsError.zeroChangeSD(study: name, r: r)
            }
            yi = hedgesJ(m: n - 1) * change / changeVariance.squareRoot()
            vi = 1 / n + yi * yi / (2 * n)
        case .smcr:
            yi = hedgesJ(m: n - 1) * change / p.sdPre
            vi = 2 * (1 - r) / n + yi * yi / (2 * n)
        case .smd, .md, .or, .rr, .rd, .generic, .cor, .zcor, .pr, .plo, .pft, .irr, .ird, .rom:
            throw StatsError.unsupportedInput(study: name, measure: measure, input: study.data.inputDescription)
        }
        return .effect(EffectSize(study: name, yi: yi, vi: vi, input: input, n1: n, prePostR: r))
    }

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
    static func binaryEffect(_ counts: BinaryCounts, measure: BinaryMeasure) -> (yi: Double, vi: Double, corrected: Bool) {
        let add = counts.hasZeroCell ? 0.5 : 0
        let a = counts.a + add, b = counts.b + add, c = counts.c + add, d = counts.d + add
        let n1 = a + b, n2 = c + d
        switch measure {
        case .or:
            return (log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d, add > 0)
        case .rr:
            return (log((a / n1) / (c / n2)), 1 / a - 1 / n1 + 1 / c - 1 / n2, add > 0)
        case .rd:
            let p1 = a / n1, p2 = c / n2
            return (p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2, add > 0)
        }
    }

    // MARK: Checks

    static func checkFinite(_ value: Double, field: String, study: String) throws {
        guard value.isFinite else {
            throw StatsError.invalidInput(study: study, field: field, value: value, requirement: .finite)
        }
    }

    static func checkSize(_ n: Double, field: String, study: String) throws {
        guard n.isFinite, n >= 2 else {
            throw StatsError.invalidInput(study: study, field: field, value: n, requirement: .minimumSize(.arm))
        }
    }

    static func checkArms(_ arms: ContinuousArms, study: String) throws {
        try checkSize(arms.n1, field: "n1", study: study)
        try checkSize(arms.n2, field: "n2", study: study)
        try checkFinite(arms.mean1, field: "mean1", study: study)
        try checkFinite(arms.mean2, field: "mean2", study: study)
        for (field, sd) in [("sd1", arms.sd1), ("sd2", arms.sd2)] {
            guard sd.isFinite, sd > 0 else {
                throw StatsError.invalidInput(study: study, field: field, value: sd, requirement: .positiveSD)
            }
        }
    }

    static func checkCounts(_ counts: BinaryCounts, study: String) throws {
        for (field, value) in [("events1", counts.events1), ("events2", counts.events2)] {
            guard value.isFinite, value >= 0 else {
                throw StatsError.invalidInput(study: study, field: field, value: value, requirement: .nonNegativeEvents)
            }
        }
        for (field, value) in [("total1", counts.total1), ("total2", counts.total2)] {
            guard value.isFinite, value >= 1 else {
                throw StatsError.invalidInput(study: study, field: field, value: value, requirement: .participants(arm: true))
            }
        }
        if counts.events1 > counts.total1 {
            throw StatsError.invalidInput(study: study, field: "events1", value: counts.events1,
                                requirement: .eventsWithinTotal(totalField: "total1", total: counts.total1))
        }
        if counts.events2 > counts.total2 {
            throw StatsError.invalidInput(study: study, field: "events2", value: counts.events2,
                                requirement: .eventsWithinTotal(totalField: "total2", total: counts.total2))
        }
    }
}

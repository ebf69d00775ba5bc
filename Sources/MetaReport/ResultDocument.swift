import Foundation
import MetaStats

/// `result.json` of one analysis: every number on the analysis scale (log for OR and RR), keys in
/// snake_case and sorted, numbers at full precision; a key that does not apply is absent.
public struct ResultDocument: Codable, Sendable, Hashable {
    public var analysis: String
    public var title: String
    public var measure: EffectMeasure
    public var model: PoolingModel
    public var method: PoolingMethod
    public var test: TestMethod
    public var level: Double
    public var k: Int
    public var settings: Settings
    public var studies: [Study]
    public var dropped: [DroppedStudy]?
    /// Absent when no study has an estimable effect (then `not_estimable` says why).
    public var pooled: Pooled?
    /// Why the analysis has no pooled result ("no study has an estimable effect"), as RevMan's "Not estimable".
    public var notEstimable: String?
    public var heterogeneity: Heterogeneity?
    public var subgroups: [String: Subgroups]?
    public var leaveOneOut: [LeaveOneOut]?
    /// A meta-regression on `moderators:` (absent without).
    public var regression: Regression?
    public var cumulative: [LeaveOneOut]?
    /// Influence diagnostics (`sensitivity: {influence: true}`; absent without), with each study's Baujat coordinates.
    public var influence: [InfluenceRow]?
    /// A summary of the GOSH fits, whose rows are in gosh.csv (absent without).
    public var gosh: GoshSummary?
    public var bias: Bias?
    public var sensitivity: [Scenario]?
    public var warnings: [String]
    public var metapipeVersion: String

    public init(analysis: String, title: String, measure: EffectMeasure, model: PoolingModel, method: PoolingMethod, test: TestMethod, level: Double,
                k: Int, settings: Settings, studies: [Study], dropped: [DroppedStudy]?, pooled: Pooled?,
                notEstimable: String? = nil, heterogeneity: Heterogeneity?, subgroups: [String: Subgroups]?, leaveOneOut: [LeaveOneOut]?,
                cumulative: [LeaveOneOut]?, bias: Bias?, sensitivity: [Scenario]?, warnings: [String], metapipeVersion: String) {
        self.analysis = analysis; self.title = title; self.measure = measure; self.model = model; self.method = method
        self.test = test; self.level = level; self.k = k; self.settings = settings; self.studies = studies
        self.dropped = dropped; self.pooled = pooled; self.notEstimable = notEstimable; self.heterogeneity = heterogeneity; self.subgroups = subgroups
        self.leaveOneOut = leaveOneOut; self.cumulative = cumulative; self.bias = bias; self.sensitivity = sensitivity
        self.warnings = warnings; self.metapipeVersion = metapipeVersion
    }

    /// Whether the analysis has a pooled result (false: not estimable, or no totals asked for).
    public var estimable: Bool { pooled != nil }

    /// Numbers are logs of ratios, shown exponentiated: a ratio measure, or a generic measure on the
    /// log scale (`scale: log`).
    public var isShownAsRatio: Bool { measure.isRatio || settings.scale == .log }

    enum CodingKeys: String, CodingKey {
        case analysis, title, measure, model, method, test, level, k, settings, studies, dropped, pooled, heterogeneity,
             subgroups, cumulative, bias, sensitivity, warnings, regression, influence, gosh
        case leaveOneOut = "leave_one_out"
        case metapipeVersion = "metapipe_version"
        case notEstimable = "not_estimable"
    }

    /// The conventions that produced the numbers.
    public struct Settings: Codable, Sendable, Hashable {
        public var profile: Profile
        public var smd: SMDConvention
        public var i2: I2Definition
        public var z: Double
        public var predictionInterval: Bool
        public var tau2CI: Bool
        public var convergence: Convergence
        /// The pipeline's `direction:` (`lower` or `higher` is better).
        public var direction: Direction
        public var iterations: Int?
        /// `log` for a generic measure whose yi are log ratios (shown exponentiated); absent otherwise.
        public var scale: EffectScale?
        /// `subgroups` or `none` when the analysis has no overall total (RevMan's TOTALS="SUB" / "NO"); absent otherwise.
        public var totals: Totals?
        /// How p-values of z statistics are computed: `AS66` (Hill's algorithm, as RevMan 5); absent for the exact tail.
        public var pNormal: NormalTail?
        /// `prepost-r`: the pre–post correlation of change-measure studies without their own r; absent otherwise.
        public var prePostR: Double?
        /// PFT: the harmonic mean of the studies' sizes its pooled result is back-transformed with; absent otherwise.
        public var harmonicN: Double?
        public init(profile: Profile, smd: SMDConvention, i2: I2Definition, z: Double, predictionInterval: Bool, tau2CI: Bool,
                    convergence: Convergence, direction: Direction, iterations: Int?, scale: EffectScale? = nil, totals: Totals? = nil,
                    pNormal: NormalTail? = nil) {
            self.profile = profile; self.smd = smd; self.i2 = i2; self.z = z; self.predictionInterval = predictionInterval
            self.tau2CI = tau2CI; self.convergence = convergence; self.direction = direction; self.iterations = iterations
            self.scale = scale; self.totals = totals; self.pNormal = pNormal
        }
        enum CodingKeys: String, CodingKey {
            case profile, smd, i2, z, convergence, direction, iterations, scale, totals
            case pNormal = "p_normal"
            case prePostR = "prepost_r", harmonicN = "harmonic_n"
            case predictionInterval = "prediction_interval"
            case tau2CI = "tau2_ci"
        }
    }

    public struct Study: Codable, Sendable, Hashable {
        public var study: String
        public var yi: Double
        public var vi: Double
        public var se: Double
        public var ciLower: Double
        public var ciUpper: Double
        public var weight: Double
        public var input: String
        enum CodingKeys: String, CodingKey {
            case study, yi, vi, se, weight, input
            case ciLower = "ci_lower", ciUpper = "ci_upper"
        }
    }

    public struct Pooled: Codable, Sendable, Hashable {
        public var estimate: Double
        public var se: Double
        public var ciLower: Double
        public var ciUpper: Double
        public var statistic: Double
        public var pValue: Double
        public var df: Int?
        public var piLower: Double?
        public var piUpper: Double?
        /// On the shown scale, for measures pooled on another (OR, RR, IRR, ROM, ZCOR, PLO, PFT).
        public var backTransformed: BackTransformedEstimate?
        enum CodingKeys: String, CodingKey {
            case estimate, se, statistic, df
            case ciLower = "ci_lower", ciUpper = "ci_upper", pValue = "p_value", piLower = "pi_lower", piUpper = "pi_upper"
            case backTransformed = "back_transformed"
        }
        public init(_ p: PooledEstimate) {
            estimate = p.estimate; se = p.se; ciLower = p.ciLower; ciUpper = p.ciUpper
            statistic = p.statistic; pValue = p.pValue; df = p.df; piLower = p.piLower; piUpper = p.piUpper
        }
    }

    public struct Subgroups: Codable, Sendable, Hashable {
        public struct Group: Codable, Sendable, Hashable {
            public var name: String
            public var k: Int
            /// The numbers are absent for a subgroup with no estimable study (`not_estimable` is true).
            public var estimate: Double?
            public var se: Double?
            public var ciLower: Double?
            public var ciUpper: Double?
            public var statistic: Double?
            public var pValue: Double?
            public var tau2: Double?
            public var i2: Double?
            public var q: Double?
            public var df: Int?
            public var qPValue: Double?
            public var studies: [String]
            public var notEstimable: Bool?
            /// On the shown scale, for measures pooled on another.
            public var backTransformed: BackTransformedEstimate?
            public init(name: String, k: Int, estimate: Double?, se: Double?, ciLower: Double?, ciUpper: Double?, statistic: Double?,
                        pValue: Double?, tau2: Double?, i2: Double?, q: Double?, df: Int?, qPValue: Double?, studies: [String],
                        notEstimable: Bool? = nil) {
                self.name = name; self.k = k; self.estimate = estimate; self.se = se; self.ciLower = ciLower
                self.ciUpper = ciUpper; self.statistic = statistic; self.pValue = pValue; self.tau2 = tau2; self.i2 = i2
                self.q = q; self.df = df; self.qPValue = qPValue; self.studies = studies; self.notEstimable = notEstimable
            }
            /// A subgroup whose studies all were left out.
            public static func notEstimable(_ name: String, studies: [String]) -> Group {
                Group(name: name, k: 0, estimate: nil, se: nil, ciLower: nil, ciUpper: nil, statistic: nil, pValue: nil, tau2: nil,
                      i2: nil, q: nil, df: nil, qPValue: nil, studies: studies, notEstimable: true)
            }
            enum CodingKeys: String, CodingKey {
                case name, k, estimate, se, statistic, tau2, i2, q, df, studies
                case ciLower = "ci_lower", ciUpper = "ci_upper", pValue = "p_value", qPValue = "q_p_value"
                case notEstimable = "not_estimable"
                case backTransformed = "back_transformed"
            }
        }
        public var groups: [Group]
        public var qBetween: Double?
        public var df: Int?
        public var pValue: Double?
        /// I² of the test for subgroup differences, in percent.
        public var i2: Double?
        public init(groups: [Group], qBetween: Double?, df: Int?, pValue: Double?, i2: Double?) {
            self.groups = groups; self.qBetween = qBetween; self.df = df; self.pValue = pValue; self.i2 = i2
        }
        enum CodingKeys: String, CodingKey {
            case groups, df
            case qBetween = "q_between", pValue = "p_value", i2 = "i2_between"
        }
    }

    public struct LeaveOneOut: Codable, Sendable, Hashable {
        public var omitted: String
        public var k: Int
        public var estimate: Double
        public var se: Double
        public var ciLower: Double
        public var ciUpper: Double
        public var pValue: Double
        public var tau2: Double
        public var i2: Double
        public var q: Double
        /// On the shown scale, for measures pooled on another.
        public var backTransformed: BackTransformedEstimate?
        enum CodingKeys: String, CodingKey {
            case omitted, k, estimate, se, tau2, i2, q
            case ciLower = "ci_lower", ciUpper = "ci_upper", pValue = "p_value"
            case backTransformed = "back_transformed"
        }
        public init(_ r: SensitivityRow) {
            omitted = r.study; k = r.k; estimate = r.estimate; se = r.se; ciLower = r.ciLower; ciUpper = r.ciUpper
            pValue = r.pValue; tau2 = r.tau2; i2 = r.i2; q = r.q
        }
    }

    /// `gosh`: how many subsets were fitted and the range of their results (the fits are in gosh.csv).
    public struct GoshSummary: Codable, Sendable, Hashable {
        /// Number of subsets fitted.
        public var subsets: Int
        /// Every non-empty subset (2^k − 1), or random subsets.
        public var exhaustive: Bool
        /// The seed of the random subsets (absent when exhaustive).
        public var seed: UInt64?
        /// Subsets whose τ² iteration did not converge (their rows have empty cells); absent when none.
        public var failed: Int?
        public var estimateMin: Double
        public var estimateMax: Double
        public var i2Min: Double
        public var i2Max: Double
        enum CodingKeys: String, CodingKey {
            case subsets, exhaustive, seed, failed
            case estimateMin = "estimate_min", estimateMax = "estimate_max", i2Min = "i2_min", i2Max = "i2_max"
        }
        public init(subsets: Int, exhaustive: Bool, seed: UInt64?, failed: Int?, estimateMin: Double, estimateMax: Double,
                    i2Min: Double, i2Max: Double) {
            self.subsets = subsets; self.exhaustive = exhaustive; self.seed = seed; self.failed = failed
            self.estimateMin = estimateMin; self.estimateMax = estimateMax; self.i2Min = i2Min; self.i2Max = i2Max
        }
    }

    /// `regression`: a meta-regression on the analysis' moderators (metafor's `rma(…, mods = …)`).
    public struct Regression: Codable, Sendable, Hashable {
        public struct Coefficient: Codable, Sendable, Hashable {
            public var term: String
            public var estimate: Double
            public var se: Double
            public var statistic: Double
            public var pValue: Double
            public var ciLower: Double
            public var ciUpper: Double
            enum CodingKeys: String, CodingKey {
                case term, estimate, se, statistic
                case pValue = "p_value", ciLower = "ci_lower", ciUpper = "ci_upper"
            }
        }
        public struct Test: Codable, Sendable, Hashable {
            public var statistic: Double
            public var df: Int
            public var df2: Int?
            public var pValue: Double
            enum CodingKeys: String, CodingKey {
                case statistic, df, df2
                case pValue = "p_value"
            }
        }
        public var moderators: [String]
        public var k: Int
        public var p: Int
        public var coefficients: [Coefficient]
        public var qm: Test
        public var qe: Test
        public var tau2: Double
        public var i2: Double
        public var h2: Double
        public var r2: Double?

        public init(_ f: MetaRegression, moderators: [String]) {
            self.moderators = moderators; k = f.k; p = f.p
            coefficients = f.coefficients.map {
                Coefficient(term: $0.term, estimate: $0.estimate, se: $0.se, statistic: $0.statistic, pValue: $0.pValue,
                            ciLower: $0.ciLower, ciUpper: $0.ciUpper)
            }
            qm = Test(statistic: f.qm, df: f.qmDF, df2: f.qmDF2, pValue: f.qmPValue)
            qe = Test(statistic: f.qe, df: f.qeDF, df2: nil, pValue: f.qePValue)
            tau2 = f.tau2; i2 = f.i2; h2 = f.h2; r2 = f.r2
        }
    }

    public struct Bias: Codable, Sendable, Hashable {
        public struct TrimFill: Codable, Sendable, Hashable {
            public var k0: Int
            public var side: FunnelSide
            public var estimate: Double
            public var ciLower: Double
            public var ciUpper: Double
            public var tau2: Double?
            enum CodingKeys: String, CodingKey {
                case k0, side, estimate, tau2
                case ciLower = "ci_lower", ciUpper = "ci_upper"
            }
        }
        public var egger: EggerTest?
        public var begg: BeggTest?
        public var trimfill: TrimFill?
        /// Why a check could not be run (e.g. fewer than 3 studies).
        public var unavailable: [String: String]?
        public init(egger: EggerTest?, begg: BeggTest?, trimfill: TrimFill?, unavailable: [String: String]?) {
            self.egger = egger; self.begg = begg; self.trimfill = trimfill; self.unavailable = unavailable
        }
    }

    public struct Scenario: Codable, Sendable, Hashable {
        public var name: String
        public var description: String?
        public var changes: [String]
        public var k: Int
        public var measure: EffectMeasure
        public var model: PoolingModel
        public var method: PoolingMethod
        public var test: TestMethod
        public var studies: [String]
        public var pooled: Pooled
        public var heterogeneity: Heterogeneity?
        public var warnings: [String]
        /// The scenario's meta-regression (its own moderators, or the analysis').
        public var regression: Regression?
        public init(name: String, description: String?, changes: [String], k: Int, measure: EffectMeasure, model: PoolingModel,
                    method: PoolingMethod, test: TestMethod, studies: [String], pooled: Pooled, heterogeneity: Heterogeneity?,
                    warnings: [String], regression: Regression? = nil) {
            self.name = name; self.description = description; self.changes = changes; self.k = k; self.measure = measure
            self.model = model; self.method = method; self.test = test; self.studies = studies; self.pooled = pooled
            self.heterogeneity = heterogeneity; self.warnings = warnings; self.regression = regression
        }
    }
}

/// JSON as metapipe writes it: sorted keys, pretty-printed, slashes unescaped, a final newline.
public func encodeJSON<T: Encodable>(_ value: T, pretty: Bool = true) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(value)
    if pretty { data.append(0x0A) }
    return data
}

extension ResultDocument.Bias.TrimFill {
    public init(_ t: TrimAndFill) {
        k0 = t.k0; side = t.side; estimate = t.analysis.pooled.estimate
        ciLower = t.analysis.pooled.ciLower; ciUpper = t.analysis.pooled.ciUpper; tau2 = t.analysis.heterogeneity?.tau2
    }
}

extension ResultDocument.Study {
    public init(_ s: StudyResult) {
        study = s.study; yi = s.yi; vi = s.vi; se = s.se; ciLower = s.ciLower; ciUpper = s.ciUpper
        weight = s.weight; input = s.inputDescription
    }
}

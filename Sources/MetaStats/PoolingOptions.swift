/// Fixed (common) effect or random effects.
public enum PoolingModel: String, CaseIterable, Sendable, Codable, Hashable {
    case fixed
    case random
}

/// The pooling method: a τ² estimator for random effects, or the fixed-effect weighting scheme.
public enum PoolingMethod: String, CaseIterable, Sendable, Codable, Hashable {
    /// DerSimonian & Laird (1986), method of moments.
    case dl = "DL"
    /// Restricted maximum likelihood (Viechtbauer 2005), Fisher scoring.
    case reml = "REML"
    /// Maximum likelihood (Hardy & Thompson 1996), Fisher scoring.
    case ml = "ML"
    /// Paule & Mandel (1982), generalised Q equated to its expectation.
    case pm = "PM"
    /// Hedges (1983), unweighted method of moments.
    case he = "HE"
    /// Sidik & Jonkman (2005), two-step estimator.
    case sj = "SJ"
    /// Empirical Bayes (Morris 1983; Berkey et al. 1995).
    case eb = "EB"
    /// Hunter & Schmidt (1990).
    case hs = "HS"
    /// Inverse-variance weighting (fixed effect).
    case iv = "IV"
    /// Mantel–Haenszel (binary measures; fixed effect, or DL random effects with Q around the MH estimate as RevMan).
    case mh = "MH"
    /// Peto's one-step odds ratio (fixed effect only).
    case peto = "Peto"

    /// The τ² estimator this method names, if it is one.
    public var tauEstimator: TauEstimator? { TauEstimator(rawValue: rawValue) }

    /// The τ² estimator of a random-effects fit by this method: DerSimonian–Laird for the weighting
    /// schemes (Mantel–Haenszel, inverse variance), none for Peto's (fixed effect only).
    public var randomEffectsTauEstimator: TauEstimator? { self == .mh || self == .iv ? .dl : tauEstimator }
}

/// The between-study variance estimators.
public enum TauEstimator: String, CaseIterable, Sendable, Codable, Hashable {
    case dl = "DL", reml = "REML", ml = "ML", pm = "PM", he = "HE", sj = "SJ", eb = "EB", hs = "HS"
}

/// How the pooled estimate is tested and its CI formed.
public enum TestMethod: String, CaseIterable, Sendable, Codable, Hashable {
    /// Wald z test with the normal quantile.
    case z
    /// Hartung–Knapp–Sidik–Jonkman: a rescaled variance and a t distribution with k − 1 df.
    case knha
}

/// Which I² is reported.
public enum I2Definition: String, CaseIterable, Sendable, Codable, Hashable {
    /// I² = 100·(Q − df)/Q, truncated at 0 (Higgins & Thompson 2002); RevMan 5.
    case q = "Q"
    /// I² = 100·τ²/(τ² + s²) with s² the typical within-study variance (Higgins & Thompson 2002,
    /// eq. 9); metafor for random-effects fits and RevMan Web. A fixed-effect fit, which has no τ²,
    /// reports the Q-based value.
    case tau2 = "tau2"
}

/// Stopping rules for the iterative estimators.
public enum Convergence: String, CaseIterable, Sendable, Codable, Hashable {
    /// metafor's defaults: Fisher scoring (REML, ML, EB) from the HE estimate stops when τ² changes
    /// by less than 1e-5 (at most 100 iterations); Brent's method (PM, Q-profile CI) stops at an
    /// absolute tolerance of ε^¼ ≈ 1.22e-4. Results agree with metafor to rounding error.
    case metafor
    /// Iterate to machine precision: Fisher scoring until the relative change is below 1e-12
    /// (at most 1,000 iterations); Brent's method to 2ε relative.
    case strict

    var fisherThreshold: (Double) -> Bool {
        switch self {
        case .metafor: return { abs($0) < 1e-5 }
        case .strict: return { _ in false }
        }
    }
    var fisherMaxIterations: Int { self == .metafor ? 100 : 1000 }
    var brentTolerance: Double { self == .metafor ? 0.0001220703125 : 1e-300 }
}

/// All settings that determine a pooled result. Every result records the options that produced it.
public struct PoolingOptions: Sendable, Hashable, Codable {
    public var model: PoolingModel
    public var method: PoolingMethod
    public var test: TestMethod
    /// Confidence level in percent (95 by default).
    public var level: Double
    public var i2: I2Definition
    public var predictionInterval: Bool
    public var tau2ConfidenceInterval: Bool
    public var convergence: Convergence
    /// How z tests' p-values are computed (nil: exactly). RevMan 5 uses Hill's AS 66.
    public var normalTail: NormalTail?
    /// Which 2×2 cells the Mantel–Haenszel sums use for tables with a zero cell (nil: the raw
    /// counts, as metafor's `rma.mh`).
    public var zeroCells: ZeroCellRule?

    /// The two-sided p-value of a z statistic under these options.
    public func zPValue(_ z: Double) -> Double { (normalTail ?? .exact).twoSided(z) }

    public init(model: PoolingModel = .random, method: PoolingMethod = .dl, test: TestMethod = .z,
                level: Double = 95, i2: I2Definition = .tau2, predictionInterval: Bool = true,
                tau2ConfidenceInterval: Bool = true, convergence: Convergence = .metafor) {
        self.model = model
        self.method = method
        self.test = test
        self.level = level
        self.i2 = i2
        self.predictionInterval = predictionInterval
        self.tau2ConfidenceInterval = tau2ConfidenceInterval
        self.convergence = convergence
    }

    /// The quantile for two-sided (level)% intervals: Φ⁻¹(1 − α/2), α = 1 − level/100. At 95% this
    /// is 1.959963984540054, the exact value RevMan and metafor use (not 1.96).
    public var zCritical: Double { Normal.upperQuantile((100 - level) / 100 / 2) }

    /// t quantile for two-sided (level)% intervals with `df` degrees of freedom.
    public func tCritical(df: Double) -> Double { StudentT.upperQuantile((100 - level) / 100 / 2, df: df) }

    /// The τ² estimator in effect (nil for a fixed-effect fit).
    public var effectiveTauEstimator: TauEstimator? {
        guard model == .random else { return nil }
        return method.randomEffectsTauEstimator
    }
}

/// How tables with a zero cell enter Mantel–Haenszel pooling and risk differences.
public enum ZeroCellRule: String, CaseIterable, Sendable, Codable, Hashable {
    /// RevMan 5 and RevMan Web: 0.5 is added to each cell of a table with a zero cell, and the
    /// corrected cells enter the Mantel–Haenszel sums (estimate, variance, weights, and so Q, I², τ²
    /// and the random-effects weights). A risk difference keeps its raw value (raw cells in the
    /// estimate's sums); only its variance uses the corrected cells.
    case revman
}

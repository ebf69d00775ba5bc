/// Named sets of conventions, so that an analysis reproduces the program a reader will check it
/// against. Each fixes the SMD convention, the I² definition, the z quantile, whether a prediction
/// interval and a τ² CI are given, and the default method and test; explicit settings override it.
public enum Profile: String, CaseIterable, Sendable, Codable, Hashable {
    /// metafor's conventions: exact-J Hedges' g with its large-sample variance, τ²-based I² for
    /// random effects, z test, prediction interval, Q-profile τ² CI; DL unless a method is named;
    /// metafor's convergence rules.
    case metafor
    /// RevMan 5.4: RevMan's approximate-J SMD and variance, Mantel–Haenszel for binary fixed
    /// effect, DerSimonian–Laird, Wald z with the exact quantile, Q-based I², no prediction interval.
    case revman5
    /// RevMan Web since 2025: REML, Hartung–Knapp–Sidik–Jonkman, Q-profile τ² CI, prediction
    /// interval, τ²-based I².
    case revmanWeb = "revman-web"

    public var settings: ProfileSettings {
        switch self {
        case .metafor:
            return ProfileSettings(smd: .hedges, i2: .tau2, zQuantile: .exact, predictionInterval: true,
                                   tau2ConfidenceInterval: true, method: .dl, test: .z, binaryFixedMethod: .iv,
                                   convergence: .metafor)
        case .revman5:
            return ProfileSettings(smd: .revman, i2: .q, zQuantile: .exact, predictionInterval: false,
                                   tau2ConfidenceInterval: false, method: .dl, test: .z, binaryFixedMethod: .mh,
                                   convergence: .strict, normalTail: .as66, zeroCells: .revman)
        case .revmanWeb:
            return ProfileSettings(smd: .revman, i2: .tau2, zQuantile: .exact, predictionInterval: true,
                                   tau2ConfidenceInterval: true, method: .reml, test: .knha, binaryFixedMethod: .mh,
                                   convergence: .strict, zeroCells: .revman)
        }
    }
}

/// The z quantile convention for confidence intervals.
public enum ZQuantile: String, Sendable, Codable, Hashable {
    /// Φ⁻¹(1 − α/2) to full precision (1.959963984540054 at 95%), as metafor and RevMan use.
    case exact
}

/// The conventions a profile fixes.
public struct ProfileSettings: Sendable, Hashable, Codable {
    public var smd: SMDConvention
    public var i2: I2Definition
    public var zQuantile: ZQuantile
    public var predictionInterval: Bool
    public var tau2ConfidenceInterval: Bool
    /// Default method for random effects (τ² estimator).
    public var method: PoolingMethod
    public var test: TestMethod
    /// Default method for a fixed-effect analysis of a binary measure.
    public var binaryFixedMethod: PoolingMethod
    public var convergence: Convergence
    /// How z tests' p-values are computed.
    public var normalTail: NormalTail = .exact
    /// Zero cells in Mantel–Haenszel sums (nil: raw counts).
    public var zeroCells: ZeroCellRule? = nil
}

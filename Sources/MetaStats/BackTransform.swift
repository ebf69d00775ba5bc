#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func libmExp(_ x: Double) -> Double { exp(x) }
private func libmTanh(_ x: Double) -> Double { tanh(x) }

/// How a measure pooled on one scale is shown on another (metafor's `transf.*` functions).
public enum BackTransform: Sendable, Hashable, Codable {
    /// Log ratios shown as ratios (OR, RR, IRR, ROM): `exp`.
    case exp
    /// Fisher's z shown as r (ZCOR): `transf.ztor`, tanh.
    case tanh
    /// Logits shown as proportions (PLO): `transf.ilogit`.
    case inverseLogit
    /// Freeman–Tukey double arcsines shown as proportions with the harmonic mean of the studies'
    /// sizes (PFT): `transf.ipft.hm` (Miller 1978).
    case inverseFreemanTukey(harmonicN: Double)

    /// The value on the shown scale.
    public func apply(_ x: Double) -> Double {
        switch self {
        case .exp: return libmExp(x)
        case .tanh: return libmTanh(x)
        case .inverseLogit: return 1 / (1 + libmExp(-x))
        case .inverseFreemanTukey(let n):
            if x > Self.freemanTukey(1, n: n) { return 1 }
            if x < Self.freemanTukey(0, n: n) { return 0 }
            let s = sin(2 * x)
            let inner = s + (s - 1 / s) / n
            let c = cos(2 * x)
            let sign: Double = c > 0 ? 1 : (c < 0 ? -1 : 0)
            return 0.5 * (1 - sign * max(0, 1 - inner * inner).squareRoot())
        }
    }

    /// The value on the analysis scale (the transformation `apply` undoes).
    public func forward(_ y: Double) -> Double {
        switch self {
        case .exp: return log(y)
        case .tanh: return atanh(y)
        case .inverseLogit: return log(y / (1 - y))
        case .inverseFreemanTukey(let n): return Self.freemanTukey(y, n: n)
        }
    }

    /// metafor's `transf.pft(p, n)`: the double arcsine of the proportion p in a study of size n.
    public static func freemanTukey(_ p: Double, n: Double) -> Double {
        let x = p * n
        return 0.5 * (asin((x / (n + 1)).squareRoot()) + asin(((x + 1) / (n + 1)).squareRoot()))
    }

    /// The harmonic mean of sizes, 1 / mean(1/nᵢ).
    public static func harmonicMean(_ sizes: [Double]) -> Double? {
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        return Double(sizes.count) / sizes.reduce(0) { $0 + 1 / $1 }
    }
}

extension EffectMeasure {
    /// Whether the measure is shown on another scale than it is pooled on.
    public var isBackTransformed: Bool { isRatio || self == .zcor || self == .plo || self == .pft }

    /// The transformation to the shown scale; `sizes` are the sizes of the studies pooled (PFT only).
    /// nil when the measure is shown as pooled (or PFT without sizes).
    public func backTransform(sizes: [Double] = []) -> BackTransform? {
        if isRatio { return .exp }
        switch self {
        case .zcor: return .tanh
        case .plo: return .inverseLogit
        case .pft: return BackTransform.harmonicMean(sizes).map { .inverseFreemanTukey(harmonicN: $0) }
        default: return nil
        }
    }
}

/// An estimate with its confidence and prediction intervals on the shown scale.
public struct BackTransformedEstimate: Sendable, Hashable, Codable {
    public var estimate: Double
    public var ciLower: Double
    public var ciUpper: Double
    public var piLower: Double?
    public var piUpper: Double?

    public init(_ t: BackTransform, estimate: Double, ciLower: Double, ciUpper: Double, piLower: Double? = nil, piUpper: Double? = nil) {
        self.estimate = t.apply(estimate); self.ciLower = t.apply(ciLower); self.ciUpper = t.apply(ciUpper)
        self.piLower = piLower.map(t.apply); self.piUpper = piUpper.map(t.apply)
    }

    enum CodingKeys: String, CodingKey {
        case estimate
        case ciLower = "ci_lower", ciUpper = "ci_upper", piLower = "pi_lower", piUpper = "pi_upper"
    }
}

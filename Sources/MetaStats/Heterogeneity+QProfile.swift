extension Heterogeneity {
    /// A confidence interval for τ² with the notes that explain it.
    public struct Tau2Interval: Sendable, Hashable {
        public var lower: Double
        public var upper: Double
        public var warnings: [String]
    }

    /// The Q-profile confidence interval for τ² (Viechtbauer 2007): the τ² values at which the
    /// generalised Q statistic Q(τ²) = Σ(yᵢ − μ̂(τ²))²/(vᵢ + τ²) equals the χ²ₖ₋₁ quantiles 1 − α/2
    /// (lower limit) and α/2 (upper limit). Q(τ²) decreases in τ², so each limit is a single root; a
    /// limit is 0 when Q(0) is already below its quantile.
    ///
    /// Roots are found with Brent's method on [0, max(100, 10·τ̂²)] (metafor's bracket), widened
    /// tenfold while the root lies beyond it. metafor stops at its bracket and prints "> bound"; metapipe reports the
    /// actual limit and says so in a warning.
    static func qProfileInterval(y: [Double], v: [Double], tau2: Double, level: Double, convergence: Convergence)
        throws -> Tau2Interval
    {
        let k = y.count
        let df = Double(k - 1)
        let alpha = (100 - level) / 100
        let design = Design.intercept(k)
        let q: (Double) -> Double = { TauSquared.generalizedQ($0, y: y, v: v, design: design) }
        let q0 = q(0)
        var warnings: [String] = []

        func limit(_ critical: Double, upperBracket: Double, name: String) throws -> Double {
            if q0 < critical { return 0 }
            let f: (Double) -> Double = { q($0) - critical }
            var upper = upperBracket
            var fUpper = f(upper)
            var widened = false
            var guardCount = 0
            while fUpper > 0 {
                upper *= 10
                fUpper = f(upper)
                widened = true
                guardCount += 1
                if guardCount > 60 || !upper.isFinite {
                    throw StatsError.noConvergence(method: "Q-profile", iterations: 0, detail: "no \(name) limit for τ² below \(formatValue(upper))")
                }
            }
            if widened {
                let bound = shortValue(upperBracket)
                warnings.append("the \(name) limit of the τ² CI lies above \(bound), where metafor stops searching (it prints '> \(bound)'); the limit reported is the actual root")
            }
            do {
                return try Brent.root(0, upper, f(0), fUpper, tolerance: convergence.brentTolerance,
                                      maxIterations: 1000, f).root
            } catch {
                throw StatsError.noConvergence(method: "Q-profile", iterations: 1000, detail: "Brent's method for the \(name) limit")
            }
        }

        let bracket = max(100, 10 * tau2)
        let lower = try limit(ChiSquared.upperQuantile(alpha / 2, df: df), upperBracket: bracket, name: "lower")
        let upper = try limit(ChiSquared.quantile(alpha / 2, df: df), upperBracket: bracket, name: "upper")
        return Tau2Interval(lower: lower, upper: upper, warnings: warnings)
    }
}

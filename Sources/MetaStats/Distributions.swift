#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Distribution functions used by meta-analysis: the normal, Student t and chi-square CDFs and
// quantiles. They are checked against R's pnorm/qnorm/pt/qt/pchisq/qchisq to 1e-12 relative in
// `DistributionTests` (reference values written by `Tests/MetaStatsTests/Fixtures/distributions.R`).
//
// Upper tails are computed directly (never as 1 − lower tail), so p-values as small as 1e-300 keep
// their relative precision.

/// The standard normal distribution.
public enum Normal {
    private static let invSqrt2Hi = 0.7071067811865476
    private static let invSqrt2Lo = -4.833646656726457e-17
    private static let twoOverSqrtPi = 1.1283791670955126
    static let logSqrt2Pi = 0.9189385332046728

    /// Φ(x) = erfc(−x/√2)/2. The rounding error of −x/√2 is recovered with a fused multiply–add
    /// and corrected to first order, which keeps full relative precision far into the lower tail.
    public static func cdf(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x == -.infinity { return 0 }
        if x == .infinity { return 1 }
        let t = -x * invSqrt2Hi
        let remainder = fma(-x, invSqrt2Hi, -t) + (-x) * invSqrt2Lo
        let value = erfc(t)
        return 0.5 * (value - remainder * twoOverSqrtPi * exp(-t * t))
    }

    /// 1 − Φ(x), computed as Φ(−x).
    public static func ccdf(_ x: Double) -> Double { cdf(-x) }

    /// The density φ(x).
    public static func pdf(_ x: Double) -> Double { exp(-0.5 * x * x - logSqrt2Pi) }

    /// Φ⁻¹(p) by Wichura's algorithm AS 241 (PPND16; Applied Statistics 37:477–484, 1988), accurate
    /// to about 1 part in 10¹⁶. It is the algorithm behind R's `qnorm`, so Φ⁻¹(0.975) is
    /// 1.959963984540054, the value RevMan uses.
    public static func quantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        return wichura(q: p - 0.5, tail: min(p, 1 - p))
    }

    /// Upper-tail quantile: the x with 1 − Φ(x) = q. The tail probability q enters the tail
    /// approximation directly, without forming 1 − q.
    public static func upperQuantile(_ q: Double) -> Double {
        if q.isNaN || q < 0 || q > 1 { return .nan }
        if q == 0 { return .infinity }
        if q == 1 { return -.infinity }
        return wichura(q: 0.5 - q, tail: q <= 0.5 ? q : 1 - q)
    }

    /// AS 241 given q = p − ½ and the smaller tail probability.
    private static func wichura(q: Double, tail: Double) -> Double {
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            return q * polynomial(r, as241A) / polynomial(r, as241B)
        }
        var r = (-log(tail)).squareRoot()
        let value: Double
        if r <= 5 {
            r -= 1.6
            value = polynomial(r, as241C) / polynomial(r, as241D)
        } else {
            r -= 5
            value = polynomial(r, as241E) / polynomial(r, as241F)
        }
        return q < 0 ? -value : value
    }

    /// Σ cᵢ xⁱ by Horner's rule (coefficients from degree 0 up).
    private static func polynomial(_ x: Double, _ c: [Double]) -> Double {
        var value = 0.0
        for coefficient in c.reversed() { value = value * x + coefficient }
        return value
    }

    // Coefficients of AS 241 (Wichura 1988, Table 1), from degree 0.
    private static let as241A = [3.3871328727963666080, 1.3314166789178437745e2, 1.9715909503065514427e3,
                                 1.3731693765509461125e4, 4.5921953931549871457e4, 6.7265770927008700853e4,
                                 3.3430575583588128105e4, 2.5090809287301226727e3]
    private static let as241B = [1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
                                 2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4,
                                 5.2264952788528545610e3]
    private static let as241C = [1.42343711074968357734, 4.63033784615654529590, 5.76949722146069140550,
                                 3.64784832476320460504, 1.27045825245236838258, 2.41780725177450611770e-1,
                                 2.27238449892691845833e-2, 7.74545014278341407640e-4]
    private static let as241D = [1.0, 2.05319162663775882187, 1.67638483018380384940, 6.89767334985100004550e-1,
                                 1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
                                 1.05075007164441684324e-9]
    private static let as241E = [6.65790464350110377720, 5.46378491116411436990, 1.78482653991729133580,
                                 2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
                                 2.71155556874348757815e-5, 2.01033439929228813265e-7]
    private static let as241F = [1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
                                 7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
                                 2.04426310338993978564e-15]
}

/// Student's t distribution with `df` degrees of freedom (df > 0, not necessarily an integer).
public enum StudentT {
    /// P(T ≤ t).
    public static func cdf(_ t: Double, df: Double) -> Double {
        if t.isNaN || df.isNaN || df <= 0 { return .nan }
        if t < 0 { return tail(-t, df: df) }
        return 1 - tail(t, df: df)
    }

    /// P(T > t).
    public static func ccdf(_ t: Double, df: Double) -> Double {
        if t.isNaN || df.isNaN || df <= 0 { return .nan }
        if t > 0 { return tail(t, df: df) }
        return 1 - tail(-t, df: df)
    }

    /// P(T > t) for t ≥ 0: ½·I_{df/(df+t²)}(df/2, ½).
    private static func tail(_ t: Double, df: Double) -> Double {
        if t == .infinity { return 0 }
        if df == .infinity { return Normal.ccdf(t) }
        let t2 = t * t
        let x: Double, y: Double
        if t2 > df {
            let r = df / t2
            x = r / (1 + r)
            y = 1 / (1 + r)
        } else {
            x = df / (df + t2)
            y = t2 / (df + t2)
        }
        return 0.5 * IncompleteBeta.regularized(a: df / 2, b: 0.5, x: x, y: y).lower
    }

    /// The density of T.
    public static func pdf(_ t: Double, df: Double) -> Double {
        let logDensity = -SpecialFunctions.logBeta(0.5, df / 2) - 0.5 * log(df)
            - (df + 1) / 2 * log1p(t * t / df)
        return exp(logDensity)
    }

    /// The p-quantile of T.
    public static func quantile(_ p: Double, df: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 || df.isNaN || df <= 0 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        if p > 0.5 { return upperQuantile(1 - p, df: df) }
        return -upperQuantile(p, df: df)
    }

    /// The t with P(T > t) = q, for 0 < q ≤ 1/2, by safeguarded Newton steps on the upper tail.
    public static func upperQuantile(_ q: Double, df: Double) -> Double {
        if q > 0.5 { return -upperQuantile(1 - q, df: df) }
        if q == 0.5 { return 0 }
        if df == .infinity { return Normal.upperQuantile(q) }
        // Starting value: normal quantile with the first Cornish–Fisher correction.
        let z = Normal.upperQuantile(q)
        var t = z + (z * z * z + z) / (4 * df)
        if !(t > 0) || !t.isFinite { t = z }
        var lo = 0.0
        var hi = Double.infinity
        for _ in 0..<200 {
            let f = ccdf(t, df: df) - q           // decreasing in t
            if f > 0 { lo = t } else { hi = t }
            let d = pdf(t, df: df)
            var next = t + f / d
            if !(next > lo && next < hi) || !next.isFinite {
                next = hi.isFinite ? 0.5 * (lo + hi) : max(2 * t, lo + 1)
            }
            if abs(next - t) <= 4e-16 * abs(next) { return next }
            t = next
        }
        return t
    }
}

/// The chi-square distribution with `df` degrees of freedom.
public enum ChiSquared {
    /// P(X ≤ x).
    public static func cdf(_ x: Double, df: Double) -> Double {
        if x.isNaN || df.isNaN || df <= 0 { return .nan }
        if x <= 0 { return 0 }
        return IncompleteGamma.regularized(a: df / 2, x: x / 2).lower
    }

    /// P(X > x).
    public static func ccdf(_ x: Double, df: Double) -> Double {
        if x.isNaN || df.isNaN || df <= 0 { return .nan }
        if x <= 0 { return 1 }
        return IncompleteGamma.regularized(a: df / 2, x: x / 2).upper
    }

    /// The density of X.
    public static func pdf(_ x: Double, df: Double) -> Double {
        if x <= 0 { return 0 }
        // f(x) = ½·(x/2)^(a−1) e^(−x/2) / Γ(a) with a = df/2.
        let a = df / 2
        return 0.5 * IncompleteGamma.powExpOverGamma(a: a, x: x / 2) / (x / 2)
    }

    /// The p-quantile of X.
    public static func quantile(_ p: Double, df: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 || df.isNaN || df <= 0 { return .nan }
        if p == 0 { return 0 }
        if p == 1 { return .infinity }
        return solve(target: p, upper: false, df: df)
    }

    /// The x with P(X > x) = q.
    public static func upperQuantile(_ q: Double, df: Double) -> Double {
        if q.isNaN || q < 0 || q > 1 || df.isNaN || df <= 0 { return .nan }
        if q == 1 { return 0 }
        if q == 0 { return .infinity }
        return solve(target: q, upper: true, df: df)
    }

    /// Safeguarded Newton iteration on whichever tail holds the smaller probability.
    private static func solve(target: Double, upper: Bool, df: Double) -> Double {
        // Use the tail whose probability is at most 1/2 to keep relative precision.
        var useUpper = upper
        var p = target
        if p > 0.5 {
            p = 1 - p
            useUpper.toggle()
        }
        // Wilson–Hilferty starting value.
        let z = useUpper ? Normal.upperQuantile(p) : Normal.quantile(p)
        let c = 2 / (9 * df)
        var x = df * pow(max(1 - c + z * c.squareRoot(), 0.01), 3)
        if !(x > 0) || !x.isFinite { x = df }
        var lo = 0.0
        var hi = Double.infinity
        for _ in 0..<300 {
            let value = useUpper ? ccdf(x, df: df) : cdf(x, df: df)
            // g(x) = value − p is increasing for the lower tail, decreasing for the upper.
            let g = useUpper ? p - value : value - p
            if g < 0 { lo = x } else { hi = x }
            let d = pdf(x, df: df)
            var next = x - g / d
            if !(next > lo && next < hi) || !next.isFinite || d == 0 {
                next = hi.isFinite ? 0.5 * (lo + hi) : 2 * x
            }
            if abs(next - x) <= 4e-16 * abs(next) { return next }
            x = next
        }
        return x
    }
}

/// Special functions behind the distributions.
enum SpecialFunctions {
    /// log Γ(x) − [(x − ½)·log x − x + ½·log 2π], the remainder of Stirling's series, for x ≥ 10.
    static func stirlingRemainder(_ x: Double) -> Double {
        // Coefficients B₂ₙ / (2n(2n − 1)).
        let x2 = 1 / (x * x)
        let series = 1.0 / 12 + x2 * (-1.0 / 360 + x2 * (1.0 / 1260 + x2 * (-1.0 / 1680
            + x2 * (1.0 / 1188 + x2 * (-691.0 / 360360 + x2 * (1.0 / 156 + x2 * (-3617.0 / 122400)))))))
        return series / x
    }

    /// log B(a, b), with Stirling's series for large arguments so that no large log-gamma values
    /// are subtracted from each other.
    static func logBeta(_ a: Double, _ b: Double) -> Double {
        let p = min(a, b)
        let q = max(a, b)
        if p >= 10 {
            let corr = stirlingRemainder(p) + stirlingRemainder(q) - stirlingRemainder(p + q)
            return -0.5 * log(q) + Normal.logSqrt2Pi + corr + (p - 0.5) * log(p / (p + q))
                + q * log1p(-p / (p + q))
        }
        if q >= 10 {
            let corr = stirlingRemainder(q) - stirlingRemainder(p + q)
            return lgamma(p) + corr + p - p * log(p + q) + (q - 0.5) * log1p(-p / (p + q))
        }
        return lgamma(p) + lgamma(q) - lgamma(p + q)
    }

    /// log Γ(a + 1) − [(a + ½)·log a − a + ½·log 2π] (Loader 2000's stirlerr).
    static func stirlerr(_ a: Double) -> Double {
        if a > 15 { return stirlingRemainder(a) }
        return lgamma(a + 1) - (a + 0.5) * log(a) + a - Normal.logSqrt2Pi
    }

    /// x·log(x/m) + m − x, computed without cancellation when x ≈ m (Loader 2000).
    static func bd0(_ x: Double, _ m: Double) -> Double {
        if abs(x - m) < 0.1 * (x + m) {
            var v = (x - m) / (x + m)
            var s = (x - m) * v
            var ej = 2 * x * v
            v *= v
            for j in 1..<1000 {
                ej *= v
                let s1 = s + ej / Double(2 * j + 1)
                if s1 == s { return s1 }
                s = s1
            }
            return s
        }
        return x * log(x / m) + m - x
    }
}

/// The regularized incomplete beta function I_x(a, b).
enum IncompleteBeta {
    /// Returns I_x(a, b) and 1 − I_x(a, b), each computed directly. `y` must equal 1 − x; passing it
    /// separately keeps precision when x is close to 1.
    static func regularized(a: Double, b: Double, x: Double, y: Double) -> (lower: Double, upper: Double) {
        if x <= 0 { return (0, 1) }
        if y <= 0 { return (1, 0) }
        if x < (a + 1) / (a + b + 2) {
            let w = front(a: a, b: b, x: x, y: y) * continuedFraction(a: a, b: b, x: x, y: y) / a
            return (w, 1 - w)
        }
        let w = front(a: b, b: a, x: y, y: x) * continuedFraction(a: b, b: a, x: y, y: x) / b
        return (1 - w, w)
    }

    /// x^a·y^b / B(a, b).
    private static func front(a: Double, b: Double, x: Double, y: Double) -> Double {
        let logX = x < 0.5 ? log(x) : log1p(-y)
        let logY = y < 0.5 ? log(y) : log1p(-x)
        return exp(a * logX + b * logY - SpecialFunctions.logBeta(a, b))
    }

    /// The continued fraction for I_x(a, b), evaluated by the modified Lentz method.
    ///
    /// When x is close to 1 (a large, b small: the t distribution with many degrees of freedom) the
    /// fraction is ill-conditioned in x, so x is rebuilt from y = 1 − x and, where the platform has
    /// it, the fraction is evaluated in 80-bit extended precision.
    private static func continuedFraction(a: Double, b: Double, x: Double, y: Double) -> Double {
        #if arch(x86_64) || arch(i386)
        let xe: Float80 = y < 0.5 ? 1 - Float80(y) : Float80(x)
        return Double(lentz(a: Float80(a), b: Float80(b), x: xe, y: Float80(y)))
        #else
        return lentz(a: a, b: b, x: x, y: y)
        #endif
    }

    private static func lentz<F: BinaryFloatingPoint>(a: F, b: F, x: F, y: F) -> F {
        let tiny: F = 1e-300
        let epsilon = F.ulpOfOne
        let qab = a + b
        let qap = a + 1
        let qam = a - 1
        var c: F = 1
        // 1 − (a + b)x/(a + 1); when x is close to 1 it is written with y = 1 − x to avoid cancellation.
        var d = x < 0.5 ? 1 - qab * x / qap : (1 - b + qab * y) / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...100_000 {
            let md = F(m)
            let m2 = 2 * md
            var aa = md * (b - md) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + md) * (qab + md) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }
}

/// The regularized incomplete gamma functions P(a, x) and Q(a, x).
enum IncompleteGamma {
    /// x^a·e^(−x) / Γ(a), through Loader's saddle-point form, accurate for large a and x.
    static func powExpOverGamma(a: Double, x: Double) -> Double {
        if x == 0 { return 0 }
        // = a · x^a e^(−x) / Γ(a + 1) = a · exp(−stirlerr(a) − bd0(a, x)) / √(2πa)
        return a * exp(-SpecialFunctions.stirlerr(a) - SpecialFunctions.bd0(a, x)) / (2 * Double.pi * a).squareRoot()
    }

    static func regularized(a: Double, x: Double) -> (lower: Double, upper: Double) {
        if x <= 0 { return (0, 1) }
        if x == .infinity { return (1, 0) }
        let front = powExpOverGamma(a: a, x: x)
        if x < a + 1 {
            // Series: P = x^a e^(−x)/Γ(a) · Σ xⁿ / (a(a+1)…(a+n)).
            var term = 1 / a
            var sum = term
            var n = 1.0
            while n < 100_000 {
                term *= x / (a + n)
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
                n += 1
            }
            let p = front * sum
            return (p, 1 - p)
        }
        // Continued fraction for Q (modified Lentz).
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        var i = 1.0
        while i < 100_000 {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
            i += 1
        }
        let q = front * h
        return (1 - q, q)
    }
}

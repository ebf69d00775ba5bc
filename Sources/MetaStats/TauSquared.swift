#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A design matrix stored by columns: k rows, p (small) columns. The intercept-only model is
/// `Design.intercept(k)`; trim-and-fill's choice of side uses an intercept and √vᵢ.
struct Design: Sendable {
    var columns: [[Double]]
    var k: Int
    var p: Int { columns.count }

    static func intercept(_ k: Int) -> Design { Design(columns: [Array(repeating: 1, count: k)], k: k) }
}

/// Weighted least squares pieces for y = Xβ with weights w: β̂, (X'WX)⁻¹ and residuals.
struct WeightedFit {
    var beta: [Double]
    var inverse: [[Double]]     // (X'WX)⁻¹, p×p
    var residuals: [Double]

    init(y: [Double], design: Design, weights w: [Double]) {
        let p = design.p
        let k = design.k
        if p == 1 && design.columns[0].allSatisfy({ $0 == 1 }) {
            // Intercept only: weighted mean, two-pass for accuracy.
            var sw = 0.0, swy = 0.0
            for i in 0..<k { sw += w[i]; swy += w[i] * y[i] }
            var mu = swy / sw
            // One refinement pass removes the rounding error of the first pass.
            var correction = 0.0
            for i in 0..<k { correction += w[i] * (y[i] - mu) }
            mu += correction / sw
            beta = [mu]
            inverse = [[1 / sw]]
            residuals = y.map { $0 - mu }
            return
        }
        var xtwx = Array(repeating: Array(repeating: 0.0, count: p), count: p)
        var xtwy = Array(repeating: 0.0, count: p)
        for i in 0..<k {
            for a in 0..<p {
                let xa = design.columns[a][i] * w[i]
                xtwy[a] += xa * y[i]
                for b in 0...a { xtwx[a][b] += xa * design.columns[b][i] }
            }
        }
        for a in 0..<p { for b in 0..<a { xtwx[b][a] = xtwx[a][b] } }
        inverse = Matrix.inverse(xtwx)
        beta = Matrix.multiply(inverse, xtwy)
        var res = y
        for i in 0..<k {
            var fitted = 0.0
            for a in 0..<p { fitted += design.columns[a][i] * beta[a] }
            res[i] = y[i] - fitted
        }
        residuals = res
    }

    /// tr((X'WX)⁻¹ X' D X) for a diagonal D given by its entries.
    static func traceTerm(inverse: [[Double]], design: Design, diagonal d: [Double]) -> Double {
        Matrix.trace(Matrix.product(inverse, crossProduct(design: design, diagonal: d)))
    }

    /// X' D X for a diagonal D.
    static func crossProduct(design: Design, diagonal d: [Double]) -> [[Double]] {
        let p = design.p
        var m = Array(repeating: Array(repeating: 0.0, count: p), count: p)
        for i in 0..<design.k {
            for a in 0..<p {
                let xa = design.columns[a][i] * d[i]
                for b in 0...a { m[a][b] += xa * design.columns[b][i] }
            }
        }
        for a in 0..<p { for b in 0..<a { m[b][a] = m[a][b] } }
        return m
    }
}

/// Small dense matrix helpers (p ≤ a handful).
enum Matrix {
    static func inverse(_ m: [[Double]]) -> [[Double]] {
        let n = m.count
        if n == 1 { return [[1 / m[0][0]]] }
        if n == 2 {
            let det = m[0][0] * m[1][1] - m[0][1] * m[1][0]
            return [[m[1][1] / det, -m[0][1] / det], [-m[1][0] / det, m[0][0] / det]]
        }
        // Gauss–Jordan with partial pivoting.
        var a = m
        var inv = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
        for col in 0..<n {
            var pivot = col
            for r in col..<n where abs(a[r][col]) > abs(a[pivot][col]) { pivot = r }
            a.swapAt(col, pivot)
            inv.swapAt(col, pivot)
            let d = a[col][col]
            for j in 0..<n { a[col][j] /= d; inv[col][j] /= d }
            for r in 0..<n where r != col {
                let f = a[r][col]
                if f == 0 { continue }
                for j in 0..<n { a[r][j] -= f * a[col][j]; inv[r][j] -= f * inv[col][j] }
            }
        }
        return inv
    }

    static func multiply(_ m: [[Double]], _ v: [Double]) -> [Double] {
        m.map { row in zip(row, v).reduce(0) { $0 + $1.0 * $1.1 } }
    }

    static func product(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        let n = a.count, m = b[0].count, inner = b.count
        var out = Array(repeating: Array(repeating: 0.0, count: m), count: n)
        for i in 0..<n { for j in 0..<m { for t in 0..<inner { out[i][j] += a[i][t] * b[t][j] } } }
        return out
    }

    static func trace(_ a: [[Double]]) -> Double { (0..<a.count).reduce(0) { $0 + a[$1][$1] } }
}

/// The result of estimating τ².
struct TauSquaredEstimate: Sendable {
    var tau2: Double
    var iterations: Int?
}

/// Estimators of the between-study variance τ² for the model yᵢ = xᵢ'β + uᵢ + εᵢ,
/// uᵢ ~ N(0, τ²), εᵢ ~ N(0, vᵢ). Notation: W = diag(1/vᵢ), P = W − WX(X'WX)⁻¹X'W, Q_E = y'Py
/// (Cochran's Q for the intercept-only model), k studies, p coefficients.
enum TauSquared {
    /// Estimates τ² with the given estimator.
    static func estimate(
        _ method: TauEstimator, y: [Double], v: [Double], design: Design, convergence: Convergence
    ) throws -> TauSquaredEstimate {
        switch method {
        case .dl: return TauSquaredEstimate(tau2: derSimonianLaird(y: y, v: v, design: design))
        case .he: return TauSquaredEstimate(tau2: hedges(y: y, v: v, design: design))
        case .hs: return TauSquaredEstimate(tau2: hunterSchmidt(y: y, v: v, design: design))
        case .sj: return TauSquaredEstimate(tau2: sidikJonkman(y: y, v: v, design: design))
        case .pm: return try pauleMandel(y: y, v: v, design: design, convergence: convergence)
        case .reml, .ml, .eb: return try fisherScoring(method, y: y, v: v, design: design, convergence: convergence)
        }
    }

    /// DerSimonian–Laird (1986): τ̂² = max(0, (Q_E − (k − p)) / tr(P)), with tr(P) = Σwᵢ − Σwᵢ²/Σwᵢ
    /// for the intercept-only model. Closed form, τ̂² ≥ 0; τ̂² = 0 exactly when Q_E ≤ k − p.
    static func derSimonianLaird(y: [Double], v: [Double], design: Design) -> Double {
        let w = v.map { 1 / $0 }
        let fit = WeightedFit(y: y, design: design, weights: w)
        var q = 0.0, sw = 0.0
        for i in 0..<y.count { q += w[i] * fit.residuals[i] * fit.residuals[i]; sw += w[i] }
        let w2 = w.map { $0 * $0 }
        let trP = sw - WeightedFit.traceTerm(inverse: fit.inverse, design: design, diagonal: w2)
        let k = Double(design.k), p = Double(design.p)
        return max(0, (q - (k - p)) / trP)
    }

    /// Hedges (1983) / Hedges & Olkin (1985): the unweighted method of moments,
    /// τ̂² = max(0, (RSS_OLS − tr((I − H)V)) / (k − p)); for the intercept-only model
    /// τ̂² = Σ(yᵢ − ȳ)²/(k − 1) − Σvᵢ/k. Also the starting value of the Fisher-scoring estimators.
    static func hedges(y: [Double], v: [Double], design: Design) -> Double {
        let ones = Array(repeating: 1.0, count: y.count)
        let ols = WeightedFit(y: y, design: design, weights: ones)
        var rss = 0.0, sv = 0.0
        for i in 0..<y.count { rss += ols.residuals[i] * ols.residuals[i]; sv += v[i] }
        let trace = sv - WeightedFit.traceTerm(inverse: ols.inverse, design: design, diagonal: v)
        let k = Double(design.k), p = Double(design.p)
        return max(0, (rss - trace) / (k - p))
    }

    /// Hunter & Schmidt (1990): τ̂² = max(0, (Q_E − k) / Σwᵢ). Closed form, τ̂² ≥ 0.
    static func hunterSchmidt(y: [Double], v: [Double], design: Design) -> Double {
        let w = v.map { 1 / $0 }
        let fit = WeightedFit(y: y, design: design, weights: w)
        var q = 0.0, sw = 0.0
        for i in 0..<y.count { q += w[i] * fit.residuals[i] * fit.residuals[i]; sw += w[i] }
        return max(0, (q - Double(design.k)) / sw)
    }

    /// Sidik & Jonkman (2005): from τ̂₀² = Σ(yᵢ − ȳ)²/k (the biased variance of the yᵢ, taken around
    /// their mean whatever the design, as metafor's `rma(method = "SJ")` with moderators),
    /// τ̂² = τ̂₀² · y'P(τ̂₀²)y / (k − p). Always > 0 unless all yᵢ are equal.
    static func sidikJonkman(y: [Double], v: [Double], design: Design) -> Double {
        let ones = Array(repeating: 1.0, count: y.count)
        let ols = WeightedFit(y: y, design: .intercept(design.k), weights: ones)
        let tau0 = ols.residuals.reduce(0) { $0 + $1 * $1 } / Double(design.k)
        let w = v.map { 1 / ($0 + tau0) }
        let fit = WeightedFit(y: y, design: design, weights: w)
        var q = 0.0
        for i in 0..<y.count { q += w[i] * fit.residuals[i] * fit.residuals[i] }
        return tau0 * q / Double(design.k - design.p)
    }

    /// The generalised Q statistic Q(τ²) = Σ wᵢ(τ²)·(yᵢ − xᵢ'β̂(τ²))², wᵢ(τ²) = 1/(vᵢ + τ²),
    /// which decreases monotonically in τ².
    static func generalizedQ(_ tau2: Double, y: [Double], v: [Double], design: Design) -> Double {
        let w = v.map { 1 / ($0 + tau2) }
        let fit = WeightedFit(y: y, design: design, weights: w)
        var q = 0.0
        for i in 0..<y.count { q += w[i] * fit.residuals[i] * fit.residuals[i] }
        return q
    }

    /// Paule & Mandel (1982): the τ² at which the generalised Q equals its expectation k − p;
    /// τ̂² = 0 when Q(0) < k − p. The root is bracketed in [0, max(100, 10·MAD(y)²)] (widened tenfold
    /// until it brackets) and found with Brent's method under the `convergence` rule.
    static func pauleMandel(y: [Double], v: [Double], design: Design, convergence: Convergence)
        throws -> TauSquaredEstimate
    {
        let target = Double(design.k - design.p)
        let (tau2, iterations) = try pauleMandelRoot(upper: max(100, 10 * pow(medianAbsoluteDeviation(y), 2)),
                                                     convergence: convergence) { generalizedQ($0, y: y, v: v, design: design) - target }
        return TauSquaredEstimate(tau2: tau2, iterations: iterations)
    }

    /// The root of f(τ²) = Q(τ²) − (k − p) as Paule–Mandel takes it: 0 when f(0) < 0, otherwise Brent's
    /// method on [0, upper] under the `convergence` rule, `upper` widened tenfold until f changes sign.
    static func pauleMandelRoot(upper start: Double, convergence: Convergence, _ f: (Double) -> Double) throws -> (Double, Int) {
        let f0 = f(0)
        if f0 < 0 { return (0, 0) }
        var upper = start
        var fUpper = f(upper)
        var widenings = 0
        while fUpper > 0 {
            upper *= 10
            fUpper = f(upper)
            widenings += 1
            if widenings > 60 || !upper.isFinite {
                throw StatsError.noConvergence(method: "PM", iterations: 0, detail: "no τ² up to \(formatValue(upper)) brings Q down to k − p")
            }
        }
        do {
            let root = try Brent.root(0, upper, f0, fUpper, tolerance: convergence.brentTolerance,
                                      maxIterations: convergence == .metafor ? 100 : 1000, f)
            return (root.root, root.iterations)
        } catch {
            throw StatsError.noConvergence(method: "PM", iterations: convergence == .metafor ? 100 : 1000,
                                 detail: "Brent's method did not reach its tolerance")
        }
    }

    /// Fisher scoring for the REML, ML and EB estimators, started at the HE estimate.
    ///
    /// With wᵢ = 1/(vᵢ + τ²) and P = W − WX(X'WX)⁻¹X'W, one step adds
    /// - REML (Viechtbauer 2005): (y'PPy − tr P) / tr(PP);
    /// - ML (Hardy & Thompson 1996): (y'PPy − Σwᵢ) / Σwᵢ²;
    /// - EB (Morris 1983; Berkey et al. 1995): ((k/(k − p))·Σwᵢrᵢ² − k) / Σwᵢ, whose fixed point for the
    ///   intercept-only model is the Paule–Mandel equation.
    /// A step that would make τ² negative is halved until it does not (Jennrich & Sampson 1976), so
    /// τ̂² ≥ 0. Iteration stops when the change in τ² meets the `convergence` rule; exceeding the
    /// iteration limit throws `StatsError.noConvergence` rather than returning the last iterate.
    static func fisherScoring(
        _ method: TauEstimator, y: [Double], v: [Double], design: Design, convergence: Convergence
    ) throws -> TauSquaredEstimate {
        let k = design.k
        let kd = Double(k), pd = Double(design.p)
        var tau2 = hedges(y: y, v: v, design: design)
        let maxIterations = convergence.fisherMaxIterations
        var iteration = 0
        var w = [Double](repeating: 0, count: k)
        while true {
            iteration += 1
            if iteration > maxIterations {
                throw StatsError.noConvergence(method: method.rawValue, iterations: maxIterations,
                                     detail: "Fisher scoring, last τ² = \(formatValue(tau2))")
            }
            for i in 0..<k { w[i] = 1 / (v[i] + tau2) }
            let fit = WeightedFit(y: y, design: design, weights: w)
            var sw = 0.0, sw2 = 0.0, yPPy = 0.0, swr2 = 0.0
            for i in 0..<k {
                let wi = w[i], ri = fit.residuals[i]
                sw += wi
                sw2 += wi * wi
                yPPy += wi * wi * ri * ri
                swr2 += wi * ri * ri
            }
            let adjustment: Double
            switch method {
            case .reml:
                let w2 = w.map { $0 * $0 }
                let w3 = w.map { $0 * $0 * $0 }
                let a2 = Matrix.product(fit.inverse, WeightedFit.crossProduct(design: design, diagonal: w2))
                let trP = sw - Matrix.trace(a2)
                let trPP = sw2 - 2 * WeightedFit.traceTerm(inverse: fit.inverse, design: design, diagonal: w3)
                    + Matrix.trace(Matrix.product(a2, a2))
                adjustment = (yPPy - trP) / trPP
            case .ml:
                adjustment = (yPPy - sw) / sw2
            default:
                adjustment = (kd / (kd - pd) * swr2 - kd) / sw
            }
            let step = try fisherStep(from: tau2, adjustment: adjustment, method: method, convergence: convergence)
            tau2 = step.tau2
            if step.converged { return TauSquaredEstimate(tau2: tau2, iterations: iteration) }
        }
    }

    /// One Fisher-scoring update of τ²: the step, halved while it would make τ² negative (at most
    /// 2,000 times, then τ² = 0), and whether the stopping rule of `convergence` now holds. Shared by
    /// the full fits and the leave-one-out refits, so both take exactly the same steps.
    static func fisherStep(from previous: Double, adjustment: Double, method: TauEstimator,
                           convergence: Convergence) throws -> (tau2: Double, converged: Bool) {
        var adjustment = adjustment
        var tau2 = previous + adjustment
        var halvings = 0
        while tau2 < 0 && halvings < 2000 {
            adjustment /= 2
            tau2 = previous + adjustment
            halvings += 1
        }
        if tau2 < 0 { tau2 = 0 }
        if !tau2.isFinite {
            throw StatsError.nonFinite(quantity: "τ² (\(method.rawValue))", detail: "Fisher scoring diverged")
        }
        let change = tau2 - previous
        switch convergence {
        case .metafor: return (tau2, abs(change) < 1e-5)
        case .strict: return (tau2, abs(change) <= 1e-12 * tau2 || change == 0)
        }
    }

    /// The median absolute deviation scaled by 1.4826 (as R's `mad`).
    static func medianAbsoluteDeviation(_ y: [Double]) -> Double {
        let m = median(y)
        return 1.4826 * median(y.map { abs($0 - m) })
    }

    static func median(_ x: [Double]) -> Double {
        let s = x.sorted()
        let n = s.count
        if n == 0 { return .nan }
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }
}

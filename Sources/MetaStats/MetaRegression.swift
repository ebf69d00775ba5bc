#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a meta-regression cannot be fitted.
public enum MetaRegressionError: Error, Sendable, Hashable {
    /// k ≤ p: no residual degrees of freedom.
    case tooFewStudies(k: Int, p: Int)
    /// A moderator column takes one value for every study.
    case constantModerator(String)
    /// The design matrix is rank-deficient: the term is a combination of the others.
    case collinear(term: String)
    /// A τ² estimator the meta-regression does not offer.
    case unsupportedEstimator(String)
    case noConvergence(iterations: Int)

    public var message: String {
        switch self {
        case let .tooFewStudies(k, p):
            return "a meta-regression with \(p) coefficients needs more than \(p) studies, and there \(k == 1 ? "is" : "are") \(k); remove moderators or add studies"
        case .constantModerator(let name):
            return "moderator '\(name)' has the same value for every study, so its effect cannot be estimated; remove it"
        case .collinear(let term):
            return "term '\(term)' is a linear combination of the other terms (collinear moderators); remove one of them"
        case .unsupportedEstimator(let m):
            return "a meta-regression is fitted by inverse variance (a fixed-effects model or a τ² estimator: DL, REML, ML, PM, HE, SJ, EB, HS), not \(m); choose one of them"
        case .noConvergence(let n):
            return "the τ² iteration did not converge in \(n) iterations"
        }
    }
}

/// A moderator: a numeric covariate or a factor (levels sorted, the first the reference).
public enum Moderator: Sendable, Hashable {
    case numeric(name: String, values: [Double])
    case factor(name: String, values: [String])

    /// A column's cells as a moderator: numeric when every cell is a number, a factor otherwise.
    public static func column(_ name: String, cells: [String]) -> Moderator {
        let numbers = cells.compactMap { Double(String($0.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())) }
        return numbers.count == cells.count ? .numeric(name: name, values: numbers) : .factor(name: name, values: cells)
    }

    public var isNumeric: Bool { if case .numeric = self { return true } else { return false } }

    public var name: String {
        switch self {
        case .numeric(let n, _), .factor(let n, _): return n
        }
    }
}

/// One coefficient of a meta-regression.
public struct RegressionCoefficient: Sendable, Hashable, Codable {
    public var term: String
    public var estimate: Double
    public var se: Double
    /// z, or t under the Knapp–Hartung test.
    public var statistic: Double
    public var pValue: Double
    public var ciLower: Double
    public var ciUpper: Double
}

/// A mixed- or fixed-effects meta-regression (cf. metafor's `rma(yi, vi, mods = …)`).
public struct MetaRegression: Sendable, Hashable, Codable {
    public var k: Int
    public var p: Int
    public var coefficients: [RegressionCoefficient]
    /// Omnibus test of the moderators (all coefficients but the intercept): χ² (z) or F (knha).
    public var qm: Double
    public var qmDF: Int
    /// Denominator degrees of freedom of the F test (knha only).
    public var qmDF2: Int?
    public var qmPValue: Double
    /// Residual heterogeneity.
    public var qe: Double
    public var qeDF: Int
    public var qePValue: Double
    /// Residual τ², I² (percent) and H².
    public var tau2: Double
    public var i2: Double
    public var h2: Double
    /// Pseudo-R² in percent (metafor's): the share of τ² the moderators account for (mixed effects)
    /// or the adjusted R² of the weighted fit (fixed effects); nil without moderators.
    public var r2: Double?
    /// The coefficients' covariance matrix (scaled under the Knapp–Hartung test) and the interval level.
    public var covariance: [[Double]] = []
    public var level: Double = 95

    /// The fitted value at a design row (intercept first) with its level% confidence interval (t with
    /// k − p df under the Knapp–Hartung test, normal otherwise).
    public func predict(_ row: [Double]) -> (estimate: Double, ciLower: Double, ciUpper: Double) {
        var estimate = 0.0, variance = 0.0
        for a in row.indices {
            estimate += row[a] * coefficients[a].estimate
            for b in row.indices { variance += row[a] * covariance[a][b] * row[b] }
        }
        let alpha = 1 - level / 100
        let crit = qmDF2.map { StudentT.upperQuantile(alpha / 2, df: Double($0)) } ?? Normal.upperQuantile(alpha / 2)
        let se = max(0, variance).squareRoot()
        return (estimate, estimate - crit * se, estimate + crit * se)
    }
}

/// One point of a meta-regression's fitted line.
public struct RegressionLinePoint: Sendable, Hashable, Codable {
    public var x: Double
    public var estimate: Double
    public var ciLower: Double
    public var ciUpper: Double
    public init(x: Double, estimate: Double, ciLower: Double, ciUpper: Double) {
        self.x = x; self.estimate = estimate; self.ciLower = ciLower; self.ciUpper = ciUpper
    }
}

public enum MetaRegressionFit {
    /// The design: an intercept, each numeric moderator, and each non-reference level of each
    /// factor ("column=level"). Throws for constant moderators and k ≤ p.
    public static func design(_ moderators: [Moderator], k: Int) throws(MetaRegressionError) -> (terms: [String], x: [[Double]]) {
        var terms = ["intercept"]
        var columns: [[Double]] = [[Double](repeating: 1, count: k)]
        for m in moderators {
            switch m {
            case let .numeric(name, values):
                if Set(values).count < 2 { throw .constantModerator(name) }
                terms.append(name); columns.append(values)
            case let .factor(name, values):
                let levels = Array(Set(values)).sorted()
                if levels.count < 2 { throw .constantModerator(name) }
                for level in levels.dropFirst() {
                    terms.append("\(name)=\(level)")
                    columns.append(values.map { $0 == level ? 1 : 0 })
                }
            }
        }
        if k <= terms.count { throw .tooFewStudies(k: k, p: terms.count) }
        let x = (0..<k).map { i in columns.map { $0[i] } }
        return (terms, x)
    }

    /// Fits y with variances v on the moderators. `method` nil (or `.iv`) is the fixed-effects model;
    /// any τ² estimator of the pooled model (DL, REML, ML, PM, HE, SJ, EB, HS) gives the mixed-effects
    /// model, with τ² estimated from the residuals of the moderators' fit as metafor's `rma(mods = …)`.
    public static func fit(y: [Double], v: [Double], moderators: [Moderator], method: PoolingMethod?, test: TestMethod = .z,
                           level: Double = 95, convergence: Convergence = .strict) throws(MetaRegressionError) -> MetaRegression {
        let k = y.count
        let (terms, x) = try design(moderators, k: k)
        return try fit(y: y, v: v, x: x, terms: terms, method: method, test: test, level: level, convergence: convergence,
                       withR2: !moderators.isEmpty)
    }

    static func fit(y: [Double], v: [Double], x: [[Double]], terms: [String], method: PoolingMethod?, test: TestMethod,
                    level: Double, convergence: Convergence, withR2: Bool) throws(MetaRegressionError) -> MetaRegression {
        let k = y.count, p = terms.count
        let estimator: TauEstimator?
        switch method {
        case nil, .iv?: estimator = nil
        case let m?:
            guard let e = m.tauEstimator else { throw .unsupportedEstimator(m.rawValue) }
            estimator = e
        }
        let design = Design(columns: (0..<p).map { a in x.map { $0[a] } }, k: k)
        // Fixed-effect quantities: QE, and tr(P) for the typical within-study variance of I².
        let fixedWeights = v.map { 1 / $0 }
        let fixed = try weighted(y: y, design: design, w: fixedWeights, terms: terms)
        let qe = fixed.rss
        let trP = fixedWeights.reduce(0, +)
            - WeightedFit.traceTerm(inverse: fixed.fit.inverse, design: design, diagonal: fixedWeights.map { $0 * $0 })
        var tau2 = 0.0
        if let estimator {
            do {
                tau2 = try TauSquared.estimate(estimator, y: y, v: v, design: design, convergence: convergence).tau2
            } catch let StatsError.noConvergence(_, iterations, _) {
                throw .noConvergence(iterations: iterations)
            } catch {
                throw .noConvergence(iterations: 0)
            }
        }
        let w = v.map { 1 / ($0 + tau2) }
        let f = try weighted(y: y, design: design, w: w, terms: terms)
        var vb = f.fit.inverse
        let knha = test == .knha
        var df2: Int?
        if knha {
            let s2 = f.rss / Double(k - p)
            vb = vb.map { $0.map { $0 * s2 } }
            df2 = k - p
        }
        let beta = f.fit.beta
        let alpha = 1 - level / 100
        let crit = df2.map { StudentT.upperQuantile(alpha / 2, df: Double($0)) } ?? Normal.upperQuantile(alpha / 2)
        var coefficients: [RegressionCoefficient] = []
        for j in 0..<p {
            let se = vb[j][j].squareRoot()
            let stat = beta[j] / se
            let pv = df2.map { 2 * StudentT.ccdf(abs(stat), df: Double($0)) } ?? 2 * Normal.ccdf(abs(stat))
            coefficients.append(RegressionCoefficient(term: terms[j], estimate: beta[j], se: se, statistic: stat, pValue: pv,
                                                      ciLower: beta[j] - crit * se, ciUpper: beta[j] + crit * se))
        }
        // QM: the coefficients but the intercept (all of them when there is only the intercept).
        let idx = p > 1 ? Array(1..<p) : [0]
        let sub = idx.map { i in idx.map { j in vb[i][j] } }
        let b = idx.map { beta[$0] }
        var qm = 0.0
        if let inv = invert(sub) {
            for i in idx.indices { for j in idx.indices { qm += b[i] * inv[i][j] * b[j] } }
        }
        let m = idx.count
        let qmP: Double
        if let d2 = df2 {
            qm /= Double(m)
            qmP = FDistribution.ccdf(qm, df1: Double(m), df2: Double(d2))
        } else {
            qmP = ChiSquared.ccdf(qm, df: Double(m))
        }
        let vt = Double(k - p) / trP
        let df = Double(k - p)
        // Fixed effects: I² and H² from QE, as metafor; mixed effects: from τ² and the typical variance.
        let i2 = estimator == nil ? (qe > 0 ? max(0, 100 * (qe - df) / qe) : 0) : 100 * tau2 / (vt + tau2)
        let h2 = estimator == nil ? qe / df : tau2 / vt + 1
        var r2: Double?
        if withR2, estimator == nil {
            // metafor: the adjusted R² of the weighted least-squares fit.
            let q0 = try weighted(y: y, design: .intercept(k), w: fixedWeights, terms: ["intercept"]).rss
            r2 = q0 > 0 ? max(0, 100 * (1 - (qe / q0) * Double(k - 1) / df)) : 0
        } else if withR2 {
            let base = try fit(y: y, v: v, x: x.map { [$0[0]] }, terms: ["intercept"], method: method, test: .z, level: level,
                               convergence: convergence, withR2: false)
            r2 = base.tau2 > 0 ? max(0, 100 * (base.tau2 - tau2) / base.tau2) : 0
        }
        return MetaRegression(k: k, p: p, coefficients: coefficients, qm: qm, qmDF: m, qmDF2: df2, qmPValue: qmP,
                              qe: qe, qeDF: k - p, qePValue: ChiSquared.ccdf(qe, df: Double(k - p)),
                              tau2: tau2, i2: i2, h2: h2, r2: r2, covariance: vb, level: level)
    }

    /// The fitted line along the numeric moderator `name` from its smallest to its largest value, with
    /// every other term held at its mean over the studies (metafor's `regplot`), at `count` points.
    public static func line(_ fit: MetaRegression, moderators: [Moderator], along name: String, count: Int = 101)
        throws(MetaRegressionError) -> [RegressionLinePoint]
    {
        guard case let .numeric(_, values)? = moderators.first(where: { $0.name == name }) else { throw .constantModerator(name) }
        let k = values.count
        let (terms, x) = try design(moderators, k: k)
        guard let j = terms.firstIndex(of: name), let lo = values.min(), let hi = values.max() else { throw .constantModerator(name) }
        let means = (0..<terms.count).map { a in x.reduce(0) { $0 + $1[a] } / Double(k) }
        return (0..<max(2, count)).map { i in
            let g = i == count - 1 ? hi : lo + (hi - lo) * Double(i) / Double(max(2, count) - 1)
            var row = means
            row[j] = g
            let p = fit.predict(row)
            return RegressionLinePoint(x: g, estimate: p.estimate, ciLower: p.ciLower, ciUpper: p.ciUpper)
        }
    }

    /// The weighted least-squares fit and its residual sum of squares Σwᵢrᵢ² = y'Py; a design whose
    /// X'WX is singular names the term that makes it so.
    static func weighted(y: [Double], design: Design, w: [Double], terms: [String]) throws(MetaRegressionError)
        -> (fit: WeightedFit, rss: Double)
    {
        let p = design.p
        var xtwx = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for i in 0..<design.k {
            for a in 0..<p { for b in 0..<p { xtwx[a][b] += design.columns[a][i] * w[i] * design.columns[b][i] } }
        }
        guard invert(xtwx) != nil else { throw .collinear(term: collinearTerm(xtwx, terms: terms)) }
        let fit = WeightedFit(y: y, design: design, weights: w)
        var rss = 0.0
        for i in 0..<y.count { rss += w[i] * fit.residuals[i] * fit.residuals[i] }
        return (fit, rss)
    }

    /// Gauss–Jordan inverse with partial pivoting; nil when singular (relative pivot below 1e-10).
    static func invert(_ m: [[Double]]) -> [[Double]]? {
        let n = m.count
        var a = m
        var inv = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        let scale = (0..<n).map { max(abs(m[$0][$0]), 1e-300) }
        for c in 0..<n {
            guard let r = (c..<n).max(by: { abs(a[$0][c]) < abs(a[$1][c]) }), abs(a[r][c]) > 1e-10 * scale[c] else { return nil }
            a.swapAt(c, r); inv.swapAt(c, r)
            let d = a[c][c]
            for j in 0..<n { a[c][j] /= d; inv[c][j] /= d }
            for i in 0..<n where i != c {
                let f = a[i][c]
                if f == 0 { continue }
                for j in 0..<n { a[i][j] -= f * a[c][j]; inv[i][j] -= f * inv[c][j] }
            }
        }
        return inv
    }

    /// The first term that makes the leading block singular.
    static func collinearTerm(_ m: [[Double]], terms: [String]) -> String {
        for n in 1...m.count where invert(Array(m.prefix(n)).map { Array($0.prefix(n)) }) == nil {
            return terms[n - 1]
        }
        return terms.last ?? "intercept"
    }
}

/// The F distribution's upper tail.
enum FDistribution {
    static func ccdf(_ f: Double, df1: Double, df2: Double) -> Double {
        guard f > 0 else { return 1 }
        let denominator = df2 + df1 * f
        return IncompleteBeta.regularized(a: df2 / 2, b: df1 / 2, x: df2 / denominator, y: df1 * f / denominator).lower
    }
}

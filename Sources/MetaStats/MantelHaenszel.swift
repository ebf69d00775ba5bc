#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fixed-effect pooling of 2×2 tables by Mantel–Haenszel and by Peto, as RevMan computes them
/// (Deeks & Higgins, "Statistical algorithms in Review Manager 5", 2010). The pooled estimates use
/// the raw counts: no continuity correction is needed, and a zero cell only matters for the
/// study's own displayed estimate.
enum MantelHaenszel {
    struct Result {
        /// Pooled estimate on the analysis scale (log OR, log RR, or RD).
        var estimate: Double
        var se: Double
        /// Each study's weight in the pooled estimate (unnormalised).
        var weights: [Double]
        /// Per-study effects and variances in the method's own terms (Peto: (O − E)/V and 1/V).
        var studyEffects: [Double]
        var studyVariances: [Double]
    }

    /// Mantel & Haenszel (1959) pooled OR, RR or RD with the variances of Robins, Breslow &
    /// Greenland (1986) for log OR and of Greenland & Robins (1985) for log RR and RD.
    /// Weights: OR bᵢcᵢ/Nᵢ, RR cᵢn₁ᵢ/Nᵢ, RD n₁ᵢn₂ᵢ/Nᵢ.
    /// `varianceTables` (RD only): the tables whose cells enter the variance (RevMan's corrected cells).
    static func pool(_ tables: [BinaryCounts], measure: BinaryMeasure, varianceTables: [BinaryCounts]? = nil) throws -> Result {
        switch measure {
        case .or:
            var sR = 0.0, sS = 0.0, sPR = 0.0, sPSQR = 0.0, sQS = 0.0
            var weights: [Double] = []
            for t in tables {
                let n = t.total
                let r = t.a * t.d / n, s = t.b * t.c / n
                let p = (t.a + t.d) / n, q = (t.b + t.c) / n
                sR += r; sS += s
                sPR += p * r; sPSQR += p * s + q * r; sQS += q * s
                weights.append(s)
            }
            guard sR > 0, sS > 0 else {
                throw StatsError.notEstimable(.mantelHaenszelOddsRatio)
            }
            let variance = sPR / (2 * sR * sR) + sPSQR / (2 * sR * sS) + sQS / (2 * sS * sS)
            return Result(estimate: log(sR / sS), se: variance.squareRoot(), weights: weights,
                          studyEffects: [], studyVariances: [])
        case .rr:
            var sR = 0.0, sS = 0.0, sP = 0.0
            var weights: [Double] = []
            for t in tables {
                let n = t.total
                let r = t.a * t.total2 / n, s = t.c * t.total1 / n
                sR += r; sS += s
                sP += (t.total1 * t.total2 * (t.a + t.c) - t.a * t.c * n) / (n * n)
                weights.append(s)
            }
            guard sR > 0, sS > 0 else {
                throw StatsError.notEstimable(.mantelHaenszelRiskRatio)
            }
            return Result(estimate: log(sR / sS), se: (sP / (sR * sS)).squareRoot(), weights: weights,
                          studyEffects: [], studyVariances: [])
        case .rd:
            // RevMan (varianceTables = the corrected cells): weights and estimate from the raw cells,
            // the Greenland–Robins numerator from the corrected ones (CD008625 analysis 1.3 stores
            // CI ±0.0708645085597648 for two 0/13 v 0/12 and 0/54 v 0/19 tables: exactly this).
            var sW = 0.0, sWD = 0.0, sV = 0.0
            var weights: [Double] = []
            for (i, t) in tables.enumerated() {
                let n = t.total, n1 = t.total1, n2 = t.total2
                let w = n1 * n2 / n
                sW += w
                sWD += w * (t.a / n1 - t.c / n2)
                let u = varianceTables?[i] ?? t
                let un = u.total, un1 = u.total1, un2 = u.total2
                sV += (u.a * u.b * un2 * un2 * un2 + u.c * u.d * un1 * un1 * un1) / (un1 * un2 * un * un)
                weights.append(w)
            }
            let variance = sV / (sW * sW)
            guard variance > 0 else {
                throw StatsError.notEstimable(.mantelHaenszelRiskDifference)
            }
            return Result(estimate: sWD / sW, se: variance.squareRoot(), weights: weights,
                          studyEffects: [], studyVariances: [])
        }
    }

    /// Peto's one-step odds ratio (Yusuf et al. 1985): Oᵢ = aᵢ, Eᵢ = n₁ᵢ(aᵢ + cᵢ)/Nᵢ,
    /// Vᵢ = n₁ᵢn₂ᵢ(aᵢ + cᵢ)(bᵢ + dᵢ)/(Nᵢ²(Nᵢ − 1)); log OR = Σ(Oᵢ − Eᵢ)/ΣVᵢ, SE = 1/√ΣVᵢ,
    /// per-study log OR (Oᵢ − Eᵢ)/Vᵢ with variance 1/Vᵢ, weights Vᵢ.
    static func peto(_ tables: [BinaryCounts]) throws -> Result {
        var sOE = 0.0, sV = 0.0
        var effects: [Double] = [], variances: [Double] = [], weights: [Double] = []
        for t in tables {
            let n = t.total
            let e = t.total1 * (t.a + t.c) / n
            let v = t.total1 * t.total2 * (t.a + t.c) * (t.b + t.d) / (n * n * (n - 1))
            guard v > 0 else {
                throw StatsError.notEstimable(.peto)
            }
            sOE += t.a - e
            sV += v
            effects.append((t.a - e) / v)
            variances.append(1 / v)
            weights.append(v)
        }
        return Result(estimate: sOE / sV, se: (1 / sV).squareRoot(), weights: weights,
                      studyEffects: effects, studyVariances: variances)
    }
}

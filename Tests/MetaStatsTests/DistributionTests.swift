import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// R's pnorm/qnorm/pt/qt/pchisq/qchisq (Fixtures/distributions.R) reproduced to 1e-12 relative.
@Suite struct DistributionTests {
    struct Case: Sendable, CustomStringConvertible {
        var fn: String, a: Double, b: Double?, lower: Bool, value: Double
        var description: String { "\(fn)(\(a)\(b.map { ", \($0)" } ?? ""), lower = \(lower))" }
    }

    static let cases: [Case] = {
        let rows = try! loadCSV("distributions.csv", bundle: .module)
        return rows.map { r in
            Case(fn: r["fn"]!, a: Double(r["a"]!)!, b: r["b"]!.isEmpty ? nil : Double(r["b"]!)!,
                 lower: r["lower"] == "TRUE", value: Double(r["value"]!)!)
        }
    }()

    func evaluate(_ c: Case) -> Double {
        switch c.fn {
        case "pnorm": return c.lower ? Normal.cdf(c.a) : Normal.ccdf(c.a)
        case "qnorm": return c.lower ? Normal.quantile(c.a) : Normal.upperQuantile(c.a)
        case "pt": return c.lower ? StudentT.cdf(c.a, df: c.b!) : StudentT.ccdf(c.a, df: c.b!)
        case "qt": return c.lower ? StudentT.quantile(c.a, df: c.b!) : StudentT.upperQuantile(c.a, df: c.b!)
        case "pchisq": return c.lower ? ChiSquared.cdf(c.a, df: c.b!) : ChiSquared.ccdf(c.a, df: c.b!)
        case "qchisq": return c.lower ? ChiSquared.quantile(c.a, df: c.b!) : ChiSquared.upperQuantile(c.a, df: c.b!)
        default: fatalError(c.fn)
        }
    }

    @Test func agreesWithR() {
        #expect(Self.cases.count > 1000)
        for c in Self.cases {
            // R returns 0 below the normal range of doubles (pnorm(-38)); so must we, up to subnormals.
            expectClose(evaluate(c), c.value, rel: Tolerance.distribution, abs: 1e-300, "\(c)")
        }
    }

    @Test func exactNormalQuantileAt95() {
        // R 4.2: sprintf("%.17g", qnorm(0.025, lower.tail = FALSE)) is 1.9599639845400538.
        #expect(Normal.upperQuantile(0.025) == 1.9599639845400538)
        // RevMan prints its z for 95% intervals as 1.959963984540054 (16 significant digits).
        #expect(abs(Normal.upperQuantile(0.025) - 1.959963984540054) <= 2 * Double.ulpOfOne)
        #expect(PoolingOptions(level: 95).zCritical == Normal.upperQuantile(0.025))
    }

    @Test func tailsAreComplementary() {
        for x in stride(from: -6.0, through: 6.0, by: 0.37) {
            #expect(abs(Normal.cdf(x) + Normal.ccdf(x) - 1) < 1e-15)
            #expect(abs(StudentT.cdf(x, df: 7) + StudentT.ccdf(x, df: 7) - 1) < 1e-15)
            let c = abs(x) * 3
            #expect(abs(ChiSquared.cdf(c, df: 5) + ChiSquared.ccdf(c, df: 5) - 1) < 1e-15)
        }
    }
}

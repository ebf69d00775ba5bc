import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// Meta-regression of the BCG log risk ratios against metafor (Fixtures/metareg.R, fits to machine
/// precision): absolute latitude (numeric) and allocation (factor, reference "alternate").
@Suite struct MetaRegressionTests {
    nonisolated(unsafe) static let ref = try! loadJSON("metareg.metafor.json", bundle: .module)
    static var y: [Double] { ref.doubles("yi") }
    static var v: [Double] { ref.doubles("vi") }
    static var ablat: Moderator { .numeric(name: "ablat", values: ref.doubles("ablat")) }
    static var alloc: Moderator { .factor(name: "alloc", values: ref["alloc"] as! [String]) }

    static let cases: [(String, PoolingMethod?, TestMethod)] = ["REML", "ML", "DL", "FE"].flatMap { m in
        (m == "FE" ? ["z"] : ["z", "knha"]).map { t in
            (m, m == "FE" ? nil : PoolingMethod(rawValue: m)!, TestMethod(rawValue: t)!)
        }
    }

    @Test(arguments: cases.flatMap { c in [(c.0, c.1, c.2, false), (c.0, c.1, c.2, true)] })
    func matchesMetafor(_ name: String, _ method: PoolingMethod?, _ test: TestMethod, _ withFactor: Bool) throws {
        let key = (withFactor ? "ablat_alloc_" : "ablat_") + "\(name)_\(test.rawValue)"
        let r = Self.ref.object(key)
        let fit = try MetaRegressionFit.fit(y: Self.y, v: Self.v, moderators: withFactor ? [Self.ablat, Self.alloc] : [Self.ablat],
                                            method: method, test: test)
        #expect(fit.coefficients.map(\.term) == (withFactor ? ["intercept", "ablat", "alloc=random", "alloc=systematic"] : ["intercept", "ablat"]))
        let tol = Tolerance.metafor
        // rma(yi, vi, mods = ~ ablat [+ factor(alloc)], method = M, test = T)
        for (j, c) in fit.coefficients.enumerated() {
            expectClose(c.estimate, r.doubles("estimate")[j], rel: tol, "\(key) \(c.term) estimate")
            expectClose(c.se, r.doubles("se")[j], rel: tol, "\(key) \(c.term) se")
            expectClose(c.statistic, r.doubles("statistic")[j], rel: tol, "\(key) \(c.term) statistic")
            expectClose(c.pValue, r.doubles("p_value")[j], rel: tol, "\(key) \(c.term) p")
            expectClose(c.ciLower, r.doubles("ci_lower")[j], rel: tol, "\(key) \(c.term) ci_lower")
            expectClose(c.ciUpper, r.doubles("ci_upper")[j], rel: tol, "\(key) \(c.term) ci_upper")
        }
        expectClose(fit.qm, r.double("qm"), rel: tol, "\(key) QM")
        expectClose(fit.qmPValue, r.double("qm_p"), rel: tol, "\(key) QM p")
        expectClose(fit.qe, r.double("qe"), rel: tol, "\(key) QE")
        expectClose(fit.qePValue, r.double("qe_p"), rel: tol, "\(key) QE p")
        expectClose(fit.tau2, r.double("tau2"), rel: tol, abs: 1e-12, "\(key) tau2")
        expectClose(fit.i2, r.double("i2"), rel: tol, abs: 1e-10, "\(key) I2")
        expectClose(fit.h2, r.double("h2"), rel: tol, "\(key) H2")
        if let r2 = r.double("r2") { expectClose(fit.r2, r2, rel: tol, abs: 1e-10, "\(key) R2") }
        if test == .knha {
            let df = r.doubles("qm_df")
            #expect(Double(fit.qmDF) == df[0] && Double(fit.qmDF2 ?? -1) == df[1])
        }
    }

    @Test func noModeratorsIsThePooledModel() throws {
        let fit = try MetaRegressionFit.fit(y: Self.y, v: Self.v, moderators: [], method: .reml)
        let effects = zip(Self.y, Self.v).enumerated().map { EffectSize(study: "\($0.offset)", yi: $0.element.0, vi: $0.element.1, input: .variance) }
        let pooled = try Pooling.analyze(effects, measure: .rr, options: PoolingOptions(method: .reml, convergence: .strict))
        expectClose(fit.coefficients[0].estimate, pooled.pooled.estimate, rel: 1e-9, "estimate")
        expectClose(fit.coefficients[0].se, pooled.pooled.se, rel: 1e-9, "se")
        expectClose(fit.tau2, pooled.heterogeneity!.tau2, rel: 1e-9, "tau2")
        // metafor's intercept-only fit
        expectClose(fit.tau2, Self.ref.object("none_REML").double("tau2"), rel: Tolerance.metafor, "tau2 vs metafor")
        #expect(fit.r2 == nil)
    }

    @Test func constantCollinearAndTooFewAreErrors() {
        let k = Self.y.count
        #expect(throws: MetaRegressionError.constantModerator("c")) {
            try MetaRegressionFit.fit(y: Self.y, v: Self.v, moderators: [.numeric(name: "c", values: .init(repeating: 2, count: k))], method: .reml)
        }
        let twice = Self.ref.doubles("ablat").map { $0 * 2 }
        #expect(throws: MetaRegressionError.collinear(term: "ablat2")) {
            try MetaRegressionFit.fit(y: Self.y, v: Self.v, moderators: [Self.ablat, .numeric(name: "ablat2", values: twice)], method: .reml)
        }
        #expect(throws: MetaRegressionError.tooFewStudies(k: 2, p: 2)) {
            try MetaRegressionFit.fit(y: [0.1, 0.2], v: [0.1, 0.1], moderators: [.numeric(name: "x", values: [1, 2])], method: .dl)
        }
    }
}

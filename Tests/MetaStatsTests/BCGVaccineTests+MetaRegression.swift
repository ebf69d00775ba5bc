import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

extension BCGVaccineTests {
    /// Meta-regression of the BCG log risk ratios against metafor (Fixtures/metareg.R, fits to machine
    /// precision): absolute latitude (numeric) and allocation (factor, reference "alternate"), under every τ²
    /// estimator, the fixed-effects model, and the z and Knapp–Hartung tests.
    @Suite struct MetaRegression {
        nonisolated(unsafe) static let ref = try! loadJSON("metareg.metafor.json", bundle: .module)
        static var y: [Double] { ref.doubles("yi") }
        static var v: [Double] { ref.doubles("vi") }
        static var ablat: Moderator { .numeric(name: "ablat", values: ref.doubles("ablat")) }
        static var alloc: Moderator { .factor(name: "alloc", values: ref["alloc"] as! [String]) }

        static let cases: [(String, PoolingMethod?, TestMethod)] = ["REML", "ML", "DL", "FE", "PM", "HE", "SJ", "EB", "HS"].flatMap { m in
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

        /// The bubble plot's line against metafor's `predict(rma(…), newmods = …)`: its ends at the smallest
        /// and largest latitude, and a prediction between them; allocation held at its means.
        @Test(arguments: [("line_ablat_REML_knha", PoolingMethod.reml, TestMethod.knha, false), ("line_ablat_alloc_DL_z", .dl, .z, true)])
        func fittedLineMatchesMetaforPredict(_ key: String, _ method: PoolingMethod, _ test: TestMethod, _ withFactor: Bool) throws {
            let moderators = withFactor ? [Self.ablat, Self.alloc] : [Self.ablat]
            let fit = try MetaRegressionFit.fit(y: Self.y, v: Self.v, moderators: moderators, method: method, test: test)
            let line = try MetaRegressionFit.line(fit, moderators: moderators, along: "ablat")
            let r = Self.ref.object(key)
            let (pred, lower, upper) = (r.doubles("pred"), r.doubles("ci_lower"), r.doubles("ci_upper"))
            #expect(line.count == 101 && line.first?.x == 13 && line.last?.x == 55)
            for (point, i) in [(line.first!, 0), (line.last!, 2)] {
                expectClose(point.estimate, pred[i], rel: Tolerance.metafor, "\(key) fit at \(point.x)")
                expectClose(point.ciLower, lower[i], rel: Tolerance.metafor, "\(key) lower at \(point.x)")
                expectClose(point.ciUpper, upper[i], rel: Tolerance.metafor, "\(key) upper at \(point.x)")
            }
            let alloc = Self.ref["alloc"] as! [String]
            let share = { (level: String) in Double(alloc.filter { $0 == level }.count) / Double(alloc.count) }
            let middle = fit.predict(withFactor ? [1, 33, share("random"), share("systematic")] : [1, 33])
            expectClose(middle.estimate, pred[1], rel: Tolerance.metafor, "\(key) fit at 33")
            expectClose(middle.ciLower, lower[1], rel: Tolerance.metafor, "\(key) lower at 33")
            expectClose(middle.ciUpper, upper[1], rel: Tolerance.metafor, "\(key) upper at 33")
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
}

import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// Numbers from Fixtures/extra-references.R (R 4.2, metafor 3.8-1) beyond the *.metafor.json files.
@Suite struct ExtraReferenceTests {
    nonisolated(unsafe) static let extra = try! loadJSON("extra-references.json", bundle: .module)
    static let sets = ReferenceSet.all()
    static func set(_ name: String, _ measure: EffectMeasure) -> ReferenceSet {
        sets.first { $0.name == name && $0.measure == measure }!
    }

    @Test(arguments: [("mh_OR", EffectMeasure.or, PoolingMethod.mh), ("mh_RR", .rr, .mh), ("peto_OR", .or, .peto)])
    func mantelHaenszelAndPeto(_ key: String, _ measure: EffectMeasure, _ method: PoolingMethod) throws {
        let ref = Self.extra.object(key)
        let set = Self.set("bcg", measure)
        let a = try Pooling.analyze(set.effects, measure: measure, options: PoolingOptions(model: .fixed, method: method))
        // rma.mh(measure = M) / rma.peto(): estimate, SE, Q around the pooled estimate, z, p
        expectClose(a.pooled.estimate, ref.double("estimate"), rel: Tolerance.metafor, "\(key) estimate")
        expectClose(a.pooled.se, ref.double("se"), rel: Tolerance.metafor, "\(key) se")
        expectClose(a.heterogeneity!.q, ref.double("q"), rel: Tolerance.metafor, "\(key) Q")
        expectClose(a.heterogeneity!.pValue, ref.double("q_p"), rel: Tolerance.metafor, "\(key) Q p")
        expectClose(a.pooled.statistic, ref.double("z"), rel: Tolerance.metafor, "\(key) z")
        expectClose(a.pooled.pValue, ref.double("p"), rel: Tolerance.metafor, "\(key) p")
    }

    @Test func mantelHaenszelRiskDifference() throws {
        let ref = Self.extra.object("mh_RD_greenland_robins")
        let set = Self.set("bcg", .rd)
        let a = try Pooling.analyze(set.effects, measure: .rd, options: PoolingOptions(model: .fixed, method: .mh))
        // Greenland & Robins (1985) variance, as RevMan documents it, written out in R
        expectClose(a.pooled.estimate, ref.double("estimate"), rel: 1e-12, "MH RD")
        expectClose(a.pooled.se, ref.double("se"), rel: 1e-12, "MH RD se")
    }

    @Test func strictConvergenceReachesTheRoot() throws {
        let set = Self.set("bcg", .rd)
        for method in [PoolingMethod.pm, .reml, .ml, .eb] {
            let ref = Self.extra.object("bcg_RD_strict_\(method.rawValue)")
            let a = try Pooling.analyze(set.effects, measure: .rd,
                                        options: PoolingOptions(method: method, convergence: .strict))
            // rma(method = M, control = list(tol = 1e-15, threshold = 1e-15))
            expectClose(a.heterogeneity!.tau2, ref.double("tau2"), rel: 1e-9, "strict \(method) tau2")
            expectClose(a.pooled.estimate, ref.double("estimate"), rel: 1e-9, "strict \(method) estimate")
            expectClose(a.pooled.se, ref.double("se"), rel: 1e-9, "strict \(method) se")
        }
        let ci = Self.extra.object("bcg_RD_strict_tau2_ci_DL")
        let a = try Pooling.analyze(set.effects, measure: .rd, options: PoolingOptions(method: .dl, convergence: .strict))
        expectClose(a.heterogeneity!.tau2CILower, ci.double("lower"), rel: 1e-9, "strict Q-profile lower")
        expectClose(a.heterogeneity!.tau2CIUpper, ci.double("upper"), rel: 1e-9, "strict Q-profile upper")
    }

    @Test func metaforConvergenceWarnsOnSmallTau2() throws {
        let a = try Pooling.analyze(Self.set("bcg", .rd).effects, measure: .rd, options: PoolingOptions(method: .pm))
        #expect(a.warnings.contains { $0.contains("convergence: strict") })
    }

    @Test(arguments: [("bcg_RR_leave1out_REML", PoolingMethod.reml, TestMethod.z),
                      ("bcg_RR_leave1out_HE", .he, .z), ("bcg_RR_leave1out_FE", .iv, .z),
                      ("bcg_RR_leave1out_DL_knha", .dl, .knha)])
    func leaveOneOut(_ key: String, _ method: PoolingMethod, _ test: TestMethod) throws {
        let ref = Self.extra.object(key)
        let options = PoolingOptions(model: method == .iv ? .fixed : .random, method: method, test: test)
        let rows = try Sensitivity.leaveOneOut(Self.set("bcg", .rr).effects, measure: .rr, options: options)
        for (i, r) in rows.enumerated() {
            // leave1out(rma(yi, vi, method = M, test = T))
            expectClose(r.estimate, ref.doubles("estimate")[i], rel: Tolerance.metafor, "\(key)[\(i)] estimate")
            expectClose(r.se, ref.doubles("se")[i], rel: Tolerance.metafor, "\(key)[\(i)] se")
            if ref["tau2"] != nil {
                expectClose(r.tau2, ref.doubles("tau2")[i], rel: Tolerance.metafor, abs: 1e-300, "\(key)[\(i)] tau2")
            }
            if ref["i2"] != nil { expectClose(r.i2, ref.doubles("i2")[i], rel: Tolerance.metafor, abs: 1e-12, "\(key)[\(i)] i2") }
            if ref["q"] != nil { expectClose(r.q, ref.doubles("q")[i], rel: Tolerance.metafor, "\(key)[\(i)] q") }
            if ref["ci_lower"] != nil {
                expectClose(r.ciLower, ref.doubles("ci_lower")[i], rel: Tolerance.metafor, "\(key)[\(i)] ci_lower")
                expectClose(r.pValue, ref.doubles("p")[i], rel: Tolerance.metafor, "\(key)[\(i)] p")
            }
        }
    }

    @Test func cumulative() throws {
        let ref = Self.extra.object("bcg_RR_cumulative_DL")
        let rows = try Sensitivity.cumulative(Self.set("bcg", .rr).effects, measure: .rr, options: PoolingOptions())
        for (i, r) in rows.enumerated() {
            // cumul(rma(yi, vi, method = "DL"))
            expectClose(r.estimate, ref.doubles("estimate")[i], rel: Tolerance.metafor, "cumul[\(i)] estimate")
            expectClose(r.se, ref.doubles("se")[i], rel: Tolerance.metafor, "cumul[\(i)] se")
            expectClose(r.tau2, ref.doubles("tau2")[i], rel: Tolerance.metafor, abs: 1e-300, "cumul[\(i)] tau2")
            expectClose(r.q, ref.doubles("q")[i], rel: Tolerance.metafor, abs: 1e-300, "cumul[\(i)] q")
            if i > 0 { expectClose(r.i2, ref.doubles("i2")[i], rel: Tolerance.metafor, abs: 1e-12, "cumul[\(i)] i2") }
        }
    }

    @Test func trimAndFillOtherModels() throws {
        let reml = Self.extra.object("bcg_RR_trimfill_REML")
        let tf = try SmallStudy.trimAndFill(Self.set("bcg", .rr).effects, measure: .rr, options: PoolingOptions(method: .reml))
        #expect(Double(tf.k0) == reml.double("k0"))
        #expect((tf.side == .right) == (reml.double("right") == 1))
        expectClose(tf.analysis.pooled.estimate, reml.double("estimate"), rel: Tolerance.metafor, "REML trimfill estimate")
        expectClose(tf.analysis.heterogeneity!.tau2, reml.double("tau2"), rel: Tolerance.metafor, "REML trimfill tau2")

        let fe = Self.extra.object("hackshaw_trimfill_FE")
        let tf2 = try SmallStudy.trimAndFill(Self.set("hackshaw1998", .generic).effects, measure: .generic,
                                             options: PoolingOptions(model: .fixed, method: .iv))
        #expect(Double(tf2.k0) == fe.double("k0"))
        #expect((tf2.side == .right) == (fe.double("right") == 1))
        expectClose(tf2.analysis.pooled.estimate, fe.double("estimate"), rel: Tolerance.metafor, "FE trimfill estimate")
        expectClose(tf2.analysis.pooled.se, fe.double("se"), rel: Tolerance.metafor, "FE trimfill se")
    }

    @Test func smdFromTStatistic() throws {
        let ref = Self.extra.object("normand_SMD_from_t")
        let rows = try loadCSV("normand1999.csv", bundle: .module)
        let t = ref.doubles("t")
        for (i, r) in rows.enumerated() {
            let input = StudyInput(study: r["source"]!, data: .tStatistic(n1: Double(r["n1i"]!)!, n2: Double(r["n2i"]!)!, t: t[i]))
            guard case .effect(let e) = try EffectSizes.compute(input, measure: .smd) else {
                Issue.record("no effect"); continue
            }
            // escalc("SMD", ti, n1i, n2i)
            expectClose(e.yi, ref.doubles("yi")[i], rel: 1e-12, "g from t [\(i)]")
            expectClose(e.vi, ref.doubles("vi")[i], rel: 1e-12, "v from t [\(i)]")
            #expect(e.input == .tStatisticHedges)
        }
    }
}

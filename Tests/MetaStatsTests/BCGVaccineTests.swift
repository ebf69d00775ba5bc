import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// Colditz et al. (1994), "Efficacy of BCG vaccine in the prevention of tuberculosis: meta-analysis
/// of the published literature", JAMA 271(9):698–702: the 13 trials of metafor's `dat.bcg`
/// (Fixtures/bcg.csv). Risk ratios, odds ratios and risk differences under every τ² estimator
/// (Fixtures/bcg.metafor.json), subgroups by allocation, Mantel–Haenszel and Peto, strict
/// convergence, leave-one-out and cumulative fits, trim and fill, influence diagnostics, GOSH, Peto's
/// small-study checks and the meta-regression on latitude and allocation.
@Suite struct BCGVaccineTests {
    /// Every check of Fixtures/bcg.metafor.json, for each measure.
    @Test(arguments: MetaforChecks.Check.allCases, ReferenceSet.all().filter { $0.name == "bcg" })
    func metaforReference(_ check: MetaforChecks.Check, _ set: ReferenceSet) throws { try check.run(set) }

    @Test func subgroupsByAllocation() throws { try MetaforChecks.subgroupsDL("bcg", "subgroups_alloc_RR", "alloc") }

    @Test(arguments: [("mh_OR", EffectMeasure.or, PoolingMethod.mh), ("mh_RR", .rr, .mh), ("peto_OR", .or, .peto)])
    func mantelHaenszelAndPeto(_ key: String, _ measure: EffectMeasure, _ method: PoolingMethod) throws {
        let ref = ExtraReferences.extra.object(key)
        let set = ExtraReferences.set("bcg", measure)
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
        let ref = ExtraReferences.extra.object("mh_RD_greenland_robins")
        let set = ExtraReferences.set("bcg", .rd)
        let a = try Pooling.analyze(set.effects, measure: .rd, options: PoolingOptions(model: .fixed, method: .mh))
        // Greenland & Robins (1985) variance, as RevMan documents it, written out in R
        expectClose(a.pooled.estimate, ref.double("estimate"), rel: 1e-12, "MH RD")
        expectClose(a.pooled.se, ref.double("se"), rel: 1e-12, "MH RD se")
    }

    @Test func strictConvergenceReachesTheRoot() throws {
        let set = ExtraReferences.set("bcg", .rd)
        for method in [PoolingMethod.pm, .reml, .ml, .eb] {
            let ref = ExtraReferences.extra.object("bcg_RD_strict_\(method.rawValue)")
            let a = try Pooling.analyze(set.effects, measure: .rd,
                                        options: PoolingOptions(method: method, convergence: .strict))
            // rma(method = M, control = list(tol = 1e-15, threshold = 1e-15))
            expectClose(a.heterogeneity!.tau2, ref.double("tau2"), rel: 1e-9, "strict \(method) tau2")
            expectClose(a.pooled.estimate, ref.double("estimate"), rel: 1e-9, "strict \(method) estimate")
            expectClose(a.pooled.se, ref.double("se"), rel: 1e-9, "strict \(method) se")
        }
        let ci = ExtraReferences.extra.object("bcg_RD_strict_tau2_ci_DL")
        let a = try Pooling.analyze(set.effects, measure: .rd, options: PoolingOptions(method: .dl, convergence: .strict))
        expectClose(a.heterogeneity!.tau2CILower, ci.double("lower"), rel: 1e-9, "strict Q-profile lower")
        expectClose(a.heterogeneity!.tau2CIUpper, ci.double("upper"), rel: 1e-9, "strict Q-profile upper")
    }

    @Test func metaforConvergenceWarnsOnSmallTau2() throws {
        let a = try Pooling.analyze(ExtraReferences.set("bcg", .rd).effects, measure: .rd, options: PoolingOptions(method: .pm))
        #expect(a.warnings.contains { $0.contains("convergence: strict") })
    }

    @Test(arguments: [("bcg_RR_leave1out_REML", PoolingMethod.reml, TestMethod.z),
                      ("bcg_RR_leave1out_HE", .he, .z), ("bcg_RR_leave1out_FE", .iv, .z),
                      ("bcg_RR_leave1out_DL_knha", .dl, .knha)])
    func leaveOneOut(_ key: String, _ method: PoolingMethod, _ test: TestMethod) throws {
        let ref = ExtraReferences.extra.object(key)
        let options = PoolingOptions(model: method == .iv ? .fixed : .random, method: method, test: test)
        let rows = try Sensitivity.leaveOneOut(ExtraReferences.set("bcg", .rr).effects, measure: .rr, options: options)
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
        let ref = ExtraReferences.extra.object("bcg_RR_cumulative_DL")
        let rows = try Sensitivity.cumulative(ExtraReferences.set("bcg", .rr).effects, measure: .rr, options: PoolingOptions())
        for (i, r) in rows.enumerated() {
            // cumul(rma(yi, vi, method = "DL"))
            expectClose(r.estimate, ref.doubles("estimate")[i], rel: Tolerance.metafor, "cumul[\(i)] estimate")
            expectClose(r.se, ref.doubles("se")[i], rel: Tolerance.metafor, "cumul[\(i)] se")
            expectClose(r.tau2, ref.doubles("tau2")[i], rel: Tolerance.metafor, abs: 1e-300, "cumul[\(i)] tau2")
            expectClose(r.q, ref.doubles("q")[i], rel: Tolerance.metafor, abs: 1e-300, "cumul[\(i)] q")
            if i > 0 { expectClose(r.i2, ref.doubles("i2")[i], rel: Tolerance.metafor, abs: 1e-12, "cumul[\(i)] i2") }
        }
    }

    @Test func trimAndFillREML() throws {
        let reml = ExtraReferences.extra.object("bcg_RR_trimfill_REML")
        let tf = try SmallStudy.trimAndFill(ExtraReferences.set("bcg", .rr).effects, measure: .rr, options: PoolingOptions(method: .reml))
        #expect(Double(tf.k0) == reml.double("k0"))
        #expect((tf.side == .right) == (reml.double("right") == 1))
        expectClose(tf.analysis.pooled.estimate, reml.double("estimate"), rel: Tolerance.metafor, "REML trimfill estimate")
        expectClose(tf.analysis.heterogeneity!.tau2, reml.double("tau2"), rel: Tolerance.metafor, "REML trimfill tau2")
    }

    @Test(arguments: ["REML", "DL", "PM", "FE", "REML_knha", "DL_knha"])
    func influenceMatchesMetafor(_ key: String) throws { try InfluenceGoshTests.influenceMatchesMetafor("bcg", key) }

    @Test func failedFitsAreMetaforsFailedFits() throws {
        let r = InfluenceGoshTests.ref.object("bcg")
        let gosh = try Gosh.analyze(InfluenceGoshTests.effects("bcg"), options: PoolingOptions(method: .reml))
        #expect(gosh.count == Int(r.double("gosh_REML_count")!))
        let failed = (0..<gosh.count).filter { gosh.estimate[$0].isNaN }.map { Double(gosh.membership[$0]) }
        #expect(failed == r.doubles("gosh_REML_failed"))
        #expect(gosh.failed == 2)
        for row in 0..<gosh.count where gosh.estimate[row].isNaN { #expect(gosh.i2[row].isNaN && gosh.tau2[row].isNaN) }
    }

    @Test func petoSmallStudyChecksUsePetoEstimates() throws { try SmallStudyReferenceTests.petoSmallStudyChecks("bcg") }
}

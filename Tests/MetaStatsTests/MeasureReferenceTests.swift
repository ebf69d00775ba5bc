import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// escalc and rma(method = "REML") numbers for the correlation, proportion, incidence-rate,
/// ratio-of-means and pre–post measures, from Fixtures/measures.R (R 4.2, metafor 3.8-1). The
/// published data sets have their own suites (Molloy2014Tests, Pritz1997Tests, Hart1999Tests,
/// Curtis1998Tests); here are the constructed studies (zero and full cells, pre–post summaries, a
/// paired t) and the check they all run.
@Suite struct MeasureReferenceTests {
    nonisolated(unsafe) static let refs = try! loadJSON("measures.metafor.json", bundle: .module)
    static let keys = ["molloy_COR", "molloy_ZCOR", "pritz_PR", "pritz_PLO", "pritz_PFT", "zero_PR", "zero_PLO", "zero_PFT",
                       "hart_IRR", "hart_IRD", "zero_IRR", "zero_IRD", "curtis_ROM", "prepost_MC", "prepost_SMCC",
                       "prepost_SMCR", "pairedt_SMCC"]

    /// The checks of a reference set, as test arguments.
    enum Check: Sendable {
        case escalcAndREML, shownScale

        func run(_ key: String) throws {
            switch self {
            case .escalcAndREML: try MeasureReferenceTests.escalcAndREML(key)
            case .shownScale: try BackTransformTests.shownScale(key)
            }
        }
    }

    /// The studies of a reference set as metapipe reads them.
    static func studies(_ key: String) -> (EffectMeasure, [StudyInput], Double?) {
        let ref = refs.object(key)
        let measure = EffectMeasure(rawValue: ref.string("measure")!)!
        let input = ref.object("input")
        let names = input["study"] as! [String]
        func column(_ name: String) -> [Double?] { (input[name] as! [Any]).map { ($0 as? NSNumber)?.doubleValue } }
        func values(_ name: String) -> [Double] { column(name).map { $0! } }
        var data: [StudyData] = []
        switch measure {
        case .cor, .zcor:
            data = zip(values("r"), values("n")).map { .correlation(r: $0, n: $1) }
        case .pr, .plo, .pft:
            data = zip(values("events"), values("total")).map { .proportion(events: $0, total: $1) }
        case .irr, .ird:
            let x1 = values("events1"), t1 = values("time1"), x2 = values("events2"), t2 = values("time2")
            data = names.indices.map { .rates(RateCounts(events1: x1[$0], time1: t1[$0], events2: x2[$0], time2: t2[$0])) }
        case .rom:
            let n1 = values("n1"), m1 = values("mean1"), s1 = values("sd1"), n2 = values("n2"), m2 = values("mean2"), s2 = values("sd2")
            data = names.indices.map { .continuous(ContinuousArms(n1: n1[$0], mean1: m1[$0], sd1: s1[$0], n2: n2[$0], mean2: m2[$0], sd2: s2[$0])) }
        default:
            if input["t"] != nil {
                data = zip(values("n"), values("t")).map { .pairedT(n: $0, t: $1) }
            } else {
                let n = values("n"), m0 = values("mean_pre"), s0 = values("sd_pre"), m1 = values("mean_post"), s1 = values("sd_post")
                let r = column("r")
                data = names.indices.map {
                    .prePost(PrePostSummary(n: n[$0], meanPre: m0[$0], sdPre: s0[$0], meanPost: m1[$0], sdPost: s1[$0], r: r[$0]))
                }
            }
        }
        let studies = zip(names, data).map { StudyInput(study: $0, data: $1) }
        return (measure, studies, input["prepost_r"].flatMap { ($0 as? NSNumber)?.doubleValue })
    }

    /// The studies without a published data set: zero and full cells, pre–post summaries, paired t.
    @Test(arguments: keys.filter { key in ["zero_", "prepost_", "pairedt_"].contains { key.hasPrefix($0) } })
    func effectSizesMatchEscalc(_ key: String) throws { try Self.escalcAndREML(key) }

    static func escalcAndREML(_ key: String) throws {
        let ref = Self.refs.object(key)
        let (measure, studies, prePostR) = Self.studies(key)
        let set = try EffectSizes.compute(studies, measure: measure, prePostR: prePostR)
        let yi = ref.doubles("yi"), vi = ref.doubles("vi")
        #expect(set.effects.count == yi.count, "\(key): \(set.effects.count) effects, escalc has \(yi.count)")
        for (i, e) in set.effects.enumerated() where i < yi.count {
            // escalc(measure = M, …): yi and vi
            expectClose(e.yi, yi[i], rel: Tolerance.metafor, abs: 1e-14, "\(key) \(e.study) yi")
            expectClose(e.vi, vi[i], rel: Tolerance.metafor, "\(key) \(e.study) vi")
        }
        let fit = ref.object("fit")
        let a = try Pooling.analyze(set.effects, measure: measure, options: PoolingOptions(method: .reml))
        // rma(yi, vi, method = "REML")
        expectClose(a.pooled.estimate, fit.double("estimate"), rel: Tolerance.metafor, abs: 1e-12, "\(key) REML estimate")
        expectClose(a.pooled.se, fit.double("se"), rel: Tolerance.metafor, "\(key) REML se")
        expectClose(a.heterogeneity?.tau2, fit.double("tau2"), rel: Tolerance.metafor, abs: 1e-10, "\(key) REML tau2")
        expectClose(a.heterogeneity?.q, fit.double("q"), rel: Tolerance.metafor, "\(key) Q")
    }

    @Test func zeroCellsRecordTheCorrection() throws {
        let (_, studies, _) = Self.studies("zero_PLO")
        let set = try EffectSizes.compute(studies, measure: .plo)
        #expect(set.effects.map(\.input) == [.proportionCorrected, .proportionCorrected, .proportion, .proportion])
        let pft = try EffectSizes.compute(studies, measure: .pft)
        #expect(pft.effects.allSatisfy { $0.input == .proportion })
        let (_, rates, _) = Self.studies("zero_IRR")
        #expect(try EffectSizes.compute(rates, measure: .irr).effects.map(\.input) == [.ratesCorrected, .ratesCorrected, .rates, .rates])
    }

    @Test func prePostRecordsTheCorrelationUsed() throws {
        let (_, studies, _) = Self.studies("prepost_SMCC")
        let set = try EffectSizes.compute(studies, measure: .smcc, prePostR: 0.5)
        // Fixtures/measures.R: r_used
        let used = Self.refs.object("prepost_SMCC").object("input").doubles("r_used")
        #expect(set.effects.map { $0.prePostR! } == used)
        #expect(set.effects.map(\.input) == [.prePostReported, .prePostSetting, .prePostReported, .prePostReported, .prePostSetting, .prePostReported])
    }

    @Test func aMissingCorrelationWithoutTheSettingNamesTheStudy() throws {
        let (_, studies, _) = Self.studies("prepost_MC")
        #expect {
            _ = try EffectSizes.compute(studies, measure: .mc)
        } throws: { error in
            guard let e = error as? StatsError else { return false }
            return e.message.contains("Baker 2005") || "\(e)".contains("Baker 2005")
        }
    }

    @Test func doubleZeroRatesAreLeftOut() throws {
        let s = StudyInput(study: "none", data: .rates(RateCounts(events1: 0, time1: 10, events2: 0, time2: 12)))
        guard case .dropped = try EffectSizes.compute(s, measure: .irr) else { Issue.record("expected dropped"); return }
        // IRD of 0/10 vs 0/12 with 0.5 added: 0.05 − 0.5/12
        guard case .effect(let e) = try EffectSizes.compute(s, measure: .ird) else { Issue.record("expected effect"); return }
        expectClose(e.yi, 0.05 - 0.5 / 12, rel: 1e-14, "IRD")
    }
}

/// Back-transformations against metafor's predict(transf = …), and back ∘ transform = identity.
@Suite struct BackTransformTests {
    static let keys = ["molloy_ZCOR", "pritz_PLO", "pritz_PFT", "zero_PLO", "zero_PFT", "hart_IRR", "zero_IRR", "curtis_ROM"]

    @Test(arguments: keys.filter { $0.hasPrefix("zero_") })
    func pooledResultsOnTheShownScale(_ key: String) throws { try Self.shownScale(key) }

    static func shownScale(_ key: String) throws {
        let ref = MeasureReferenceTests.refs.object(key)
        let (measure, studies, _) = MeasureReferenceTests.studies(key)
        let set = try EffectSizes.compute(studies, measure: measure)
        let a = try Pooling.analyze(set.effects, measure: measure, options: PoolingOptions(method: .reml))
        let t = try #require(measure.backTransform(sizes: set.effects.compactMap(\.n1)))
        let b = BackTransformedEstimate(t, estimate: a.pooled.estimate, ciLower: a.pooled.ciLower, ciUpper: a.pooled.ciUpper,
                                        piLower: a.pooled.piLower, piUpper: a.pooled.piUpper)
        // predict(rma(yi, vi, method = "REML"), transf = …)
        let back = ref.object("fit").object("back")
        expectClose(b.estimate, back.double("estimate"), rel: Tolerance.metafor, "\(key) back estimate")
        expectClose(b.ciLower, back.double("ci_lower"), rel: Tolerance.metafor, "\(key) back ci_lower")
        expectClose(b.ciUpper, back.double("ci_upper"), rel: Tolerance.metafor, "\(key) back ci_upper")
        expectClose(b.piLower, back.double("pi_lower"), rel: Tolerance.metafor, abs: 1e-12, "\(key) back pi_lower")
        expectClose(b.piUpper, back.double("pi_upper"), rel: Tolerance.metafor, "\(key) back pi_upper")
    }

    @Test func backOfTransformIsTheIdentity() {
        var rng = SplitMix64(seed: 13)
        for _ in 0..<2000 {
            let u = Double(rng.next() % 1_000_000 + 1) / 1_000_002          // in (0, 1)
            let ratio = exp((u - 0.5) * 20)
            let n = Double(rng.next() % 500 + 2)
            let cases: [(BackTransform, Double)] = [(.exp, ratio), (.tanh, 2 * u - 1), (.inverseLogit, u),
                                                    (.inverseFreemanTukey(harmonicN: n), u)]
            for (t, shown) in cases {
                expectClose(t.apply(t.forward(shown)), shown, rel: 1e-9, abs: 1e-12, "\(t) at \(shown)")
            }
        }
        // Proportions 0 and 1 map to the ends of the double-arcsine range and back.
        let t = BackTransform.inverseFreemanTukey(harmonicN: 25)
        #expect(t.apply(t.forward(0)) == 0 && t.apply(t.forward(1)) == 1)
    }
}

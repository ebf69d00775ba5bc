import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// Boundaries and bad input: every result is a finite number or a named error.
@Suite struct EdgeCaseTests {
    static let allRandom = TauEstimator.allCases.map { PoolingMethod(rawValue: $0.rawValue)! }

    @Test func twoStudiesWorkWithEveryMethod() throws {
        let data = [EffectSize(study: "A", yi: 0.1, vi: 0.02, input: .variance),
                    EffectSize(study: "B", yi: 0.9, vi: 0.05, input: .variance)]
        for method in Self.allRandom {
            for test in TestMethod.allCases {
                let a = try Pooling.analyze(data, measure: .generic, options: PoolingOptions(method: method, test: test))
                #expect(a.k == 2)
                #expect(a.pooled.estimate > 0.1 && a.pooled.estimate < 0.9)
                #expect(a.heterogeneity!.df == 1)
                #expect(a.pooled.piLower != nil)
            }
        }
        let loo = try Sensitivity.leaveOneOut(data, measure: .generic, options: PoolingOptions())
        #expect(loo.map(\.estimate) == [0.9, 0.1])
    }

    @Test func identicalEffectsHaveNoHeterogeneity() throws {
        let data = (0..<6).map { EffectSize(study: "S\($0)", yi: 0.5, vi: 0.01 * Double($0 + 1), input: .variance) }
        for method in Self.allRandom {
            let a = try Pooling.analyze(data, measure: .generic, options: PoolingOptions(method: method))
            let h = try #require(a.heterogeneity)
            #expect(h.tau2 == 0, "\(method)")
            #expect(h.q < 1e-25)
            #expect(h.i2 == 0)
            expectClose(a.pooled.estimate, 0.5, rel: 1e-14, "\(method) estimate")
            #expect(h.tau2CILower == 0 && h.tau2CIUpper == 0)
        }
    }

    @Test func tau2OnTheBoundaryEqualsFixedEffect() throws {
        // Q < k − 1: every estimator that truncates gives τ² = 0 and the fixed-effect estimate.
        let data = [(0.20, 0.04), (0.25, 0.03), (0.18, 0.05), (0.22, 0.02)].enumerated().map {
            EffectSize(study: "S\($0.offset)", yi: $0.element.0, vi: $0.element.1, input: .variance)
        }
        let fixed = try Pooling.analyze(data, measure: .generic, options: PoolingOptions(model: .fixed, method: .iv))
        for method in [PoolingMethod.dl, .reml, .ml, .pm, .he, .eb, .hs] {
            let a = try Pooling.analyze(data, measure: .generic, options: PoolingOptions(method: method))
            #expect(a.heterogeneity!.tau2 == 0, "\(method)")
            expectClose(a.pooled.estimate, fixed.pooled.estimate, rel: 1e-14, "\(method) = FE")
            expectClose(a.pooled.se, fixed.pooled.se, rel: 1e-14, "\(method) se = FE")
        }
    }

    @Test func oneHundredThousandStudies() throws {
        let k = 100_000
        var rng = SplitMix64(seed: 2026)
        let data = (0..<k).map { i in
            let v = 0.01 + Double.random(in: 0..<0.1, using: &rng)
            return EffectSize(study: "S\(i)", yi: 0.2 + Double.random(in: -0.5..<0.5, using: &rng), vi: v, input: .variance)
        }
        let dl = try Pooling.analyze(data, measure: .generic, options: PoolingOptions(method: .dl))
        #expect(dl.k == k && dl.pooled.estimate.isFinite && dl.heterogeneity!.tau2 > 0)
        let reml = try Pooling.analyze(data, measure: .generic, options: PoolingOptions(method: .reml))
        #expect(reml.pooled.estimate.isFinite)
        let rows = try Sensitivity.leaveOneOut(data, measure: .generic, options: PoolingOptions(method: .dl))
        #expect(rows.count == k)
        for i in [0, 4_321, k - 1] {
            var subset = data
            subset.remove(at: i)
            let direct = try Pooling.analyze(subset, measure: .generic, options: PoolingOptions(method: .dl, tau2ConfidenceInterval: false))
            expectClose(rows[i].estimate, direct.pooled.estimate, rel: 1e-10, "omit \(i) estimate")
            expectClose(rows[i].tau2, direct.heterogeneity!.tau2, rel: 1e-8, "omit \(i) tau2")
        }
    }

    @Test func badInputIsANamedError() {
        func error(_ data: StudyData, _ measure: EffectMeasure = .smd) -> StatsError? {
            do { _ = try EffectSizes.compute(StudyInput(study: "Song 2022", data: data), measure: measure); return nil }
            catch { return error as? StatsError }
        }
        let arms = ContinuousArms(n1: 28, mean1: 2.02, sd1: 0, n2: 28, mean2: 4.08, sd2: 0.39)
        #expect(error(.continuous(arms)) == .invalidInput(study: "Song 2022", field: "sd1", value: 0, requirement: .positiveSD))
        #expect(error(.continuous(arms))?.message == "study 'Song 2022' has sd1 = 0; an SD must be > 0")
        var small = arms; small.sd1 = 0.15; small.n2 = 1
        #expect(error(.continuous(small))?.message == "study 'Song 2022' has n2 = 1; an arm needs n ≥ 2")
        #expect(error(.generic(yi: 0.2, vi: -0.01), .generic)?.message == "study 'Song 2022' has vi = -0.01; a sampling variance must be > 0")
        #expect(error(.generic(yi: .nan, vi: 0.01), .generic)?.message == "study 'Song 2022' has yi = NaN; it must be a finite number")
        #expect(error(.binary(BinaryCounts(events1: 12, total1: 10, events2: 1, total2: 10)), .or)?.message
                == "study 'Song 2022' has events1 = 12; events cannot exceed the arm's total (total1 = 10)")
        #expect(error(.tStatistic(n1: 18, n2: 18, t: -2.6), .md)?.message
                == "study 'Song 2022' gives a t statistic, which cannot produce measure MD")
        #expect(error(.genericCI(estimate: 1.2, lower: 0, upper: 2), .or)?.message
                == "study 'Song 2022' has ci_lower = 0; a ratio and its CI limits must be > 0")
        #expect(throws: StatsError.noStudies) { try Pooling.analyze([], measure: .generic, options: PoolingOptions()) }
    }

    @Test func zeroCellsAndDoubleZeroStudies() throws {
        let studies = [
            StudyInput(study: "Zero cell", data: .binary(BinaryCounts(events1: 0, total1: 20, events2: 4, total2: 20))),
            StudyInput(study: "No events", data: .binary(BinaryCounts(events1: 0, total1: 15, events2: 0, total2: 15))),
            StudyInput(study: "Plain", data: .binary(BinaryCounts(events1: 3, total1: 20, events2: 6, total2: 20))),
        ]
        let set = try EffectSizes.compute(studies, measure: .or)
        #expect(set.effects.map(\.study) == ["Zero cell", "Plain"])
        #expect(set.dropped == [DroppedStudy(study: "No events", reason: "no events in either arm, so the OR is not estimable")])
        #expect(set.warnings == ["study 'No events' was left out: no events in either arm, so the OR is not estimable"])
        // 0.5 added to every cell: log((0.5·16.5)/(20.5·4.5)), 1/0.5 + 1/20.5 + 1/4.5 + 1/16.5
        expectClose(set.effects[0].yi, log(0.5 * 16.5 / (20.5 * 4.5)), rel: 1e-15, "corrected log OR")
        expectClose(set.effects[0].vi, 1 / 0.5 + 1 / 20.5 + 1 / 4.5 + 1 / 16.5, rel: 1e-15, "corrected variance")
        #expect(set.effects[0].input == .countsCorrected && set.effects[1].input == .counts)
        // The risk difference keeps a double-zero study (RD = 0 is estimable), with the correction.
        let rd = try EffectSizes.compute(studies, measure: .rd)
        #expect(rd.effects.count == 3)
        #expect(rd.effects[1].yi == 0)
    }

    @Test func revManSMDConvention() throws {
        // Deeks & Higgins (2010): g = (1 − 3/(4N − 9))·d, SE² = N/(n₁n₂) + g²/(2(N − 3.94)).
        let arms = ContinuousArms(n1: 13, mean1: 5.0, sd1: 4.7, n2: 13, mean2: 6.5, sd2: 3.8)
        let n1 = 13.0, n2 = 13.0, total = 26.0
        let sp = (((n1 - 1) * 4.7 * 4.7 + (n2 - 1) * 3.8 * 3.8) / (total - 2)).squareRoot()
        let g = (1 - 3 / (4 * total - 9)) * (5.0 - 6.5) / sp
        let v = total / (n1 * n2) + g * g / (2 * (total - 3.94))
        let (yi, vi) = EffectSizes.standardizedMeanDifference(arms, convention: .revman)
        expectClose(yi, g, rel: 1e-15, "RevMan g")
        expectClose(vi, v, rel: 1e-15, "RevMan SE²")
    }

    @Test func hedgesJMatchesTheGammaRatio() {
        // J(m) = Γ(m/2)/(√(m/2)·Γ((m−1)/2)) to 20 digits (mpmath, 40-digit arithmetic). J(2) = 1/√π.
        let exact: [(Double, Double)] = [
            (2, 0.56418958354775628695), (4, 0.79788456080286535588), (10, 0.92274560805308710336),
            (19, 0.95991035292425360037), (20, 0.96194453374074872696), (21, 0.96378225228417202714),
            (22, 0.96545065879062981198), (50, 0.98491194229557260115), (300, 0.99749756684385860828),
            (5000, 0.99984999124943754611), (1_000_000, 0.99999924999978124993),
        ]
        for (m, j) in exact {
            expectClose(EffectSizes.hedgesJ(m: m), j, rel: 1e-15, "J(\(m))")
        }
    }

    @Test func petoIsFixedEffectOnly() {
        let data = [EffectSize(study: "A", yi: 0, vi: 1, input: .counts, counts: BinaryCounts(events1: 1, total1: 10, events2: 2, total2: 10))]
        #expect(throws: StatsError.self) {
            try Pooling.analyze(data + data, measure: .or, options: PoolingOptions(model: .random, method: .peto))
        }
    }
}

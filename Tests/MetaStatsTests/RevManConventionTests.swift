import Foundation
import MetaStats
import MetaTestSupport
import Testing

/// RevMan's arithmetic on hand-built minimal cases, each checked against the numbers RevMan stored
/// in a real Cochrane review file (Tests/EndToEndTests/Fixtures/revman-real/source/).
@Suite struct RevManConventionTests {
    static let tolerance = 1e-10

    /// The options the `revman5` profile resolves to for a Mantel–Haenszel analysis.
    static func revman(_ model: PoolingModel, method: PoolingMethod = .mh) -> PoolingOptions {
        var o = PoolingOptions(model: model, method: method, i2: .q, predictionInterval: false, tau2ConfidenceInterval: false,
                               convergence: .strict)
        o.normalTail = .as66
        o.zeroCells = .revman
        return o
    }

    static func effects(_ tables: [(String, Double, Double, Double, Double)], _ measure: EffectMeasure) throws -> [EffectSize] {
        let inputs = tables.map { StudyInput(study: $0.0, data: .binary(BinaryCounts(events1: $0.1, total1: $0.2, events2: $0.3, total2: $0.4))) }
        return try EffectSizes.compute(inputs.map { $0 }, measure: measure).effects
    }

    /// RevMan's P for Z is Hill's AS 66 with its widely copied constants, bit for bit.
    @Test func pForZIsAS66() {
        // CD000023 analysis 2.3, subgroup "children": Z = 0.9119870716649708, P_Z = 0.3617755336887868.
        #expect(NormalTail.as66.twoSided(0.9119870716649708) == 0.3617755336887868)
        // CD000023 analysis 2.3, overall: Z = 1.2510150173052696, P_Z = 0.2109290228760644.
        #expect(NormalTail.as66.twoSided(1.2510150173052696) == 0.2109290228760644)
        // CD000023 analysis 2.3, subgroup "adults": Z = 1.4686797609573976, P_Z = 0.14191966950140802.
        #expect(NormalTail.as66.twoSided(1.4686797609573976) == 0.14191966950140802)
        // CD008625 analysis 1.2: Z = 12.237883945679247, P_Z = 1.9505171729626393E-34.
        #expect(NormalTail.as66.twoSided(12.237883945679247) == 1.9505171729626393E-34)
        // The exact tail differs from RevMan's in the eighth digit for |z| ≤ 1.28 (R: 2*pnorm(-0.9119870716649708)).
        expectClose(NormalTail.exact.twoSided(0.9119870716649708), 0.3617755232833589, rel: 1e-12, "exact tail")
        // Symmetry and the far tail: AS 66 is 0 beyond |z| = 18.66.
        #expect(NormalTail.as66.twoSided(-1.2510150173052696) == 0.2109290228760644)
        #expect(NormalTail.as66.twoSided(19) == 0)
    }

    /// A zero-cell study enters the MH sums with 0.5 added to each of its cells.
    @Test func zeroCellsEnterTheMantelHaenszelSums() throws {
        // CD008625 analysis 9.7 (RR, M-H, fixed): Khan 1995a 1/16 v 0/16, Gotuzzo 1995 0/102 v 1/100.
        let e = try Self.effects([("Khan 1995a BGD", 1, 16, 0, 16), ("Gotuzzo 1995 PER", 0, 102, 1, 100)], .rr)
        let a = try Pooling.analyze(e, measure: .rr, options: Self.revman(.fixed))
        // RevMan stored EFFECT_SIZE 0.9902676399026764, CI 0.14376073032521292 to 6.821264725214274, CHI2 0.9461166961355467.
        expectClose(exp(a.pooled.estimate), 0.9902676399026764, rel: Self.tolerance, "RR")
        expectClose(exp(a.pooled.ciLower), 0.14376073032521292, rel: Self.tolerance, "CI lower")
        expectClose(exp(a.pooled.ciUpper), 6.821264725214274, rel: Self.tolerance, "CI upper")
        expectClose(a.heterogeneity?.q, 0.9461166961355467, rel: Self.tolerance, "Chi²")
        // metafor's rma.mh uses the raw counts: (1·16/32) / (1·102/202) = 0.990196…
        var metafor = Self.revman(.fixed)
        metafor.zeroCells = nil
        let raw = try Pooling.analyze(e, measure: .rr, options: metafor)
        expectClose(exp(raw.pooled.estimate), (1.0 * 16 / 32) / (1.0 * 102 / 202), rel: 1e-14, "raw MH RR")
    }

    /// A risk difference keeps its raw value; the corrected cells enter only its variance.
    @Test func riskDifferenceWithZeroCells() throws {
        // CD008625 analysis 1.3, subgroup Norfloxacin: Bhattacharya 1990 0/13 v 0/12, Dutta 1996 0/54 v 0/19.
        let inputs = [("Bhattacharya 1990 IND", 0.0, 13.0, 0.0, 12.0), ("Dutta 1996 IND (1)", 0, 54, 0, 19)].map {
            StudyInput(study: $0.0, data: .binary(BinaryCounts(events1: $0.1, total1: $0.2, events2: $0.3, total2: $0.4)))
        }
        var e: [EffectSize] = []
        for input in inputs {
            if case .effect(let x) = try EffectSizes.compute(input, measure: .rd, zeroCells: .revman) { e.append(x) }
        }
        #expect(e.count == 2)
        // RevMan stored for Bhattacharya 1990: EFFECT_SIZE 0, VAR 0.005304700884190076.
        #expect(e[0].yi == 0)
        expectClose(e[0].vi, 0.005304700884190076, rel: Self.tolerance, "study variance")
        let a = try Pooling.analyze(e, measure: .rd, options: Self.revman(.fixed))
        // RevMan stored the subgroup's EFFECT_SIZE 0, CI -0.0708645085597648 to 0.0708645085597648, CHI2 0.
        #expect(a.pooled.estimate == 0)
        expectClose(a.pooled.ciUpper, 0.0708645085597648, rel: Self.tolerance, "CI upper")
        expectClose(a.pooled.ciLower, -0.0708645085597648, rel: Self.tolerance, "CI lower")
        #expect(a.heterogeneity?.q == 0)
    }

    /// No events in either arm: not estimable for OR and RR (left out), estimable for RD.
    @Test func doubleZeroStudies() throws {
        let input = StudyInput(study: "Landsman 1951", data: .binary(BinaryCounts(events1: 0, total1: 52, events2: 0, total2: 43)))
        // CD000023 stores Landsman 1951 (0/52 v 0/43) with ESTIMABLE="NO" in its risk-ratio analyses.
        if case .effect = try EffectSizes.compute(input, measure: .rr, zeroCells: .revman) { Issue.record("RR should not be estimable") }
        if case .effect = try EffectSizes.compute(input, measure: .or, zeroCells: .revman) { Issue.record("OR should not be estimable") }
        guard case .effect(let rd) = try EffectSizes.compute(input, measure: .rd, zeroCells: .revman) else {
            Issue.record("RD is estimable")
            return
        }
        #expect(rd.yi == 0)
        // Corrected cells 0.5/53 v 0.5/44: p(1 − p)/n for each arm.
        let p1 = 0.5 / 53, p2 = 0.5 / 44
        expectClose(rd.vi, p1 * (1 - p1) / 53 + p2 * (1 - p2) / 44, rel: 1e-14, "RD variance")
    }

    /// One study under a random-effects model: the study's own result, no heterogeneity.
    @Test func oneStudyRandomEffects() throws {
        // CD004976 analysis 4.1 (OR, M-H, random effects), Unuvar 2007 51/61 v 45/48: RevMan stored
        // EFFECT_SIZE 0.3400000000000001, CI 0.08804969262553261 to 1.3128949863758912, P_Z 0.11757530893668727.
        let e = try Self.effects([("Unuvar 2007", 51, 61, 45, 48)], .or)
        let a = try Pooling.analyze(e, measure: .or, options: Self.revman(.random))
        #expect(a.k == 1 && a.heterogeneity == nil)
        expectClose(exp(a.pooled.estimate), 0.3400000000000001, rel: Self.tolerance, "OR")
        expectClose(exp(a.pooled.ciLower), 0.08804969262553261, rel: Self.tolerance, "CI lower")
        expectClose(exp(a.pooled.ciUpper), 1.3128949863758912, rel: Self.tolerance, "CI upper")
        #expect(a.pooled.pValue == 0.11757530893668727)
        #expect(a.warnings.contains { $0.contains("only one study") })
    }
}

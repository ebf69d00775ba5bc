import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// Numbers from Fixtures/small-study-references.R (R 4.2, metafor 3.8-1) on 70 simulated trials:
/// Begg's test (exact without ties, normal approximation with a tie, as `ranktest`), and Egger, Begg
/// and trim and fill on Peto's per-study estimates (which BCGVaccineTests runs on the BCG trials too).
@Suite struct SmallStudyReferenceTests {
    nonisolated(unsafe) static let reference = try! loadJSON("small-study-references.json", bundle: .module)

    static func trials(tiedSecond: Bool = false) -> [StudyInput] {
        var rows = try! loadCSV("begg-k70.csv", bundle: .module)
        if tiedSecond {
            for column in ["events1", "total1", "events2", "total2"] { rows[1][column] = rows[0][column] }
        }
        return rows.map { r in
            StudyInput(study: r["study"]!, data: .binary(BinaryCounts(
                events1: Double(r["events1"]!)!, total1: Double(r["total1"]!)!,
                events2: Double(r["events2"]!)!, total2: Double(r["total2"]!)!)))
        }
    }

    static func bcg() -> [StudyInput] {
        try! loadCSV("bcg.csv", bundle: .module).map { r in
            let tpos = Double(r["tpos"]!)!, tneg = Double(r["tneg"]!)!, cpos = Double(r["cpos"]!)!, cneg = Double(r["cneg"]!)!
            return StudyInput(study: "\(r["author"]!) \(r["year"]!)", data: .binary(BinaryCounts(
                events1: tpos, total1: tpos + tneg, events2: cpos, total2: cpos + cneg)))
        }
    }

    @Test func beggIsExactAtSeventyStudiesWithoutTies() throws {
        let ref = Self.reference.object("k70_OR_begg")
        let effects = try EffectSizes.compute(Self.trials(), measure: .or).effects
        #expect(Double(effects.count) == ref.double("k"))
        let begg = try SmallStudy.begg(effects)
        // ranktest(rma(yi, vi, method = "DL")) — cor.test(exact = TRUE)
        #expect(begg.exact)
        expectClose(begg.tau, ref.double("tau"), rel: 1e-12, "k70 begg tau")
        expectClose(begg.pValue, ref.double("p_value"), rel: 1e-9, "k70 begg exact p")
        // The normal approximation differs in the third significant digit: it is not what ran.
        let normal = try #require(ref.double("p_normal_approximation"))
        #expect(abs(begg.pValue - normal) > 1e-3 * normal)
    }

    @Test func beggUsesTheNormalApproximationWithTies() throws {
        let ref = Self.reference.object("k70_OR_begg_tied")
        let effects = try EffectSizes.compute(Self.trials(tiedSecond: true), measure: .or).effects
        let begg = try SmallStudy.begg(effects)
        #expect(!begg.exact)
        expectClose(begg.tau, ref.double("tau"), rel: 1e-12, "tied begg tau")
        expectClose(begg.pValue, ref.double("p_value"), rel: 1e-9, "tied begg p")
    }

    @Test func petoSmallStudyChecksOnSimulatedTrials() throws { try Self.petoSmallStudyChecks("k70") }

    static func petoSmallStudyChecks(_ name: String) throws {
        let inputs = name == "bcg" ? Self.bcg() : Self.trials()
        let effects = try EffectSizes.compute(inputs, measure: .or).effects
        let peto = try SmallStudy.studyEffects(effects, method: .peto)
        let yi = Self.reference.object("\(name)_peto_yi")
        for (i, e) in peto.enumerated() {
            // (O − E)/V and 1/V written out in R
            expectClose(e.yi, yi.doubles("yi")[i], rel: 1e-12, "\(name) Peto yi[\(i)]")
            expectClose(e.vi, yi.doubles("vi")[i], rel: 1e-12, "\(name) Peto vi[\(i)]")
        }
        // Other methods keep the studies' own estimates.
        #expect(try SmallStudy.studyEffects(effects, method: .mh) == effects)

        let egger = try SmallStudy.egger(peto), e = Self.reference.object("\(name)_peto_egger")
        // regtest(rma(yi, vi, method = "FE"), model = "lm") on the Peto estimates
        expectClose(egger.intercept, e.double("intercept"), rel: 1e-10, "\(name) Peto egger intercept")
        expectClose(egger.statistic, e.double("statistic"), rel: 1e-10, "\(name) Peto egger t")
        #expect(Double(egger.df) == e.double("df"))
        expectClose(egger.pValue, e.double("p_value"), rel: 1e-9, "\(name) Peto egger p")

        let begg = try SmallStudy.begg(peto), b = Self.reference.object("\(name)_peto_begg")
        expectClose(begg.tau, b.double("tau"), rel: 1e-12, "\(name) Peto begg tau")
        expectClose(begg.pValue, b.double("p_value"), rel: 1e-9, "\(name) Peto begg p")

        let options = PoolingOptions(model: .fixed, method: .peto)
        let tf = try SmallStudy.trimAndFill(peto, measure: .or, options: options), t = Self.reference.object("\(name)_peto_trimfill")
        // trimfill(rma(yi, vi, method = "FE")) on the Peto estimates
        #expect(Double(tf.k0) == t.double("k0"))
        #expect((tf.side == .right) == (t.double("right") == 1))
        expectClose(tf.analysis.pooled.estimate, t.double("estimate"), rel: 1e-10, "\(name) Peto trimfill estimate")
        expectClose(tf.analysis.pooled.se, t.double("se"), rel: 1e-10, "\(name) Peto trimfill se")

        // The pooled Peto estimate is the centre of the same funnel.
        let pooled = try Pooling.analyze(effects, measure: .or, options: options)
        let ivOfPeto = try Pooling.analyze(peto, measure: .or, options: PoolingOptions(model: .fixed, method: .iv))
        expectClose(pooled.pooled.estimate, ivOfPeto.pooled.estimate, rel: 1e-12, "\(name) Peto centre")
    }

    /// The exact null distribution against enumeration of every permutation (n ≤ 7).
    @Test func kendallTailMatchesEnumeration() {
        func permutations(_ n: Int) -> [[Int]] {
            if n == 1 { return [[0]] }
            return permutations(n - 1).flatMap { p in (0...p.count).map { i in var q = p; q.insert(n - 1, at: i); return q } }
        }
        for n in 2...7 {
            let all = permutations(n)
            let concordant = all.map { p in
                var c = 0
                for i in 0..<n { for j in (i + 1)..<n where p[j] > p[i] { c += 1 } }
                return c
            }
            for q in -1...(n * (n - 1) / 2) {
                let expected = Double(concordant.filter { $0 <= q }.count) / Double(all.count)
                expectClose(KendallTest.lowerTail(atMost: q, n: n), expected, rel: 1e-14, abs: 1e-300, "P(T ≤ \(q)), n = \(n)")
                expectClose(KendallTest.lowerTailWindow(atMost: q, n: n), expected, rel: 1e-13, abs: 1e-300, "window P(T ≤ \(q)), n = \(n)")
            }
        }
    }

    /// The two ways of summing agree where both are cheap, in the tails too.
    @Test func windowSumsAgreeWithDirectSums() {
        for n in [20, 49, 70, 90] {
            let centre = n * (n - 1) / 4
            for q in [0, n, centre / 4, centre / 2, centre] {
                let direct = KendallTest.lowerTailDirect(atMost: q, n: n)
                expectClose(KendallTest.lowerTailWindow(atMost: q, n: n), direct, rel: 1e-11, abs: 1e-300, "n = \(n), q = \(q)")
            }
        }
    }

    @Test func exactBeggForManyStudies() throws {
        var generator = SplitMix64(seed: 12)
        let effects = (0..<600).map { i in
            EffectSize(study: "S\(i)", yi: Double.random(in: -1...1, using: &generator),
                       vi: Double.random(in: 0.01...0.5, using: &generator), input: .variance)
        }
        let begg = try SmallStudy.begg(effects)
        #expect(begg.exact)
        #expect(begg.pValue > 0 && begg.pValue <= 1)
    }
}

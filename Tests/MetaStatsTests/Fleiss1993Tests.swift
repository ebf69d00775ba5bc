import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// Fleiss (1993), "The statistical basis of meta-analysis", Stat Methods Med Res 2(2):121–145: the
/// aspirin-after-myocardial-infarction trials as RevMan 5's example review "Examples from Fleiss (1993)"
/// holds them (Fixtures/Fleiss1993.rm5, DICH_OUTCOME CMP-001.01: Mantel–Haenszel odds ratio, fixed
/// effect), against RevMan's own full-precision results. metafor has no `dat.*` copy of this review.
@Suite struct Fleiss1993Tests {
    /// The attributes of every element with the given tag, in file order.
    static func elements(_ tag: String) throws -> [[String: String]] {
        let data = try Data(contentsOf: fixtureURL("Fleiss1993.rm5", bundle: .module))
        let text = String(decoding: data, as: UTF8.self)
        let element = try Regex("<\(tag) ([^>]*)>")
        let attribute = try Regex(#"([A-Z0-9_]+)="([^"]*)""#)
        return text.matches(of: element).map { match in
            let body = String(match.output[1].substring!)
            var attributes: [String: String] = [:]
            for a in body.matches(of: attribute) {
                attributes[String(a.output[1].substring!)] = String(a.output[2].substring!)
            }
            return attributes
        }
    }

    @Test func mantelHaenszelOddsRatio() throws {
        let outcome = try #require(Self.elements("DICH_OUTCOME").first)
        let rows = try Self.elements("DICH_DATA")
        #expect(rows.count == 7)
        let studies = rows.map { r in
            StudyInput(study: r["STUDY_ID"]!, data: .binary(BinaryCounts(
                events1: Double(r["EVENTS_1"]!)!, total1: Double(r["TOTAL_1"]!)!,
                events2: Double(r["EVENTS_2"]!)!, total2: Double(r["TOTAL_2"]!)!)))
        }
        let settings = Profile.revman5.settings
        let effects = try EffectSizes.compute(studies, measure: .or, smd: settings.smd).effects
        let options = PoolingOptions(model: .fixed, method: settings.binaryFixedMethod, test: settings.test, level: 95,
                                     i2: settings.i2, predictionInterval: settings.predictionInterval,
                                     tau2ConfidenceInterval: settings.tau2ConfidenceInterval)
        let a = try Pooling.analyze(effects, measure: .or, options: options)
        let tol = Tolerance.revman
        let value = { (key: String) in Double(outcome[key]!)! }
        // DICH_OUTCOME: EFFECT_SIZE, CI_START, CI_END (odds ratio scale), Z, P_Z, CHI2, DF, P_CHI2, I2
        expectClose(exp(a.pooled.estimate), value("EFFECT_SIZE"), rel: tol, "OR")
        // RevMan's LOG_* attributes are base-10 logarithms.
        expectClose(a.pooled.estimate / log(10), value("LOG_EFFECT_SIZE"), rel: tol, "log10 OR")
        expectClose(exp(a.pooled.ciLower), value("CI_START"), rel: tol, "CI start")
        expectClose(exp(a.pooled.ciUpper), value("CI_END"), rel: tol, "CI end")
        expectClose(abs(a.pooled.statistic), value("Z"), rel: tol, "Z")
        expectClose(a.pooled.pValue, value("P_Z"), rel: tol, "P")
        let h = try #require(a.heterogeneity)
        expectClose(h.q, value("CHI2"), rel: tol, "Chi²")
        #expect(Double(h.df) == value("DF"))
        // RevMan's chi-square p-value comes from an approximation good to about 1e-6: P_CHI2 is
        // 0.1269422521561745, while R's pchisq(9.946055983220074, 6, lower.tail = FALSE) is
        // 0.12694217790629492, which metapipe reproduces to rounding error.
        expectClose(h.pValue, value("P_CHI2"), rel: 1e-6, "P(Chi²) against RevMan")
        expectClose(h.pValue, 0.12694217790629492, rel: Tolerance.distribution, "P(Chi²) against R")
        expectClose(h.i2, value("I2"), rel: tol, "I²")
        #expect(a.pooled.piLower == nil)
        // DICH_DATA: each study's SE, VAR, EFFECT_SIZE, CI and weight
        for (study, r) in zip(a.studies, rows) {
            let v = { (key: String) in Double(r[key]!)! }
            let label = r["STUDY_ID"]!
            expectClose(study.se, v("SE"), rel: tol, "\(label) SE")
            expectClose(study.vi, v("VAR"), rel: tol, "\(label) VAR")
            expectClose(exp(study.yi), v("EFFECT_SIZE"), rel: tol, "\(label) OR")
            expectClose(study.yi / log(10), v("LOG_EFFECT_SIZE"), rel: tol, "\(label) log10 OR")
            expectClose(exp(study.ciLower), v("CI_START"), rel: tol, "\(label) CI start")
            expectClose(exp(study.ciUpper), v("CI_END"), rel: tol, "\(label) CI end")
            expectClose(study.weight, v("WEIGHT"), rel: tol, "\(label) weight")
        }
        expectClose(a.studies.reduce(0) { $0 + $1.weight }, 100, rel: 1e-14, "weights sum")
    }
}

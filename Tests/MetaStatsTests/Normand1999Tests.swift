import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// Normand (1999), "Meta-analysis: formulating, evaluating, combining, and reporting", Stat Med
/// 18(3):321–359: the nine studies of the length of hospital stay of stroke patients under specialist
/// and routine care, metafor's `dat.normand1999` (Fixtures/normand1999.csv). Standardised and raw mean differences under every τ²
/// estimator (Fixtures/normand1999.metafor.json), Hedges' g from t statistics, influence diagnostics and
/// GOSH over all 511 subsets.
@Suite struct Normand1999Tests {
    /// Every check of Fixtures/normand1999.metafor.json, for each measure.
    @Test(arguments: MetaforChecks.Check.allCases, ReferenceSet.all().filter { $0.name == "normand1999" })
    func metaforReference(_ check: MetaforChecks.Check, _ set: ReferenceSet) throws { try check.run(set) }

    @Test func smdFromTStatistic() throws {
        let ref = ExtraReferences.extra.object("normand_SMD_from_t")
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

    @Test(arguments: ["FE", "DL", "REML", "PM"])
    func influenceMatchesMetafor(_ method: String) throws { try InfluenceGoshTests.influenceMatchesMetafor("normand", "influence_\(method)") }

    @Test(arguments: ["FE", "DL", "REML", "PM"])
    func goshMatchesMetafor(_ method: String) throws {
        let r = InfluenceGoshTests.ref.object("normand").object("gosh_\(method)")
        let gosh = try Gosh.analyze(InfluenceGoshTests.effects("normand"), options: InfluenceGoshTests.options(method))
        #expect(gosh.exhaustive && gosh.count == 511)
        let masks = r.doubles("mask").map { UInt64($0) }
        #expect(gosh.membership == masks, "metafor's row order")
        #expect(gosh.size.map(Double.init) == r.doubles("k"))
        let tol = Tolerance.metafor
        // jsonlite writes NA as "NA": metafor's PM fails where the root lies beyond its bracket
        // [0, 100]; metapipe widens the bracket (TauSquared.pauleMandel) and fits those subsets.
        func values(_ key: String) -> [Double] { (r[key] as! [Any]).map { ($0 as? NSNumber)?.doubleValue ?? .nan } }
        let estimate = values("estimate"), i2 = values("i2"), tau2 = values("tau2")
        #expect(estimate.filter(\.isNaN).count == (method == "PM" ? 49 : 0))
        #expect(gosh.failed == 0)
        for row in 0..<gosh.count where !estimate[row].isNaN {
            expectClose(gosh.estimate[row], estimate[row], rel: tol, abs: 1e-12, "\(method) estimate, mask \(masks[row])")
            expectClose(gosh.i2[row], i2[row], rel: tol, abs: 1e-8, "\(method) I², mask \(masks[row])")
            expectClose(gosh.tau2[row], tau2[row], rel: tol, abs: 1e-8, "\(method) τ², mask \(masks[row])")
        }
    }
}

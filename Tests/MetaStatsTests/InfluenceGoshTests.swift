import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// Influence diagnostics and GOSH: the check against metafor (Fixtures/influence-gosh.R: `influence()`,
/// `baujat()` and `gosh()` with metafor's default convergence) that BCGVaccineTests and
/// Normand1999Tests run on their data, and properties on simulated studies.
@Suite struct InfluenceGoshTests {
    nonisolated(unsafe) static let ref = try! loadJSON("influence-gosh.metafor.json", bundle: .module)

    static func effects(_ set: String) -> [EffectSize] {
        let r = ref.object(set)
        return zip(r.doubles("yi"), r.doubles("vi")).enumerated().map {
            EffectSize(study: "\(set) \($0.offset + 1)", yi: $0.element.0, vi: $0.element.1, input: .variance)
        }
    }

    static func options(_ key: String) -> PoolingOptions {
        let parts = key.split(separator: "_")
        let method = PoolingMethod(rawValue: String(parts[0])) ?? .iv
        var o = PoolingOptions(model: parts[0] == "FE" ? .fixed : .random, method: parts[0] == "FE" ? .iv : method)
        if parts.count > 1 && parts[1] == "knha" { o.test = .knha }
        return o
    }

    static func influenceMatchesMetafor(_ set: String, _ key: String) throws {
        let r = Self.ref.object(set).object(key)
        let optionsKey = key.hasPrefix("influence_") ? String(key.dropFirst(10)) : key
        let rows = try Influence.diagnostics(Self.effects(set), measure: .generic, options: Self.options(optionsKey))
        let tol = Tolerance.metafor
        func check(_ name: String, _ values: [Double], abs: Double = 1e-12) {
            let expected = r.doubles(name)
            #expect(values.count == expected.count)
            for (i, (a, e)) in zip(values, expected).enumerated() {
                expectClose(a, e, rel: tol, abs: abs, "\(set) \(key) \(name)[\(i + 1)]")
            }
        }
        check("rstudent", rows.map(\.rstudent))
        check("dffits", rows.map(\.dffits))
        check("cooks_distance", rows.map(\.cooksDistance))
        check("cov_ratio", rows.map(\.covRatio))
        check("tau2_deleted", rows.map(\.tau2Deleted), abs: 1e-10)
        check("q_deleted", rows.map(\.qDeleted))
        check("hat", rows.map(\.hat))
        check("weight", rows.map(\.weight))
        check("dfbetas", rows.map(\.dfbetas))
        check("baujat_x", rows.map(\.baujatX))
        check("baujat_y", rows.map(\.baujatY))
        #expect(rows.map(\.influential) == (r["influential"] as! [Any]).map { ($0 as! NSNumber).boolValue }, "\(set) \(key) influential")
    }

    /// metafor's REML fails on two BCG subsets (its Fisher scoring does not converge in 100
    /// iterations); metapipe's iteration takes the same steps, so the same two have no result.

    static func simulated(_ k: Int, seed: UInt64 = 7) -> [EffectSize] {
        var rng = SplitMix64(seed: seed)
        return (0..<k).map { i in
            let v = 0.01 + 0.2 * rng.uniform()
            let y = 0.3 + (rng.uniform() - 0.5) * (i % 3 == 0 ? 2 : 0.6)
            return EffectSize(study: "S\(i + 1)", yi: y, vi: v, input: .variance)
        }
    }

    @Test(arguments: ["FE", "DL", "REML", "ML", "PM", "EB", "SJ", "HE", "HS", "DL_Q"])
    func fullSetRowIsTheMainFitAndCountsAreRight(_ key: String) throws {
        let effects = Self.simulated(11)
        var options = Self.options(key)
        if key == "DL_Q" { options.method = .dl; options.i2 = .q }
        let gosh = try Gosh.analyze(effects, options: options)
        #expect(gosh.count == (1 << 11) - 1 && gosh.estimate.count == gosh.count)
        for c in 1...11 {
            let expected = (0..<c).reduce(1) { $0 * (11 - $1) / ($1 + 1) }
            #expect(gosh.size.filter { $0 == Int32(c) }.count == expected, "subsets of size \(c)")
        }
        #expect(Set(gosh.membership).count == gosh.count, "every subset once")
        let last = gosh.count - 1
        #expect(gosh.membership[last] == (1 << 11) - 1)
        let main = try Pooling.analyze(effects, measure: .generic, options: options)
        expectClose(gosh.estimate[last], main.pooled.estimate, rel: 1e-12, "\(key) full-set estimate")
        expectClose(gosh.tau2[last], main.heterogeneity!.tau2, rel: 1e-12, abs: 1e-15, "\(key) full-set τ²")
        expectClose(gosh.i2[last], main.heterogeneity!.i2, rel: 1e-12, abs: 1e-12, "\(key) full-set I²")
        // Single studies: their own estimate, no heterogeneity.
        for row in 0..<11 {
            let j = gosh.membership[row].trailingZeroBitCount
            #expect(gosh.estimate[row] == effects[j].yi && gosh.i2[row] == 0 && gosh.tau2[row] == 0)
        }
    }

    @Test(arguments: ["FE", "DL", "DL_Q"])
    func grayCodeSumsEqualDirectFits(_ key: String) throws {
        let effects = Self.simulated(16, seed: 11)
        var options = Self.options(key)
        if key == "DL_Q" { options.method = .dl; options.i2 = .q }
        let gosh = try Gosh.analyze(effects, options: options)
        #expect(gosh.count == 65_535)
        // Every 97th subset, refitted from scratch by Pooling.analyze.
        for row in stride(from: 16, to: gosh.count, by: 97) {
            let subset = (0..<16).filter { gosh.contains(row, study: $0) }
            let fit = try Pooling.analyze(subset.map { effects[$0] }, measure: .generic, options: options)
            expectClose(gosh.estimate[row], fit.pooled.estimate, rel: 1e-10, abs: 1e-13, "\(key) estimate of \(subset)")
            expectClose(gosh.tau2[row], fit.heterogeneity!.tau2, rel: 1e-8, abs: 1e-12, "\(key) τ² of \(subset)")
            expectClose(gosh.i2[row], fit.heterogeneity!.i2, rel: 1e-8, abs: 1e-9, "\(key) I² of \(subset)")
        }
    }

    @Test func randomSubsetsAreDeterministicAndFitCorrectly() throws {
        let effects = Self.simulated(24)
        let options = PoolingOptions(method: .reml)
        let a = try Gosh.analyze(effects, options: options, subsets: 3000)
        let b = try Gosh.analyze(effects, options: options, subsets: 3000)
        #expect(!a.exhaustive && a.count == 3000 && a.seed == Gosh.seed)
        #expect(a.membership == b.membership && a.estimate.map(\.bitPattern) == b.estimate.map(\.bitPattern) && a.i2.map(\.bitPattern) == b.i2.map(\.bitPattern))
        var compared = 0
        for row in stride(from: 0, to: 3000, by: 131) {
            let subset = (0..<24).filter { a.contains(row, study: $0) }
            #expect(subset.count == Int(a.size[row]) && !subset.isEmpty)
            // A subset whose REML iteration does not converge has no result, as in metafor.
            guard !a.estimate[row].isNaN else { continue }
            compared += 1
            let fit = try Pooling.analyze(subset.map { effects[$0] }, measure: .generic, options: options)
            expectClose(a.estimate[row], fit.pooled.estimate, rel: 1e-10, "estimate of \(subset)")
            expectClose(a.tau2[row], fit.heterogeneity?.tau2 ?? 0, rel: 1e-8, abs: 1e-12, "τ² of \(subset)")
        }
        #expect(compared > 15)
        // A cap at or above 2^k − 1 fits every subset.
        let all = try Gosh.analyze(Array(effects.prefix(5)), options: options, subsets: 31)
        #expect(all.exhaustive && all.count == 31)
    }

    @Test func mantelHaenszelIsRefused() {
        let effects = Self.simulated(4)
        #expect(throws: StatsError.self) { try Influence.diagnostics(effects, measure: .or, options: PoolingOptions(model: .fixed, method: .mh)) }
        #expect(throws: StatsError.self) { try Gosh.analyze(effects, options: PoolingOptions(model: .fixed, method: .mh)) }
    }

    @Test func twoStudies() throws {
        let effects = Self.simulated(2)
        let rows = try Influence.diagnostics(effects, measure: .generic, options: PoolingOptions(method: .reml))
        #expect(rows.count == 2 && rows.allSatisfy { $0.tau2Deleted == 0 && $0.qDeleted == 0 })
    }
}

import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// Invariances every pooled result must satisfy, on seeded random data sets.
@Suite struct PropertyTests {
    static let methods: [PoolingOptions] = PoolingMethod.allCases.compactMap { method in
        switch method {
        case .mh, .peto: return nil
        case .iv: return PoolingOptions(model: .fixed, method: .iv)
        default: return PoolingOptions(model: .random, method: method)
        }
    } + [PoolingOptions(method: .reml, test: .knha), PoolingOptions(method: .dl, test: .knha)]

    /// A data set with true heterogeneity `tau`, k studies.
    static func dataset(seed: UInt64, k: Int, tau: Double = 0.3) -> [EffectSize] {
        var rng = SplitMix64(seed: seed)
        return (0..<k).map { i in
            let v = 0.005 + Double.random(in: 0..<0.2, using: &rng)
            let u = Double.random(in: -1..<1, using: &rng) + Double.random(in: -1..<1, using: &rng)
            let e = Double.random(in: -1..<1, using: &rng) + Double.random(in: -1..<1, using: &rng)
            return EffectSize(study: "S\(i)", yi: 0.4 + tau * u + v.squareRoot() * e, vi: v, input: .variance)
        }
    }

    @Test(arguments: 0..<methods.count)
    func studyOrderDoesNotMatter(_ index: Int) throws {
        let options = Self.methods[index]
        for seed in 1...6 as ClosedRange<UInt64> {
            let data = Self.dataset(seed: seed, k: 4 + Int(seed) * 3)
            var rng = SplitMix64(seed: seed * 77)
            let shuffled = data.shuffled(using: &rng)
            let a = try Pooling.analyze(data, measure: .generic, options: options)
            let b = try Pooling.analyze(shuffled, measure: .generic, options: options)
            expectClose(b.pooled.estimate, a.pooled.estimate, rel: 1e-9, abs: 1e-12, "\(options.method) estimate")
            expectClose(b.pooled.se, a.pooled.se, rel: 1e-9, "\(options.method) se")
            expectClose(b.heterogeneity!.tau2, a.heterogeneity!.tau2, rel: 1e-9, abs: 1e-14, "\(options.method) tau2")
            expectClose(b.heterogeneity!.q, a.heterogeneity!.q, rel: 1e-10, "\(options.method) Q")
            let weightOf = { (m: MetaAnalysis, s: String) in m.studies.first { $0.study == s }!.weight }
            for s in data.map(\.study) { expectClose(weightOf(b, s), weightOf(a, s), rel: 1e-9, "weight \(s)") }
        }
    }

    @Test(arguments: 0..<methods.count)
    func shiftMovesOnlyTheEstimate(_ index: Int) throws {
        let options = Self.methods[index]
        for seed in 1...5 as ClosedRange<UInt64> {
            let data = Self.dataset(seed: seed, k: 9)
            let c = 2.75
            let shifted = data.map { var e = $0; e.yi += c; return e }
            let a = try Pooling.analyze(data, measure: .generic, options: options)
            let b = try Pooling.analyze(shifted, measure: .generic, options: options)
            expectClose(b.pooled.estimate, a.pooled.estimate + c, rel: 1e-9, "\(options.method) shifted estimate")
            expectClose(b.pooled.se, a.pooled.se, rel: 1e-8, "\(options.method) se")
            expectClose(b.heterogeneity!.tau2, a.heterogeneity!.tau2, rel: 1e-7, abs: 1e-12, "\(options.method) tau2")
            expectClose(b.heterogeneity!.i2, a.heterogeneity!.i2, rel: 1e-7, abs: 1e-9, "\(options.method) I2")
        }
    }

    @Test(arguments: 0..<methods.count)
    func scaleScalesEverything(_ index: Int) throws {
        var options = Self.methods[index]
        options.convergence = .strict   // metafor's absolute thresholds are not scale-free
        for seed in 1...5 as ClosedRange<UInt64> {
            let data = Self.dataset(seed: seed, k: 8)
            let s = 3.0
            let scaled = data.map { var e = $0; e.yi *= s; e.vi *= s * s; return e }
            let a = try Pooling.analyze(data, measure: .generic, options: options)
            let b = try Pooling.analyze(scaled, measure: .generic, options: options)
            expectClose(b.pooled.estimate, a.pooled.estimate * s, rel: 1e-8, abs: 1e-12, "\(options.method) scaled estimate")
            expectClose(b.pooled.se, a.pooled.se * s, rel: 1e-8, "\(options.method) scaled se")
            expectClose(b.heterogeneity!.tau2, a.heterogeneity!.tau2 * s * s, rel: 1e-7, abs: 1e-12, "\(options.method) scaled tau2")
            expectClose(b.heterogeneity!.i2, a.heterogeneity!.i2, rel: 1e-7, abs: 1e-9, "\(options.method) I2")
            expectClose(b.heterogeneity!.q, a.heterogeneity!.q, rel: 1e-10, "\(options.method) Q")
        }
    }

    @Test func i2IsAPercentageBelow100() throws {
        for seed in 1...40 as ClosedRange<UInt64> {
            let tau = [0, 0.05, 0.5, 5, 50][Int(seed) % 5]
            let data = Self.dataset(seed: seed, k: 2 + Int(seed % 13), tau: tau)
            for options in Self.methods {
                for i2 in I2Definition.allCases {
                    var o = options
                    o.i2 = i2
                    let a = try Pooling.analyze(data, measure: .generic, options: o)
                    let value = a.heterogeneity!.i2
                    #expect(value >= 0 && value < 100, "I² = \(value) for \(o.method) \(i2)")
                    #expect(a.heterogeneity!.tau2 >= 0)
                }
            }
        }
    }

    @Test func oneStudyIsItsOwnResult() throws {
        let e = EffectSize(study: "Only", yi: 0.31, vi: 0.04, input: .variance)
        for options in Self.methods {
            let a = try Pooling.analyze([e], measure: .generic, options: options)
            #expect(a.k == 1)
            #expect(a.pooled.estimate == 0.31)
            #expect(a.pooled.se == 0.2)
            #expect(a.heterogeneity == nil)
            #expect(a.studies[0].weight == 100)
            #expect(a.warnings.contains { $0.contains("only one study") })
            expectClose(a.pooled.ciLower, 0.31 - 1.959963984540054 * 0.2, rel: 1e-15, "CI")
        }
    }

    @Test func fastLeaveOneOutEqualsRefitting() throws {
        let fast: [PoolingOptions] = [
            PoolingOptions(model: .fixed, method: .iv), PoolingOptions(method: .dl), PoolingOptions(method: .he),
            PoolingOptions(method: .hs), PoolingOptions(method: .dl, test: .knha), PoolingOptions(method: .dl, i2: .q),
        ]
        for seed in 1...8 as ClosedRange<UInt64> {
            let data = Self.dataset(seed: seed, k: 3 + Int(seed) * 5, tau: seed % 3 == 0 ? 0 : 0.4)
            for options in fast {
                let rows = try #require(try Sensitivity.fastLeaveOneOut(data, options: options))
                for (i, row) in rows.enumerated() {
                    var subset = data
                    subset.remove(at: i)
                    let direct = try Pooling.analyze(subset, measure: .generic, options: Sensitivity.refitOptions(options))
                    let label = "\(options.method) \(options.test) seed \(seed) omit \(i)"
                    expectClose(row.estimate, direct.pooled.estimate, rel: 1e-9, abs: 1e-12, "\(label) estimate")
                    expectClose(row.se, direct.pooled.se, rel: 1e-9, "\(label) se")
                    expectClose(row.pValue, direct.pooled.pValue, rel: 1e-8, abs: 1e-15, "\(label) p")
                    expectClose(row.tau2, direct.heterogeneity!.tau2, rel: 1e-8, abs: 1e-13, "\(label) tau2")
                    expectClose(row.q, direct.heterogeneity!.q, rel: 1e-8, abs: 1e-12, "\(label) Q")
                    expectClose(row.i2, direct.heterogeneity!.i2, rel: 1e-8, abs: 1e-8, "\(label) I2")
                }
            }
        }
    }
}

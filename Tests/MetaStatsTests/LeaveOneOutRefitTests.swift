import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// Leave-one-out for the iterative estimators (and SJ) gives the numbers of k full refits with
/// `Pooling.analyze`, which the metafor reference tests check, to 1e-10.
@Suite struct LeaveOneOutRefitTests {
    /// Heterogeneous studies from a fixed seed (a linear congruential generator, so the data do
    /// not depend on the platform's random numbers), with some repeated effects.
    static func data(_ k: Int, seed: UInt64) -> [EffectSize] {
        var rng = LinearCongruential64(seed: seed)
        return (0..<k).map { i in
            let vi = 0.005 + 0.2 * rng.uniform()
            let yi = i % 7 == 3 ? 0.25 : 0.3 + 0.4 * (rng.uniform() - 0.5) + (vi.squareRoot() * 2 * (rng.uniform() - 0.5))
            return EffectSize(study: "S\(i)", yi: yi, vi: vi, input: .variance)
        }
    }

    static let methods: [PoolingMethod] = [.reml, .ml, .pm, .eb, .sj]

    static func compare(_ data: [EffectSize], _ options: PoolingOptions, _ label: String) throws {
        let fastResult = Result { try Sensitivity.leaveOneOut(data, measure: .generic, options: options) }
        let refitResult = Result { try Sensitivity.leaveOneOutByRefits(data, measure: .generic, options: options) }
        guard case .success(let fast) = fastResult, case .success(let refits) = refitResult else {
            // A refit that fails fails the same way.
            #expect("\(fastResult)" == "\(refitResult)", "\(label)")
            return
        }
        #expect(fast.count == refits.count)
        for (a, b) in zip(fast, refits) {
            #expect(a.study == b.study && a.k == b.k)
            let pairs: [(String, Double, Double)] = [
                ("estimate", a.estimate, b.estimate), ("se", a.se, b.se), ("ciLower", a.ciLower, b.ciLower),
                ("ciUpper", a.ciUpper, b.ciUpper), ("statistic", a.statistic, b.statistic),
                ("pValue", a.pValue, b.pValue), ("tau2", a.tau2, b.tau2), ("i2", a.i2, b.i2), ("h2", a.h2, b.h2),
                ("q", a.q, b.q), ("qPValue", a.qPValue, b.qPValue)]
            for (name, x, y) in pairs {
                expectClose(x, y, rel: 1e-10, abs: 1e-12, "\(label) \(a.study) \(name)")
            }
        }
    }

    @Test(arguments: methods)
    func matchesRefits(_ method: PoolingMethod) throws {
        for (k, seed) in [(3, 1), (4, 2), (12, 3), (40, 4), (150, 5)] as [(Int, UInt64)] {
            let data = Self.data(k, seed: seed)
            for convergence in Convergence.allCases {
                for test in TestMethod.allCases {
                    let options = PoolingOptions(method: method, test: test, i2: .tau2, convergence: convergence)
                    try Self.compare(data, options, "\(method) k=\(k) \(convergence) \(test)")
                }
            }
            try Self.compare(data, PoolingOptions(method: method, i2: .q), "\(method) k=\(k) I² from Q")
        }
    }

    @Test(arguments: methods)
    func homogeneousStudiesGiveZeroTau2(_ method: PoolingMethod) throws {
        // Q < k − 2 in every refit: every τ² is 0 (SJ excepted, which is > 0 unless all yᵢ agree).
        let data = (0..<8).map { EffectSize(study: "S\($0)", yi: 0.5 + 0.001 * Double($0 % 3), vi: 0.04, input: .variance) }
        try Self.compare(data, PoolingOptions(method: method), "\(method) homogeneous")
        if method != .sj {
            let rows = try Sensitivity.leaveOneOut(data, measure: .generic, options: PoolingOptions(method: method))
            #expect(rows.allSatisfy { $0.tau2 == 0 })
        }
    }

    @Test func medianAbsoluteDeviationWithoutOneValue() {
        // R: mad(c(3, 1, 4, 1, 5, 9, 2, 6)) = 2.9652 (median 3.5, deviations' median 2);
        let y = [3.0, 1, 4, 1, 5, 9, 2, 6, 5.5]
        var scratch = [Double](repeating: 0, count: y.count)
        let sorted = y.sorted()
        // Without 5.5 (the last value): the vector above.
        expectClose(LeaveOneOutTau.medianAbsoluteDeviation(y: y, skip: 8, sorted: sorted, scratch: &scratch),
                    2.9652, rel: 1e-12, "without 5.5")
        // Without one of the 1s: c(3, 4, 1, 5, 9, 2, 6, 5.5): median 4.5, |dev| = 1.5 .5 3.5 .5 4.5 2.5 1.5 1 → 1.5.
        expectClose(LeaveOneOutTau.medianAbsoluteDeviation(y: y, skip: 3, sorted: sorted, scratch: &scratch),
                    1.4826 * 1.5, rel: 1e-12, "without a 1")
    }
}

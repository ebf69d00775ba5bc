import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// Paule–Mandel leave-one-out takes Q(τ²) from a table of series about shared nodes instead of
/// summing it over the k − 1 studies at every Brent iterate: the same bracket and the same iterates,
/// so the same τ² as k plain refits — to 1e-12 under the strict rule, and to rounding of the
/// iterates (1e-10) under metafor's.
@Suite struct PauleMandelLeaveOneOutTests {
    /// Heterogeneous studies from a fixed seed (a linear congruential generator).
    static func data(_ k: Int, seed: UInt64, spread: Double = 0.4, vRange: ClosedRange<Double> = 0.005...0.2)
        -> [EffectSize]
    {
        var rng = LinearCongruential64(seed: seed)
        return (0..<k).map { i in
            let vi = vRange.lowerBound + (vRange.upperBound - vRange.lowerBound) * rng.uniform()
            let yi = 0.3 + spread * (rng.uniform() - 0.5) + vi.squareRoot() * 2 * (rng.uniform() - 0.5)
            return EffectSize(study: "S\(i)", yi: yi, vi: vi, input: .variance)
        }
    }

    static func compareTau2(_ effects: [EffectSize], _ label: String, expectZero: Bool? = nil) throws {
        for convergence in Convergence.allCases {
            let options = PoolingOptions(method: .pm, convergence: convergence)
            let fast = try Sensitivity.leaveOneOut(effects, measure: .generic, options: options)
            let refits = try Sensitivity.leaveOneOutByRefits(effects, measure: .generic, options: options)
            #expect(fast.count == refits.count)
            let rel = convergence == .strict ? 1e-12 : 1e-10
            for (a, b) in zip(fast, refits) {
                expectClose(a.tau2, b.tau2, rel: rel, abs: 1e-15, "\(label) \(convergence) \(a.study) τ²")
                expectClose(a.estimate, b.estimate, rel: 1e-10, abs: 1e-12, "\(label) \(convergence) \(a.study) estimate")
                expectClose(a.se, b.se, rel: 1e-10, abs: 1e-12, "\(label) \(convergence) \(a.study) se")
            }
            if let expectZero {
                #expect(fast.contains { $0.tau2 == 0 } == expectZero, "\(label) \(convergence): a τ² of 0")
                #expect(fast.contains { $0.tau2 > 0 }, "\(label) \(convergence): a positive τ²")
            }
        }
    }

    @Test(arguments: [3, 4, 7, 30, 200, 600])
    func matchesRefitsAtSeveralK(_ k: Int) throws {
        try Self.compareTau2(Self.data(k, seed: UInt64(k) + 11), "k=\(k)")
    }

    @Test func threeStudies() throws {
        // k = 3: every refit has two studies and target k − 2 = 1.
        for seed in 1...20 as ClosedRange<UInt64> {
            try Self.compareTau2(Self.data(3, seed: seed, spread: 1), "k=3 seed \(seed)")
        }
    }

    @Test func zeroTau2RowsAndAJump() throws {
        // Nearly homogeneous studies and one outlier: without the outlier Q < k − 2 at τ² = 0 (τ² = 0),
        // with it τ² is large; the row that omits it jumps from the full fit's τ².
        var effects = Self.data(40, seed: 7, spread: 0.01, vRange: 0.02...0.05)
        effects[17] = EffectSize(study: "outlier", yi: 3.5, vi: 0.03, input: .variance)
        try Self.compareTau2(effects, "outlier", expectZero: true)
        let rows = try Sensitivity.leaveOneOut(effects, measure: .generic, options: PoolingOptions(method: .pm))
        #expect(rows[17].tau2 == 0 && rows[0].tau2 > 0.1)
    }

    @Test func dominantStudyAndWideBracket() throws {
        // One study with a tiny variance carries most of the weight (its row is summed directly);
        // effects spread over tens of units put τ² above 100, past the first bracket.
        var effects = Self.data(25, seed: 3)
        effects[5] = EffectSize(study: "precise", yi: 0.31, vi: 1e-7, input: .variance)
        try Self.compareTau2(effects, "dominant study")
        try Self.compareTau2(Self.data(25, seed: 4, spread: 60), "τ² above 100")
        try Self.compareTau2(Self.data(60, seed: 5, spread: 0.2, vRange: 1e-6...10), "variances over seven decades")
    }

    @Test func tableMatchesDirectSums() throws {
        let effects = Self.data(300, seed: 9, vRange: 1e-4...0.5)
        let y = effects.map(\.yi), v = effects.map(\.vi)
        let table = PauleMandelTable(y: y, v: v)
        var scratch = [Double](repeating: 0, count: y.count)
        var sums = [Double](repeating: 0, count: 3)
        var checked = 0
        for i in [0, 17, 123, 299] {
            var t = 0.0
            while t < 100 {
                if let q = table.q(t, without: i, sums: &sums) {
                    let direct = LeaveOneOutTau.generalizedQ(t, y: y, v: v, skip: i, w: &scratch)
                    expectClose(q, direct, rel: 1e-13, "Q(\(t)) without \(i)")
                    checked += 1
                }
                t = t == 0 ? 1e-6 : t * 1.37
            }
        }
        #expect(checked > 100)
    }

    @Test func medianAbsoluteDeviationsWithoutEachValue() {
        // Odd and even counts, with ties: the same numbers as the MAD of each subset.
        for (k, seed) in [(9, 1), (10, 2), (31, 3), (32, 4)] as [(Int, UInt64)] {
            var y = Self.data(k, seed: seed).map { ($0.yi * 20).rounded() / 20 }
            y[0] = y[1]
            let all = LeaveOneOutTau.medianAbsoluteDeviations(y: y)
            for i in 0..<k {
                var subset = y
                subset.remove(at: i)
                #expect(all[i] == TauSquared.medianAbsoluteDeviation(subset), "k=\(k) without \(i)")
            }
        }
    }
}

import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// REML, ML and EB leave-one-out of many studies read each refit's sums from one table of series
/// (`FisherScoringTable`) instead of summing over the k − 1 studies at every Fisher-scoring iterate:
/// the same start, the same steps, so the same τ² as plain refits (the table's sums agree with
/// direct ones to rounding, which the comparison below bounds).
@Suite struct FisherScoringLeaveOneOutTests {
    static func columns(_ effects: [EffectSize]) -> (y: [Double], v: [Double]) { (effects.map(\.yi), effects.map(\.vi)) }

    @Test(arguments: [TauEstimator.reml, .ml, .eb])
    func matchesPlainRefits(_ estimator: TauEstimator) throws {
        let k = FisherScoringTable.minimumStudies + 300
        for (label, effects) in [("heterogeneous", PauleMandelLeaveOneOutTests.data(k, seed: 21, spread: 1)),
                                 ("variances over three decades", PauleMandelLeaveOneOutTests.data(k, seed: 22, spread: 2, vRange: 1e-3...1)),
                                 ("τ² of 0", PauleMandelLeaveOneOutTests.data(k, seed: 23, spread: 0.01))] {
            let (y, v) = Self.columns(effects)
            for convergence in Convergence.allCases {
                let fast = try LeaveOneOutTau.estimates(estimator, y: y, v: v, convergence: convergence)
                var scratch = [Double](repeating: 0, count: k)
                let rel = convergence == .strict ? 1e-11 : 1e-9
                for i in stride(from: 0, to: k, by: 7) {
                    let plain = try LeaveOneOutTau.fisherScoring(estimator, y: y, v: v, skip: i, convergence: convergence, w: &scratch)
                    expectClose(fast[i], plain, rel: rel, abs: 1e-14, "\(label) \(estimator) \(convergence) τ² without \(i)")
                }
            }
        }
    }

    @Test func aDominantStudyIsSummedDirectly() throws {
        // One study with a tiny variance carries most of the weight: its own refit and the others
        // all still agree with plain refits.
        var effects = PauleMandelLeaveOneOutTests.data(FisherScoringTable.minimumStudies + 10, seed: 24, spread: 1)
        effects[40] = EffectSize(study: "precise", yi: 0.31, vi: 1e-9, input: .variance)
        let (y, v) = Self.columns(effects)
        let fast = try LeaveOneOutTau.estimates(.reml, y: y, v: v, convergence: .strict)
        var scratch = [Double](repeating: 0, count: y.count)
        for i in [0, 39, 40, 41, 500, y.count - 1] {
            let plain = try LeaveOneOutTau.fisherScoring(.reml, y: y, v: v, skip: i, convergence: .strict, w: &scratch)
            expectClose(fast[i], plain, rel: 1e-11, abs: 1e-14, "τ² without \(i)")
        }
    }

    @Test func seriesMatchDirectSums() throws {
        let effects = PauleMandelLeaveOneOutTests.data(400, seed: 25, spread: 1, vRange: 1e-4...0.5)
        let (y, v) = Self.columns(effects)
        let table = FisherScoringTable(.reml, y: y, v: v, convergence: .metafor)
        var sums = [Double](repeating: 0, count: FisherScoringTable.powers.count)
        var checked = 0
        var t = 0.0
        while t <= table.series.limit {
            if table.series.sums(t, into: &sums) {
                for (f, (p, m)) in zip(FisherScoringTable.powers, FisherScoringTable.degrees).enumerated() {
                    var direct = 0.0
                    for j in 0..<y.count { direct += pow(table.d[j], Double(m)) / pow(v[j] + t, Double(p)) }
                    expectClose(sums[f], direct, rel: 1e-12, abs: 1e-12 * abs(direct) + 1e-300, "Σ d^\(m)/(v + \(t))^\(p)")
                    checked += 1
                }
            }
            t = t == 0 ? 1e-6 : t * 1.31
        }
        #expect(checked > 200)
    }
}

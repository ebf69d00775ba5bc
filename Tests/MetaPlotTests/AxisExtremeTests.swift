import Foundation
@testable import MetaPlot
import MetaStats
import Testing

/// Axes for values at the edge of double range are drawn (capped), never a trapping Int conversion.
@Suite struct AxisExtremeTests {
    @Test func ratioAxesCapTheirDecades() throws {
        // 300 decades is the cap: 10^±300 is about the range of a double.
        for extent in [1e300, Double.infinity, 1e20, 700] {
            let axis = try EffectAxis.make(log: true, needed: [extent], desired: [])
            #expect(axis.logScale && axis.upper <= 300 * log(10.0) + 1e-9 && axis.upper > 0, "\(extent)")
        }
        #expect(EffectAxis.decadeCount(.nan) == 1 && EffectAxis.decadeCount(.infinity) == 300)
        #expect(EffectAxis.decadeCount(2.5) == 3 && EffectAxis.decadeCount(1) == 1 && EffectAxis.decadeCount(0) == 1)
        // A funnel whose ends exp() cannot represent has no ratio ticks instead of trapping.
        #expect(AxisTicks.ratio(lower: -800, upper: 800).isEmpty)
        #expect(!AxisTicks.ratio(lower: -2, upper: 2).isEmpty)
    }
}

import Foundation
import MetaStats
import Testing
@testable import MetaReport

/// The arithmetic of a summary-of-findings row, against closed forms.
@Suite struct FindingsTests {
    @Test func absoluteRiskFromRatios() {
        // RR: 200 per 1,000 × 0.5 = 100 per 1,000.
        #expect(abs(Findings.interventionRisk(control: 0.2, effect: 0.5, measure: .rr) - 0.1) < 1e-12)
        // OR 0.5 at 20%: odds 0.25 × 0.5 = 0.125, risk 0.125/1.125 = 1/9.
        #expect(abs(Findings.interventionRisk(control: 0.2, effect: 0.5, measure: .or) - 1.0 / 9.0) < 1e-12)
        // RD −0.05 at 20%: 15%.
        #expect(abs(Findings.interventionRisk(control: 0.2, effect: -0.05, measure: .rd) - 0.15) < 1e-12)
    }

    @Test func smdSizesFollowTheHandbookRuleOfThumb() {
        #expect(Findings.smdSize(0.1) == "a trivial difference")
        #expect(Findings.smdSize(-0.3) == "a small difference")
        #expect(Findings.smdSize(0.5) == "a moderate difference")
        #expect(Findings.smdSize(2.4) == "a large difference")
    }

    @Test func medianControlRisk() {
        #expect(Findings.median([0.3, 0.1, 0.2]) == 0.2)
        #expect(Findings.median([0.1, 0.2, 0.3, 0.4]) == 0.25)
        #expect(Findings.median([]) == nil)
    }
}

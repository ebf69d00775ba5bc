import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// Raudenbush (1984), "Magnitude of teacher expectancy effects on pupil IQ as a function of the
/// credibility of expectancy induction", J Educ Psychol 76(1):85–97, as analysed by Raudenbush & Bryk
/// (1985), J Educ Stat 10(2):75–98: the 19 standardised mean differences of metafor's
/// `dat.raudenbush1985` (Fixtures/raudenbush1985.csv, .metafor.json), with subgroups by tester blindness.
@Suite struct Raudenbush1985Tests {
    /// Every check of Fixtures/raudenbush1985.metafor.json, for each measure.
    @Test(arguments: MetaforChecks.Check.allCases, ReferenceSet.all().filter { $0.name == "raudenbush1985" })
    func metaforReference(_ check: MetaforChecks.Check, _ set: ReferenceSet) throws { try check.run(set) }

    @Test func subgroupsByTester() throws { try MetaforChecks.subgroupsDL("raudenbush1985", "subgroups_tester", "tester") }
}

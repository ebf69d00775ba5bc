import Foundation
import MetaTestSupport
import Testing
@testable import MetaStats

/// Hackshaw, Law & Wald (1997), "The accumulated evidence on lung cancer and environmental tobacco
/// smoke", BMJ 315:980–988, and Hackshaw (1998), Stat Methods Med Res 7(2):119–136: the 37 log odds
/// ratios of metafor's `dat.hackshaw1998` (Fixtures/hackshaw1998.csv, .metafor.json), with subgroups by
/// study design and a fixed-effect trim and fill.
@Suite struct Hackshaw1998Tests {
    /// Every check of Fixtures/hackshaw1998.metafor.json, for each measure.
    @Test(arguments: MetaforChecks.Check.allCases, ReferenceSet.all().filter { $0.name == "hackshaw1998" })
    func metaforReference(_ check: MetaforChecks.Check, _ set: ReferenceSet) throws { try check.run(set) }

    @Test func subgroupsByDesign() throws { try MetaforChecks.subgroupsDL("hackshaw1998", "subgroups_design", "design") }

    @Test func trimAndFillFixedEffect() throws {
        let fe = ExtraReferences.extra.object("hackshaw_trimfill_FE")
        let tf2 = try SmallStudy.trimAndFill(ExtraReferences.set("hackshaw1998", .generic).effects, measure: .generic,
                                             options: PoolingOptions(model: .fixed, method: .iv))
        #expect(Double(tf2.k0) == fe.double("k0"))
        #expect((tf2.side == .right) == (fe.double("right") == 1))
        expectClose(tf2.analysis.pooled.estimate, fe.double("estimate"), rel: Tolerance.metafor, "FE trimfill estimate")
        expectClose(tf2.analysis.pooled.se, fe.double("se"), rel: Tolerance.metafor, "FE trimfill se")
    }
}

import Testing

/// Hedges, Gurevitch & Curtis (1999), "The meta-analysis of response ratios in experimental ecology",
/// Ecology 80(4):1150–1156 (Curtis's data on the mass of woody plants under elevated CO₂): the 102
/// ratios of means of metafor's `dat.curtis1998` (Fixtures/measures.R, measures.metafor.json).
@Suite struct Curtis1998Tests {
    @Test(arguments: [(.escalcAndREML, "curtis_ROM"), (.shownScale, "curtis_ROM")] as [(MeasureReferenceTests.Check, String)])
    func measures(_ check: MeasureReferenceTests.Check, _ key: String) throws { try check.run(key) }
}

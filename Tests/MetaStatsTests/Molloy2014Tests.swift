import Testing

/// Molloy, O'Carroll & Ferguson (2014), "Conscientiousness and medication adherence: a meta-analysis",
/// Ann Behav Med 47(1):92–101: the 16 correlations of metafor's `dat.molloy2014` as r and as Fisher's z
/// (Fixtures/measures.R, measures.metafor.json).
@Suite struct Molloy2014Tests {
    @Test(arguments: [(.escalcAndREML, "molloy_COR"), (.escalcAndREML, "molloy_ZCOR"), (.shownScale, "molloy_ZCOR")] as [(MeasureReferenceTests.Check, String)])
    func measures(_ check: MeasureReferenceTests.Check, _ key: String) throws { try check.run(key) }
}

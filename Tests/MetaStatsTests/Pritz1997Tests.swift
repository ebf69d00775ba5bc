import Testing

/// Zhou, Brizendine & Pritz (1999), "Methods for combining rates from several studies", Stat Med
/// 18(5):557–566: the 14 studies of hyperdynamic therapy for cerebral vasospasm of metafor's
/// `dat.pritz1997`, as raw proportions, logits and Freeman–Tukey double arcsines (Fixtures/measures.R, measures.metafor.json).
@Suite struct Pritz1997Tests {
    @Test(arguments: [(.escalcAndREML, "pritz_PR"), (.escalcAndREML, "pritz_PLO"), (.escalcAndREML, "pritz_PFT"), (.shownScale, "pritz_PLO"), (.shownScale, "pritz_PFT")] as [(MeasureReferenceTests.Check, String)])
    func measures(_ check: MeasureReferenceTests.Check, _ key: String) throws { try check.run(key) }
}

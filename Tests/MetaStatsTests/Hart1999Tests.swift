import Testing

/// Hart, Benavente, McBride & Pearce (1999), "Antithrombotic therapy to prevent stroke in patients with
/// atrial fibrillation: a meta-analysis", Ann Intern Med 131(7):492–501: the strokes and person-years of
/// the six warfarin trials of metafor's `dat.hart1999`, as incidence-rate ratios and differences (Fixtures/measures.R,
/// measures.metafor.json).
@Suite struct Hart1999Tests {
    @Test(arguments: [(.escalcAndREML, "hart_IRR"), (.escalcAndREML, "hart_IRD"), (.shownScale, "hart_IRR")] as [(MeasureReferenceTests.Check, String)])
    func measures(_ check: MeasureReferenceTests.Check, _ key: String) throws { try check.run(key) }
}

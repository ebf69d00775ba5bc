import Foundation
@testable import MetaReport
import MetaStats
import Testing

@Suite struct CSVWriterTests {
    @Test func quotesOnlyWhatNeedsIt() {
        var csv = CSVWriter(header: ["study", "note"])
        csv.row(["Ferguson & Simes 1949", "plain"])
        csv.row(["Smith, J", "said \"no\""])
        csv.row(["Line", "two\nlines"])
        #expect(String(decoding: csv.data, as: UTF8.self)
                == "study,note\nFerguson & Simes 1949,plain\n\"Smith, J\",\"said \"\"no\"\"\"\nLine,\"two\nlines\"\n")
        #expect(CSVWriter.number(-20) == "-20")
        #expect(CSVWriter.number(0.1) == "0.1")
        #expect(CSVWriter.number(nil) == "")
    }
}

@Suite struct ReportDocumentTests {
    static func result(measure: EffectMeasure = .or, model: PoolingModel = .random, method: PoolingMethod = .dl, test: TestMethod = .z,
                       profile: Profile = .metafor, smd: SMDConvention = .hedges, i2: I2Definition = .tau2) -> ResultDocument {
        ResultDocument(
            analysis: "tb", title: "Tuberculosis <&> risk", measure: measure, model: model, method: method, test: test, level: 95, k: 2,
            settings: .init(profile: profile, smd: smd, i2: i2, z: 1.959963984540054, predictionInterval: model == .random,
                            tau2CI: model == .random, convergence: .metafor, direction: .lower, iterations: nil),
            studies: [.init(StudyResult(study: "A & B", yi: log(0.5), vi: 0.04, se: 0.2, ciLower: log(0.5) - 0.392,
                                        ciUpper: log(0.5) + 0.392, weight: 60, input: .counts)),
                      .init(StudyResult(study: "C|D", yi: log(0.8), vi: 0.09, se: 0.3, ciLower: log(0.8) - 0.588,
                                        ciUpper: log(0.8) + 0.588, weight: 40, input: .countsCorrected))],
            dropped: nil,
            pooled: .init(PooledEstimate(estimate: log(0.6), se: 0.15, ciLower: log(0.6) - 0.294, ciUpper: log(0.6) + 0.294,
                                         statistic: -3.4, pValue: 0.00067, df: nil, piLower: log(0.3), piUpper: log(1.2))),
            heterogeneity: Heterogeneity(tau2: 0.01, tau: 0.1, i2: 12.3, h2: 1.14, q: 1.14, df: 1, pValue: 0.285,
                                         tau2CILower: 0, tau2CIUpper: 2.5),
            subgroups: nil, leaveOneOut: nil, cumulative: nil, bias: nil, sensitivity: nil,
            warnings: [], metapipeVersion: "0.1.0")
    }

    static func input(_ r: ResultDocument) -> ReportInput {
        ReportInput(pipeline: "bcg", title: "BCG", description: "Trials.", file: "pipelines/bcg.yaml", metapipeVersion: "0.1.0",
                    sources: [.init(name: "trials", path: "pipelines/bcg/bcg.csv", kind: "csv", rows: 2)],
                    analyses: [AnalysisReport(result: r, description: nil, labels: [:], tables: ["trials"],
                                              studySources: [.init(study: "A & B", table: "pipelines/bcg/bcg.csv", line: 2,
                                                                   source: "https://doi.org/10.1/x", flag: "n_inferred", note: nil)],
                                              figures: [])],
                    unavailable: [.init(title: "Anxiety", reason: "no controlled study")])
    }

    @Test func methodsTextFollowsTheSettings() {
        #expect(ReportBuilder.methodsText(Self.result()) ==
            "Odds ratios (analysed on the log scale; 0.5 added to every cell of a table with a zero cell) were pooled with a random-effects model; τ² was estimated by the DerSimonian–Laird method of moments. The pooled estimate was tested with a Wald z test; 95% intervals use z = 1.9600. I² is τ²/(τ² + s²), s² the typical within-study variance. The report gives a 95% prediction interval and a Q-profile confidence interval for τ². Profile: metafor.")
        #expect(ReportBuilder.methodsText(Self.result(measure: .smd, model: .fixed, method: .mh, profile: .revman5, smd: .revman, i2: .q))
            .hasPrefix("Standardised mean differences (Hedges' g with RevMan 5's approximate small-sample correction and variance) were pooled with a fixed-effect model by the Mantel–Haenszel method."))
        // Peto odds ratios have no continuity correction; Mantel–Haenszel sums keep raw counts under
        // metafor's conventions and use the corrected cells under RevMan's.
        #expect(ReportBuilder.methodsText(Self.result(model: .fixed, method: .peto))
            .hasPrefix("Peto odds ratios (observed minus expected events over their variance, on the log scale; no continuity correction) were pooled with a fixed-effect model by Peto's method."))
        #expect(ReportBuilder.methodsText(Self.result(model: .fixed, method: .mh))
            .contains("the Mantel–Haenszel sums use the raw counts, as metafor's rma.mh) were pooled with a fixed-effect model by the Mantel–Haenszel method."))
        #expect(ReportBuilder.methodsText(Self.result(model: .fixed, method: .mh, profile: .revman5))
            .contains("in the studies' own estimates and in the Mantel–Haenszel sums, as RevMan)"))
        #expect(ReportBuilder.methodsText(Self.result(method: .reml, test: .knha))
            .contains("restricted maximum likelihood (iterated to metafor's convergence rule). The pooled estimate was tested with the Hartung–Knapp–Sidik–Jonkman method"))
    }

    @Test func htmlIsSelfContainedAndEscaped() {
        let doc = ReportBuilder.document(Self.input(Self.result()))
        let html = doc.html(generator: "Generated by metapipe 0.1.0 from pipelines/bcg.yaml.")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>BCG</title>"))
        #expect(html.contains("Tuberculosis &lt;&amp;&gt; risk") && !html.contains("Tuberculosis <&> risk"))
        #expect(html.contains("<td>A &amp; B</td>"))
        // ratio measure shown exponentiated
        #expect(html.contains("0.60 [0.45, 0.81]"))
        #expect(html.contains("<a href=\"https://doi.org/10.1/x\">https://doi.org/10.1/x</a>"))
        #expect(html.contains("Anxiety") && html.contains("no controlled study"))
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("src=\"http"))
    }

    @Test func markdownSaysTheSame() {
        let doc = ReportBuilder.document(Self.input(Self.result()))
        let md = doc.markdown(generator: "Generated by metapipe 0.1.0 from pipelines/bcg.yaml.")
        #expect(md.hasPrefix("# BCG\n"))
        #expect(md.contains("| C\\|D | 2×2 counts, 0.5 added to each cell | 0.80 [0.44, 1.44] | 40.0% |"))
        #expect(md.contains("0.60 [0.45, 0.81]"))
        #expect(md.contains("[https://doi.org/10.1/x](https://doi.org/10.1/x)"))
        #expect(md.hasSuffix("Generated by metapipe 0.1.0 from pipelines/bcg.yaml.\n"))
    }

    /// Markdown closes `**…**` only when no space sits inside the delimiter: "Egger's test: " is
    /// written `**Egger's test:** `; an analysis' warnings read as sentences.
    @Test func markdownEmphasisAndWarningSentences() {
        var r = Self.result()
        r.warnings = ["subgroups by country: subgroup 'China' has a single study; its estimate is that study's own",
                      "small-study checks with k = 3 have too little power."]
        let doc = ReportBuilder.document(Self.input(r))
        let md = doc.markdown(generator: "g")
        #expect(md.contains("> **Note.** Subgroups by country: subgroup 'China' has a single study; its estimate is that study's own. Small-study checks with k = 3 have too little power."))
        #expect(md.contains(" risk:** Odds ratios"))   // the methods list: titles in bold, then their text
        #expect(doc.markdown(.paragraph([.strong("Egger's test: "), .text("t = 1.")])) == "**Egger's test:** t = 1.")
        #expect(doc.markdown(.paragraph([.emphasis(" a "), .strong("  ")])) == " *a*   ")
        let html = doc.html(generator: "g")
        #expect(html.contains("<p class=\"note\">Subgroups by country: subgroup &#39;China&#39; has a single study; its estimate is that study&#39;s own. Small-study checks")
                || html.contains("<p class=\"note\">Subgroups by country: subgroup 'China' has a single study; its estimate is that study's own. Small-study checks"))
    }

    /// An analysis at another confidence level says so in its own section's headers.
    @Test func sectionsNameTheirConfidenceLevel() {
        var r = Self.result()
        r.level = 90
        let md = ReportBuilder.document(Self.input(r)).markdown(generator: "g")
        #expect(md.contains("| Study | Input | Odds ratio [90% CI] | Weight |"), "\(md)")
        #expect(md.contains("(90% CI 0 to 2.50)"))
        #expect(md.contains("Some analyses use a confidence level other than 95%"))
    }
}

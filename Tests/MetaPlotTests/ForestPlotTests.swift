import Foundation
import MetaFormat
import MetaPlot
import MetaStats
import MetaTestSupport
import Testing

/// Forest plots of every shape a review produces.
enum ForestScenario: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case k1, k3, k40, k1000, longLabels, bcgOddsRatio, bcgRiskRatio, aspirinMantelHaenszel, normandSMD,
         normandMeanDifference, hartungKnapp, genericLogOddsRatio, genericWithTotals, subgroups,
         subgroupsLongLabels, level90

    var testDescription: String { rawValue }

    static let longArm = String(repeating: "A very long arm name ", count: 8)

    func input() throws -> ForestPlotInput {
        switch self {
        case .k1:
            return try TestData.forest(Array(TestData.aspirin.prefix(1)), measure: .or)
        case .k3:
            return try TestData.forest(Array(TestData.aspirin.prefix(3)), measure: .rr)
        case .k40:
            return try TestData.forest(TestData.syntheticContinuous(k: 40, seed: 40), measure: .smd)
        case .k1000:
            return try TestData.forest(TestData.syntheticContinuous(k: 1000, seed: 1000), measure: .smd)
        case .longLabels:
            return try TestData.forest(
                TestData.syntheticBinary(k: 12, seed: 3).enumerated().map { i, input in
                    var input = input
                    input.study = String(repeating: "Long study name \(i) ", count: 12).prefix(150).description
                    return input
                }, measure: .or,
                labels: PlotLabels(experimental: Self.longArm, control: Self.longArm + "control",
                                   favoursExperimental: "Favours the experimental intervention with a long name",
                                   favoursControl: "Favours the usual care control condition"),
                title: String(repeating: "A title that goes on and on ", count: 10))
        case .bcgOddsRatio:
            return try TestData.forest(TestData.bcgInputs().inputs, measure: .or)
        case .bcgRiskRatio:
            return try TestData.forest(TestData.bcgInputs().inputs, measure: .rr, title: "BCG vaccine")
        case .aspirinMantelHaenszel:
            return try TestData.forest(TestData.aspirin, measure: .or,
                                       options: PoolingOptions(model: .fixed, method: .mh, i2: .q, predictionInterval: false))
        case .normandSMD:
            return try TestData.forest(TestData.normandInputs(), measure: .smd)
        case .normandMeanDifference:
            return try TestData.forest(TestData.normandInputs(), measure: .md)
        case .hartungKnapp:
            return try TestData.forest(TestData.normandInputs(), measure: .smd, options: PoolingOptions(method: .reml, test: .knha))
        case .genericLogOddsRatio:
            return try TestData.forest(TestData.hackshawEffects().effects, measure: .or)
        case .genericWithTotals:
            return try TestData.forest(TestData.raudenbushEffects(), measure: .smd)
        case .subgroups:
            let bcg = try TestData.bcgInputs()
            return try TestData.subgroupForest(TestData.effects(bcg.inputs, .rr), labels: bcg.allocation,
                                               column: "alloc", measure: .rr)
        case .subgroupsLongLabels:
            let effects = try TestData.effects(TestData.syntheticContinuous(k: 40, seed: 9, nameLength: 150), .md)
            let labels = effects.indices.map { $0 % 3 == 0 ? String(repeating: "Subgroup with a long name ", count: 8) : "Short \($0 % 3)" }
            return try TestData.subgroupForest(effects, labels: labels, column: "setting", measure: .md)
        case .level90:
            return try TestData.forest(TestData.bcgInputs().inputs, measure: .or, options: PoolingOptions(level: 90))
        }
    }
}

@Suite("Forest plot")
struct ForestPlotTests {
    @Test(arguments: ForestScenario.allCases)
    func noTextOverlapsAndNothingLeavesThePage(_ scenario: ForestScenario) throws {
        let input = try scenario.input()
        let layout = try Plots.forest(input)
        LayoutChecks.expectClean(layout, scenario.rawValue)
        // Every study appears, in order, one row each (long names ellipsized, never dropped).
        let labels = layout.textBoxes.filter { $0.role == .studyLabel }
        for effect in input.effects {
            #expect(labels.contains { $0.text == effect.study || ($0.text.hasSuffix("…") && effect.study.hasPrefix($0.text.dropLast())) },
                    "\(scenario): no label for '\(effect.study)'")
        }
        #expect(LayoutChecks.shapes(layout, .studySquare).count == input.effects.count)
    }

    /// 1,000 studies lay out with one row each (their speed is measured by `make bench`, not here).
    @Test func thousandStudiesLayOut() throws {
        let input = try ForestScenario.k1000.input()
        let height = try Plots.forest(input).height
        #expect(height > 1000 * 13, "1,000 rows need at least 13 pt each")
    }

    /// RevMan Web's forest plot of the Fleiss (1993) aspirin analysis: every row above the axis has
    /// the same texts in the same left-to-right order, and the sentences under it are the same.
    @Test func matchesRevManLayout() throws {
        let url = try #require(Bundle.module.url(forResource: "revman-forest-mh-or", withExtension: "svg", subdirectory: "Fixtures"))
        let revman = try #require(LayoutChecks.parseSVG(Array(try Data(contentsOf: url))))
        // RevMan Web writes "0.72 [0.49 , 1.06]"; RevMan 5 and metapipe write "0.72 [0.49, 1.06]".
        func normalise(_ text: String) -> String { text.replacingOccurrences(of: " , ", with: ", ") }
        // RevMan draws its axis at y = 270; the table rows lie above it.
        let revmanRows = revman.lines.filter { $0.y < 270 }.map { $0.texts.map(normalise) }

        let input = try TestData.forest(
            TestData.aspirin, measure: .or, options: PoolingOptions(model: .fixed, method: .mh, i2: .q, predictionInterval: false),
            direction: .lower, labels: PlotLabels(experimental: "Aspirin", control: "Control",
                                                  favoursExperimental: "Favours experimental", favoursControl: "Favours control"))
        let layout = try Plots.forest(input)
        guard case .line(let axis)? = LayoutChecks.shapes(layout, .axis).first else {
            Issue.record("no axis")
            return
        }
        let ours = Dictionary(grouping: layout.textRuns.filter { $0.anchor.y < axis.from.y }) { ($0.anchor.y * 100).rounded() }
            .sorted { $0.key < $1.key }
            .map { $0.value.sorted { $0.anchor.x < $1.anchor.x }.map(\.text) }
        #expect(ours == revmanRows)

        // Sentences and "Favours" labels below the axis.
        let ourTexts = Set(LayoutChecks.texts(layout))
        for line in revman.lines where line.y > 270 {
            for text in line.texts where !["0.01", "0.1", "1", "10", "100"].contains(text) {
                #expect(ourTexts.contains(text), "RevMan shows '\(text)' under the axis")
            }
        }
    }

    @Test func squareAreasAreProportionalToWeights() throws {
        for scenario in [ForestScenario.bcgRiskRatio, .aspirinMantelHaenszel, .subgroups, .k40] {
            let input = try scenario.input()
            let layout = try Plots.forest(input)
            let squares = LayoutChecks.shapes(layout, .studySquare).compactMap { element -> PlotRect? in
                if case .rect(let rect) = element { return rect.rect }
                return nil
            }
            // Squares follow the rows: with subgroups, the studies of each group in turn.
            var order = Array(input.analysis.studies.indices)
            if let subgroups = input.subgroups {
                order = subgroups.analysis.groups.flatMap { group in order.filter { subgroups.labels[$0] == group.name } }
            }
            try #require(squares.count == order.count)
            let ratios = zip(squares, order).map { square, index in
                square.width * square.height / input.analysis.studies[index].weight
            }
            // Above the minimum size, area per percent weight is the same for every square.
            let proportional = zip(squares, ratios).filter { $0.0.width > 4 + 1e-9 }.map(\.1)
            if scenario == .bcgRiskRatio { #expect(proportional.count == squares.count, "no BCG study is below the minimum") }
            for square in squares { #expect(abs(square.width - square.height) < 1e-9, "squares are square") }
            for ratio in proportional { expectClose(ratio, proportional[0], rel: 1e-9, "\(scenario): area per percent weight") }
        }
    }

    /// 22 studies, one with most of the weight: every study still has a square at least 4 pt wide
    /// (the smallest weights would otherwise get squares of about 1 pt), the dominant study's is
    /// 10 pt, and squares of weights above the minimum keep area ∝ weight.
    @Test func everyStudyHasAVisibleSquare() throws {
        let input = try TestData.forest(TestData.dominantTrial(), measure: .or,
                                        options: PoolingOptions(model: .fixed, method: .mh, i2: .q, predictionInterval: false))
        let weights = input.analysis.studies.map(\.weight)
        try #require(weights.max() ?? 0 > 70, "the mega-trial carries over 70% of the weight")
        try #require(weights.min() ?? 100 < 0.5, "some trial weighs under 0.5%")
        let layout = try Plots.forest(input)
        LayoutChecks.expectClean(layout, "dominant trial")
        let squares = LayoutChecks.shapes(layout, .studySquare).compactMap { element -> PlotRect? in
            if case .rect(let rect) = element { return rect.rect }
            return nil
        }
        #expect(squares.count == 22)
        #expect(squares.allSatisfy { $0.width >= 4 - 1e-9 && $0.width <= 10 + 1e-9 }, "\(squares.map(\.width))")
        let heaviest = try #require(weights.indices.max { weights[$0] < weights[$1] })
        #expect(abs(squares[heaviest].width - 10) < 1e-9)
        // The pooled interval (OR about 1.03 [0.97, 1.09]) is narrower than 5 pt on this axis; its
        // diamond is drawn 5 pt wide, centred on the estimate.
        guard case .polygon(let diamond)? = LayoutChecks.shapes(layout, .diamond).first else {
            Issue.record("no diamond")
            return
        }
        let xs = diamond.points.map(\.x)
        #expect(abs((xs.max() ?? 0) - (xs.min() ?? 0) - 5) < 1e-9)
        #expect(abs(xs[1] - ((xs.max() ?? 0) + (xs.min() ?? 0)) / 2) < 1e-9)
        // Each square is centred on its study's estimate and lies within the plot column.
        let nullX = try #require(LayoutChecks.nullX(layout))
        for (square, study) in zip(squares, input.analysis.studies) {
            #expect((square.midX < nullX - 1e-6) == (study.yi < 0) || abs(study.yi) < 1e-3, "square of \(study.study) on its side of no effect")
        }
    }

    /// 102 studies, none above 10% of the weight: the 10% reference gives the heaviest a square of
    /// side 10·√(w/10), and squares still differ in size.
    @Test func manySmallWeightsKeepDistinctSquares() throws {
        let input = try JournalExamples.large()
        let layout = try Plots.forest(input)
        LayoutChecks.expectClean(layout, "102 studies")
        let sides = LayoutChecks.shapes(layout, .studySquare).compactMap { element -> Double? in
            if case .rect(let rect) = element { return rect.rect.width }
            return nil
        }
        #expect(sides.count == 102)
        let heaviest = try #require(input.analysis.studies.map(\.weight).max())
        try #require(heaviest < 10)
        expectClose(sides.max(), 10 * (heaviest / 10).squareRoot(), rel: 1e-9, "heaviest square")
        #expect(Set(sides.map { ($0 * 100).rounded() }).count > 10, "sizes still say which studies weigh more")
    }

    @Test func arrowsWhereAnIntervalLeavesTheAxis() throws {
        // One study far less precise than the others: its 95% CI (≈ 0.003 to 360) runs off a
        // 0.01–100 axis on both sides.
        var effects = try TestData.effects(TestData.aspirin, .or)
        effects.append(EffectSize(study: "Tiny pilot", yi: 0.1, vi: 9, input: .variance))
        let layout = try Plots.forest(TestData.forest(effects, measure: .or))
        let arrows = LayoutChecks.shapes(layout, .arrow).compactMap { element -> [PlotPoint]? in
            if case .polygon(let polygon) = element { return polygon.points }
            return nil
        }
        #expect(arrows.count == 2)
        guard case .line(let axis)? = LayoutChecks.shapes(layout, .axis).first else {
            Issue.record("no axis")
            return
        }
        let tips = arrows.map { $0[0].x }.sorted()
        #expect(tips.count == 2 && abs(tips[0] - axis.from.x) < 1e-9 && abs(tips[1] - axis.to.x) < 1e-9,
                "arrow tips sit on the ends of the axis")
        let ticks = layout.textBoxes.filter { $0.role == .tick }.map(\.text)
        // The estimates need 0.5–2; the pilot's interval widens that one step, to 0.2–5.
        #expect(ticks == ["0.2", "0.5", "1", "2", "5"])
        // Intervals inside the axis get no arrows.
        let plain = try Plots.forest(ForestScenario.aspirinMantelHaenszel.input())
        #expect(LayoutChecks.shapes(plain, .arrow).isEmpty)
    }

    @Test(arguments: FavourableDirection.allCases)
    func favoursLabelsOnTheCorrectSides(_ direction: FavourableDirection) throws {
        let labels = PlotLabels(experimental: "Balint group", control: "Control")
        for measure in [EffectMeasure.or, .smd] {
            let inputs = measure == .or ? TestData.aspirin : try TestData.normandInputs()
            let layout = try Plots.forest(TestData.forest(inputs, measure: measure, direction: direction, labels: labels))
            let nullX = try #require(LayoutChecks.nullX(layout))
            let experimental = try #require(LayoutChecks.box(layout, "Favours Balint group"))
            let control = try #require(LayoutChecks.box(layout, "Favours Control"))
            #expect(experimental.role == .favours && control.role == .favours)
            switch direction {
            case .higher:
                #expect(experimental.rect.minX > nullX && control.rect.maxX < nullX)
            case .lower:
                #expect(experimental.rect.maxX < nullX && control.rect.minX > nullX)
            }
        }
    }

    @Test func logAxisForRatiosAndSymmetricLinearAxisForDifferences() throws {
        let aspirin = try Plots.forest(ForestScenario.aspirinMantelHaenszel.input())
        let ticks = aspirin.textRuns.filter { $0.box.role == .tick }
        // Estimates and pooled interval within 0.5–2, study intervals (PARIS: 0.49–1.23) one step wider.
        #expect(ticks.map(\.text) == ["0.2", "0.5", "1", "2", "5"])
        // Equal ratios are equal distances; no effect (1) is where the null line is.
        let x = Dictionary(uniqueKeysWithValues: ticks.map { ($0.text, $0.anchor.x) })
        let five = try #require(x["5"]) - #require(x["1"])
        expectClose(try #require(x["1"]) - #require(x["0.2"]), five, rel: 1e-9, "log spacing")
        expectClose(try #require(x["2"]) - #require(x["1"]), five * log10(2) / log10(5), rel: 1e-9, "log spacing of 2")
        expectClose(LayoutChecks.nullX(aspirin), x["1"], rel: 1e-12, "null line at 1")

        for scenario in [ForestScenario.normandSMD, .normandMeanDifference, .k40] {
            let layout = try Plots.forest(scenario.input())
            let runs = layout.textRuns.filter { $0.box.role == .tick }
            let labels = runs.map(\.text)
            #expect(labels.count == 5 && labels[2] == "0", "\(scenario): \(labels)")
            #expect(labels.prefix(2).map { String($0.dropFirst()) } == Array(labels.suffix(2).reversed()), "\(scenario): symmetric \(labels)")
            expectClose(LayoutChecks.nullX(layout), runs[2].anchor.x, rel: 1e-12, "\(scenario): null line at 0")
        }
        // Wider estimates widen the ratio axis: BCG's risk ratios run from 0.20 (Hart & Sutherland)
        // to 1.56, beyond 0.2–5, so 0.1–10, and their intervals one step further, 0.05–20.
        let bcg = try Plots.forest(ForestScenario.bcgRiskRatio.input())
        #expect(bcg.textBoxes.filter { $0.role == .tick }.map(\.text) == ["0.05", "0.2", "1", "5", "20"])
    }

    @Test func headingsNameMeasureMethodModelAndLevel() throws {
        let cases: [(ForestScenario, String, String)] = [
            (.aspirinMantelHaenszel, "Odds Ratio", "M-H, Fixed, 95% CI"),
            (.bcgRiskRatio, "Risk Ratio", "IV, Random, 95% CI"),
            (.normandSMD, "Std. Mean Difference", "IV, Random, 95% CI"),
            (.normandMeanDifference, "Mean Difference", "IV, Random, 95% CI"),
            (.level90, "Odds Ratio", "IV, Random, 90% CI"),
        ]
        for (scenario, measure, method) in cases {
            let layout = try Plots.forest(scenario.input())
            let headers = layout.textBoxes.filter { $0.role == .header }.map(\.text)
            #expect(headers.filter { $0 == measure }.count == 2, "\(scenario): '\(measure)' over the text and plot columns")
            #expect(headers.filter { $0 == method }.count == 2, "\(scenario): '\(method)'")
        }
        let level90 = try Plots.forest(ForestScenario.level90.input())
        #expect(LayoutChecks.box(level90, "Total (90% CI)") != nil)
    }

    @Test func dataColumnsFollowTheInput() throws {
        func headers(_ scenario: ForestScenario) throws -> [String] {
            let layout = try Plots.forest(scenario.input())
            guard let row = layout.textBoxes.first(where: { $0.text == "Study or Subgroup" }) else { return [] }
            return layout.textBoxes.filter { $0.role == .header && abs($0.rect.midY - row.rect.midY) < 0.01 }
                .sorted { $0.rect.minX < $1.rect.minX }.map(\.text)
        }
        #expect(try headers(.bcgOddsRatio) == ["Study or Subgroup", "Events", "Total", "Events", "Total", "Weight",
                                               "IV, Random, 95% CI", "IV, Random, 95% CI"])
        #expect(try headers(.normandSMD) == ["Study or Subgroup", "Mean", "SD", "Total", "Mean", "SD", "Total", "Weight",
                                             "IV, Random, 95% CI", "IV, Random, 95% CI"])
        #expect(try headers(.genericLogOddsRatio) == ["Study or Subgroup", "log[Odds Ratio]", "SE", "Weight",
                                                      "IV, Random, 95% CI", "IV, Random, 95% CI"])
        #expect(try headers(.genericWithTotals) == ["Study or Subgroup", "Std. Mean Difference", "SE", "Total", "Total",
                                                    "Weight", "IV, Random, 95% CI", "IV, Random, 95% CI"])
        // Generic rows show the study's own estimate and SE (analysis scale).
        let hackshaw = try Plots.forest(ForestScenario.genericLogOddsRatio.input())
        let first = try TestData.hackshawEffects().effects[0]
        #expect(LayoutChecks.box(hackshaw, Format.fixed(first.yi, 4)) != nil)
        #expect(LayoutChecks.box(hackshaw, Format.fixed(first.se, 4)) != nil)
    }

    @Test func totalsRowSumsEachArm() throws {
        let bcg = try TestData.bcgInputs().inputs
        let layout = try Plots.forest(ForestScenario.bcgOddsRatio.input())
        var totals = (n1: 0.0, n2: 0.0, e1: 0.0, e2: 0.0)
        for case .binary(let c) in bcg.map(\.data) {
            totals.n1 += c.total1; totals.n2 += c.total2; totals.e1 += c.events1; totals.e2 += c.events2
        }
        let total = try #require(LayoutChecks.box(layout, "Total (95% CI)"))
        let totalRow = layout.textBoxes.filter { abs($0.rect.midY - total.rect.midY) < 0.01 }.sorted { $0.rect.minX < $1.rect.minX }.map(\.text)
        #expect(totalRow.prefix(4) == ["Total (95% CI)", Format.data(totals.n1), Format.data(totals.n2), "100.0%"])
        let events = try #require(LayoutChecks.box(layout, "Total events:"))
        let eventsRow = layout.textBoxes.filter { abs($0.rect.midY - events.rect.midY) < 0.01 }.sorted { $0.rect.minX < $1.rect.minX }.map(\.text)
        #expect(eventsRow == ["Total events:", Format.data(totals.e1), Format.data(totals.e2)])
        // Continuous data: total N per arm, no events row.
        let normand = try Plots.forest(ForestScenario.normandSMD.input())
        #expect(LayoutChecks.box(normand, "548") != nil && LayoutChecks.box(normand, "610") != nil)
        #expect(LayoutChecks.box(normand, "Total events:") == nil)
    }

    @Test func sentencesUnderTheTable() throws {
        // BCG, RR, DerSimonian–Laird (metafor: tau² = 0.3088, Q = 152.23, I² = 92.1%).
        let randomInput = try ForestScenario.bcgRiskRatio.input()
        let random = try Plots.forest(randomInput)
        let texts = LayoutChecks.texts(random)
        #expect(texts.contains("Heterogeneity: Tau² = 0.31; Chi² = 152.23, df = 12 (P < 0.00001); I² = 92%"))
        let pooled = randomInput.analysis.pooled
        #expect(texts.contains("Test for overall effect: Z = \(Format.fixed(abs(pooled.statistic), 2)) (\(Format.p(pooled.pValue)))"))
        #expect(texts.contains("Test for subgroup differences: Not applicable"))
        #expect(texts.contains("Prediction interval"))
        #expect(!LayoutChecks.shapes(random, .predictionInterval).isEmpty)

        let fixed = try Plots.forest(ForestScenario.aspirinMantelHaenszel.input())
        #expect(LayoutChecks.texts(fixed).contains("Heterogeneity: Chi² = 9.95, df = 6 (P = 0.13); I² = 40%"))
        #expect(LayoutChecks.texts(fixed).contains("Test for overall effect: Z = 3.29 (P = 0.001)"))
        #expect(LayoutChecks.shapes(fixed, .predictionInterval).isEmpty)

        let knha = try ForestScenario.hartungKnapp.input()
        let knhaTexts = LayoutChecks.texts(try Plots.forest(knha))
        let t = Format.fixed(abs(knha.analysis.pooled.statistic), 2)
        #expect(knhaTexts.contains("Test for overall effect: t = \(t), df = 8 (\(Format.p(knha.analysis.pooled.pValue)))"))

        let single = LayoutChecks.texts(try Plots.forest(ForestScenario.k1.input()))
        #expect(!single.contains { $0.hasPrefix("Heterogeneity") }, "k = 1 has no heterogeneity line")
        #expect(single.contains { $0.hasPrefix("Test for overall effect: Z = ") })
    }

    @Test func subgroupSections() throws {
        let input = try ForestScenario.subgroups.input()
        let layout = try Plots.forest(input)
        let subgroups = try #require(input.subgroups)
        let texts = LayoutChecks.texts(layout)
        for group in subgroups.analysis.groups {
            #expect(texts.contains("alloc = \(group.name)"), "heading for '\(group.name)'")
            let pooled = group.analysis.pooled
            #expect(texts.contains(Format.interval(exp(pooled.estimate), exp(pooled.ciLower), exp(pooled.ciUpper))),
                    "subtotal of '\(group.name)' on the ratio scale")
        }
        #expect(texts.filter { $0 == "Subtotal (95% CI)" }.count == subgroups.analysis.groups.count)
        #expect(LayoutChecks.shapes(layout, .diamond).count == subgroups.analysis.groups.count + 1)
        // One heterogeneity and one effect line per subgroup of k ≥ 2, plus the overall ones.
        #expect(texts.filter { $0.hasPrefix("Heterogeneity: Tau² = ") }.count == 4)
        #expect(texts.filter { $0.hasPrefix("Test for overall effect: Z = ") }.count == 4)
        let q = try #require(subgroups.analysis.qBetween), df = try #require(subgroups.analysis.df)
        let expected = "Test for subgroup differences: Chi² = \(Format.fixed(q, 2)), df = \(df) (\(Format.p(try #require(subgroups.analysis.pValue)))), I² = \(Format.percent(max(0, 100 * (q - Double(df)) / q), 1))"
        #expect(texts.contains(expected))
        // Sections in order: heading above its studies, subtotal below them, overall total last.
        let headingY = subgroups.analysis.groups.compactMap { LayoutChecks.box(layout, "alloc = \($0.name)")?.rect.minY }
        #expect(headingY == headingY.sorted())
        let totalY = try #require(LayoutChecks.box(layout, "Total (95% CI)")).rect.minY
        #expect(headingY.allSatisfy { $0 < totalY })
    }

    @Test func blankNamesStillLayOut() throws {
        var effects = try TestData.effects(TestData.normandInputs(), .smd)
        effects[0].study = ""
        effects[1].study = "   "
        let labels = effects.indices.map { $0 < 4 ? "" : "community" }
        let input = try TestData.subgroupForest(effects, labels: labels, column: "setting", measure: .smd)
        let layout = try Plots.forest(input)
        LayoutChecks.expectClean(layout, "blank names")
        #expect(LayoutChecks.texts(layout).contains("setting = (blank)"), "a subgroup without a name gets a heading")
        #expect(LayoutChecks.shapes(layout, .studySquare).count == effects.count)
    }

    @Test func badInputIsAnError() throws {
        let input = try ForestScenario.bcgOddsRatio.input()
        var empty = input
        empty.effects = []
        #expect(throws: PlotError.noStudies) { try Plots.forest(empty) }

        var nan = input
        nan.effects[2].yi = .nan
        #expect(throws: PlotError.nonFinite(what: "yi of study 'Rosenthal et al 1960'")) { try Plots.forest(nan) }

        var infinite = input
        infinite.analysis.pooled.ciUpper = .infinity
        #expect(throws: PlotError.nonFinite(what: "the upper confidence limit of the pooled estimate of the analysis")) {
            try Plots.forest(infinite)
        }

        var mismatched = input
        mismatched.effects.removeLast()
        #expect { try Plots.forest(mismatched) } throws: { error in
            guard case PlotError.effectCountMismatch = error else { return false }
            return true
        }
        #expect(PlotError.noStudies.message.contains("k = 0"))
    }
}

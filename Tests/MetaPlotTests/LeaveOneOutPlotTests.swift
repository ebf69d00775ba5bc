import Foundation
import MetaFormat
import MetaPlot
import MetaStats
import MetaTestSupport
import Testing

enum LeaveOneOutScenario: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case bcgRiskRatio, normandSMDFixed, k2, k3, k40LongLabels, k1000LongLabels

    var testDescription: String { rawValue }

    func input() throws -> LeaveOneOutPlotInput {
        let (effects, measure, options): ([EffectSize], EffectMeasure, PoolingOptions)
        switch self {
        case .bcgRiskRatio:
            (effects, measure, options) = (try TestData.effects(TestData.bcgInputs().inputs, .rr), .rr, PoolingOptions())
        case .normandSMDFixed:
            (effects, measure, options) = (try TestData.effects(TestData.normandInputs(), .smd), .smd, PoolingOptions(model: .fixed))
        case .k2:
            (effects, measure, options) = (try TestData.effects(Array(TestData.aspirin.prefix(2)), .or), .or, PoolingOptions())
        case .k3:
            (effects, measure, options) = (try TestData.effects(Array(TestData.aspirin.prefix(3)), .rr), .rr, PoolingOptions())
        case .k40LongLabels:
            (effects, measure, options) = (try TestData.effects(TestData.syntheticContinuous(k: 40, seed: 41, nameLength: 150), .md),
                                           .md, PoolingOptions(method: .reml, test: .knha))
        case .k1000LongLabels:
            (effects, measure, options) = (try TestData.effects(TestData.syntheticContinuous(k: 1000, seed: 5, nameLength: 150), .smd),
                                           .smd, PoolingOptions(tau2ConfidenceInterval: false))
        }
        let rows = try Sensitivity.leaveOneOut(effects, measure: measure, options: options)
        let overall = try Pooling.analyze(effects, measure: measure, options: options)
        return LeaveOneOutPlotInput(measure: measure, rows: rows, overall: overall, direction: .lower,
                                    labels: PlotLabels(experimental: "Vaccine", control: "Control"),
                                    title: self == .bcgRiskRatio ? "Leave-one-out: BCG vaccine" : nil)
    }
}

@Suite("Leave-one-out plot")
struct LeaveOneOutPlotTests {
    @Test(arguments: LeaveOneOutScenario.allCases)
    func noTextOverlapsAndNothingLeavesThePage(_ scenario: LeaveOneOutScenario) throws {
        let input = try scenario.input()
        let layout = try Plots.leaveOneOut(input)
        LayoutChecks.expectClean(layout, scenario.rawValue)
        #expect(LayoutChecks.shapes(layout, .studySquare).count == input.rows.count)
        #expect(LayoutChecks.shapes(layout, .diamond).count == 1)
    }

    @Test func oneRowPerOmittedStudyWithTauAndI2() throws {
        let input = try LeaveOneOutScenario.bcgRiskRatio.input()
        let layout = try Plots.leaveOneOut(input)
        for row in input.rows {
            let label = try #require(LayoutChecks.box(layout, "Omitting \(row.study)"))
            let line = layout.textBoxes.filter { abs($0.rect.midY - label.rect.midY) < 0.01 }
                .sorted { $0.rect.minX < $1.rect.minX }.map(\.text)
            let tau2 = Format.fixed(row.tau2, 2)
            #expect(line == [label.text, tau2, Format.percent(row.i2, 0),
                             Format.interval(exp(row.estimate), exp(row.ciLower), exp(row.ciUpper))])
        }
        // The full estimate: a bold summary row, a diamond and a dashed line at the estimate.
        let pooled = input.overall.pooled
        #expect(LayoutChecks.texts(layout).contains(Format.interval(exp(pooled.estimate), exp(pooled.ciLower), exp(pooled.ciUpper))))
        guard case .line(let reference)? = LayoutChecks.shapes(layout, .referenceLine).first,
              case .polygon(let diamond)? = LayoutChecks.shapes(layout, .diamond).first else {
            Issue.record("no reference line or diamond")
            return
        }
        #expect(!reference.stroke.dash.isEmpty)
        expectClose(reference.from.x, diamond.points[1].x, rel: 1e-12, "reference line through the diamond's centre")
        // Favours labels: direction .lower puts the experimental arm on the left.
        let nullX = try #require(LayoutChecks.nullX(layout))
        #expect(try #require(LayoutChecks.box(layout, "Favours Vaccine")).rect.maxX < nullX)
        #expect(try #require(LayoutChecks.box(layout, "Favours Control")).rect.minX > nullX)
    }

    /// 1,000 rows lay out with one row each (their speed is measured by `make bench`, not here).
    @Test func thousandRowsLayOut() throws {
        let input = try LeaveOneOutScenario.k1000LongLabels.input()
        let layout = try Plots.leaveOneOut(input)
        #expect(layout.height > 1000 * 13, "1,000 rows need at least 13 pt each")
    }

    @Test func badInputIsAnError() throws {
        let input = try LeaveOneOutScenario.bcgRiskRatio.input()
        var empty = input
        empty.rows = []
        #expect(throws: PlotError.noStudies) { try Plots.leaveOneOut(empty) }
        var nan = input
        nan.rows[1].ciLower = .nan
        #expect(throws: PlotError.nonFinite(what: "the lower confidence limit of the refit omitting 'Ferguson & Simes 1949'")) {
            try Plots.leaveOneOut(nan)
        }
    }
}

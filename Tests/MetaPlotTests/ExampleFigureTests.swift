import Foundation
import MetaPlot
import MetaStats
import Testing

/// Writes example figures for visual review when METAPLOT_EXAMPLES names a directory:
/// `METAPLOT_EXAMPLES=/tmp/figures swiftb test --filter ExampleFigures`.
@Suite("Example figures", .enabled(if: ProcessInfo.processInfo.environment["METAPLOT_EXAMPLES"] != nil))
struct ExampleFigures {
    let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["METAPLOT_EXAMPLES"] ?? "/tmp")

    func write(_ layout: PlotLayout, _ name: String, dpi: Double = 150) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for format in PlotFormat.allCases {
            let bytes = try Plots.render(layout, as: format, dpi: dpi)
            try Data(bytes).write(to: directory.appendingPathComponent("\(name).\(format.rawValue)"))
        }
    }

    @Test func scenarios() throws {
        for scenario in ForestScenario.allCases {
            let layout = try Plots.forest(scenario.input())
            try write(layout, "scenario-forest-\(scenario.rawValue)", dpi: scenario == .k1000 ? 20 : 110)
        }
        for scenario in FunnelScenario.allCases {
            try write(Plots.funnel(scenario.input()), "scenario-funnel-\(scenario.rawValue)", dpi: 110)
        }
        for scenario in LeaveOneOutScenario.allCases {
            let layout = try Plots.leaveOneOut(scenario.input())
            try write(layout, "scenario-loo-\(scenario.rawValue)", dpi: scenario == .k1000LongLabels ? 20 : 110)
        }
    }

    @Test func figures() throws {
        let fixed = PoolingOptions(model: .fixed, method: .mh, i2: .q, predictionInterval: false)
        try write(Plots.forest(TestData.forest(TestData.aspirin, measure: .or, options: fixed,
                                               labels: PlotLabels(experimental: "Aspirin", control: "Control"))),
                  "forest-aspirin-mh-or")
        let bcg = try TestData.bcgInputs()
        let bcgEffects = try TestData.effects(bcg.inputs, .rr)
        try write(Plots.forest(TestData.forest(bcgEffects, measure: .rr,
                                               labels: PlotLabels(experimental: "Vaccinated", control: "Control"),
                                               title: "BCG vaccine and tuberculosis")), "forest-bcg-rr")
        try write(Plots.forest(TestData.subgroupForest(bcgEffects, labels: bcg.allocation, column: "alloc", measure: .rr)),
                  "forest-bcg-subgroups")
        try write(Plots.forest(TestData.forest(TestData.normandInputs(), measure: .smd, direction: .lower)),
                  "forest-normand-smd")
        try write(Plots.forest(TestData.forest(TestData.normandInputs(), measure: .md,
                                               options: PoolingOptions(method: .reml, test: .knha))),
                  "forest-normand-md-knha")
        let hackshaw = try TestData.hackshawEffects()
        try write(Plots.forest(TestData.forest(hackshaw.effects, measure: .or)), "forest-hackshaw-generic")
        try write(Plots.forest(TestData.forest(TestData.raudenbushEffects(), measure: .smd, direction: .higher)),
                  "forest-raudenbush-generic-totals")
        try write(Plots.forest(TestData.forest(TestData.syntheticContinuous(k: 40, seed: 7, nameLength: 150),
                                               measure: .smd)), "forest-k40-long-labels")
        try write(Plots.forest(TestData.forest(Array(TestData.aspirin.prefix(1)), measure: .or)), "forest-k1")

        let analysis = try Pooling.analyze(hackshaw.effects, measure: .or, options: PoolingOptions())
        let fill = try SmallStudy.trimAndFill(hackshaw.effects, measure: .or, options: PoolingOptions())
        try write(Plots.funnel(FunnelPlotInput(measure: .or, effects: hackshaw.effects, centre: analysis.pooled.estimate,
                                               trimAndFill: fill, contours: true, title: "Passive smoking and lung cancer")),
                  "funnel-hackshaw-contours")
        let normand = try TestData.effects(TestData.normandInputs(), .smd)
        let normandAnalysis = try Pooling.analyze(normand, measure: .smd, options: PoolingOptions())
        try write(Plots.funnel(FunnelPlotInput(measure: .smd, effects: normand, centre: normandAnalysis.pooled.estimate)),
                  "funnel-normand")
        let rows = try Sensitivity.leaveOneOut(bcgEffects, measure: .rr, options: PoolingOptions())
        let overall = try Pooling.analyze(bcgEffects, measure: .rr, options: PoolingOptions())
        try write(Plots.leaveOneOut(LeaveOneOutPlotInput(measure: .rr, rows: rows, overall: overall, direction: .lower,
                                                         labels: PlotLabels(experimental: "Vaccinated", control: "Control"))),
                  "leave-one-out-bcg")
    }
}

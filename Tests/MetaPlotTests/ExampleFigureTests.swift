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
        let cumulative = try Sensitivity.cumulative(bcgEffects, measure: .rr, options: PoolingOptions())
        try write(Plots.cumulative(CumulativePlotInput(measure: .rr, rows: cumulative, overall: overall, direction: .lower,
                                                       labels: PlotLabels(experimental: "Vaccinated", control: "Control"))),
                  "cumulative-bcg")
    }

    /// The sparse and large reviews whose figures are committed under Fixtures/examples
    /// (`METAPLOT_EXAMPLES=Tests/MetaPlotTests/Fixtures/examples swift test --filter journalExamples`,
    /// then keep the PNGs).
    @Test func journalExamples() throws {
        for (name, layout) in try JournalExamples.all() { try write(layout, name, dpi: name.contains("102") ? 100 : 150) }
    }
}

/// A sparse review (few small trials, zero cells, a trial and a subgroup that cannot be estimated)
/// and large ones (22 trials with one carrying most of the weight; 102 trials).
enum JournalExamples {
    static func all() throws -> [(String, PlotLayout)] {
        [("journal-sparse", try Plots.forest(sparse())),
         ("journal-dominant", try Plots.forest(dominant())),
         ("journal-102", try Plots.forest(large()))]
    }

    static func sparse() throws -> ForestPlotInput {
        let trials: [(String, Double, Double, Double, Double, String)] = [
            ("Abel 1996", 1, 12, 4, 13, "1"), ("Brun 1999", 0, 9, 3, 10, "1"), ("Cato 2003", 0, 15, 0, 14, "0"),
            ("Dietz 2005", 2, 20, 5, 19, "1"), ("Egan 2011", 0, 8, 0, 8, "0"),
        ]
        let inputs = trials.map { StudyInput(study: $0.0, data: .binary(BinaryCounts(events1: $0.1, total1: $0.2, events2: $0.3, total2: $0.4))) }
        let computed = try EffectSizes.compute(inputs, measure: .rr)
        let options = PoolingOptions(model: .fixed, method: .mh, i2: .q, predictionInterval: false)
        var input = try TestData.forest(computed.effects, measure: .rr, options: options,
                                        labels: PlotLabels(experimental: "Zinc", control: "Placebo"),
                                        title: "Zinc for preventing otitis media: sparse data")
        let labels = trials.filter { t in computed.effects.contains { $0.study == t.0 } }.map(\.5)
        let subgroups = try Subgroups.analyze(computed.effects, labels: labels, measure: .rr, options: options)
        input.subgroups = ForestSubgroups(column: "wic", labels: labels, analysis: subgroups)
        input.options.subgroupLabels = ["1": "Attending day care (wic = 1)"]
        var position = 0
        for (index, trial) in trials.enumerated() {
            if computed.dropped.contains(where: { $0.study == trial.0 }) {
                input.notEstimable.append(NotEstimableStudy(study: trial.0, counts: BinaryCounts(events1: trial.1, total1: trial.2,
                                                                                               events2: trial.3, total2: trial.4),
                                                            groups: ["wic": trial.5], position: position))
            } else {
                position += 1
            }
            _ = index
        }
        return input
    }

    static func dominant() throws -> ForestPlotInput {
        try TestData.forest(TestData.dominantTrial(), measure: .or,
                            options: PoolingOptions(model: .fixed, method: .mh, i2: .q, predictionInterval: false),
                            labels: PlotLabels(experimental: "Magnesium", control: "Control"),
                            title: "22 trials, one with most of the weight")
    }

    /// 102 trials whose SDs were converted from standard errors (long decimals in the data).
    static func large() throws -> ForestPlotInput {
        let inputs = TestData.syntheticContinuous(k: 102, seed: 102).map { input -> StudyInput in
            guard case .continuous(var arms) = input.data else { return input }
            arms.sd1 = arms.sd1 / 10 * 1.0471975511965976
            arms.sd2 = arms.sd2 / 10 * 0.9424777960769379
            arms.mean1 /= 10
            arms.mean2 = arms.mean1 - 0.16 + (arms.mean2 - 20) / 200
            return StudyInput(study: input.study, data: .continuous(arms))
        }
        return try TestData.forest(inputs, measure: .md, labels: PlotLabels(experimental: "Exercise", control: "Usual care"),
                                   title: "102 trials, mean difference")
    }
}

import Foundation
import MetaStats
import Testing
@testable import MetaPipeline

/// The drawing options of plot entries: axis, sort, digits, measure-label, scale, labels.
@Suite struct PlotOptionsLoaderTests {
    static let csv = """
    study,year,wic,e1,n1,e2,n2,yi,se
    Abel,1996,1,1,12,4,13,-0.2,0.1
    Brun,1999,0,2,9,3,10,-0.1,0.2
    Cato,2003,1,3,15,2,14,0.1,0.15

    """

    /// Loads a pipeline whose one analysis has `plots` (YAML flow text) and `extra` lines.
    static func load(_ plots: String, measure: String = "RR", extra: String = "subgroups: [wic]")
        -> Result<Pipeline, DiagnosticList> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plot-options-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let columns = measure == "GEN" ? "{study: \"{study} {year}\", yi: yi, se: se}"
            : "{study: \"{study} {year}\", events1: e1, total1: n1, events2: e2, total2: n2}"
        let yaml = """
        pipeline: p
        data:
          trials: trials.csv
        analyses:
          a:
            data: trials
            columns: \(columns)
            measure: \(measure)
            \(extra)
            plots: \(plots)

        """
        try? csv.write(to: folder.appendingPathComponent("trials.csv"), atomically: true, encoding: .utf8)
        try? yaml.write(to: folder.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        return PipelineLoader.load(folder.appendingPathComponent("pipeline.yaml").path)
    }

    static func errors(_ result: Result<Pipeline, DiagnosticList>) -> [String] {
        guard case .failure(let list) = result else { return [] }
        return list.errors.map(\.message)
    }

    @Test func readsEveryOption() throws {
        let result = Self.load("""
        [{kind: forest, axis: {min: 0.1, max: 10, ticks: [0.1, 1, 10]}, sort: weight, digits: 3, measure-label: Rate ratio, labels: {wic: {"1": Day care, "0": Home}}}, cumulative]
        """)
        guard case .success(let pipeline) = result else {
            Issue.record("rejected: \(Self.errors(result))")
            return
        }
        let analysis = pipeline.analyses[0]
        let forest = try #require(analysis.plots.first)
        #expect(forest.axis == PlotAxisSpec(min: 0.1, max: 10, ticks: [0.1, 1, 10]))
        #expect(forest.sort == .weight && forest.digits == 3 && forest.measureLabel == "Rate ratio")
        #expect(forest.subgroupLabels == ["wic": ["1": "Day care", "0": "Home"]])
        #expect(analysis.plots.map(\.kind) == [.forest, .cumulative])
        #expect(analysis.cumulative, "a cumulative plot turns on the cumulative analysis")
    }

    @Test func genericLogScale() throws {
        guard case .success(let pipeline) = Self.load("[{kind: forest, scale: log, measure-label: Hazard ratio, axis: {min: 0.5, max: 2}}]",
                                                      measure: "GEN", extra: "") else {
            Issue.record("rejected")
            return
        }
        #expect(pipeline.analyses[0].plots[0].scale == .log)
        #expect(pipeline.analyses[0].plots[0].axis == PlotAxisSpec(min: 0.5, max: 2))
    }

    @Test func badOptionsAreLocatedErrors() {
        let cases: [(String, String, String)] = [
            ("[{kind: forest, axis: {min: 2, max: 1}}]", "RR", "'min' must be below 'max'"),
            ("[{kind: forest, axis: {min: 0, max: 10}}]", "RR", "a log axis needs 'min' above 0"),
            ("[{kind: forest, axis: {min: 1.5, max: 10}}]", "RR", "leaves out no effect (1)"),
            ("[{kind: forest, axis: {min: 0.1, max: 10, ticks: [20]}}]", "RR", "tick 20 lies outside the axis"),
            ("[{kind: forest, axis: {min: 0.1}}]", "RR", "'axis' needs the key 'max'"),
            ("[{kind: forest, axis: {min: 1, max: 3}}]", "MD", "leaves out no effect (0)"),
            ("[{kind: forest, sort: size}]", "RR", "unknown sort order 'size'"),
            ("[{kind: forest, digits: 2.5}]", "RR", "'digits' must be a whole number from 0 to 6"),
            ("[{kind: forest, scale: log}]", "RR", "'scale' applies to generic (GEN) estimates"),
            ("[{kind: funnel, sort: weight}]", "RR", "'sort' applies to forest plots"),
            ("[{kind: leave-one-out, labels: {wic: {a: b}}}]", "RR", "'labels' applies to forest plots"),
            ("[{kind: funnel, digits: 3}]", "RR", "'digits' applies to forest, cumulative and leave-one-out plots"),
            ("[{kind: forest, labels: {country: {a: b}}}]", "RR", "'country', which is not a subgroup column"),
            ("[{kind: forest, risk-of-bias: true}]", "RR", "the pipeline has no 'risk-of-bias' section; add one"),
            ("[{kind: forest, risk-of-bias: rob}]", "RR", "assessment 'rob', which the pipeline does not define; add a 'risk-of-bias' section"),
            ("[{kind: forest, risk-of-bias: [rob]}]", "RR", "must be true, false or the name of a risk-of-bias assessment"),
            ("[{kind: funnel, risk-of-bias: true}]", "RR", "'risk-of-bias' applies to forest plots"),
        ]
        for (plots, measure, message) in cases {
            let errors = Self.errors(Self.load(plots, measure: measure))
            #expect(errors.contains { $0.contains(message) }, "\(plots): \(errors)")
        }
    }
}

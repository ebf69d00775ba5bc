import Yams

/// `labels: {experimental, control, favours-experimental, favours-control}`: the analysis's own
/// names for the arms and the sides of the axis, over the pipeline's `labels`.
struct LabelsReader: AnalysisFeatureReader {
    static let keys = ["labels"]

    func read(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        let own = a.value("labels").map { loader.readLabels($0, "'labels' of \(a.what)") } ?? LabelsSpec()
        a.analysis.labels = Labels(a.pipelineLabels.overridden(by: own))
    }
}

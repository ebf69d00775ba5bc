import Yams

/// `subgroups: [column, …]`: a subgroup analysis by each column (its values are the subgroups).
struct SubgroupsReader: AnalysisFeatureReader {
    static let keys = ["subgroups"]

    func read(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        a.analysis.subgroups = loader.readColumnList("subgroups", role: "subgroup", of: a) ?? []
    }
}

import MetaStats
import Yams

/// `moderators: [column, …]`: the covariates of a meta-regression (numeric columns or factors).
struct ModeratorsReader: AnalysisFeatureReader {
    static let keys = ["moderators"]

    func read(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        a.analysis.moderators = loader.readColumnList("moderators", role: "moderator", of: a) ?? []
    }

    func finish(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        if let n = a.value("moderators"), !a.analysis.moderators.isEmpty, !a.analysis.studies.isEmpty {
            loader.checkRegression(a.analysis.moderators, studies: a.analysis.studies, settings: a.analysis.settings, at: n, what: a.what)
        }
    }
}

extension Loader {
    /// A meta-regression that cannot be fitted is an error at its `moderators:`: a constant moderator,
    /// k ≤ p, or a pooling method that does not weight by inverse variance.
    mutating func checkRegression(_ moderators: [String], studies: [SelectedStudy], settings: ResolvedSettings, at node: Node,
                                  what: String) {
        guard requireInverseVariance(settings, "the meta-regression of \(what) needs", at: node) else { return }
        let mods = moderators.map { c in Moderator.column(c, cells: studies.map { $0.metadata[c] ?? "" }) }
        do {
            _ = try MetaRegressionFit.design(mods, k: studies.count)
        } catch {
            reader.error(node, "the meta-regression of \(what) cannot be fitted: \(error.message)")
        }
    }
}

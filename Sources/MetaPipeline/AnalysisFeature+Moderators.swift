import MetaStats
import Yams

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

import MetaStats
import Yams

/// Readers shared by the features of an analysis.
extension Loader {
    /// A list of column names (`subgroups`, `moderators`), each checked against the tables when
    /// `check` and each listed once.
    mutating func readColumnList(_ node: Node, _ what: String, role: String, columns: Set<String>, tablesDescription: String,
                                 check: Bool) -> [String] {
        var listed: [String] = []
        for (column, item) in reader.names(node, what) ?? [] {
            if check { checkColumn(column, node: item, columns: columns, tablesDescription: tablesDescription) }
            if listed.contains(column) { reader.error(item, "\(role) column '\(column)' is listed twice") }
            else { listed.append(column) }
        }
        return listed
    }

    /// Influence diagnostics, GOSH and meta-regression refit inverse-variance models (metafor's
    /// rma.uni): Mantel–Haenszel or Peto pooling is an error at `node`. Returns whether the method is one.
    @discardableResult
    mutating func requireInverseVariance(_ settings: ResolvedSettings, _ subject: String, at node: Node) -> Bool {
        let method = settings.pooling.method
        guard method == .mh || method == .peto else { return true }
        reader.error(node, "\(subject) an inverse-variance fit; method \(method.rawValue) (\(method == .mh ? "Mantel–Haenszel" : "Peto")) is not one: use method: IV for a fixed-effect fit or a τ² estimator such as DL")
        return false
    }
}

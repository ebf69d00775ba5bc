import MetaRevMan
import Yams

/// `verify: {outcome: "1.1", results: <table>, settings: <table>}`: every statistic RevMan stored for
/// the analysis, checked against metapipe's.
struct VerifyReader: AnalysisFeatureReader {
    static let keys = ["verify"]

    func read(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        if let n = a.value("verify") { a.analysis.verify = loader.readVerify(n, what: a.what) }
    }
}

extension Loader {
    /// `verify: {outcome: "1.1", results: <table>, settings: <table>}`.
    mutating func readVerify(_ node: Node, what: String) -> VerifySpec? {
        guard let fields = reader.mapping(node, "'verify' of \(what)") else { return nil }
        reader.checkKeys(fields, allowed: ["outcome", "results", "settings"], in: "'verify' of \(what)")
        reader.require(["outcome", "results", "settings"], in: fields, at: node, what: "'verify' of \(what)")
        func field(_ key: String) -> (String, Node)? {
            guard let f = fields.first(where: { $0.key == key }), let v = reader.name(f.value, "'\(key)' of 'verify'") else { return nil }
            return (v, f.value)
        }
        guard let (outcome, outcomeNode) = field("outcome"), let (results, resultsNode) = field("results"),
              let (settings, settingsNode) = field("settings") else { return nil }
        for (table, node, columns) in [(results, resultsNode, RevManTables.resultsHeader), (settings, settingsNode, ["outcome", "precision"])] {
            guard let t = tables[table]?.table else {
                if !sources.contains(where: { $0.name == table }) {
                    var message = "'verify' reads table '\(table)', which 'data' does not define"
                    if let s = suggestion(for: table, among: sources.map(\.name)) { message += "; did you mean '\(s)'?" }
                    reader.error(node, message)
                }
                return nil
            }
            for c in columns where t.column(c) == nil {
                reader.error(node, "table '\(table)' has no '\(c)' column; 'verify' reads the tables 'metapipe import' writes")
                return nil
            }
        }
        if let t = tables[settings]?.table, !t.rows.contains(where: { t.cell($0, "outcome") == outcome }) {
            reader.error(outcomeNode, "table '\(settings)' has no analysis '\(outcome)'")
            return nil
        }
        return VerifySpec(outcome: outcome, resultsTable: results, settingsTable: settings)
    }
}

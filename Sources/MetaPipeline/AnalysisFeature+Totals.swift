import MetaStats
import Yams

/// `totals: overall | subgroups | none`: which pooled totals the analysis reports (RevMan's TOTALS).
struct TotalsReader: AnalysisFeatureReader {
    static let keys = ["totals"]

    /// Read once the rows are checked, so that a wrong value holds back no check of the rows.
    func finish(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        guard let n = a.value("totals"), let t = loader.reader.choice(n, Totals.self, "'totals' setting") else { return }
        a.analysis.totals = t
        if t == .subgroups && a.analysis.subgroups.isEmpty {
            loader.reader.error(n, "\(a.what) asks for subgroup totals only but names no 'subgroups' column; add subgroups: [column] or use totals: overall")
        }
    }
}

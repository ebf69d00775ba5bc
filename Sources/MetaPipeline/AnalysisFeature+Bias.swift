import Yams

/// `bias: [egger, begg, trimfill]`: the small-study checks of an analysis.
struct BiasReader: AnalysisFeatureReader {
    static let keys = ["bias"]

    func read(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        guard let n = a.value("bias"), let items = loader.reader.list(n, "'bias' of \(a.what)") else { return }
        for item in items { if let b = loader.reader.choice(item, BiasCheck.self, "small-study check") { a.analysis.bias.append(b) } }
    }
}

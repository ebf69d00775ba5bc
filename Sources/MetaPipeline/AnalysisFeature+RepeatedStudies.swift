import Yams

/// `repeated-studies: number`: rows that share a study name are all kept, numbered in row order.
struct RepeatedStudiesReader: AnalysisFeatureReader {
    static let keys = ["repeated-studies"]

    func read(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        if let n = a.value("repeated-studies"), let choice = loader.reader.choice(n, RepeatedStudies.self, "'repeated-studies' setting") {
            a.analysis.selection.repeatedStudies = choice
        }
    }
}

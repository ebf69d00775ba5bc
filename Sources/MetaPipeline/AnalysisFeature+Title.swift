import Yams

/// `title` and `description`: how the report heads the analysis (the title defaults to its name).
struct TitleReader: AnalysisFeatureReader {
    static let keys = ["title", "description"]

    /// Read once the rows are checked, so that a wrong title holds back no check of the rows.
    func finish(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        if let t = a.value("title").flatMap({ loader.reader.string($0, "'title'") }) { a.analysis.title = t }
        a.analysis.description = a.value("description").flatMap { loader.reader.string($0, "'description'") }
    }
}

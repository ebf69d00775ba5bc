import MetaStats
import Yams

/// `scale: log`: a generic measure whose yi are log ratios, pooled on the log scale and shown exponentiated.
struct ScaleReader: AnalysisFeatureReader {
    static let keys = ["scale"]

    /// Read once the rows are checked, so that a wrong value holds back no check of the rows.
    func finish(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        guard let n = a.value("scale"), let scale = loader.reader.choice(n, EffectScale.self, "'scale' setting") else { return }
        if scale == .log && a.analysis.settings.measure != .generic {
            loader.reader.error(n, "scale: log is for a generic measure (GEN) whose yi are log ratios; \(a.analysis.settings.measure.rawValue) already has its own scale")
        }
        a.analysis.scale = scale
    }
}

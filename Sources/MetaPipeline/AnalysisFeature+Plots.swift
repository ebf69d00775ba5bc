import MetaStats
import Yams

/// `plots: [forest, {kind: funnel, formats: [svg]}, …]`: the figures of an analysis, each listed
/// once, with the drawing options of `PipelineLoader+PlotOptions.swift`.
struct PlotsReader: AnalysisFeatureReader {
    static let keys = ["plots"]
    /// The keys of one plot entry.
    static let plotKeys = ["kind", "formats", "dpi"] + Loader.plotOptionKeys

    func read(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        guard let n = a.value("plots"), let items = loader.reader.list(n, "'plots' of \(a.what)") else { return }
        for item in items {
            if let p = loader.readPlot(item, measure: a.analysis.settings.measure, subgroups: a.analysis.subgroups) {
                if a.analysis.plots.contains(where: { $0.kind == p.kind }) { loader.reader.error(item, "plot '\(p.kind.rawValue)' is listed twice") }
                else { a.analysis.plots.append(p); a.plotNodes[p.kind] = item }
            }
        }
    }

    /// A bubble plot draws the effects against a numeric moderator of the meta-regression.
    func finish(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        guard let n = a.plotNodes[.bubble] else { return }
        let moderators = a.analysis.moderators, studies = a.analysis.studies
        if moderators.isEmpty {
            loader.reader.error(n, "a bubble plot draws the effects against a moderator of a meta-regression, and \(a.what) has no 'moderators'; add moderators: [column] or remove the plot")
        } else if !studies.isEmpty,
                  !moderators.contains(where: { c in Moderator.column(c, cells: studies.map { $0.metadata[c] ?? "" }).isNumeric }) {
            loader.reader.error(n, "a bubble plot draws the effects against a numeric moderator, and every moderator of \(a.what) (\(moderators.joined(separator: ", "))) is a factor; add a numeric moderator or remove the plot")
        }
    }
}

extension Loader {
    mutating func readPlot(_ node: Node, measure: EffectMeasure, subgroups: [String]) -> PlotSpec? {
        if case .mapping = node {
            guard let pairs = reader.mapping(node, "a plot") else { return nil }
            reader.checkKeys(pairs, allowed: PlotsReader.plotKeys, in: "a plot")
            reader.require(["kind"], in: pairs, at: node, what: "a plot")
            guard let k = pairs.first(where: { $0.key == "kind" }), let kind = reader.choice(k.value, PlotKind.self, "plot") else { return nil }
            var spec = PlotSpec(kind: kind)
            if let f = pairs.first(where: { $0.key == "formats" }), let items = reader.list(f.value, "'formats'") {
                let formats = items.compactMap { reader.choice($0, ImageFormat.self, "image format") }
                if formats.isEmpty { reader.error(f.value, "'formats' is empty; give png, svg or pdf") } else { spec.formats = formats }
            }
            if let d = pairs.first(where: { $0.key == "dpi" }), let dpi = reader.number(d.value, "'dpi'") {
                if dpi < 36 || dpi > 1200 { reader.error(d.value, "dpi \(dpi.formatted) is out of range; use 72 to 600 (300 for print)") }
                else { spec.dpi = dpi }
            }
            readPlotOptions(pairs, into: &spec, measure: measure, subgroups: subgroups)
            return spec
        }
        guard let kind = reader.choice(node, PlotKind.self, "plot") else { return nil }
        return PlotSpec(kind: kind)
    }
}

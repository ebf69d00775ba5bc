import MetaStats
import Yams

extension Loader {
    mutating func readPlot(_ node: Node, measure: EffectMeasure, subgroups: [String]) -> PlotSpec? {
        if case .mapping = node {
            guard let pairs = reader.mapping(node, "a plot") else { return nil }
            reader.checkKeys(pairs, allowed: PipelineLoader.plotKeys, in: "a plot")
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

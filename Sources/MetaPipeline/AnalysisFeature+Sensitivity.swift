import Foundation
import MetaFormat
import MetaStats
import Yams

/// `sensitivity: {leave-one-out, cumulative, influence, gosh, scenarios}`: the analysis refitted
/// without each study, study by study, diagnosed for influence, fitted to subsets of its studies
/// (GOSH), and under other settings or rows (`AnalysisFeature+Scenarios.swift`). A plot of one of
/// these asks for it too.
struct SensitivityReader: AnalysisFeatureReader {
    static let keys = ["sensitivity"]
    static let sensitivityKeys = ["leave-one-out", "cumulative", "scenarios", "influence", "gosh"]
    static let goshKeys = ["subsets"]

    /// Where influence diagnostics and GOSH are asked for: their key, else the plot that draws them.
    var influenceNode: Node?
    var goshNode: Node?
    var scenarioNodes: [Node] = []

    mutating func read(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        let what = a.what
        guard let n = a.value("sensitivity"), let s = loader.reader.mapping(n, "'sensitivity' of \(what)") else { return }
        loader.reader.checkKeys(s, allowed: Self.sensitivityKeys, in: "'sensitivity' of \(what)")
        for pair in s {
            switch pair.key {
            case "leave-one-out": a.analysis.leaveOneOut = loader.reader.bool(pair.value, "'leave-one-out'") ?? false
            case "cumulative": a.analysis.cumulative = loader.reader.bool(pair.value, "'cumulative'") ?? false
            case "scenarios": scenarioNodes = loader.reader.list(pair.value, "'scenarios' of \(what)") ?? []
            case "influence":
                a.analysis.influence = loader.reader.bool(pair.value, "'influence'") ?? false
                influenceNode = pair.keyNode
            case "gosh":
                a.analysis.gosh = loader.readGosh(pair.value, what: what)
                goshNode = pair.keyNode
            default: break
            }
        }
    }

    /// The analyses the plots draw, and the inverse-variance fit influence diagnostics and GOSH
    /// refit (metafor's rma.uni).
    mutating func resolve(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        let drawn = Set(a.analysis.plots.map(\.kind))
        if drawn.contains(.leaveOneOut) { a.analysis.leaveOneOut = true }
        if drawn.contains(.cumulative) { a.analysis.cumulative = true }
        if drawn.contains(.baujat) && !a.analysis.influence {
            a.analysis.influence = true
            influenceNode = influenceNode ?? a.plotNodes[.baujat]
        }
        if drawn.contains(.gosh) && a.analysis.gosh == nil {
            a.analysis.gosh = GoshSpec()
            goshNode = goshNode ?? a.plotNodes[.gosh]
        }
        if a.analysis.influence, let n = influenceNode ?? a.value("sensitivity") {
            loader.requireInverseVariance(a.analysis.settings, "influence diagnostics (and the Baujat plot) of \(a.what) need", at: n)
        }
        if a.analysis.gosh != nil, let n = goshNode ?? a.value("sensitivity") {
            loader.requireInverseVariance(a.analysis.settings, "GOSH (and its plot) of \(a.what) needs", at: n)
        }
    }

    mutating func finish(_ a: inout AnalysisDraft, _ loader: inout Loader) {
        a.analysis.scenarios = loader.readScenarios(scenarioNodes, of: a)
        if a.analysis.studies.count == 1 {
            // metafor's influence() and gosh() stop at k = 1: there is nothing to leave out.
            if a.analysis.influence, let n = influenceNode {
                loader.reader.error(n, "influence diagnostics of \(a.what) need at least 2 studies; it has 1")
            }
            if a.analysis.gosh != nil, let n = goshNode {
                loader.reader.error(n, "GOSH of \(a.what) needs at least 2 studies; it has 1")
            }
        }
    }
}

extension Loader {
    /// `gosh: true`, `gosh: false` or `gosh: {subsets: N}`.
    mutating func readGosh(_ node: Node, what: String) -> GoshSpec? {
        if case .mapping = node {
            guard let pairs = reader.mapping(node, "'gosh' of \(what)") else { return nil }
            reader.checkKeys(pairs, allowed: SensitivityReader.goshKeys, in: "'gosh' of \(what)")
            var spec = GoshSpec()
            if let p = pairs.first(where: { $0.key == "subsets" }) {
                let limit = Gosh.maximumSubsets
                let range = "a whole number from 2 to \(Format.grouped(limit))"
                if case .scalar(let s) = p.value, let n = Int(s.string.trimmingCharacters(in: .whitespaces)) {
                    if n < 2 || n > limit {
                        reader.error(p.value, "'subsets' of the GOSH analysis of \(what) must be \(range) (all subsets are fitted when there are at most that many, otherwise that many random ones), not \(n); leave it out for the default of \(Format.grouped(Gosh.defaultSubsets))")
                    } else {
                        spec.subsets = n
                    }
                } else {
                    reader.error(p.value, "'subsets' of the GOSH analysis of \(what) must be \(range), not \(YAMLReader.describe(p.value)); leave it out for the default of \(Format.grouped(Gosh.defaultSubsets))")
                }
            }
            return spec
        }
        return reader.bool(node, "'gosh' (true, false or {subsets: N})") == true ? GoshSpec() : nil
    }
}

import Foundation
import MetaStats
import Yams

extension Loader {
    /// Keys of a plot entry beyond kind, formats and dpi.
    static let plotOptionKeys = ["axis", "sort", "digits", "measure-label", "scale", "labels", "risk-of-bias"]
    static let axisKeys = ["min", "max", "ticks"]

    /// The drawing options of a plot entry: `axis: {min, max, ticks}`, `sort`, `digits`,
    /// `measure-label`, `scale` (forest, cumulative and leave-one-out plots) and `labels` (subgroup
    /// headings of a forest plot).
    mutating func readPlotOptions(_ pairs: [(key: String, keyNode: Node, value: Node)], into spec: inout PlotSpec,
                                  measure: EffectMeasure, subgroups: [String]) {
        let tables: Set<PlotKind> = [.forest, .cumulative, .leaveOneOut]
        var axisNode: Node?
        for pair in pairs where Self.plotOptionKeys.contains(pair.key) {
            let forestOnly = ["sort", "labels", "risk-of-bias"].contains(pair.key)
            if forestOnly ? spec.kind != .forest : !tables.contains(spec.kind) {
                reader.error(pair.keyNode, "'\(pair.key)' applies to \(forestOnly ? "forest plots" : "forest, cumulative and leave-one-out plots"), not to a \(spec.kind.rawValue) plot; remove it")
                continue
            }
            switch pair.key {
            case "axis":
                axisNode = pair.value
            case "sort":
                spec.sort = reader.choice(pair.value, PlotSort.self, "sort order")
            case "digits":
                if let d = reader.number(pair.value, "'digits'") {
                    if d != d.rounded() || d < 0 || d > 6 { reader.error(pair.value, "'digits' must be a whole number from 0 to 6, not \(d.formatted)") }
                    else { spec.digits = Int(d) }
                }
            case "measure-label":
                spec.measureLabel = reader.name(pair.value, "'measure-label'")
            case "scale":
                if let scale = reader.choice(pair.value, PlotScaleKind.self, "axis scale") {
                    if measure != .generic {
                        reader.error(pair.value, "'scale' applies to generic (GEN) estimates; a \(measure.rawValue) axis is always \(measure.isRatio ? "log" : "linear")")
                    } else {
                        spec.scale = scale
                    }
                }
            case "labels":
                guard let columns = reader.mapping(pair.value, "'labels' of a forest plot") else { continue }
                var labels: [String: [String: String]] = [:]
                for column in columns {
                    guard subgroups.contains(column.key) else {
                        let known = subgroups.isEmpty ? "the analysis has no 'subgroups'" : "subgroup columns are \(subgroups.map { "'\($0)'" }.joined(separator: ", "))"
                        reader.error(column.keyNode, "'labels' names '\(column.key)', which is not a subgroup column; \(known) (arm names go in the analysis's own 'labels')")
                        continue
                    }
                    guard let values = reader.mapping(column.value, "the labels of subgroup column '\(column.key)'") else { continue }
                    var map: [String: String] = [:]
                    for value in values {
                        if let text = reader.name(value.value, "the label of \(column.key) = \(value.key)") { map[value.key] = text }
                    }
                    labels[column.key] = map
                }
                spec.subgroupLabels = labels
            case "risk-of-bias":
                spec.riskOfBias = readForestRiskOfBias(pair.value)
            default:
                break
            }
        }
        if let axisNode {
            spec.axis = readAxis(axisNode, log: measure.isRatio || spec.scale == .log, proportion: [.pr, .plo, .pft].contains(measure))
        }
    }

    /// A forest plot's `risk-of-bias`: `true` (the pipeline's one assessment), `false`, or an
    /// assessment's name. Returns the assessment's name, or nil for none.
    mutating func readForestRiskOfBias(_ node: Node) -> String? {
        let names = riskOfBias.map(\.name)
        let example = "e.g. risk-of-bias: {rob: {tool: rob2, data: rob}}"
        guard case .scalar(let s) = node, !YAMLReader.isNull(node) else {
            reader.error(node, "'risk-of-bias' of a forest plot must be true, false or the name of a risk-of-bias assessment, not \(YAMLReader.describe(node))")
            return nil
        }
        switch s.string.lowercased() {
        case "false", "no", "off":
            return nil
        case "true", "yes", "on":
            guard let first = names.first else {
                reader.error(node, "the forest plot shows risk of bias, but the pipeline has no 'risk-of-bias' section; add one (\(example)) or remove this option")
                return nil
            }
            if names.count > 1 {
                reader.error(node, "the pipeline has \(names.count) risk-of-bias assessments (\(names.map { "'\(escapedForMessage($0))'" }.joined(separator: ", "))); name the one to show, e.g. risk-of-bias: \(first)")
                return nil
            }
            return first
        default:
            let name = s.string.trimmingCharacters(in: .whitespaces)
            guard names.contains(name) else {
                var message = "the forest plot shows risk-of-bias assessment '\(escapedForMessage(name))', which the pipeline does not define"
                if names.isEmpty { message += "; add a 'risk-of-bias' section (\(example))" }
                else if let near = suggestion(for: name, among: names) { message += "; did you mean '\(near)'?" }
                else { message += "; its assessments are \(names.map { "'\(escapedForMessage($0))'" }.joined(separator: ", "))" }
                reader.error(node, message)
                return nil
            }
            return name
        }
    }

    /// `axis: {min, max, ticks}`: both ends required, min below max, ticks between them.
    mutating func readAxis(_ node: Node, log: Bool, proportion: Bool = false) -> PlotAxisSpec? {
        guard let pairs = reader.mapping(node, "'axis'") else { return nil }
        reader.checkKeys(pairs, allowed: Self.axisKeys, in: "'axis'")
        reader.require(["min", "max"], in: pairs, at: node, what: "'axis'")
        func number(_ key: String) -> Double? {
            pairs.first { $0.key == key }.flatMap { reader.number($0.value, "'\(key)' of 'axis'") }
        }
        guard let min = number("min"), let max = number("max") else { return nil }
        guard min < max else {
            reader.error(node, "'axis' runs from \(min.formatted) to \(max.formatted); 'min' must be below 'max'")
            return nil
        }
        if log, min <= 0 {
            reader.error(node, "a log axis needs 'min' above 0 (e.g. min: 0.1, max: 10), not \(min.formatted)")
            return nil
        }
        let null = log ? 1.0 : 0.0
        if proportion {
            if min < 0 || max > 1 {
                reader.error(node, "'axis' from \(min.formatted) to \(max.formatted) leaves the range of a proportion; give 'min' and 'max' within 0 and 1 (e.g. min: 0, max: 0.5)")
                return nil
            }
        } else if !(min < null && max > null) {
            reader.error(node, "'axis' from \(min.formatted) to \(max.formatted) leaves out no effect (\(null.formatted)); the axis must contain it")
            return nil
        }
        var ticks: [Double]?
        if let t = pairs.first(where: { $0.key == "ticks" }), let items = reader.list(t.value, "'ticks' of 'axis'") {
            var values: [Double] = []
            for item in items {
                guard let v = reader.number(item, "a tick of 'axis'") else { continue }
                if v < min || v > max { reader.error(item, "tick \(v.formatted) lies outside the axis (\(min.formatted) to \(max.formatted))") }
                else { values.append(v) }
            }
            ticks = values
        }
        return PlotAxisSpec(min: min, max: max, ticks: ticks)
    }
}

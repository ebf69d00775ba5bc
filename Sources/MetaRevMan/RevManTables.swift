import Foundation

/// A review as three plain tables — the form in which pipelines read RevMan data, and which
/// `metapipe import` writes as CSV so the user can edit and extend it:
///
/// - data: one row per study and analysis, in metapipe's column roles;
/// - outcomes: one row per analysis with RevMan's settings and labels;
/// - results: every statistic RevMan stored, one per row (analysis, subgroup, study, statistic, value).
public struct RevManTables: Sendable {
    public struct Row: Sendable {
        public var line: Int?
        public var cells: [String]
    }

    public static let dataHeader = ["outcome", "subgroup", "study", "year", "study_id", "events1", "total1", "events2", "total2",
                                    "mean1", "sd1", "n1", "mean2", "sd2", "n2", "yi", "se", "footnote"]
    public static let outcomesHeader = ["outcome", "comparison", "name", "data_type", "measure", "method", "model", "ci_study",
                                        "ci_total", "group_label_1", "group_label_2", "graph_label_1", "graph_label_2",
                                        "calculated", "precision", "source", "totals"]
    public static let resultsHeader = ["outcome", "subgroup", "study", "statistic", "value"]

    public var data: [Row] = []
    public var outcomes: [Row] = []
    public var results: [Row] = []

    public init(_ review: RevManReview, source: String) {
        let precision = review.format == .revman5 ? "double" : "6 decimals"
        for o in review.outcomes {
            outcomes.append(Row(line: o.line, cells: [
                o.id, o.comparison, o.name, o.dataType.rawValue, o.revmanMeasure, o.revmanMethod, o.random ? "random" : "fixed",
                number(o.ciStudy), number(o.ciTotal), o.groupLabels.experimental, o.groupLabels.control, o.graphLabels.left,
                o.graphLabels.right, o.calculated ? "yes" : "no", precision, source, o.totals,
            ]))
            for r in o.rows {
                let v = r.values
                let label = r.label.isEmpty ? r.study : r.label
                data.append(Row(line: r.line, cells: [
                    o.id, r.subgroup ?? "", label, r.year, r.studyID,
                    number(v["events1"]), number(v["total1"]), number(v["events2"]), number(v["total2"]),
                    number(v["mean1"]), number(v["sd1"]), number(v["n1"]), number(v["mean2"]), number(v["sd2"]), number(v["n2"]),
                    number(v["yi"]), number(v["se"]), r.footnote ?? "",
                ]))
                for (name, value) in r.statistics.sorted(by: { $0.key < $1.key }) {
                    results.append(Row(line: r.line, cells: [o.id, r.subgroup ?? "", label, name, number(value)]))
                }
                if !r.estimable { results.append(Row(line: r.line, cells: [o.id, r.subgroup ?? "", label, "estimable", "0"])) }
            }
            for s in o.subgroups {
                for (name, value) in s.statistics.sorted(by: { $0.key < $1.key }) {
                    results.append(Row(line: o.line, cells: [o.id, s.name, "", name, number(value)]))
                }
                if !s.estimable { results.append(Row(line: o.line, cells: [o.id, s.name, "", "estimable", "0"])) }
            }
            for (name, value) in o.statistics.merging(o.subgroupTest, uniquingKeysWith: { a, _ in a }).sorted(by: { $0.key < $1.key }) {
                results.append(Row(line: o.line, cells: [o.id, "", "", name, number(value)]))
            }
            if !o.estimable { results.append(Row(line: o.line, cells: [o.id, "", "", "estimable", "0"])) }
        }
    }

    /// Numbers in their shortest exact form ("2128", "0.8968655609130709").
    func number(_ value: Double?) -> String {
        guard let value else { return "" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

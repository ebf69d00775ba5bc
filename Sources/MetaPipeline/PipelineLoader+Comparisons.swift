import Foundation
import Yams

/// `comparisons:` (published pooled results set beside the pipeline's own) and `not-pooled:` (pools
/// the pipeline does not compute, with the reason).
extension Loader {
    mutating func readComparisons(_ node: Node, analyses: [Analysis]) -> [Comparison] {
        guard let pairs = reader.mapping(node, "'comparisons'") else { return [] }
        var result: [Comparison] = []
        for pair in pairs {
            let what = "comparison '\(pair.key)'"
            guard let fields = reader.mapping(pair.value, what) else { continue }
            reader.checkKeys(fields, allowed: ["title", "data", "rows"], in: what)
            reader.require(["data", "rows"], in: fields, at: pair.keyNode, what: what)
            guard let dataNode = fields.first(where: { $0.key == "data" })?.value,
                  let tableName = reader.name(dataNode, "'data' of \(what)") else { continue }
            guard let table = tables[tableName] else {
                if !sources.contains(where: { $0.name == tableName }) {
                    reader.error(dataNode, "\(what) reads table '\(tableName)', which 'data' does not define")
                }
                continue
            }
            for column in ["estimate", "ci_lower", "ci_upper"] where table.table.column(column) == nil {
                reader.error(dataNode, "\(what): table '\(tableName)' needs a '\(column)' column")
            }
            let columns = Set(table.table.header)
            var rows: [ComparisonRow] = []
            if let rowsNode = fields.first(where: { $0.key == "rows" })?.value, let items = reader.list(rowsNode, "'rows' of \(what)") {
                for item in items {
                    guard let f = reader.mapping(item, "each row of \(what)") else { continue }
                    reader.checkKeys(f, allowed: ["analysis", "subgroup", "group", "where", "note"], in: "a row of \(what)")
                    reader.require(["analysis", "where"], in: f, at: item, what: "a row of \(what)")
                    guard let aNode = f.first(where: { $0.key == "analysis" })?.value,
                          let analysisName = reader.name(aNode, "'analysis'") else { continue }
                    guard let analysis = analyses.first(where: { $0.name == analysisName }) else {
                        var message = "\(what) refers to analysis '\(analysisName)', which 'analyses' does not define"
                        if let s = suggestion(for: analysisName, among: analyses.map(\.name)) { message += "; did you mean '\(s)'?" }
                        reader.error(aNode, message)
                        continue
                    }
                    let subgroup = f.first(where: { $0.key == "subgroup" }).flatMap { reader.name($0.value, "'subgroup'") }
                    let group = f.first(where: { $0.key == "group" }).flatMap { reader.name($0.value, "'group'") }
                    if let subgroup, !analysis.subgroups.contains(subgroup) {
                        reader.error(item, "analysis '\(analysisName)' has no subgroup analysis by '\(subgroup)'")
                    }
                    if (subgroup == nil) != (group == nil) {
                        reader.error(item, "give both 'subgroup' (the column) and 'group' (its value), or neither")
                    }
                    guard let whereNode = f.first(where: { $0.key == "where" })?.value else { continue }
                    let match = readConditions(whereNode, "'where' of a row of \(what)", columns: columns,
                                               tablesDescription: "table '\(tableName)'")
                    let matched = table.table.rows.filter { row in match.allSatisfy { Selection.matches(table.table, row, $0) } }
                    if matched.isEmpty {
                        reader.error(whereNode, "no row of table '\(tableName)' matches this 'where'")
                    }
                    checkPublishedNumbers(table, rows: matched)
                    let note = f.first(where: { $0.key == "note" }).flatMap { reader.string($0.value, "'note'") }
                    rows.append(ComparisonRow(analysis: analysisName, subgroup: subgroup, group: group, match: match, note: note))
                }
            }
            let title = fields.first(where: { $0.key == "title" }).flatMap { reader.string($0.value, "'title'") } ?? pair.key
            result.append(Comparison(name: pair.key, title: title, origin: reader.location(pair.keyNode), table: tableName, rows: rows))
        }
        return result
    }

    /// A published estimate and its CI must be finite numbers, and k and I², when given, numbers in
    /// range: the report prints them beside metapipe's, so a NaN, inf or typo is an error at its cell.
    mutating func checkPublishedNumbers(_ table: LoadedTable, rows: [TableRow]) {
        for row in rows {
            for column in ["estimate", "ci_lower", "ci_upper", "k", "i2"] where table.table.column(column) != nil {
                let raw = table.table.cell(row, column).trimmingCharacters(in: .whitespaces)
                let required = ["estimate", "ci_lower", "ci_upper"].contains(column)
                if raw.isEmpty && !required { continue }
                let value = Double(raw)
                var problem: String?
                if raw.isEmpty {
                    problem = "the published \(column) is empty; give the number the review printed"
                } else if let value, !value.isFinite {
                    problem = "the published \(column) '\(raw)' is not a finite number; give the number the review printed"
                } else if value == nil {
                    problem = "the published \(column) '\(raw)' is not a number (write it like 0.52 or -1.3e-2)"
                } else if let value, column == "k", value < 0 || value != value.rounded() || value > 1e9 {
                    problem = "the published k '\(raw)' is not a number of studies (a whole number ≥ 0)"
                } else if let value, column == "i2", !(0...100).contains(value) {
                    problem = "the published i2 '\(raw)' is not a percentage between 0 and 100"
                }
                if let problem, !extra.contains(table.cellDiagnostic(row, column: column, problem)) {
                    extra.append(table.cellDiagnostic(row, column: column, problem))
                }
            }
        }
    }

    mutating func readUnavailable(_ node: Node) -> [UnavailablePool] {
        guard let items = reader.list(node, "'not-pooled'") else { return [] }
        var result: [UnavailablePool] = []
        for item in items {
            guard let f = reader.mapping(item, "each entry of 'not-pooled'") else { continue }
            reader.checkKeys(f, allowed: ["title", "reason"], in: "an entry of 'not-pooled'")
            reader.require(["title", "reason"], in: f, at: item, what: "an entry of 'not-pooled'")
            guard let t = f.first(where: { $0.key == "title" }).flatMap({ reader.name($0.value, "'title'") }),
                  let r = f.first(where: { $0.key == "reason" }).flatMap({ reader.name($0.value, "'reason'") }) else { continue }
            result.append(UnavailablePool(title: t, reason: r))
        }
        return result
    }
}

import Foundation
import MetaStats
import Yams

/// `data`, `where`, `exclude` and `columns`: the tables an analysis reads, the rows it keeps of
/// them and the columns that play each role. The rows are selected and checked (below) once every
/// feature has read its keys.
struct RowsReader: AnalysisFeatureReader {
    static let keys = ["data", "where", "exclude", "columns"]

    func read(_ analysis: inout AnalysisDraft, _ loader: inout Loader) { loader.readRows(&analysis) }
}

extension Loader {
    mutating func readRows(_ a: inout AnalysisDraft) {
        let what = a.what
        reader.require(["data"], in: a.pairs, at: a.keyNode, what: what)
        var tableNames: [String] = []
        if let dataNode = a.value("data"), let names = reader.names(dataNode, "'data' of \(what)") {
            if names.isEmpty { reader.error(dataNode, "\(what) lists no table in 'data'; name one or more of \(quotedList(sources.map(\.name)))") }
            for (t, n) in names {
                if sources.contains(where: { $0.name == t }) {
                    tableNames.append(t)
                } else {
                    var message = "\(what) reads table '\(t)', which 'data' does not define"
                    if let s = suggestion(for: t, among: sources.map(\.name)) { message += "; did you mean '\(s)'?" }
                    reader.error(n, message)
                }
            }
        }
        let loaded = tableNames.compactMap { tables[$0] }
        let columns = Set(loaded.flatMap(\.table.header))
        let tablesDescription = tableNames.count == 1 ? "table '\(tableNames[0])'" : "tables \(tableNames.map { "'\($0)'" }.joined(separator: ", "))"
        let allLoaded = loaded.count == tableNames.count
        a.loaded = loaded
        a.columns = columns
        a.tablesDescription = tablesDescription

        var selection = a.analysis.selection
        selection.tables = tableNames
        var entries = EntryNodes()
        if let n = a.value("where") {
            selection.conditions = readConditions(n, "'where' of \(what)", columns: allLoaded ? columns : [], tablesDescription: tablesDescription)
            let valueNodes = EntryNodes.conditionValues(n)
            if valueNodes.count == selection.conditions.count {
                entries.conditions = Array(zip(selection.conditions, valueNodes))
            }
        }
        if let n = a.value("exclude") {
            selection.exclude = readMatches(n, "'exclude' of \(what)", columns: allLoaded ? columns : [], tablesDescription: tablesDescription)
            let nodes = EntryNodes.items(n)
            if nodes.count == selection.exclude.count { entries.exclude = Array(nodes.enumerated()) }
        }
        if let n = a.value("columns"), let map = reader.mapping(n, "'columns' of \(what)") {
            for pair in map {
                if !Role.all.contains(pair.key) {
                    var message = "unknown column role '\(pair.key)' in 'columns'"
                    if let s = suggestion(for: pair.key, among: Role.all) { message += "; did you mean '\(s)'?" }
                    else { message += "; roles are \(Role.all.joined(separator: ", "))" }
                    reader.error(pair.keyNode, message)
                    continue
                }
                guard let column = reader.name(pair.value, "the column for role '\(pair.key)'") else { continue }
                if pair.key == "study" && column.contains("{") {
                    for c in Selection.templateColumns(column) where allLoaded {
                        checkColumn(c, node: pair.value, columns: columns, tablesDescription: tablesDescription)
                    }
                } else if column.contains("{") {
                    reader.error(pair.value, "only the 'study' role takes a label template like \"{author} {year}\"; map '\(pair.key)' to one column")
                } else if allLoaded {
                    checkColumn(column, node: pair.value, columns: columns, tablesDescription: tablesDescription)
                }
                selection.columns[pair.key] = column
            }
        }
        a.analysis.selection = selection
        a.entries = entries
        // Every table must be able to name its studies.
        let studyColumn = selection.columns["study"] ?? "study"
        for t in loaded {
            let needed = studyColumn.contains("{") ? Selection.templateColumns(studyColumn) : [studyColumn]
            for column in needed where t.table.column(column) == nil {
                a.studiesNamed = false
                if studyColumn.contains("{") { continue }   // reported by the 'columns' check above
                reader.error(a.value("data") ?? a.keyNode, "table '\(t.table.name)' has no '\(column)' column to name the studies; add one, or map one with columns: {study: …}")
            }
        }
    }

    // MARK: Rows → studies

    /// Rows → studies → effect sizes, with every problem located, once every feature has read its
    /// keys. `countChecks`: the analysis's keys so far are free of errors (which would be the cause
    /// of a selection that matches nothing).
    mutating func selectStudies(_ a: inout AnalysisDraft, countChecks: Bool) {
        guard a.rowsCheckable else { return }
        a.analysis.studies = check(a.analysis.selection, settings: a.analysis.settings, subgroups: a.analysis.subgroups, what: a.what,
                                   at: a.keyNode, whereNode: a.value("where"), entries: a.entries, countChecks: countChecks)
    }

    /// Selects the rows and computes effect sizes, turning problems into located diagnostics.
    mutating func check(_ selection: SelectionSpec, settings: ResolvedSettings, subgroups: [String], what: String,
                        at node: Node, whereNode: Node?, entries: EntryNodes, countChecks: Bool) -> [SelectedStudy] {
        let plain = tables.mapValues(\.table)
        let (studies, allProblems, hits) = Selection.selectCounting(selection, tables: plain, measure: settings.measure,
                                                                    subgroupColumns: subgroups, index: selectionIndex)
        let (missingDropped, subgroupWarnings, problems) = Selection.separateMissing(allProblems)
        report(problems + subgroupWarnings, at: node)
        warnDropped(missingDropped, at: node, what: what)
        let errorsBeforeUnmatched = errorCount
        if countChecks { reportUnmatched(selection, hits: hits, entries: entries, what: what) }
        let unmatched = errorCount > errorsBeforeUnmatched
        let (effects, dropped, effectProblems) = Selection.effectSizes(studies, spec: selection, tables: plain,
                                                                       measure: settings.measure, smd: settings.smd,
                                                                       zeroCells: settings.pooling.zeroCells,
                                                                       prePostR: settings.prePostR)
        report(effectProblems, at: node)
        for (study, d) in dropped {
            if let t = tables[study.table] {
                var w = t.rowDiagnostic(study.row, "in \(what), study '\(d.study)' is left out: \(d.reason)")
                w.severity = .warning
                extra.append(w)
            }
        }
        // Peto's estimates (O − E)/V need no correction, so the warning is only for the other methods.
        let corrected = effects.filter { $0.1.input == .countsCorrected && settings.pooling.method != .peto }
        var sums = settings.pooling.zeroCells == .revman && settings.pooling.method == .mh ? " and in the Mantel–Haenszel sums, as RevMan does" : ""
        if settings.pooling.zeroCells == .revman && settings.measure == .rd {
            sums = " (for the variance only: the risk difference itself is the raw one, as RevMan computes it)"
        }
        if corrected.count > 3 {
            // A review with many zero-cell tables gets one warning per analysis, not one per row.
            let names = corrected.prefix(6).map { "'\($0.1.study)'" }.joined(separator: ", ")
            reader.warning(node, "in \(what), \(corrected.count) studies have a zero cell (\(names)\(corrected.count > 6 ? " and \(corrected.count - 6) more" : "")); 0.5 is added to every cell of their 2×2 tables for their own estimates\(sums)")
        } else {
            for (study, e) in corrected {
                if let t = tables[study.table] {
                    var w = t.rowDiagnostic(study.row, "study '\(e.study)' has a zero cell; 0.5 is added to every cell of its 2×2 table for its own estimate\(sums)")
                    w.severity = .warning
                    extra.append(w)
                }
            }
        }
        requireCounts(effects, settings: settings, what: what)
        lastEstimable = !effects.isEmpty || !problems.isEmpty || !effectProblems.isEmpty
        if problems.isEmpty && effectProblems.isEmpty && countChecks {
            let k = effects.count
            if studies.isEmpty && !missingDropped.isEmpty {
                reader.error(node, "missing: drop leaves no study in \(what): every selected row lacks a value it needs")
            } else if studies.isEmpty && !unmatched {
                reader.error(whereNode ?? node, "\(what) selects no rows from \(selection.tables.joined(separator: ", ")); check its 'where' and 'exclude'")
            } else if !studies.isEmpty && k == 0 {
                reader.warning(node, "\(what) has no study with an estimable effect (every study was left out); it is reported as not estimable")
            } else if settings.pooling.zeroCells == nil, settings.pooling.method == .mh, settings.measure == .rd, effects.allSatisfy({ _, e in
                guard let c = e.counts else { return false }
                return (c.events1 == 0 || c.events1 == c.total1) && (c.events2 == 0 || c.events2 == c.total2)
            }) {
                // Under RevMan's conventions the corrected cells give such studies a variance (CD008625 analysis 1.3).
                reader.error(node, "\(what): the Mantel–Haenszel risk difference is not estimable, because every study has 0% or 100% events in both arms (its variance is 0); use measure: RR or OR, an inverse-variance method such as IV, or profile: revman5 (RevMan's 0.5-corrected variance)")
            }
        }
        return studies
    }

    /// Mantel–Haenszel and Peto pool 2×2 tables: a study given only as an estimate (yi/vi, se or a
    /// CI) cannot enter them, which is an error at its row rather than a failure at run time.
    mutating func requireCounts(_ effects: [(SelectedStudy, EffectSize)], settings: ResolvedSettings, what: String) {
        let method = settings.pooling.method
        // An MH or Peto analysis of another measure is already an error of its settings.
        guard (method == .mh && settings.measure.isBinary) || (method == .peto && settings.measure == .or) else { return }
        for (study, e) in effects where e.counts == nil {
            if let t = tables[study.table] {
                extra.append(t.rowDiagnostic(study.row, "in \(what), study '\(e.study)' has no 2×2 counts, which method \(method.rawValue) pools; give its events and totals, or use an inverse-variance method such as DL or IV"))
            }
        }
    }

    mutating func report(_ problems: [SelectionProblem], at node: Node, index: ((Int) -> Node?)? = nil) {
        for problem in problems {
            switch problem {
            case let .cell(table, row, column, message):
                if let t = tables[table] { extra.append(t.cellDiagnostic(row, column: column, message)) }
            case let .row(table, row, message):
                if let t = tables[table] { extra.append(t.rowDiagnostic(row, message)) }
            case .overrideUnmatched(let i), .overrideColumn(let i, _, _):
                reader.error(index?(i) ?? node, problem.message)
            case let .missingSubgroup(table, row, _, column):
                if let t = tables[table] {
                    var w = t.cellDiagnostic(row, column: column, problem.message)
                    w.severity = .warning
                    extra.append(w)
                }
            case let .missingDropped(table, row, _, _):
                if let t = tables[table] { extra.append(t.rowDiagnostic(row, problem.message)) }
            }
        }
    }

    /// `where` values and `exclude`/`include` entries that match no row: a silent no-op would make
    /// the report describe an analysis that did not run, so each is an error at its YAML line.
    mutating func reportUnmatched(_ spec: SelectionSpec, hits: Selection.Hits, entries: EntryNodes, what: String) {
        let plain = tables.mapValues(\.table)
        // Existing texts of a column (and the shown study labels), in the rows `where` keeps when `filtered`.
        func existing(_ column: String, filtered: Bool) -> [String] {
            var seen = Set<String>(), out: [String] = []
            for name in spec.tables {
                guard let t = plain[name] else { continue }
                for row in t.rows {
                    let label = Selection.shownLabel(t, row, spec: spec)
                    if filtered, !spec.conditions.allSatisfy({ Selection.matches(t, row, $0, label: label) }) { continue }
                    for v in [t.cell(row, column)] + (column == "study" ? [label].compactMap { $0 } : []) where !v.isEmpty {
                        if seen.insert(v).inserted { out.append(v) }
                    }
                }
            }
            return out
        }
        func hint(_ value: String, among values: [String]) -> String {
            if let s = suggestion(for: value, among: values) ?? values.first(where: { value.hasPrefix($0) || $0.hasPrefix(value) }) {
                return "; did you mean '\(s)'?"
            }
            if values.isEmpty { return "" }
            let shown = values.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
            return "; it has \(shown)\(values.count > 8 ? " and \(values.count - 8) more" : "")"
        }
        for (condition, nodes) in entries.conditions {
            guard let c = spec.conditions.firstIndex(of: condition), c < hits.conditions.count else { continue }
            for (v, value) in condition.values.enumerated() where v < nodes.count && hits.conditions[c][v] == 0 {
                reader.error(nodes[v], "'where' of \(what) selects \(condition.column) = '\(value)', which no row has (text must match exactly)\(hint(value, among: existing(condition.column, filtered: false)))")
            }
        }
        for (kind, list, counts, nodes) in [("exclude", spec.exclude, hits.exclude, entries.exclude),
                                            ("include", spec.include, hits.include, entries.include)] {
            for (index, node) in nodes where index < list.count && index < counts.count && counts[index] == 0 {
                let match = list[index]
                // Name the first key whose value no selected row has, with what the rows do have.
                var detail = ""
                for condition in match {
                    let values = existing(condition.column, filtered: true)
                    if let missing = condition.values.first(where: { !values.contains($0) }) {
                        detail = ": no row of it has \(condition.column) = '\(missing)'\(hint(missing, among: values))"
                        break
                    }
                }
                if detail.isEmpty { detail = ": no single row has all of \(describe(match))" }
                reader.error(node, "this '\(kind)' entry of \(what) matches no row the analysis selects\(detail)")
            }
        }
    }

    /// One warning for the rows `missing: drop` left out of an analysis: every study and its columns.
    mutating func warnDropped(_ dropped: [SelectionProblem], at node: Node, what: String) {
        let entries = dropped.compactMap { problem -> String? in
            guard case let .missingDropped(table, row, study, columns) = problem else { return nil }
            let place = tables[table].flatMap { $0.rowDiagnostic(row, "").location?.description } ?? table
            return "'\(study)' (\(columns.joined(separator: ", ")); \(place))"
        }
        guard !entries.isEmpty else { return }
        let count = entries.count == 1 ? "1 study" : "\(entries.count) studies"
        reader.warning(node, "missing: drop leaves \(count) out of \(what) for missing values: \(entries.joined(separator: ", "))")
    }
}

/// The YAML nodes of a selection's entries, so that an entry matching nothing is reported where it
/// was written.
struct EntryNodes {
    /// Each condition read from a `where`, with the nodes of its values.
    var conditions: [(Condition, [Node])] = []
    /// (index in the selection's `exclude`/`include`, the entry's node).
    var exclude: [(Int, Node)] = []
    var include: [(Int, Node)] = []

    /// The value nodes of a `where` mapping, per key in order (a list value gives one node per item).
    static func conditionValues(_ node: Node) -> [[Node]] {
        guard case .mapping(let m) = node else { return [] }
        return m.map { _, value in
            if case .sequence(let items) = value { return Array(items) }
            return [value]
        }
    }

    /// The entries of an `exclude`/`include` list (one mapping alone is a list of one).
    static func items(_ node: Node) -> [Node] {
        switch node {
        case .mapping: return [node]
        case .sequence(let items): return Array(items)
        default: return []
        }
    }
}

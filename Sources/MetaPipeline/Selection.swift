import Foundation
import MetaTables
import MetaStats

/// A study selected for an analysis: what it reports, its subgroup labels, the rest of its row, and
/// where the row is.
public struct SelectedStudy: Sendable, Codable, Hashable {
    public var input: StudyInput
    /// Subgroup column → value.
    public var groups: [String: String]
    /// Every cell of the row by column name (sources, notes, flags…).
    public var metadata: [String: String]
    public var table: String
    public var row: TableRow
}

/// Something wrong with the rows an analysis selects.
public enum SelectionProblem: Error, Sendable, Hashable {
    case cell(table: String, row: TableRow, column: String, message: String)
    case row(table: String, row: TableRow, message: String)
    /// `set` entry `index` matches no row.
    case overrideUnmatched(index: Int)
    /// An override names a column the matched row's table lacks.
    case overrideColumn(index: Int, column: String, table: String)
    /// Under `missing: drop`, a row left out because these columns are missing (empty, NA, …).
    case missingDropped(table: String, row: TableRow, study: String, columns: [String])
    /// A row without a value in a subgroup column, put in the group "missing" (a warning).
    case missingSubgroup(table: String, row: TableRow, study: String, column: String)

    public var message: String {
        switch self {
        case let .cell(_, _, column, message): return "column '\(column)': \(message)"
        case let .row(_, _, message): return message
        case let .overrideUnmatched(index): return "set entry \(index + 1) matches no row"
        case let .overrideColumn(index, column, table): return "set entry \(index + 1) changes column '\(column)', which \(table) does not have"
        case let .missingDropped(_, _, study, columns): return "study '\(study)' is left out: no value for \(columns.joined(separator: ", ")) (missing: drop)"
        case let .missingSubgroup(_, _, study, column): return "study '\(study)' has no value for subgroup column '\(column)'; it is shown in the group 'missing' (missing: drop leaves it out)"
        }
    }
}

/// The column roles a row can fill, by the input they describe.
public enum Role {
    public static let continuous = ["n1", "mean1", "sd1", "n2", "mean2", "sd2"]
    public static let binary = ["events1", "total1", "events2", "total2"]
    public static let nonevents = ["nonevents1", "nonevents2"]
    public static let tStatistic = ["n1", "n2", "t"]
    public static let generic = ["yi", "vi", "se"]
    public static let interval = ["estimate", "ci_lower", "ci_upper"]
    /// COR, ZCOR.
    public static let correlation = ["r", "n"]
    /// PR, PLO, PFT: one group's events and total.
    public static let proportion = ["events", "total"]
    /// IRR, IRD.
    public static let rates = ["events1", "time1", "events2", "time2"]
    /// MC, SMCR, SMCC (with an optional `r`, the pre–post correlation).
    public static let prePost = ["n", "mean_pre", "sd_pre", "mean_post", "sd_post"]
    /// SMCC from a paired t.
    public static let pairedT = ["n", "t"]
    public static let all = ["study"] + continuous + binary + nonevents + ["t"] + generic + interval
        + ["r", "n", "events", "total", "time1", "time2"] + prePost.dropFirst()
}

/// Selection of rows and their conversion into studies — the same code for validation and for
/// the effect-size and scenario stages.
public enum Selection {
    /// How many rows each entry of a selection matched: a `where` value, an `exclude` or `include`
    /// entry or a `set` entry that matches no row is a mistake the loader reports at its YAML line.
    public struct Hits: Sendable, Hashable {
        /// Per condition, per value: rows of the analysis' tables whose cell has that text.
        public var conditions: [[Int]] = []
        /// Per entry: rows that pass `where` and match the entry.
        public var exclude: [Int] = []
        public var include: [Int] = []
        public var overrides: [Int] = []
    }

    /// Applies `where`, `exclude`/`include` and `set`, and reads each remaining row as a study.
    public static func select(_ spec: SelectionSpec, tables: [String: Table], measure: EffectMeasure,
                              subgroupColumns: [String]) -> (studies: [SelectedStudy], problems: [SelectionProblem]) {
        let (studies, problems, _) = selectCounting(spec, tables: tables, measure: measure, subgroupColumns: subgroupColumns)
        return (studies, problems)
    }

    /// The rows of tables by the trimmed text of a column, built once per table and column, so
    /// that the `where` of many analyses reading one table look up their rows instead of each
    /// scanning the whole table. Safe to share between threads.
    public final class Index: @unchecked Sendable {
        private let lock = NSLock()
        private var byColumn: [String: [String: [String: [Int]]]] = [:]
        private var shapes: [String: (path: String, header: [String], rows: Int)] = [:]

        public init() {}

        /// Row positions of `table` by the trimmed text of `column` ("" where the table lacks it).
        func rows(_ table: Table, _ column: String) -> [String: [Int]] {
            lock.lock()
            defer { lock.unlock() }
            if let shape = shapes[table.name], shape.path != table.path || shape.header != table.header || shape.rows != table.rows.count {
                byColumn[table.name] = nil
            }
            shapes[table.name] = (table.path, table.header, table.rows.count)
            if let built = byColumn[table.name]?[column] { return built }
            var map: [String: [Int]] = [:]
            let i = table.column(column)
            for (position, row) in table.rows.enumerated() {
                let cell = i.map { $0 < row.cells.count ? row.cells[$0].trimmingSpaces() : "" } ?? ""
                map[cell, default: []].append(position)
            }
            byColumn[table.name, default: [:]][column] = map
            return map
        }
    }

    /// Whether the `where` of `spec` can be looked up in an index: no condition on `study` while the
    /// study is shown with another label (which a condition may also match).
    static func indexable(_ spec: SelectionSpec) -> Bool {
        !spec.conditions.isEmpty && (spec.columns["study"] == nil || !spec.conditions.contains { $0.column == "study" })
    }

    /// The positions of the rows of `table` that pass every `where` condition, in table order, and
    /// per condition and value the rows whose cell has that text (over the whole table).
    static func indexed(_ spec: SelectionSpec, table: Table, index: Index) -> (rows: [Int], hits: [[Int]]) {
        var hits: [[Int]] = []
        var passing: Set<Int>? = nil
        for condition in spec.conditions {
            let map = index.rows(table, condition.column)
            var matched = Set<Int>()
            var counts: [Int] = []
            for value in condition.values {
                let found = map[value.trimmingSpaces()] ?? []
                counts.append(found.count)
                matched.formUnion(found)
            }
            hits.append(counts)
            passing = passing.map { $0.intersection(matched) } ?? matched
        }
        return ((passing ?? []).sorted(), hits)
    }

    /// `select`, also counting the rows each entry matched. With an `index`, the rows a `where`
    /// keeps are looked up rather than found by reading every row (the same rows and counts).
    public static func selectCounting(_ spec: SelectionSpec, tables: [String: Table], measure: EffectMeasure,
                                      subgroupColumns: [String], index: Index? = nil)
        -> (studies: [SelectedStudy], problems: [SelectionProblem], hits: Hits) {
        var studies: [SelectedStudy] = []
        var problems: [SelectionProblem] = []
        var hits = Hits(conditions: spec.conditions.map { [Int](repeating: 0, count: $0.values.count) },
                        exclude: [Int](repeating: 0, count: spec.exclude.count),
                        include: [Int](repeating: 0, count: spec.include.count),
                        overrides: [Int](repeating: 0, count: spec.overrides.count))
        var seen: [String: (String, TableRow)] = [:]
        var repeated: [String: Int] = [:]
        for tableName in spec.tables {
            guard let table = tables[tableName] else { continue }
            var positions: [Int]? = nil
            if let index, indexable(spec) {
                let (rows, counts) = indexed(spec, table: table, index: index)
                positions = rows
                for (c, perValue) in counts.enumerated() {
                    for (v, n) in perValue.enumerated() { hits.conditions[c][v] += n }
                }
            }
            for originalRow in positions.map({ $0.map { table.rows[$0] } }) ?? table.rows {
                let shown = shownLabel(table, originalRow, spec: spec)
                // As `matches` for each value on its own: the cell is looked up once per condition.
                var selected = true
                for (c, condition) in spec.conditions.enumerated() where positions == nil {
                    let cell = table.cell(originalRow, condition.column)
                    let byLabel = condition.column == "study" ? shown : nil
                    var any = false
                    for (v, value) in condition.values.enumerated() {
                        let text = value.trimmingSpaces()
                        if text == cell || byLabel.map({ text == $0 }) == true {
                            hits.conditions[c][v] += 1
                            any = true
                        }
                    }
                    if !any { selected = false }
                }
                guard selected else { continue }
                var excluded = false, included = false
                for (i, m) in spec.exclude.enumerated() where m.allSatisfy({ matches(table, originalRow, $0, label: shown) }) {
                    hits.exclude[i] += 1
                    excluded = true
                }
                for (i, m) in spec.include.enumerated() where m.allSatisfy({ matches(table, originalRow, $0, label: shown) }) {
                    hits.include[i] += 1
                    included = true
                }
                if excluded && !included { continue }
                var row = originalRow
                for (index, override) in spec.overrides.enumerated()
                where override.match.allSatisfy({ matches(table, originalRow, $0, label: shown) }) {
                    hits.overrides[index] += 1
                    for (column, value) in override.values.sorted(by: { $0.key < $1.key }) {
                        guard let c = table.column(column) else {
                            problems.append(.overrideColumn(index: index, column: column, table: table.path))
                            continue
                        }
                        row.cells[c] = value
                    }
                }
                switch study(from: row, in: table, spec: spec, measure: measure) {
                case .failure(let problem):
                    problems.append(problem)
                case .success(let input):
                    if spec.repeatedStudies == .number {
                        repeated[input.study, default: 0] += 1
                    } else if let (firstTable, firstRow) = seen[input.study] {
                        problems.append(.row(table: table.name, row: originalRow,
                                             message: "study '\(input.study)' appears twice (also \(firstTable):\(firstRow.line)); keep one row with where or exclude, give the rows distinct study names (columns: {study: \"{study} {arm}\"}), or keep both with repeated-studies: number"))
                        continue
                    }
                    seen[input.study] = (table.path, originalRow)
                    var groups: [String: String] = [:]
                    let lacking = subgroupColumns.filter { isMissing(table.cell(row, $0)) }
                    if spec.missing == .drop && !lacking.isEmpty {
                        problems.append(.missingDropped(table: table.name, row: originalRow, study: input.study, columns: lacking))
                        continue
                    }
                    for column in subgroupColumns {
                        let value = table.cell(row, column)
                        if isMissing(value) {
                            problems.append(.missingSubgroup(table: table.name, row: originalRow, study: input.study, column: column))
                        }
                        groups[column] = isMissing(value) ? "missing" : value
                    }
                    var metadata: [String: String] = [:]
                    for (i, name) in table.header.enumerated() where i < row.cells.count { metadata[name] = row.cells[i] }
                    studies.append(SelectedStudy(input: input, groups: groups, metadata: metadata, table: table.name, row: originalRow))
                }
            }
        }
        if spec.repeatedStudies == .number {
            // A name used by several rows becomes "name (1)", "name (2)", … in row order.
            var used: [String: Int] = [:]
            let taken = Set(studies.map(\.input.study))
            for i in studies.indices {
                let name = studies[i].input.study
                guard (repeated[name] ?? 0) > 1 else { continue }
                var n = used[name, default: 0]
                var label: String
                repeat {
                    n += 1
                    label = "\(name) (\(n))"
                } while taken.contains(label)
                used[name] = n
                studies[i].input.study = label
            }
        }
        for (index, count) in hits.overrides.enumerated() where count == 0 { problems.append(.overrideUnmatched(index: index)) }
        return (studies, problems, hits)
    }

    /// The rows of `table` that pass the selection's `where` conditions (the rest of the selection
    /// applied to them gives the same studies as applied to the whole table).
    public static func prefilter(_ spec: SelectionSpec, table: Table, index: Index? = nil) -> Table {
        var out = table
        if let index, indexable(spec) {
            out.rows = indexed(spec, table: table, index: index).rows.map { table.rows[$0] }
            return out
        }
        out.rows = table.rows.filter { row in
            let shown = shownLabel(table, row, spec: spec)
            return spec.conditions.allSatisfy { matches(table, row, $0, label: shown) }
        }
        return out
    }

    /// The label a row's study is shown with (after a `columns: {study: …}` template or rename), when
    /// it differs from the row's own `study` cell; `study` entries of where/exclude/include/set match either.
    static func shownLabel(_ table: Table, _ row: TableRow, spec: SelectionSpec) -> String? {
        guard let mapped = spec.columns["study"] else { return nil }
        let label = mapped.contains("{") ? Selection.label(mapped, table: table, row: row) : table.cell(row, mapped)
        return label == table.cell(row, "study") ? nil : label
    }

    /// A study label from a template such as "{author} {year}": each {column} replaced by the cell.
    public static func label(_ template: String, table: Table, row: TableRow) -> String {
        var out = ""
        var name = ""
        var inside = false
        for ch in template {
            if ch == "{" && !inside { inside = true; name = ""; continue }
            if ch == "}" && inside { inside = false; out += table.cell(row, name); continue }
            if inside { name.append(ch) } else { out.append(ch) }
        }
        return out.trimmingSpaces()
    }

    /// The columns a label template names.
    public static func templateColumns(_ template: String) -> [String] {
        var names: [String] = []
        var name = ""
        var inside = false
        for ch in template {
            if ch == "{" { inside = true; name = ""; continue }
            if ch == "}" && inside { inside = false; names.append(name); continue }
            if inside { name.append(ch) }
        }
        return names
    }

    /// Cell equality is text equality: the YAML scalar's text (trimmed) against the cell's text
    /// (trimmed). Numbers are not compared as numbers: outcome "1.1" is not "1.10", and "2020" is not
    /// "2020.0". A `study` condition also matches the study's shown label (`label`, from a template).
    public static func matches(_ table: Table, _ row: TableRow, _ condition: Condition, label: String? = nil) -> Bool {
        let cell = table.cell(row, condition.column)
        return condition.values.contains { value in
            let v = value.trimmingSpaces()
            if v == cell { return true }
            if condition.column == "study", let label, v == label { return true }
            return false
        }
    }

    /// Reads one row as a study for the measure: the columns the row fills decide the input.
    static func study(from row: TableRow, in table: Table, spec: SelectionSpec, measure: EffectMeasure)
        -> Result<StudyInput, SelectionProblem>
    {
        func column(_ role: String) -> String { spec.columns[role] ?? role }
        /// The cell, "" when it is missing (empty, NA, N/A, NR or ".").
        func text(_ role: String) -> String {
            let cell = table.cell(row, column(role))
            return isMissing(cell) ? "" : cell
        }
        func has(_ role: String) -> Bool { !text(role).isEmpty }
        func cellProblem(_ role: String, _ message: String) -> SelectionProblem {
            .cell(table: table.name, row: row, column: column(role), message: message)
        }
        let name: String
        if let template = spec.columns["study"], template.contains("{") {
            name = Selection.label(template, table: table, row: row)
        } else {
            name = text("study")
        }
        guard !name.isEmpty else {
            return .failure(table.column(column("study")) == nil
                ? .row(table: table.name, row: row, message: "\(table.path) has no '\(column("study"))' column to name the study; add one or map it with columns: {study: …}")
                : cellProblem("study", "the study name is empty"))
        }
        func numbers(_ roles: [String]) -> Result<[Double], SelectionProblem> {
            let lacking = roles.filter { !has($0) }
            if let first = lacking.first {
                if spec.missing == .drop {
                    return .failure(.missingDropped(table: table.name, row: row, study: name, columns: lacking.map(column)))
                }
                let cells = lacking.map { role -> String in
                    let raw = table.cell(row, column(role))
                    return raw.isEmpty ? column(role) : "\(column(role)) ('\(raw)')"
                }
                return .failure(cellProblem(first, "study '\(name)' has no value for \(cells.joined(separator: ", ")); this input needs \(roles.map(column).joined(separator: " ")): fill \(lacking.count == 1 ? "it" : "them") in, or set missing: drop to leave out rows that lack a value"))
            }
            var values: [Double] = []
            for role in roles {
                let raw = text(role)
                guard let value = Double(raw), value.isFinite else {
                    let hint = raw.contains(",") ? " (use a decimal point)" : ""
                    return .failure(cellProblem(role, "'\(raw)' is not a number\(hint)"))
                }
                values.append(value)
            }
            return .success(values)
        }
        func make(_ roles: [String], _ build: ([Double]) -> StudyData) -> Result<StudyInput, SelectionProblem> {
            numbers(roles).map { StudyInput(study: name, data: build($0)) }
        }

        if measure.isCorrelation, has("r") || has("n") {
            return make(Role.correlation) { .correlation(r: $0[0], n: $0[1]) }
        }
        if measure.isProportion, has("events") || has("total") {
            return make(Role.proportion) { .proportion(events: $0[0], total: $0[1]) }
        }
        if measure.isRate, has("events1") || has("events2") || has("time1") || has("time2") {
            return make(Role.rates) { .rates(RateCounts(events1: $0[0], time1: $0[1], events2: $0[2], time2: $0[3])) }
        }
        if measure.isPrePost, Role.prePost.dropFirst().contains(where: has) {
            let r: Double?
            if has("r") {
                guard let value = Double(text("r")), value.isFinite else {
                    return .failure(cellProblem("r", "'\(text("r"))' is not a number"))
                }
                r = value
            } else {
                r = nil
            }
            return make(Role.prePost) {
                .prePost(PrePostSummary(n: $0[0], meanPre: $0[1], sdPre: $0[2], meanPost: $0[3], sdPost: $0[4], r: r))
            }
        }
        if measure == .smcc, has("t"), !has("n1"), !has("n2") {
            return make(Role.pairedT) { .pairedT(n: $0[0], t: $0[1]) }
        }
        if measure == .smd || measure == .md || measure == .rom, ["mean1", "sd1", "mean2", "sd2"].contains(where: has) {
            return make(Role.continuous) {
                .continuous(ContinuousArms(n1: $0[0], mean1: $0[1], sd1: $0[2], n2: $0[3], mean2: $0[4], sd2: $0[5]))
            }
        }
        if measure.isBinary, has("events1") || has("events2") {
            if has("nonevents1") || has("nonevents2") {
                return make(["events1", "nonevents1", "events2", "nonevents2"]) {
                    .binary(BinaryCounts(events1: $0[0], total1: $0[0] + $0[1], events2: $0[2], total2: $0[2] + $0[3]))
                }
            }
            return make(Role.binary) { .binary(BinaryCounts(events1: $0[0], total1: $0[1], events2: $0[2], total2: $0[3])) }
        }
        if has("t") {
            return make(Role.tStatistic) { .tStatistic(n1: $0[0], n2: $0[1], t: $0[2]) }
        }
        if has("yi") {
            if has("vi") { return make(["yi", "vi"]) { .generic(yi: $0[0], vi: $0[1]) } }
            return make(["yi", "se"]) { .genericSE(yi: $0[0], se: $0[1]) }
        }
        if has("estimate") {
            return make(Role.interval) { .genericCI(estimate: $0[0], lower: $0[1], upper: $0[2]) }
        }
        let expected: String
        switch measure {
        case .smd: expected = "n1 mean1 sd1 n2 mean2 sd2, or n1 n2 t, or yi with vi or se"
        case .md: expected = "n1 mean1 sd1 n2 mean2 sd2, or yi with vi or se"
        case .or, .rr, .rd: expected = "events1 total1 events2 total2, or yi with vi or se, or estimate ci_lower ci_upper"
        case .generic: expected = "yi with vi or se, or estimate ci_lower ci_upper"
        case .cor, .zcor: expected = "r n, or yi with vi or se"
        case .pr, .plo, .pft: expected = "events total, or yi with vi or se"
        case .irr: expected = "events1 time1 events2 time2, or yi with vi or se, or estimate ci_lower ci_upper"
        case .ird: expected = "events1 time1 events2 time2, or yi with vi or se"
        case .rom: expected = "n1 mean1 sd1 n2 mean2 sd2, or yi with vi or se, or estimate ci_lower ci_upper"
        case .smcr, .mc: expected = "n mean_pre sd_pre mean_post sd_post (with r or prepost-r), or yi with vi or se"
        case .smcc: expected = "n mean_pre sd_pre mean_post sd_post (with r or prepost-r), or n t (paired t), or yi with vi or se"
        }
        if spec.missing == .drop {
            let roles = Role.all.filter { $0 != "study" && table.column(column($0)) != nil }
            return .failure(.missingDropped(table: table.name, row: row, study: name, columns: roles.map(column)))
        }
        return .failure(.row(table: table.name, row: row,
                             message: "study '\(name)' has no data for measure \(measure.rawValue): give \(expected), or set missing: drop to leave out rows that lack a value"))
    }

    /// Computes effect sizes; a study's invalid input is reported on its cell.
    public static func effectSizes(_ studies: [SelectedStudy], spec: SelectionSpec, tables: [String: Table],
                                   measure: EffectMeasure, smd: SMDConvention, zeroCells: ZeroCellRule? = nil,
                                   prePostR: Double? = nil)
        -> (effects: [(SelectedStudy, EffectSize)], dropped: [(SelectedStudy, DroppedStudy)], problems: [SelectionProblem])
    {
        var effects: [(SelectedStudy, EffectSize)] = []
        var dropped: [(SelectedStudy, DroppedStudy)] = []
        var problems: [SelectionProblem] = []
        for study in studies {
            do {
                switch try EffectSizes.compute(study.input, measure: measure, smd: smd, zeroCells: zeroCells,
                                                   prePostR: prePostR) {
                case .effect(let e): effects.append((study, e))
                case .dropped(let reason): dropped.append((study, DroppedStudy(study: study.input.study, reason: reason)))
                }
            } catch let error as StatsError {
                problems.append(problem(for: error, study: study, spec: spec, tables: tables))
            } catch {
                problems.append(.row(table: study.table, row: study.row, message: "\(error)"))
            }
        }
        return (effects, dropped, problems)
    }

    static func problem(for error: StatsError, study: SelectedStudy, spec: SelectionSpec, tables: [String: Table]) -> SelectionProblem {
        switch error {
        case let .invalidInput(_, field, _, _):
            var column = spec.columns[field] ?? field
            if field == "total1" || field == "total2", let table = tables[study.table],
               table.column(spec.columns[field] ?? field) == nil {
                column = spec.columns["non" + field.replacingOccurrences(of: "total", with: "events")] ?? "non" + field.replacingOccurrences(of: "total", with: "events")
            }
            return .cell(table: study.table, row: study.row, column: column, message: error.message)
        default:
            return .row(table: study.table, row: study.row, message: error.message)
        }
    }
}

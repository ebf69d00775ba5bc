import Yams

/// `syntheses:` — qualitative meta-syntheses: reported themes grouped into analytic themes by a mapping table.
extension Loader {
    mutating func readSyntheses(_ node: Node) -> [Synthesis] {
        guard let pairs = reader.mapping(node, "'syntheses'") else { return [] }
        var result: [Synthesis] = []
        for pair in pairs {
            let what = "synthesis '\(escapedForMessage(pair.key))'"
            guard checkFolderName(pair.key, "synthesis", at: pair.keyNode) else { continue }
            if analysisNames.contains(pair.key) {
                reader.error(pair.keyNode, "synthesis name '\(pair.key)' is also an analysis name; each writes to its own folder, so names must differ")
                continue
            }
            guard let fields = reader.mapping(pair.value, what) else { continue }
            reader.checkKeys(fields, allowed: ["title", "description", "themes", "mapping", "definitions", "study", "theme", "analytic-theme"], in: what)
            reader.require(["themes", "mapping"], in: fields, at: pair.keyNode, what: what)
            func value(_ key: String) -> Node? { fields.first { $0.key == key }?.value }
            func table(_ key: String) -> String? {
                guard let n = value(key), let t = reader.name(n, "'\(key)' of \(what)") else { return nil }
                if !sources.contains(where: { $0.name == t }) {
                    var message = "\(what) reads table '\(t)', which 'data' does not define"
                    if let s = suggestion(for: t, among: sources.map(\.name)) { message += "; did you mean '\(s)'?" }
                    reader.error(n, message)
                    return nil
                }
                return t
            }
            let studyColumn = value("study").flatMap { reader.name($0, "'study'") } ?? "study"
            let themeColumn = value("theme").flatMap { reader.name($0, "'theme'") } ?? "reported_theme"
            let analyticColumn = value("analytic-theme").flatMap { reader.name($0, "'analytic-theme'") } ?? "analytic_theme"
            guard let themes = table("themes"), let mapping = table("mapping") else { continue }
            let definitions = value("definitions") == nil ? nil : table("definitions")
            if let d = definitions, let t = tables[d]?.table {
                for c in [analyticColumn, "definition"] where t.column(c) == nil {
                    reader.error(pair.keyNode, "\(what): definitions table '\(d)' has no column '\(c)'")
                }
            }
            if let t = tables[themes]?.table {
                for c in [studyColumn, themeColumn] where t.column(c) == nil {
                    reader.error(pair.keyNode, "\(what): table '\(themes)' has no column '\(c)'")
                }
            }
            if let t = tables[mapping]?.table {
                for c in [studyColumn, themeColumn, analyticColumn] where t.column(c) == nil {
                    reader.error(pair.keyNode, "\(what): mapping table '\(mapping)' has no column '\(c)'")
                }
            }
            if let themeTable = tables[themes], let mapTable = tables[mapping] {
                checkThemeMapping(themeTable, mapTable, study: studyColumn, theme: themeColumn, analytic: analyticColumn)
            }
            result.append(Synthesis(name: pair.key, title: value("title").flatMap { reader.string($0, "'title'") } ?? pair.key,
                                    description: value("description").flatMap { reader.string($0, "'description'") },
                                    origin: reader.location(pair.keyNode), themesTable: themes, mappingTable: mapping,
                                    definitionsTable: definitions, studyColumn: studyColumn, themeColumn: themeColumn, analyticColumn: analyticColumn))
        }
        return result
    }

    /// Every reported theme must be mapped exactly once, and every mapping row must name a reported theme.
    mutating func checkThemeMapping(_ themes: LoadedTable, _ mapping: LoadedTable, study: String, theme: String, analytic: String) {
        var mapped: [String: TableRow] = [:]
        for row in mapping.table.rows {
            let key = mapping.table.cell(row, study) + "\u{1F}" + mapping.table.cell(row, theme)
            if mapping.table.cell(row, analytic).isEmpty {
                extra.append(mapping.cellDiagnostic(row, column: analytic, "the analytic theme is empty"))
            }
            if let first = mapped[key] {
                extra.append(mapping.rowDiagnostic(row, "this reported theme is mapped twice (also line \(first.line))"))
            }
            mapped[key] = row
        }
        var reported: Set<String> = []
        for row in themes.table.rows {
            let key = themes.table.cell(row, study) + "\u{1F}" + themes.table.cell(row, theme)
            reported.insert(key)
            if mapped[key] == nil {
                extra.append(themes.cellDiagnostic(row, column: theme, "reported theme '\(themes.table.cell(row, theme))' of '\(themes.table.cell(row, study))' has no analytic theme in \(mapping.table.path); add a row for it"))
            }
        }
        for (key, row) in mapped where !reported.contains(key) {
            extra.append(mapping.rowDiagnostic(row, "this row maps a theme that \(themes.table.path) does not report; check the study name and theme text"))
        }
    }
}

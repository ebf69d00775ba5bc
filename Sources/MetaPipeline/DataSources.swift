import Foundation
import MetaRevMan
import MetaTables

/// Turns a data source into tables — the same code at validation and in the load stages.
///
/// A CSV file is one table. A RevMan 5 file or RevMan Web data package named `review` gives three:
/// `review` (study rows in metapipe's column roles, one per study and analysis), `review-outcomes`
/// (RevMan's settings and labels per analysis) and `review-results` (every statistic RevMan stored).
public enum DataSources {
    /// The files a source is read from.
    public static func files(_ source: DataSource) -> [String] {
        switch source.kind {
        case .csv, .xlsx, .revman5: return [source.path]
        case .revmanWeb: return (try? RevManWebReader.packageFiles(source.path)) ?? [source.path]
        }
    }

    /// The tables a source provides, by name, with problems and notes.
    public static func tables(_ source: DataSource, contents: [String: Data]) -> (tables: [LoadedTable], diagnostics: [Diagnostic]) {
        switch source.kind {
        case .csv, .xlsx:
            guard let data = contents[source.path] else {
                return ([], [Diagnostic(at: SourceLocation(file: source.path, line: 1), "cannot read the file")])
            }
            let (loaded, problems) = tableSource(source).records(data, name: source.name, path: source.path)
            return (loaded.map { [$0] } ?? [], problems)
        case .revman5, .revmanWeb:
            let review: RevManReview
            do {
                if source.kind == .revman5 {
                    guard let data = contents[source.path] else {
                        return ([], [Diagnostic(at: SourceLocation(file: source.path, line: 1), "cannot read the file")])
                    }
                    review = try RevMan5Reader.read(data, path: source.path)
                } else {
                    review = try RevManWebReader.read(folder: source.path, contents: contents)
                }
            } catch {
                return ([], [Diagnostic(at: SourceLocation(file: error.file, line: error.line ?? 1), error.message)])
            }
            let notes = review.skipped.map { note in
                Diagnostic(.warning, at: SourceLocation(file: note.file, line: note.line ?? 1), note.message)
            }
            let tables = RevManTables(review, source: source.path)
            let lines: [String]
            if source.kind == .revman5, let data = contents[source.path] {
                let text = String(data: data, encoding: .isoLatin1) ?? ""
                lines = sourceLines(text).map { String($0.prefix(200)) }
            } else {
                lines = []
            }
            func table(_ suffix: String, _ header: [String], _ rows: [RevManTables.Row]) -> LoadedTable {
                LoadedTable(table: Table(name: source.name + suffix, path: source.path, header: header,
                                         rows: rows.map { TableRow(line: $0.line ?? 1, cells: $0.cells) }),
                            lines: lines)
            }
            return ([table("", RevManTables.dataHeader, tables.data),
                     table("-outcomes", RevManTables.outcomesHeader, tables.outcomes),
                     table("-results", RevManTables.resultsHeader, tables.results)], notes)
        }
    }

    /// The format a one-table source is read with.
    static func tableSource(_ source: DataSource) -> any TableSource {
        source.kind == .xlsx ? XLSXSource(sheet: source.sheet) : CSVSource()
    }

    /// Reads the files (`files(source)`) from disk.
    static func contents(_ files: [String]) -> [String: Data] {
        var out: [String: Data] = [:]
        for path in files { if let d = FileManager.default.contents(atPath: path) { out[path] = d } }
        return out
    }
}

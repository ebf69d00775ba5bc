import Foundation
import MetaTables

/// A data table: a header and rows of text cells, each row knowing its line in the source file.
public struct Table: Sendable, Codable, Hashable {
    public var name: String
    /// The file the table was read from (as the pipeline names it, relative to the working folder).
    public var path: String
    public var header: [String]
    public var rows: [TableRow]

    public init(name: String, path: String, header: [String], rows: [TableRow]) {
        self.name = name
        self.path = path
        self.header = header
        self.rows = rows
    }

    /// Index of a column by name.
    public func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// A row's cell in a column, trimmed; "" when the table has no such column.
    public func cell(_ row: TableRow, _ column: String) -> String {
        guard let i = self.column(column), i < row.cells.count else { return "" }
        return row.cells[i].trimmingSpaces()
    }
}

public struct TableRow: Sendable, Codable, Hashable {
    /// The line the row starts on (the header is line 1).
    public var line: Int
    public var cells: [String]
    public init(line: Int, cells: [String]) {
        self.line = line
        self.cells = cells
    }
}

/// A table with where its cells are in its file, for diagnostics that point at a cell or a row.
public struct LoadedTable: Sendable {
    public var table: Table
    /// How the table's file names a cell's place: a line of a text file, or a sheet cell.
    public var locator: any CellLocator

    public init(table: Table, locator: any CellLocator) {
        self.table = table
        self.locator = locator
    }

    /// A table whose rows are lines of a text file, shown under a problem.
    public init(table: Table, lines: [String]) {
        self.init(table: table, locator: LineLocator(lines: lines))
    }

    /// A diagnostic about one cell: `path:line: column 'name': message`, with the row and a caret under
    /// the cell (`file.xlsx[Sheet]!D14: column 'name': message` for a sheet).
    public func cellDiagnostic(_ row: TableRow, column: String, _ message: String) -> Diagnostic {
        locator.cellDiagnostic(table, row, column: column, message)
    }

    /// A diagnostic about a whole row.
    public func rowDiagnostic(_ row: TableRow, _ message: String) -> Diagnostic {
        locator.rowDiagnostic(table, row, message)
    }
}

/// A file format tables are read from. CSV and .xlsx sheets conform; a new format is one more
/// conformance (and a `DataSource.Kind` naming it).
public protocol TableSource: Sendable {
    /// Reads the table in a file's bytes — its header, its rows with the line (or sheet row) each is
    /// on, and the locator that names a cell's place — with every problem found, not just the first.
    /// `name` is the table's name in the pipeline, `path` the file as messages name it.
    func records(_ data: Data, name: String, path: String) -> (LoadedTable?, [Diagnostic])
}

/// How a table's file names the place of a problem in a cell or a row.
public protocol CellLocator: Sendable {
    func cellDiagnostic(_ table: Table, _ row: TableRow, column: String, _ message: String) -> Diagnostic
    func rowDiagnostic(_ table: Table, _ row: TableRow, _ message: String) -> Diagnostic
}

/// Places in a text file: `path:line: column 'name'`, with the line shown and a caret under the cell.
public struct LineLocator: CellLocator {
    /// The file's lines.
    public var lines: [String]
    public init(lines: [String]) { self.lines = lines }

    func line(_ number: Int) -> String? { number >= 1 && number <= lines.count ? lines[number - 1] : nil }

    public func cellDiagnostic(_ table: Table, _ row: TableRow, column: String, _ message: String) -> Diagnostic {
        let source = line(row.line)
        var caret: Int?
        var length = 1
        if let source, let index = table.column(column) {
            (caret, length) = CSVReader.cellSpan(in: source, index: index)
        }
        return Diagnostic(at: SourceLocation(file: table.path, line: row.line), message, csvColumn: column,
                          sourceLine: source, caretColumn: caret, caretLength: length)
    }

    public func rowDiagnostic(_ table: Table, _ row: TableRow, _ message: String) -> Diagnostic {
        Diagnostic(at: SourceLocation(file: table.path, line: row.line), message, sourceLine: line(row.line), caretColumn: 1)
    }
}

/// CSV files, read by the CSV front end (`CSVReader`).
public struct CSVSource: TableSource {
    public init() {}
    public func records(_ data: Data, name: String, path: String) -> (LoadedTable?, [Diagnostic]) {
        CSVTables.parse(data, name: name, path: path)
    }
}

/// A CSV file as a table, with the checks that give every malformed file a located error.
public enum CSVTables {
    /// Parses CSV text. Returns the table and any problems (all of them, not just the first).
    public static func parse(_ data: Data, name: String, path: String) -> (LoadedTable?, [Diagnostic]) {
        let start = SourceLocation(file: path, line: 1)
        let file: CSVFile
        do {
            file = try CSVReader.read(data)
        } catch {
            switch error {
            case .notUTF8:
                return (nil, [Diagnostic(at: start, "the file is not UTF-8 text; save it as UTF-8 CSV")])
            case .blank:
                return (nil, [Diagnostic(at: start, "the file is empty; a data table needs a header row and at least one row")])
            case .noRecords:
                return (nil, [Diagnostic(at: start, "the file has no header row")])
            case let .quoting(line, column, sourceLine, message):
                return (nil, [Diagnostic(at: SourceLocation(file: path, line: line), message, sourceLine: sourceLine, caretColumn: column)])
            case let .unparsable(reason):
                return (nil, [Diagnostic(at: start, "cannot parse the CSV: \(reason)")])
            }
        }
        var diagnostics: [Diagnostic] = []
        let headerLine = file.lines.first
        var names: [String] = []
        for (i, raw) in file.header.cells.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces)
            let (caret, length) = headerLine.map { CSVReader.cellSpan(in: $0, index: i) } ?? (nil, 1)
            if name.isEmpty {
                diagnostics.append(Diagnostic(at: start, "header cell \(i + 1) is empty; every column needs a name",
                                              sourceLine: headerLine, caretColumn: caret, caretLength: length))
            } else if names.contains(name) {
                diagnostics.append(Diagnostic(at: start, "column '\(name)' appears twice in the header; rename one",
                                              sourceLine: headerLine, caretColumn: caret, caretLength: length))
            }
            names.append(name)
        }
        var rows: [TableRow] = []
        for record in file.rows {
            if record.cells.count != names.count {
                diagnostics.append(Diagnostic(at: SourceLocation(file: path, line: record.line),
                                              "row has \(record.cells.count) cells but the header has \(names.count); quote cells that contain commas",
                                              sourceLine: file.line(record.line), caretColumn: 1))
                continue
            }
            rows.append(TableRow(line: record.line, cells: record.cells))
        }
        if rows.isEmpty && diagnostics.isEmpty {
            diagnostics.append(Diagnostic(at: start, "the table has a header but no rows"))
        }
        let table = Table(name: name, path: path, header: names, rows: rows)
        return (LoadedTable(table: table, lines: file.lines), diagnostics)
    }
}

import Foundation
import SwiftCSV

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

extension String {
    /// `trimmingCharacters(in: .whitespaces)`, returning the string itself (without Foundation's
    /// conversions) when it starts and ends with an ASCII character other than a space or a tab —
    /// nearly every cell. `.whitespaces` holds no other ASCII character.
    func trimmingSpaces() -> String {
        guard let first = utf8.first, let last = utf8.last else { return self }
        if first < 0x80, last < 0x80, first != 0x20, first != 0x09, last != 0x20, last != 0x09 { return self }
        return trimmingCharacters(in: .whitespaces)
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

/// A table with the raw lines of its file, for diagnostics that show the offending line.
public struct LoadedTable: Sendable {
    public var table: Table
    public var lines: [String]
    /// A spreadsheet sheet: rows are sheet rows, and places are cells (`file.xlsx[Sheet]!D14`).
    public var isSheet = false
    /// The sheet column (0 = A) of the table's first column.
    public var firstSheetColumn = 0

    public init(table: Table, lines: [String], isSheet: Bool = false, firstSheetColumn: Int = 0) {
        self.table = table
        self.lines = lines
        self.isSheet = isSheet
        self.firstSheetColumn = firstSheetColumn
    }

    /// A diagnostic about one cell: `path:line: column 'name': message`, with the row and a caret under
    /// the cell.
    public func cellDiagnostic(_ row: TableRow, column: String, _ message: String) -> Diagnostic {
        if isSheet {
            let index = table.column(column).map { $0 + firstSheetColumn }
            let reference = index.map { "\(table.path)!\(XLSXTables.columnLetters($0))\(row.line)" } ?? "\(table.path)!\(row.line):\(row.line)"
            return Diagnostic(at: SourceLocation(file: table.path, line: row.line, column: index.map { $0 + 1 }, reference: reference),
                              message, csvColumn: column)
        }
        let source = row.line >= 1 && row.line <= lines.count ? lines[row.line - 1] : nil
        var caret: Int?
        var length = 1
        if let source, let index = table.column(column) {
            (caret, length) = CSVTables.cellSpan(in: source, index: index)
        }
        return Diagnostic(at: SourceLocation(file: table.path, line: row.line), message, csvColumn: column,
                          sourceLine: source, caretColumn: caret, caretLength: length)
    }

    /// A diagnostic about a whole row.
    public func rowDiagnostic(_ row: TableRow, _ message: String) -> Diagnostic {
        if isSheet {
            return Diagnostic(at: SourceLocation(file: table.path, line: row.line, reference: "\(table.path)!\(row.line):\(row.line)"), message)
        }
        let source = row.line >= 1 && row.line <= lines.count ? lines[row.line - 1] : nil
        return Diagnostic(at: SourceLocation(file: table.path, line: row.line), message, sourceLine: source, caretColumn: 1)
    }
}

/// Reading CSV files (RFC 4180, comma-separated, UTF-8 with or without a byte-order mark) with
/// SwiftCSV, plus the checks that give every malformed file a located error.
public enum CSVTables {
    /// Parses CSV text. Returns the table and any problems (all of them, not just the first).
    public static func parse(_ data: Data, name: String, path: String) -> (LoadedTable?, [Diagnostic]) {
        let start = SourceLocation(file: path, line: 1)
        guard var text = String(data: data, encoding: .utf8) else {
            return (nil, [Diagnostic(at: start, "the file is not UTF-8 text; save it as UTF-8 CSV")])
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let lines = sourceLines(text)
        if text.unicodeScalars.allSatisfy({ CharacterSet.whitespacesAndNewlines.contains($0) }) {
            return (nil, [Diagnostic(at: start, "the file is empty; a data table needs a header row and at least one row")])
        }
        if let problem = quotingProblem(text, path: path, lines: lines) { return (nil, [problem]) }

        // SwiftCSV drops an empty last cell when the file does not end with a line break.
        if !(text.last?.isNewline ?? true) { text.append("\n") }
        var records: [[String]] = []
        if let plain = plainRecords(text) {
            records = plain
        } else {
            do {
                let csv = try CSV<Enumerated>(string: text, delimiter: .comma, loadColumns: false, rowLimit: 1)
                try csv.enumerateAsArray(startAt: 0, rowLimit: nil) { (fields: [String]) in records.append(fields) }
            } catch {
                return (nil, [Diagnostic(at: start, "cannot parse the CSV: \(error)")])
            }
        }
        guard let header = records.first else {
            return (nil, [Diagnostic(at: start, "the file has no header row")])
        }
        var diagnostics: [Diagnostic] = []
        let headerLine = lines.first
        var names: [String] = []
        for (i, raw) in header.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces)
            let (caret, length) = headerLine.map { cellSpan(in: $0, index: i) } ?? (nil, 1)
            if name.isEmpty {
                diagnostics.append(Diagnostic(at: start, "header cell \(i + 1) is empty; every column needs a name",
                                              sourceLine: headerLine, caretColumn: caret, caretLength: length))
            } else if names.contains(name) {
                diagnostics.append(Diagnostic(at: start, "column '\(name)' appears twice in the header; rename one",
                                              sourceLine: headerLine, caretColumn: caret, caretLength: length))
            }
            names.append(name)
        }
        // Line numbers: each record ends one line, plus the line breaks inside its quoted cells.
        var rows: [TableRow] = []
        var line = 1 + newlines(in: header)
        for record in records.dropFirst() {
            line += 1
            let rowLine = line
            line += newlines(in: record)
            if record.allSatisfy({ $0.trimmingSpaces().isEmpty }) { continue }
            if record.count != names.count {
                let source = rowLine <= lines.count ? lines[rowLine - 1] : nil
                diagnostics.append(Diagnostic(at: SourceLocation(file: path, line: rowLine),
                                              "row has \(record.count) cells but the header has \(names.count); quote cells that contain commas",
                                              sourceLine: source, caretColumn: 1))
                continue
            }
            rows.append(TableRow(line: rowLine, cells: record))
        }
        if rows.isEmpty && diagnostics.isEmpty {
            diagnostics.append(Diagnostic(at: start, "the table has a header but no rows"))
        }
        let table = Table(name: name, path: path, header: names, rows: rows)
        return (LoadedTable(table: table, lines: lines), diagnostics)
    }

    /// The records of ASCII text without quotes, as SwiftCSV reads them — cells split at commas,
    /// records at LF, CR or CR LF, and spaces, tabs, vertical tabs and form feeds at the start of a
    /// cell skipped — in one pass over the bytes; nil for other text, which SwiftCSV reads (a quote,
    /// or a non-ASCII character that could join a comma or a line break into one character, changes
    /// how a line splits).
    static func plainRecords(_ text: String) -> [[String]]? {
        var text = text
        return text.withUTF8 { bytes -> [[String]]? in
            for b in bytes where b >= 0x80 || b == 0x22 { return nil }
            // Text not ending with a line break ends in a cell SwiftCSV may drop when it is empty.
            guard let last = bytes.last, last == 0x0A || last == 0x0D else { return nil }
            func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0B || b == 0x0C }
            var records: [[String]] = []
            var fields: [String] = []
            var start = 0, i = 0
            var atCellStart = true
            func cell(_ end: Int) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) }
            while i < bytes.count {
                let b = bytes[i]
                if atCellStart && blank(b) {
                    i += 1
                    start = i
                    continue
                }
                atCellStart = false
                switch b {
                case 0x2C:
                    fields.append(cell(i))
                    start = i + 1
                    atCellStart = true
                case 0x0A, 0x0D:
                    fields.append(cell(i))
                    records.append(fields)
                    fields = []
                    if b == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
                    start = i + 1
                    atCellStart = true
                default: break
                }
                i += 1
            }
            if start < bytes.count || !fields.isEmpty {
                fields.append(cell(bytes.count))
                records.append(fields)
            }
            return records
        }
    }

    static func newlines(in record: [String]) -> Int {
        record.reduce(0) { total, cell in
            // A cell of ASCII without a line break or form feed (nearly every cell) has no newline.
            if cell.utf8.allSatisfy({ $0 < 0x80 && ($0 < 0x0A || $0 > 0x0D) }) { return total }
            return total + cell.reduce(0) { $0 + ($1.isNewline ? 1 : 0) }
        }
    }

    /// Finds the first quoting error (a quote inside an unquoted cell, text after a closing quote,
    /// or a quote that is never closed), which SwiftCSV either rejects without a position or reads
    /// to the end of the file.
    static func quotingProblem(_ text: String, path: String, lines: [String]) -> Diagnostic? {
        // Every problem found here involves a quote.
        if !text.utf8.contains(0x22) { return nil }
        var line = 1, column = 0
        var inQuotes = false, afterClosingQuote = false, atCellStart = true, cellHasText = false
        var openedAt = (1, 1)
        var chars = text.makeIterator()
        var pending: Character? = nil
        func located(_ l: Int, _ c: Int, _ message: String) -> Diagnostic {
            Diagnostic(at: SourceLocation(file: path, line: l), message,
                       sourceLine: l <= lines.count ? lines[l - 1] : nil, caretColumn: c)
        }
        while let ch = pending ?? chars.next() {
            pending = nil
            column += 1
            if inQuotes {
                if ch == "\"" {
                    if let next = chars.next() {
                        if next == "\"" { column += 1; continue }
                        pending = next
                    }
                    inQuotes = false
                    afterClosingQuote = true
                } else if ch.isNewline {
                    line += 1
                    column = 0
                }
                continue
            }
            if ch == "," {
                atCellStart = true; afterClosingQuote = false; cellHasText = false
            } else if ch.isNewline {
                line += 1; column = 0
                atCellStart = true; afterClosingQuote = false; cellHasText = false
            } else if ch == "\"" {
                if atCellStart && !cellHasText {
                    inQuotes = true
                    openedAt = (line, column)
                    atCellStart = false
                } else {
                    return located(line, column, "a quote inside an unquoted cell; put the whole cell in quotes and double inner quotes (\"\")")
                }
            } else if afterClosingQuote && !ch.isWhitespace {
                return located(line, column, "text after the closing quote of a cell; a quoted cell must end at a comma or line end")
            } else if !ch.isWhitespace {
                atCellStart = false
                cellHasText = true
            }
        }
        if inQuotes {
            return located(openedAt.0, openedAt.1, "this quote is never closed; the cell runs to the end of the file")
        }
        return nil
    }

    /// The 1-based character column where cell `index` starts on a source line, and its width.
    static func cellSpan(in line: String, index: Int) -> (Int?, Int) {
        var cell = 0, column = 1, start = 1
        var inQuotes = false
        let chars = Array(line)
        var i = 0
        while i < chars.count {
            let ch = chars[i]
            if ch == "\"" { inQuotes.toggle() }
            if ch == "," && !inQuotes {
                if cell == index { return (start, max(1, column - start)) }
                cell += 1
                start = column + 1
            }
            column += 1
            i += 1
        }
        if cell == index { return (start, max(1, column - start)) }
        return (nil, 1)
    }
}

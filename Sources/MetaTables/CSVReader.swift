import Foundation
import MetaFormat
import SwiftCSV

/// One record of a CSV file: its cells, and the line of the file it starts on (the first line is 1).
public struct CSVRecord: Sendable, Hashable {
    public var line: Int
    public var cells: [String]
    public init(line: Int, cells: [String]) {
        self.line = line
        self.cells = cells
    }
}

/// A CSV file read into records: the first is the header, then every row that has a value, each
/// with the line it starts on.
public struct CSVFile: Sendable {
    /// The file's lines (after a byte-order mark), for showing a problem's line.
    public var lines: [String]
    /// The header record, then the rows; rows whose cells are all empty or blank are left out
    /// (their lines still count).
    public var records: [CSVRecord]

    public var header: CSVRecord { records[0] }
    public var rows: ArraySlice<CSVRecord> { records.dropFirst() }

    /// The source line a record starts on, when the file has it.
    public func line(_ number: Int) -> String? { number >= 1 && number <= lines.count ? lines[number - 1] : nil }
}

/// Why CSV bytes give no records.
public enum CSVReadError: Error, Sendable, Equatable {
    /// The bytes are not UTF-8.
    case notUTF8
    /// The text has only spaces and line breaks.
    case blank
    /// A quote out of place, at a line and (1-based, in characters) column, with the line's text.
    case quoting(line: Int, column: Int, sourceLine: String?, message: String)
    /// The text holds no record, not even a header.
    case noRecords
    /// SwiftCSV refused the text.
    case unparsable(String)
}

/// The one way metapipe reads CSV (RFC 4180, comma-separated, UTF-8 with or without a byte-order
/// mark; lines end at LF, CR or CR LF): SwiftCSV's records, with ASCII text without quotes split in
/// one pass over its bytes, quoting errors found with their place, and the line each record starts on.
public enum CSVReader {
    /// Reads CSV bytes.
    public static func read(_ data: Data) throws(CSVReadError) -> CSVFile {
        guard let text = String(data: data, encoding: .utf8) else { throw .notUTF8 }
        return try read(text: text)
    }

    /// Reads CSV text (a leading byte-order mark is skipped).
    public static func read(text: String) throws(CSVReadError) -> CSVFile {
        var text = text
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let lines = sourceLines(text)
        if text.unicodeScalars.allSatisfy({ CharacterSet.whitespacesAndNewlines.contains($0) }) { throw .blank }
        if let problem = quotingProblem(text) {
            throw .quoting(line: problem.line, column: problem.column,
                           sourceLine: problem.line <= lines.count ? lines[problem.line - 1] : nil, message: problem.message)
        }
        let fields = try fieldRecords(text)
        if fields.isEmpty { throw .noRecords }
        // Line numbers: each record ends one line, plus the line breaks inside its quoted cells.
        var records: [CSVRecord] = []
        var line = 1
        for (i, cells) in fields.enumerated() {
            let start = line
            line += newlines(in: cells) + 1
            if i > 0 && cells.allSatisfy({ $0.trimmingSpaces().isEmpty }) { continue }
            records.append(CSVRecord(line: start, cells: cells))
        }
        return CSVFile(lines: lines, records: records)
    }

    /// The cells of every record, as SwiftCSV reads them (a file that does not end with a line break
    /// reads as if it did: SwiftCSV would drop an empty last cell).
    static func fieldRecords(_ text: String) throws(CSVReadError) -> [[String]] {
        var text = text
        if !(text.last?.isNewline ?? true) { text.append("\n") }
        if let plain = plainRecords(text) { return plain }
        var records: [[String]] = []
        do {
            let csv = try CSV<Enumerated>(string: text, delimiter: .comma, loadColumns: false, rowLimit: 1)
            try csv.enumerateAsArray(startAt: 0, rowLimit: nil) { (fields: [String]) in records.append(fields) }
        } catch {
            throw .unparsable("\(error)")
        }
        return records
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

    /// How many line breaks a record's cells hold (a quoted cell may span lines).
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
    static func quotingProblem(_ text: String) -> (line: Int, column: Int, message: String)? {
        // Every problem found here involves a quote.
        if !text.utf8.contains(0x22) { return nil }
        var line = 1, column = 0
        var inQuotes = false, afterClosingQuote = false, atCellStart = true, cellHasText = false
        var openedAt = (1, 1)
        var chars = text.makeIterator()
        var pending: Character? = nil
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
                    return (line, column, "a quote inside an unquoted cell; put the whole cell in quotes and double inner quotes (\"\")")
                }
            } else if afterClosingQuote && !ch.isWhitespace {
                return (line, column, "text after the closing quote of a cell; a quoted cell must end at a comma or line end")
            } else if !ch.isWhitespace {
                atCellStart = false
                cellHasText = true
            }
        }
        if inQuotes {
            return (openedAt.0, openedAt.1, "this quote is never closed; the cell runs to the end of the file")
        }
        return nil
    }

    /// The 1-based character column where cell `index` starts on a source line, and its width.
    public static func cellSpan(in line: String, index: Int) -> (Int?, Int) {
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

/// The lines of a text file as diagnostics number them: "\n", "\r\n" and "\r" each end a line.
/// (In Swift "\r\n" is a single Character, so splitting on "\n" alone leaves a CRLF file whole.)
public func sourceLines(_ text: String) -> [String] {
    if onlyLineFeeds(text) {
        // A line feed is always a character of its own, so splitting the bytes gives the same lines.
        return text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }
    return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
}

extension String {
    /// `trimmingCharacters(in: .whitespaces)`, returning the string itself (without Foundation's
    /// conversions) when it starts and ends with an ASCII character other than a space or a tab —
    /// nearly every cell. `.whitespaces` holds no other ASCII character.
    public func trimmingSpaces() -> String {
        guard let first = utf8.first, let last = utf8.last else { return self }
        if first < 0x80, last < 0x80, first != 0x20, first != 0x09, last != 0x20, last != 0x09 { return self }
        return trimmingCharacters(in: .whitespaces)
    }
}

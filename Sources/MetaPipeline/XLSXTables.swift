import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// Reading one sheet of an Excel workbook (.xlsx, Office Open XML) as a table: the ZIP container
/// through ZIPFoundation, the XML parts through Foundation's XMLParser.
///
/// Cells become text as a CSV export would give them: shared and inline strings as written,
/// numbers as Excel stored them, dates (numbers in a date format) as ISO 8601 text (`2019-03-01`,
/// with `T13:30:00` when there is a time of day), booleans as `TRUE`/`FALSE`, error values as
/// their code (`#DIV/0!`), and empty cells as "". The first row with a value is the header. Merged
/// cells are refused: a merged header leaves a column without a name, and in the data only the
/// first cell of a merge holds the value. Problems are located as `file.xlsx[Sheet]!D14`.
public enum XLSXTables {
    /// Parses `sheet` of the workbook (the first sheet when nil). `path` names the file in messages.
    public static func parse(_ data: Data, name: String, path: String, sheet: String?) -> (LoadedTable?, [Diagnostic]) {
        do {
            let workbook = try Workbook(data: data, path: path)
            let (sheetName, part) = try workbook.sheet(named: sheet)
            return try table(workbook, sheetName: sheetName, part: part, name: name, path: path)
        } catch let error as XLSXError {
            return (nil, [error.diagnostic])
        } catch {
            return (nil, [XLSXError(path, "cannot read the workbook: \(error)").diagnostic])
        }
    }

    /// "A" → 0, "Z" → 25, "AA" → 26.
    static func columnIndex(_ letters: Substring) -> Int? {
        var index = 0
        for ch in letters {
            guard let a = ch.asciiValue, a >= 65, a <= 90 else { return nil }
            index = index * 26 + Int(a - 64)
        }
        return letters.isEmpty ? nil : index - 1
    }

    /// 0 → "A", 26 → "AA".
    public static func columnLetters(_ index: Int) -> String {
        var n = index + 1
        var letters = ""
        while n > 0 {
            let r = (n - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + r))) + letters
            n = (n - 1) / 26
        }
        return letters
    }

    /// "D14" → (column 3, row 14).
    static func cellReference(_ ref: String) -> (column: Int, row: Int)? {
        let letters = ref.prefix { $0.isLetter }
        guard let column = columnIndex(letters), let row = Int(ref.dropFirst(letters.count)), row >= 1 else { return nil }
        return (column, row)
    }

    static func table(_ workbook: Workbook, sheetName: String, part: String, name: String, path: String) throws -> (LoadedTable?, [Diagnostic]) {
        let place = "\(path)[\(sheetName)]"
        func at(_ column: Int?, _ row: Int) -> SourceLocation {
            let reference = column.map { "\(place)!\(columnLetters($0))\(row)" } ?? "\(place)!\(row):\(row)"
            return SourceLocation(file: place, line: row, column: column.map { $0 + 1 }, reference: reference)
        }
        let sheet = try workbook.parseSheet(part, place: place)
        var diagnostics: [Diagnostic] = []
        let rowsByNumber = sheet.rows.filter { !$0.value.values.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
        guard let headerRow = rowsByNumber.keys.min(), let headerCells = rowsByNumber[headerRow] else {
            return (nil, [Diagnostic(at: SourceLocation(file: place, line: 1, reference: place), "the sheet is empty; a data table needs a header row and at least one row")])
        }
        for merge in sheet.merges {
            guard let (first, last) = merge.range else { continue }
            if first.row <= headerRow && headerRow <= last.row {
                diagnostics.append(Diagnostic(at: at(first.column, first.row), "header cells \(merge.text) are merged, which leaves columns without a name; unmerge them and give every column its own header"))
            } else {
                diagnostics.append(Diagnostic(at: at(first.column, first.row), "cells \(merge.text) are merged, so only \(columnLetters(first.column))\(first.row) holds the value; unmerge them and fill in every cell"))
            }
        }
        // The table spans the header's columns, from the first to the last that has a name.
        let named = headerCells.filter { !$0.value.trimmingCharacters(in: .whitespaces).isEmpty }.keys
        let first = named.min() ?? 0, last = named.max() ?? 0
        let columns = Array(first...last)
        var names: [String] = []
        for i in columns {
            let name = (headerCells[i] ?? "").trimmingCharacters(in: .whitespaces)
            if name.isEmpty {
                diagnostics.append(Diagnostic(at: at(i, headerRow), "header cell \(columnLetters(i))\(headerRow) is empty; every column needs a name"))
            } else if names.contains(name) {
                diagnostics.append(Diagnostic(at: at(i, headerRow), "column '\(name)' appears twice in the header; rename one"))
            }
            names.append(name)
        }
        var rows: [TableRow] = []
        for number in rowsByNumber.keys.sorted() where number > headerRow {
            let cells = rowsByNumber[number] ?? [:]
            if let stray = cells.filter({ ($0.key < first || $0.key > last) && !$0.value.trimmingCharacters(in: .whitespaces).isEmpty }).keys.min() {
                diagnostics.append(Diagnostic(at: at(stray, number), "cell \(columnLetters(stray))\(number) has a value but its column has no header; add a header or clear the cell"))
                continue
            }
            rows.append(TableRow(line: number, cells: columns.map { cells[$0] ?? "" }))
        }
        if rows.isEmpty && diagnostics.isEmpty {
            diagnostics.append(Diagnostic(at: at(nil, headerRow), "the sheet has a header but no rows"))
        }
        let table = Table(name: name, path: place, header: names, rows: rows)
        return (LoadedTable(table: table, locator: SheetLocator(firstColumn: first)), diagnostics)
    }
}

/// One sheet of an .xlsx workbook (the first when `sheet` is nil).
public struct XLSXSource: TableSource {
    public var sheet: String?
    public init(sheet: String?) { self.sheet = sheet }
    public func records(_ data: Data, name: String, path: String) -> (LoadedTable?, [Diagnostic]) {
        XLSXTables.parse(data, name: name, path: path, sheet: sheet)
    }
}

/// Places in a sheet: a cell `file.xlsx[Sheet]!D14`, or a whole row `file.xlsx[Sheet]!14:14`.
public struct SheetLocator: CellLocator {
    /// The sheet column (0 = A) of the table's first column.
    public var firstColumn: Int
    public init(firstColumn: Int) { self.firstColumn = firstColumn }

    public func cellDiagnostic(_ table: Table, _ row: TableRow, column: String, _ message: String) -> Diagnostic {
        let index = table.column(column).map { $0 + firstColumn }
        let reference = index.map { "\(table.path)!\(XLSXTables.columnLetters($0))\(row.line)" } ?? "\(table.path)!\(row.line):\(row.line)"
        return Diagnostic(at: SourceLocation(file: table.path, line: row.line, column: index.map { $0 + 1 }, reference: reference),
                          message, csvColumn: column)
    }

    public func rowDiagnostic(_ table: Table, _ row: TableRow, _ message: String) -> Diagnostic {
        Diagnostic(at: SourceLocation(file: table.path, line: row.line, reference: "\(table.path)!\(row.line):\(row.line)"), message)
    }
}

/// A problem with the workbook as a whole.
struct XLSXError: Error {
    var place: String
    var message: String
    init(_ place: String, _ message: String) { self.place = place; self.message = message }
    var diagnostic: Diagnostic { Diagnostic(at: SourceLocation(file: place, line: 1, reference: place), message) }
}

/// The parts of a workbook metapipe reads.
struct Workbook {
    let archive: Archive
    let path: String
    /// Sheet names in workbook order, with the part each is stored in.
    var sheets: [(name: String, part: String)] = []
    var sharedStrings: [String] = []
    /// Per cell style (the `s` attribute): whether its number format shows a date.
    var dateStyles: [Bool] = []
    var date1904 = false

    init(data: Data, path: String) throws {
        self.path = path
        let isZip = data.starts(with: [0x50, 0x4B, 0x03, 0x04])
        guard isZip, let archive = try? Archive(data: data, accessMode: .read) else {
            if isZip {
                throw XLSXError(path, "the workbook is damaged or truncated (its ZIP directory cannot be read); save it again from the spreadsheet program")
            }
            let text = String(data: data.prefix(512), encoding: .utf8) != nil
            throw XLSXError(path, "the file is not an .xlsx workbook (an .xlsx is a ZIP archive)" +
                            (text ? "; it looks like text: if it is a CSV file, name it .csv or give kind: csv" : "; save it as an Excel workbook (.xlsx)"))
        }
        self.archive = archive
        guard let workbookXML = try part("xl/workbook.xml") else {
            throw XLSXError(path, "the file is a ZIP archive but not an Excel workbook (it has no xl/workbook.xml)")
        }
        var relations: [String: String] = [:]
        if let rels = try part("xl/_rels/workbook.xml.rels") {
            try XMLEvents.parse(rels, place: path + " (xl/_rels/workbook.xml.rels)") { name, attributes in
                if name == "Relationship", let id = attributes["Id"], let target = attributes["Target"] { relations[id] = target }
            }
        }
        var sheets: [(String, String)] = []
        var date1904 = false
        try XMLEvents.parse(workbookXML, place: path + " (xl/workbook.xml)") { name, attributes in
            if name == "workbookPr", let flag = attributes["date1904"] { date1904 = flag == "1" || flag == "true" }
            if name == "sheet", let sheetName = attributes["name"] {
                let target = attributes["id"].flatMap { relations[$0] } ?? "worksheets/sheet\(sheets.count + 1).xml"
                let part = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
                sheets.append((sheetName, part))
            }
        }
        self.sheets = sheets
        self.date1904 = date1904
        if let strings = try part("xl/sharedStrings.xml") { sharedStrings = try Self.readSharedStrings(strings, place: path) }
        if let styles = try part("xl/styles.xml") { dateStyles = try Self.readDateStyles(styles, place: path) }
    }

    /// The bytes of an archive entry, nil when absent.
    func part(_ name: String) throws -> Data? {
        guard let entry = archive[name] else { return nil }
        var out = Data()
        do {
            _ = try archive.extract(entry) { out.append($0) }
        } catch {
            throw XLSXError(path, "the workbook is damaged: its part \(name) cannot be read (\(error)); save it again from the spreadsheet program")
        }
        return out
    }

    func sheet(named wanted: String?) throws -> (String, String) {
        guard let first = sheets.first else { throw XLSXError(path, "the workbook has no sheets") }
        guard let wanted else { return first }
        if let s = sheets.first(where: { $0.name == wanted }) { return s }
        var message = "the workbook has no sheet '\(wanted)'"
        if let s = suggestion(for: wanted, among: sheets.map(\.name)) { message += "; did you mean '\(s)'?" }
        message += " (its sheets are \(quotedList(sheets.map(\.name))))"
        throw XLSXError(path, message)
    }

    /// `<si>` items: plain `<t>` or rich-text runs `<r><t>…</t></r>`; phonetic guides (`<rPh>`) skipped.
    static func readSharedStrings(_ data: Data, place: String) throws -> [String] {
        var strings: [String] = []
        var current = "", inText = false, phonetic = 0
        try XMLEvents.parse(data, place: place + " (xl/sharedStrings.xml)", start: { name, _ in
            switch name {
            case "si": current = ""
            case "t": inText = true
            case "rPh": phonetic += 1
            default: break
            }
        }, end: { name in
            switch name {
            case "si": strings.append(current)
            case "t": inText = false
            case "rPh": phonetic -= 1
            default: break
            }
        }, text: { text in if inText && phonetic == 0 { current += text } })
        return strings
    }

    /// Which cell styles show numbers as dates: built-in formats 14–22, 27–36, 45–47, 50–58, and
    /// custom formats with a day, month-and-year or hour code outside quotes and brackets.
    static func readDateStyles(_ data: Data, place: String) throws -> [Bool] {
        var custom: [Int: String] = [:]
        var formats: [Int] = []
        var inCellXfs = false
        try XMLEvents.parse(data, place: place + " (xl/styles.xml)", start: { name, attributes in
            if name == "numFmt", let id = attributes["numFmtId"].flatMap(Int.init), let code = attributes["formatCode"] { custom[id] = code }
            if name == "cellXfs" { inCellXfs = true }
            if name == "xf" && inCellXfs { formats.append(attributes["numFmtId"].flatMap(Int.init) ?? 0) }
        }, end: { name in if name == "cellXfs" { inCellXfs = false } })
        let builtIn = Set(Array(14...22) + Array(27...36) + Array(45...47) + Array(50...58))
        return formats.map { id in
            if let code = custom[id] { return isDateFormat(code) }
            return builtIn.contains(id)
        }
    }

    static func isDateFormat(_ code: String) -> Bool {
        var plain = ""
        var inQuotes = false, inBrackets = false, escaped = false
        for ch in code {
            if escaped { escaped = false; continue }
            switch ch {
            case "\\": escaped = true
            case "\"": inQuotes.toggle()
            case "[" where !inQuotes: inBrackets = true
            case "]" where !inQuotes: inBrackets = false
            default: if !inQuotes && !inBrackets { plain.append(ch) }
            }
        }
        // The first section (positive numbers) decides.
        let section = plain.split(separator: ";", omittingEmptySubsequences: false).first.map(String.init)?.lowercased() ?? ""
        return section.contains("d") || section.contains("y") || section.contains("h") || section.contains("s") && section.contains("m")
    }

    struct Merge {
        var text: String
        var range: ((column: Int, row: Int), (column: Int, row: Int))? {
            let parts = text.split(separator: ":").map(String.init)
            guard let a = parts.first.flatMap(XLSXTables.cellReference) else { return nil }
            let b = parts.count > 1 ? XLSXTables.cellReference(parts[1]) ?? a : a
            return (a, b)
        }
    }

    struct Sheet {
        /// Row number → column index → cell text.
        var rows: [Int: [Int: String]]
        var merges: [Merge]
    }

    func parseSheet(_ part: String, place: String) throws -> Sheet {
        guard let data = try self.part(part) else {
            throw XLSXError(path, "the workbook lists sheet part \(part) but does not contain it; save it again from the spreadsheet program")
        }
        var rows: [Int: [Int: String]] = [:]
        var merges: [Merge] = []
        var rowNumber = 0, nextColumn = 0
        var cellColumn = 0, cellType = "n", cellStyle = 0
        var value = "", inlineText = "", inValue = false, inInlineText = false, hasInline = false, phonetic = 0
        var badReference: String?
        try XMLEvents.parse(data, place: place, start: { name, attributes in
            switch name {
            case "row":
                rowNumber = attributes["r"].flatMap(Int.init) ?? rowNumber + 1
                nextColumn = 0
            case "c":
                if let ref = attributes["r"] {
                    if let (column, _) = XLSXTables.cellReference(ref) { cellColumn = column } else { badReference = ref; cellColumn = nextColumn }
                } else {
                    cellColumn = nextColumn
                }
                cellType = attributes["t"] ?? "n"
                cellStyle = attributes["s"].flatMap(Int.init) ?? 0
                value = ""; inlineText = ""; hasInline = false
            case "v": inValue = true
            case "is": hasInline = true
            case "t": inInlineText = hasInline
            case "rPh": phonetic += 1
            case "mergeCell": if let ref = attributes["ref"] { merges.append(Merge(text: ref)) }
            default: break
            }
        }, end: { name in
            switch name {
            case "v": inValue = false
            case "t": inInlineText = false
            case "rPh": phonetic -= 1
            case "c":
                let text = cellText(type: cellType, style: cellStyle, value: value, inline: inlineText)
                if !text.isEmpty { rows[rowNumber, default: [:]][cellColumn] = text }
                nextColumn = cellColumn + 1
            default: break
            }
        }, text: { text in
            if inValue { value += text }
            if inInlineText && phonetic == 0 { inlineText += text }
        })
        if let badReference {
            throw XLSXError(place, "the sheet has a cell with the malformed reference '\(badReference)'; save it again from the spreadsheet program")
        }
        return Sheet(rows: rows, merges: merges)
    }

    func cellText(type: String, style: Int, value: String, inline: String) -> String {
        switch type {
        case "s":
            guard let index = Int(value.trimmingCharacters(in: .whitespaces)), sharedStrings.indices.contains(index) else { return "" }
            return sharedStrings[index]
        case "inlineStr": return inline
        case "str", "e", "d": return value
        case "b": return value.trimmingCharacters(in: .whitespaces) == "1" ? "TRUE" : "FALSE"
        default:
            let raw = value.trimmingCharacters(in: .whitespaces)
            if dateStyles.indices.contains(style), dateStyles[style], let serial = Double(raw) {
                return Self.isoDate(serial: serial, date1904: date1904) ?? raw
            }
            return raw
        }
    }

    /// An Excel date serial as ISO 8601 text. The 1900 system counts 1900-01-01 as 1 and keeps
    /// Lotus' 1900-02-29 (serial 60); the 1904 system counts 1904-01-01 as 0.
    static func isoDate(serial: Double, date1904: Bool) -> String? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        var days = serial.rounded(.down)
        var seconds = ((serial - days) * 86_400).rounded()
        if seconds >= 86_400 { days += 1; seconds -= 86_400 }
        // Days since 1970-01-01.
        let epochDays: Double
        if date1904 {
            epochDays = days - 24_107
        } else {
            if days == 60 { return "1900-02-29" }
            epochDays = (days < 60 ? days : days - 1) - 25_568
        }
        let (y, m, d) = civil(fromDays: Int(epochDays))
        var text = String(format: "%04d-%02d-%02d", y, m, d)
        if seconds > 0 {
            let s = Int(seconds)
            text += String(format: "T%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        }
        return text
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

/// Foundation's XMLParser as three callbacks, with element and attribute names without their
/// namespace prefix.
final class XMLEvents: NSObject, XMLParserDelegate {
    let start: (String, [String: String]) -> Void
    let end: (String) -> Void
    let text: (String) -> Void

    init(start: @escaping (String, [String: String]) -> Void, end: @escaping (String) -> Void, text: @escaping (String) -> Void) {
        self.start = start
        self.end = end
        self.text = text
    }

    static func local(_ name: String) -> String {
        name.firstIndex(of: ":").map { String(name[name.index(after: $0)...]) } ?? name
    }

    static func parse(_ data: Data, place: String, start: @escaping (String, [String: String]) -> Void,
                      end: @escaping (String) -> Void = { _ in }, text: @escaping (String) -> Void = { _ in }) throws {
        let events = XMLEvents(start: start, end: end, text: text)
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.delegate = events
        if !parser.parse() {
            let detail = parser.parserError.map { " (\($0.localizedDescription))" } ?? ""
            throw XLSXError(place, "the workbook is damaged: \(place.contains("(") ? "" : "a part of it ")is not well-formed XML at line \(parser.lineNumber)\(detail); save it again from the spreadsheet program")
        }
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        var plain: [String: String] = [:]
        for (key, value) in attributes { plain[Self.local(key)] = value }
        start(Self.local(elementName), plain)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        end(Self.local(elementName))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text(string) }
}

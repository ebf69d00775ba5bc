import Foundation

/// Writes RFC 4180 CSV: comma-separated, cells quoted when they hold a comma, quote or line break,
/// lines ending in LF. Numbers are written at full precision (shortest exact form).
///
/// A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a
/// formula. Unless told to keep them (`formulas: .keep`, for tables metapipe reads back), such a text
/// cell is written with a leading apostrophe (`'=HYPERLINK(…)`), which spreadsheets show as text;
/// numbers (`-0.5`, `+1e-3`) are left as they are.
public struct CSVWriter {
    public enum Formulas: Sendable { case neutralise, keep }
    private var lines: [String] = []
    private let formulas: Formulas

    public init(header: [String], formulas: Formulas = .neutralise) {
        self.formulas = formulas
        lines.append(Self.line(header, formulas))
    }

    public mutating func row(_ cells: [String]) { lines.append(Self.line(cells, formulas)) }

    public var data: Data { Data((lines.joined(separator: "\n") + "\n").utf8) }

    static func line(_ cells: [String], _ formulas: Formulas = .neutralise) -> String {
        cells.map { quote(formulas == .neutralise ? neutralised($0) : $0) }.joined(separator: ",")
    }

    /// `cell`, with a leading apostrophe when a spreadsheet would run it as a formula.
    public static func neutralised(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return cell }
        if Double(cell) != nil { return cell }
        return "'" + cell
    }

    static func quote(_ cell: String) -> String {
        guard cell.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) || cell.hasPrefix(" ") || cell.hasSuffix(" ") else {
            return cell
        }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A number at full precision ("0.1", "-0.714117222073227"), or "" for nil.
    public static func number(_ value: Double?) -> String {
        guard let value else { return "" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

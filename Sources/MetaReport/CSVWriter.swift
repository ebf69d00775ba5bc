import Foundation

/// Writes RFC 4180 CSV: comma-separated, cells quoted when they hold a comma, quote or line break,
/// lines ending in LF. Numbers are written at full precision (shortest exact form).
public struct CSVWriter {
    private var lines: [String] = []

    public init(header: [String]) { lines.append(Self.line(header)) }

    public mutating func row(_ cells: [String]) { lines.append(Self.line(cells)) }

    public var data: Data { Data((lines.joined(separator: "\n") + "\n").utf8) }

    static func line(_ cells: [String]) -> String { cells.map(quote).joined(separator: ",") }

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

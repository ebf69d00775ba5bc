import MetaFormat

/// `text` as a message may show it: control characters (terminal escape sequences, NUL) and
/// bidirectional overrides written as `\u{1B}`, so that no name from a pipeline or a sheet can act
/// on the terminal. With `keepLines`, newlines and tabs stay as they are.
public func escapedForMessage(_ text: String, keepLines: Bool = false) -> String {
    var out = ""
    out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
        let category = scalar.properties.generalCategory
        let bidi = (0x200E...0x200F).contains(scalar.value) || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
        if (category == .control || bidi) && !(keepLines && (scalar == "\n" || scalar == "\t")) {
            out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// A place in a pipeline or data file. Lines and columns count from 1.
public struct SourceLocation: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// Column in characters (YAML); nil for a whole CSV line.
    public var column: Int?
    /// How the place is written when it is not a line of a text file: a spreadsheet cell
    /// (`extraction.xlsx[Outcomes]!D14`) or a whole workbook.
    public var reference: String?

    public init(file: String, line: Int, column: Int? = nil, reference: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.reference = reference
    }

    public var description: String { reference ?? (column.map { "\(file):\(line):\($0)" } ?? "\(file):\(line)") }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column ?? 0) < (b.file, b.line, b.column ?? 0)
    }
}

/// A problem found in a pipeline file or its data, rendered compiler-style:
///
/// ```
/// pipelines/balint.yaml:14:5: error: unknown key 'subgroup' in analysis 'empathy'; did you mean 'subgroups'?
///     subgroup: [country]
///     ^~~~~~~~
/// pipelines/balint/controlled.csv:7: column 'sd1': study 'Song 2022' has sd1 = 0; an SD must be > 0
/// Song 2022,2022,China,…,28,2.02,0,28,…
///                           ^
/// ```
public struct Diagnostic: Error, Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable { case error, warning }

    public var severity: Severity
    public var location: SourceLocation?
    /// For CSV cells: the column named in the message prefix.
    public var csvColumn: String?
    public var message: String
    /// The source line the problem is on, shown under the message.
    public var sourceLine: String?
    /// 1-based character column of the caret, and how many characters to underline.
    public var caretColumn: Int?
    public var caretLength: Int

    public init(_ severity: Severity = .error, at location: SourceLocation?, _ message: String, csvColumn: String? = nil,
                sourceLine: String? = nil, caretColumn: Int? = nil, caretLength: Int = 1) {
        self.severity = severity
        self.location = location
        self.csvColumn = csvColumn
        self.message = message
        self.sourceLine = sourceLine
        self.caretColumn = caretColumn ?? location?.column
        self.caretLength = max(1, caretLength)
    }

    /// The first line: `path:line:column: error: message`, or for a CSV cell
    /// `path:line: column 'sd1': message`.
    public var headline: String {
        let place = location.map { "\($0): " } ?? ""
        if let csvColumn {
            return severity == .error
                ? "\(place)column '\(csvColumn)': \(message)"
                : "\(place)warning: column '\(csvColumn)': \(message)"
        }
        return "\(place)\(severity.rawValue): \(message)"
    }

    /// The headline, the source line and a caret under the problem.
    public var description: String {
        guard let sourceLine else { return headline }
        let shown = sourceLine.replacingOccurrences(of: "\t", with: " ")
        var text = headline + "\n" + shown
        if let caret = caretColumn, caret >= 1 {
            let prefix = String(repeating: " ", count: caret - 1)
            text += "\n" + prefix + "^" + String(repeating: "~", count: caretLength - 1)
        }
        return text
    }

    public static func < (a: Diagnostic, b: Diagnostic) -> Bool {
        switch (a.location, b.location) {
        case let (x?, y?): return x != y ? x < y : a.message < b.message
        case (nil, .some): return true
        case (.some, nil): return false
        case (nil, nil): return a.message < b.message
        }
    }
}

/// All problems of a pipeline, reported in one go.
public struct DiagnosticList: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// "Did you mean …?" for a misspelt name: the closest candidate within a small edit distance that
/// keeps at least one of its characters (so "t" does not suggest "z").
public func suggestion(for word: String, among candidates: [String]) -> String? {
    let lowered = word.lowercased()
    var best: (String, Int)?
    for candidate in candidates {
        let distance = editDistance(lowered, candidate.lowercased())
        let limit = max(1, min(3, candidate.count / 3))
        if distance <= limit, distance < candidate.count, best == nil || distance < best!.1 { best = (candidate, distance) }
    }
    return best?.0
}

/// Edit distance counting insertions, deletions, substitutions and swaps of adjacent characters
/// (optimal string alignment), so "yaer" is one edit from "year".
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var d = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
    for i in 0...x.count { d[i][0] = i }
    for j in 0...y.count { d[0][j] = j }
    for i in 1...x.count {
        for j in 1...y.count {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[x.count][y.count]
}

/// "'a', 'b' or 'c'".
func quotedList(_ items: [String]) -> String {
    let quoted = items.map { "'\($0)'" }
    if quoted.count <= 1 { return quoted.first ?? "" }
    return quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
}

import Foundation
import MetaTables
import Yams

/// Walks a YAML document, turning every shape or vocabulary problem into a located diagnostic and
/// carrying on, so that all problems of a file are reported in one go.
struct YAMLReader {
    let file: String
    let lines: [String]
    var diagnostics: [Diagnostic] = []

    init(file: String, text: String) {
        self.file = file
        self.lines = sourceLines(text)
    }

    /// Parses the text; a syntax error becomes a diagnostic and nil.
    mutating func compose(_ text: String) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                diagnostics.append(Diagnostic(at: SourceLocation(file: file, line: 1, column: 1),
                                              "the pipeline file is empty; it needs at least 'pipeline', 'data' and 'analyses'"))
                return nil
            }
            return node
        } catch let error as YamlError {
            diagnostics.append(syntaxDiagnostic(error))
            return nil
        } catch {
            diagnostics.append(Diagnostic(at: SourceLocation(file: file, line: 1, column: 1), "cannot read YAML: \(error)"))
            return nil
        }
    }

    func syntaxDiagnostic(_ error: YamlError) -> Diagnostic {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            var message = "YAML syntax: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            return diagnostic(at: mark, message)
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return diagnostic(at: context.mark, "duplicate key \(keys) in the same mapping; each key may appear once")
        case let .reader(problem, offset, _, _):
            return Diagnostic(at: SourceLocation(file: file, line: 1, column: 1),
                              "cannot read the file as UTF-8 text (\(problem)\(offset.map { " at character \($0)" } ?? ""))")
        default:
            return Diagnostic(at: SourceLocation(file: file, line: 1, column: 1), "YAML: \(error)")
        }
    }

    // MARK: Locations and diagnostics

    func location(_ mark: Mark?) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    func location(_ node: Node) -> SourceLocation { location(node.mark) }

    func diagnostic(at mark: Mark?, _ message: String, length: Int = 1, severity: Diagnostic.Severity = .error) -> Diagnostic {
        let loc = location(mark)
        let line = loc.line >= 1 && loc.line <= lines.count ? lines[loc.line - 1] : nil
        return Diagnostic(severity, at: loc, message, sourceLine: line, caretColumn: loc.column, caretLength: length)
    }

    mutating func error(_ node: Node, _ message: String) {
        diagnostics.append(diagnostic(at: node.mark, message, length: width(of: node)))
    }

    mutating func warning(_ node: Node, _ message: String) {
        diagnostics.append(diagnostic(at: node.mark, message, length: width(of: node), severity: .warning))
    }

    /// Underline length for a scalar (its text, if on one line).
    func width(of node: Node) -> Int {
        if case .scalar(let s) = node, !s.string.contains("\n") { return max(1, s.string.count) }
        return 1
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return s.string.isEmpty || s.tag == .init(.null) ? "an empty value" : "'\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    // MARK: Shapes

    /// The pairs of a mapping, or nil (with an error) when the node is not one.
    mutating func mapping(_ node: Node, _ what: String) -> [(key: String, keyNode: Node, value: Node)]? {
        guard case .mapping(let m) = node else {
            error(node, "\(what) must be a mapping (key: value lines), not \(Self.describe(node))")
            return nil
        }
        var pairs: [(String, Node, Node)] = []
        for (k, v) in m {
            guard case .scalar(let s) = k else {
                error(k, "keys in \(what) must be plain names")
                continue
            }
            pairs.append((s.string, k, v))
        }
        return pairs.map { (key: $0.0, keyNode: $0.1, value: $0.2) }
    }

    /// Reports keys outside `allowed`, suggesting the closest known key.
    mutating func checkKeys(_ pairs: [(key: String, keyNode: Node, value: Node)], allowed: [String], in what: String) {
        for pair in pairs where !allowed.contains(pair.key) {
            var message = "unknown key '\(pair.key)' in \(what)"
            if let s = suggestion(for: pair.key, among: allowed) {
                message += "; did you mean '\(s)'?"
            } else {
                message += "; expected one of \(allowed.joined(separator: ", "))"
            }
            error(pair.keyNode, message)
        }
    }

    /// Reports missing required keys at the mapping node.
    mutating func require(_ keys: [String], in pairs: [(key: String, keyNode: Node, value: Node)], at node: Node, what: String) {
        for key in keys where !pairs.contains(where: { $0.key == key }) {
            error(node, "\(what) needs the key '\(key)'")
        }
    }

    static func isNull(_ node: Node) -> Bool {
        if case .scalar(let s) = node { return s.tag == .init(.null) || (s.string.isEmpty && s.style == .plain) }
        return false
    }

    /// A scalar's text.
    mutating func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let s) = node, !Self.isNull(node) else {
            error(node, "\(what) must be a single value, not \(Self.describe(node))")
            return nil
        }
        return s.string
    }

    /// A non-empty name.
    mutating func name(_ node: Node, _ what: String) -> String? {
        guard let s = string(node, what) else { return nil }
        let trimmed = s.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            error(node, "\(what) is empty")
            return nil
        }
        return trimmed
    }

    mutating func bool(_ node: Node, _ what: String) -> Bool? {
        guard case .scalar(let s) = node else {
            error(node, "\(what) must be true or false, not \(Self.describe(node))")
            return nil
        }
        switch s.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(node, "\(what) must be true or false, not '\(s.string)'")
            return nil
        }
    }

    mutating func number(_ node: Node, _ what: String) -> Double? {
        guard case .scalar(let s) = node, let value = Double(s.string.trimmingCharacters(in: .whitespaces)),
              value.isFinite else {
            error(node, "\(what) must be a number, not \(Self.describe(node))")
            return nil
        }
        return value
    }

    /// A value from a closed vocabulary whose raw values are the YAML spelling.
    mutating func choice<E: RawRepresentable & CaseIterable>(_ node: Node, _ type: E.Type, _ what: String) -> E?
    where E.RawValue == String {
        guard let text = string(node, what) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let value = E(rawValue: trimmed) { return value }
        if let value = E.allCases.first(where: { $0.rawValue.lowercased() == trimmed.lowercased() }) { return value }
        let options = E.allCases.map(\.rawValue)
        var message = "unknown \(what) '\(trimmed)'; expected \(quotedList(options))"
        if let s = suggestion(for: trimmed, among: options) { message = "unknown \(what) '\(trimmed)'; did you mean '\(s)'? (expected \(quotedList(options)))" }
        error(node, message)
        return nil
    }

    /// A list of nodes; a single scalar counts as a list of one.
    mutating func list(_ node: Node, _ what: String) -> [Node]? {
        switch node {
        case .sequence(let s): return Array(s)
        case .scalar: return Self.isNull(node) ? [] : [node]
        default:
            error(node, "\(what) must be a list, not \(Self.describe(node))")
            return nil
        }
    }

    /// A list of names (or one name).
    mutating func names(_ node: Node, _ what: String) -> [(String, Node)]? {
        guard let items = list(node, what) else { return nil }
        var result: [(String, Node)] = []
        for item in items {
            if let n = name(item, "each entry of \(what)") { result.append((n, item)) }
        }
        return result
    }
}

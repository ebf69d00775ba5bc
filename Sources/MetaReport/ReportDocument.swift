import Foundation
import MetaFormat

/// The report as structure — sections of paragraphs, tables, lists and figures — rendered to HTML
/// and to Markdown by the same code path, so the two never say different things.
public struct ReportDocument: Sendable {
    public var title: String
    public var sections: [Section]

    public struct Section: Sendable {
        public var id: String
        public var title: String
        public var level: Int
        public var blocks: [Block]
        /// Text rendered earlier (by `rendered(_:)`), written as it is instead of the blocks; a run
        /// of sections rendered together carries the text on its first section and empty text on the others.
        public var rendered: Rendered? = nil
    }

    /// A run of sections rendered to HTML and to Markdown.
    public struct Rendered: Sendable, Codable, Equatable {
        public var html: String
        public var markdown: String
        public init(html: String, markdown: String) { self.html = html; self.markdown = markdown }
    }

    /// Where a rendered section sits in the table of contents.
    public struct Outline: Sendable, Codable, Equatable {
        public var id: String
        public var title: String
        public var level: Int
    }

    /// The sections' HTML and Markdown, exactly as `html(generator:)` and `markdown(generator:)` write
    /// them inside a whole report, and their outline: a part of the report that can be rendered once
    /// and reused while its content is unchanged.
    public static func rendered(_ sections: [Section]) -> (outline: [Outline], text: Rendered) {
        let document = ReportDocument(title: "", sections: sections)
        return (sections.map { Outline(id: $0.id, title: $0.title, level: $0.level) },
                Rendered(html: sections.map(document.html(section:)).joined(),
                         markdown: sections.map(document.markdown(section:)).joined()))
    }

    /// Sections standing for text rendered earlier: the outline's ids and titles, the text on the first.
    public static func prerendered(_ outline: [Outline], _ text: Rendered) -> [Section] {
        outline.enumerated().map { i, o in
            Section(id: o.id, title: o.title, level: o.level, blocks: [],
                    rendered: i == 0 ? text : Rendered(html: "", markdown: ""))
        }
    }

    public enum Block: Sendable {
        case paragraph([Inline])
        case table(Table)
        case list([[Inline]])
        case figure(Figure)
        /// A highlighted note (warnings, caveats).
        case note([Inline])
    }

    public struct Table: Sendable {
        public var caption: String?
        public var header: [String]
        public var rows: [[[Inline]]]
        /// Columns to right-align (numbers).
        public var numeric: Set<Int>
    }

    public enum Inline: Sendable, Hashable {
        case text(String)
        case strong(String)
        case emphasis(String)
        case code(String)
        case link(String, url: String)
    }
}

extension ReportDocument.Inline: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
}

/// Text that becomes a link when it looks like one.
func linked(_ text: String) -> ReportDocument.Inline {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.hasPrefix("http://") || trimmed.hasPrefix("https://") { return .link(trimmed, url: trimmed) }
    if trimmed.hasPrefix("doi:") || trimmed.hasPrefix("10.") {
        let doi = trimmed.hasPrefix("doi:") ? String(trimmed.dropFirst(4)) : trimmed
        return .link(trimmed, url: "https://doi.org/\(doi)")
    }
    return .text(trimmed)
}

// MARK: HTML

extension ReportDocument {
    /// A self-contained HTML page: inline CSS, inline SVG figures, no scripts, no external requests.
    public func html(generator: String) -> String {
        var out = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="\(escape(generator))">
        <title>\(escape(title))</title>
        <style>
        \(Self.css)
        </style>
        </head>
        <body>
        <header><h1>\(escape(title))</h1></header>
        <nav><ol>
        """
        for section in sections where section.level == 2 {
            out += "<li><a href=\"#\(section.id)\">\(escape(section.title))</a></li>"
        }
        out += "</ol></nav>\n<main>\n"
        for section in sections { out += section.rendered?.html ?? html(section: section) }
        out += "</main>\n<footer>\(escape(generator))</footer>\n</body>\n</html>\n"
        return out
    }

    func html(section: Section) -> String {
        let tag = "h\(min(6, section.level))"
        var out = "<section id=\"\(section.id)\">\n<\(tag)>\(escape(section.title))</\(tag)>\n"
        for block in section.blocks { html(block, into: &out); out += "\n" }
        return out + "</section>\n"
    }

    func html(_ block: Block) -> String {
        var s = ""
        html(block, into: &s)
        return s
    }

    /// Appends a block's HTML to `s` (a large table row by row, without a copy of the whole table).
    func html(_ block: Block, into s: inout String) {
        switch block {
        case .paragraph(let inlines): s += "<p>\(html(inlines))</p>"
        case .note(let inlines): s += "<p class=\"note\">\(html(inlines))</p>"
        case .list(let items): s += "<ul>" + items.map { "<li>\(html($0))</li>" }.joined() + "</ul>"
        case .figure(let f):
            s += "<figure>"
            if let svg = f.svg { s += "<div class=\"svg\">"; s += svg; s += "</div>" }
            s += "<figcaption>\(escape(f.caption))"
            if !f.files.isEmpty {
                s += " <span class=\"files\">(" + f.files.map { "<a href=\"\(escapeAttribute($0))\">\(escape(($0 as NSString).pathExtension.uppercased()))</a>" }.joined(separator: " · ") + ")</span>"
            }
            s += "</figcaption></figure>"
        case .table(let t):
            s += "<div class=\"table\"><table>"
            if let caption = t.caption { s += "<caption>\(escape(caption))</caption>" }
            s += "<thead><tr>" + t.header.enumerated().map { i, h in
                "<th\(t.numeric.contains(i) ? " class=\"num\"" : "")>\(escape(h))</th>"
            }.joined() + "</tr></thead><tbody>"
            for row in t.rows {
                s += "<tr>" + row.enumerated().map { i, cell in
                    "<td\(t.numeric.contains(i) ? " class=\"num\"" : "")>\(html(cell))</td>"
                }.joined() + "</tr>"
            }
            s += "</tbody></table></div>"
        }
    }

    func html(_ inlines: [Inline]) -> String {
        inlines.map { inline in
            switch inline {
            case .text(let t): return escape(t)
            case .strong(let t): return "<strong>\(escape(t))</strong>"
            case .emphasis(let t): return "<em>\(escape(t))</em>"
            case .code(let t): return "<code>\(escape(t))</code>"
            case let .link(t, url):
                // A link to data's own URL: only web, mail or relative targets (never javascript: and the like).
                return Self.isSafeLink(url) ? "<a href=\"\(escapeAttribute(url))\">\(escape(t))</a>" : escape(t)
            }
        }.joined()
    }

    func escape(_ s: String) -> String { replacingBytes(s, quotes: false) }

    func escapeAttribute(_ s: String) -> String { replacingBytes(s, quotes: true) }

    /// `&`, `<`, `>` (and `"` for an attribute) as entities, in one pass over the UTF-8 bytes; text
    /// without them (nearly all) is returned as it is.
    func replacingBytes(_ s: String, quotes: Bool) -> String {
        func special(_ b: UInt8) -> Bool { b == 0x26 || b == 0x3C || b == 0x3E || (quotes && b == 0x22) }
        guard s.utf8.contains(where: special) else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 16)
        for b in s.utf8 {
            switch b {
            case 0x26: out += Array("&amp;".utf8)
            case 0x3C: out += Array("&lt;".utf8)
            case 0x3E: out += Array("&gt;".utf8)
            case 0x22 where quotes: out += Array("&quot;".utf8)
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `url` may be a link's target: http, https or mailto, or a relative path. Browsers drop
    /// tabs, line breaks and other controls in a URL, so they are dropped before the scheme is read.
    public static func isSafeLink(_ url: String) -> Bool {
        let bare = String(String.UnicodeScalarView(url.unicodeScalars.filter {
            $0.properties.generalCategory != .control && !$0.properties.isWhitespace
        })).lowercased()
        guard let colon = bare.firstIndex(of: ":") else { return true }
        let scheme = bare[..<colon]
        if scheme.contains(where: { "/?#".contains($0) }) { return true }   // a colon inside a relative path
        return ["http", "https", "mailto"].contains(String(scheme))
    }

    static let css = """
    body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:#1a1a1a;max-width:1180px;margin:0 auto;padding:0 1.5rem 3rem;line-height:1.45;font-size:15px}
    header h1{font-size:1.7rem;margin:1.6rem 0 .6rem}
    h2{font-size:1.35rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2.4rem}
    h3{font-size:1.1rem;margin-top:1.8rem}
    h4{font-size:1rem;margin-top:1.4rem}
    nav ol{columns:2;font-size:.92rem;padding-left:1.2rem}
    a{color:#1f5aa6}
    .table{overflow-x:auto;margin:.6rem 0 1rem}
    table{border-collapse:collapse;font-size:.88rem}
    caption{text-align:left;font-weight:bold;padding:.3rem 0}
    th,td{border-bottom:1px solid #e2e2e2;padding:.25rem .6rem;text-align:left;vertical-align:top}
    th{border-bottom:2px solid #999;background:#f6f6f6}
    td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    figure{margin:1rem 0 1.6rem}
    figure .svg svg{max-width:100%;height:auto;display:block}
    figcaption{font-size:.88rem;color:#444;margin-top:.3rem}
    .note{background:#fff6e0;border-left:4px solid #e0a800;padding:.4rem .7rem}
    code{background:#f2f2f2;padding:0 .2rem}
    footer{margin-top:3rem;font-size:.8rem;color:#666;border-top:1px solid #ddd;padding-top:.6rem}
    """
}

// MARK: Markdown

extension ReportDocument {
    /// The same report in GitHub-flavoured Markdown; figures link to their PNG files.
    public func markdown(generator: String) -> String {
        // Titles come from the pipeline: escaped, on one line, so that they stay headings and text.
        var out = "# \(mdEscape(oneLine(title)))\n\n"
        for section in sections where section.level == 2 {
            out += "- [\(mdEscape(oneLine(section.title)))](#\(section.id))\n"
        }
        out += "\n"
        for section in sections { out += section.rendered?.markdown ?? markdown(section: section) }
        out += "---\n\n\(generator)\n"
        return out
    }

    func markdown(section: Section) -> String {
        var out = "<a id=\"\(section.id)\"></a>\n\n" + String(repeating: "#", count: section.level) + " \(mdEscape(oneLine(section.title)))\n\n"
        for block in section.blocks { markdown(block, into: &out); out += "\n\n" }
        return out
    }

    func markdown(_ block: Block) -> String {
        var s = ""
        markdown(block, into: &s)
        return s
    }

    /// Appends a block's Markdown to `out` (a large table row by row, without a copy of the whole table).
    func markdown(_ block: Block, into out: inout String) {
        if case .table(let t) = block {
            out += t.caption.map { "**\(mdEscape($0))**\n\n" } ?? ""
            out += "| " + t.header.map(cellEscape).joined(separator: " | ") + " |\n"
            out += "|" + t.header.indices.map { t.numeric.contains($0) ? " ---: " : " --- " }.joined(separator: "|") + "|\n"
            for row in t.rows {
                out += "| " + row.map { cellEscape(markdown($0)) }.joined(separator: " | ") + " |\n"
            }
            out.removeLast()   // the last line's line feed
            return
        }
        out += markdownOfSmallBlock(block)
    }

    func markdownOfSmallBlock(_ block: Block) -> String {
        switch block {
        case .paragraph(let inlines): return markdown(inlines)
        case .note(let inlines): return "> **Note.** " + markdown(inlines)
        case .list(let items): return items.map { "- " + markdown($0) }.joined(separator: "\n")
        case .figure(let f):
            let image = f.files.first { $0.hasSuffix(".png") } ?? f.files.first { $0.hasSuffix(".svg") }
            var s = image.map { "![\(mdEscape(f.caption))](\($0))\n\n" } ?? ""
            s += "*\(mdEscape(f.caption))*"
            if !f.files.isEmpty { s += " (" + f.files.map { "[\(($0 as NSString).pathExtension.uppercased())](\($0))" }.joined(separator: " · ") + ")" }
            return s
        case .table:
            var s = ""
            markdown(block, into: &s)
            return s
        }
    }

    func markdown(_ inlines: [Inline]) -> String {
        inlines.map { inline in
            switch inline {
            case .text(let t): return mdEscape(t)
            case .strong(let t): return delimited(t, by: "**")
            case .emphasis(let t): return delimited(t, by: "*")
            case .code(let t):
                // A span holding backticks is delimited by a longer run of them.
                let fence = t.contains("`") ? "``" : "`"
                return fence + (fence.count > 1 ? " \(oneLine(t)) " : oneLine(t)) + fence
            case let .link(t, url):
                guard Self.isSafeLink(url) else { return mdEscape(t) }
                return "[\(mdEscape(t))](\(mdURL(url)))"
            }
        }.joined()
    }

    /// `**text**` with the text's outer spaces moved outside the delimiters: Markdown does not close
    /// `**text: **`, so "Egger's test: " becomes `**Egger's test:** `.
    func delimited(_ text: String, by mark: String) -> String {
        let leading = text.prefix { $0 == " " }
        let trailing = text.reversed().prefix { $0 == " " }
        // The text without its outer U+0020 scalars (what trimming the character set " " gives).
        let scalars = text.unicodeScalars
        let start = scalars.firstIndex { $0 != " " } ?? scalars.endIndex
        let end = scalars.lastIndex { $0 != " " }.map { scalars.index(after: $0) } ?? start
        let core = start < end ? String(scalars[start..<end]) : ""
        if core.isEmpty { return text }
        return leading + mark + mdEscape(core) + mark + String(trailing)
    }

    /// Bytes that `mdEscape` may escape, or that start a line (after which `=`, `-`, `+` are escaped).
    static let markdownSpecial: Set<UInt8> = Set("\\`*_<>]#\n\r\u{0B}\u{0C}".utf8)

    func mdEscape(_ s: String) -> String {
        // Text without a character escaped below, and without a line break (after which more is
        // escaped), is returned as it is.
        if !s.utf8.contains(where: { Self.markdownSpecial.contains($0) }) && (s.utf8.allSatisfy { $0 < 0x80 } || onlyLineFeeds(s)) {
            return s
        }
        // `]` is escaped where it would close a link or a reference ("](", "][", "]:").
        var out = ""
        let chars = Array(s)
        for (i, ch) in chars.enumerated() {
            let closesLink = ch == "]" && i + 1 < chars.count && "([:".contains(chars[i + 1])
            // Text is inline: its own start is a line start only for '#' (a title, a heading); after
            // a line break inside it, '=', '-' and '+' could also make a heading or a list.
            let afterBreak = i > 0 && chars[i - 1].isNewline
            if "\\`*_<>".contains(ch) || closesLink || ((i == 0 || afterBreak) && ch == "#") || (afterBreak && "=-+".contains(ch)) {
                out.append("\\")
            }
            out.append(ch)
        }
        return out
    }

    /// Line breaks as spaces: a heading or a code span is one line.
    func oneLine(_ s: String) -> String {
        String(s.map { $0.isNewline ? " " : $0 })
    }

    /// A link target with the characters that would end or break it percent-encoded.
    func mdURL(_ url: String) -> String {
        var out = ""
        for scalar in url.unicodeScalars {
            if scalar == "(" || scalar == ")" || scalar == "<" || scalar == ">" || scalar.properties.isWhitespace
                || scalar.properties.generalCategory == .control {
                for byte in String(scalar).utf8 { out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2) }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    func cellEscape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x7C || $0 == 0x0A }) else { return s }
        var out: [UInt8] = []
        for b in s.utf8 {
            if b == 0x7C { out += [0x5C, 0x7C] } else if b == 0x0A { out.append(0x20) } else { out.append(b) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

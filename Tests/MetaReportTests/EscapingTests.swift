import Foundation
@testable import MetaReport
import Testing

/// Text from a pipeline or a sheet stays text in every format, and CSV cells never run as formulas.
@Suite struct EscapingTests {
    @Test func csvCellsThatASpreadsheetWouldRunAreNeutralised() {
        var csv = CSVWriter(header: ["study", "note", "yi"])
        csv.row(["=HYPERLINK(\"http://x\",\"y\")", "+cmd", "-0.5"])
        csv.row(["@SUM(A1)", "-x", "+1e-3"])
        csv.row(["\tTab", "\rcr", "1"])
        #expect(String(decoding: csv.data, as: UTF8.self) == """
            study,note,yi
            "'=HYPERLINK(""http://x"",""y"")",'+cmd,-0.5
            '@SUM(A1),'-x,+1e-3
            '\tTab,"'\rcr",1

            """)
        var kept = CSVWriter(header: ["study"], formulas: .keep)
        kept.row(["=1+1"])
        #expect(String(decoding: kept.data, as: UTF8.self) == "study\n=1+1\n")
    }

    static let hostile = "# <script>alert(1)</script> [x](javascript:alert(1))\n## second"

    static func document() -> ReportDocument {
        ReportDocument(title: hostile, sections: [
            .init(id: "a", title: hostile, level: 2, blocks: [
                .paragraph([.text(hostile), .code("a`b"), .link("click", url: "javascript:alert(1)"), .link("tab", url: "java\tscript:alert(1)"),
                            .link("ok", url: "https://example.org/a b(c)")]),
            ]),
        ])
    }

    @Test func markdownHeadingsAndLinksStayText() {
        let md = Self.document().markdown(generator: "g")
        let lines = md.split(separator: "\n", omittingEmptySubsequences: false)
        // One heading line each, the title's own '#' and brackets escaped, no script tag.
        #expect(lines[0] == "# \\# \\<script\\>alert(1)\\</script\\> [x\\](javascript:alert(1)) ## second")
        #expect(md.contains("## \\# \\<script\\>"))
        #expect(lines.filter { $0.hasPrefix("#") }.count == 2)
        #expect(!md.contains("<script>") && md.range(of: #"[^\\]\]\(javascript:"#, options: .regularExpression) == nil, "\(md)")
        #expect(md.contains("\n\\## second"), "a line break inside text does not start a heading")
        #expect(md.contains("``  a`b  ``") || md.contains("`` a`b ``"))
        #expect(md.contains("click") && !md.contains("[click]") && !md.contains("[tab]"))
        #expect(md.contains("[ok](https://example.org/a%20b%28c%29)"))
    }

    @Test func htmlNeverLinksAScript() {
        let html = Self.document().html(generator: "g")
        #expect(!html.contains("<script>alert") && html.contains("&lt;script&gt;"))
        #expect(!html.contains("href=\"javascript") && !html.contains("href=\"java\tscript"))
        #expect(html.contains("<a href=\"https://example.org/a b(c)\">ok</a>"))
        #expect(ReportDocument.isSafeLink("https://doi.org/10.1/x") && ReportDocument.isSafeLink("rr/forest.png")
                && ReportDocument.isSafeLink("mailto:a@b.org") && !ReportDocument.isSafeLink(" JavaScript:alert(1)")
                && !ReportDocument.isSafeLink("data:text/html,x") && !ReportDocument.isSafeLink("vbscript:x"))
    }
}

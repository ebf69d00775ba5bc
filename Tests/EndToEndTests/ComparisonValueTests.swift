import Foundation
import Testing

/// Published estimates in a comparison table are checked like data: NaN, inf or a typo is an error at its cell.
@Suite(.serialized) struct ComparisonValueTests {
    static func addComparison(_ p: Project, row: String) throws {
        try p.write("pipelines/demo/reported.csv", "review,comparison,k,estimate,ci_lower,ci_upper,i2,source\n\(row)\n")
        try p.edit("pipelines/demo.yaml", "  counts: demo/counts.csv", "  counts: demo/counts.csv\n  reported: demo/reported.csv")
        let text = try p.read("pipelines/demo.yaml")
        try p.write("pipelines/demo.yaml", text + """
            comparisons:
              published:
                title: Beside the published pools
                data: reported
                rows:
                  - {analysis: pain, where: {review: Other 2024}}

            """)
    }

    @Test(arguments: [
        ("Other 2024,all,5,NaN,-0.5,-0.1,40,x", "column 'estimate': the published estimate 'NaN' is not a finite number"),
        ("Other 2024,all,5,-0.3,-inf,-0.1,40,x", "column 'ci_lower': the published ci_lower '-inf' is not a finite number"),
        ("Other 2024,all,5,-0.3,-0.5,abc,40,x", "column 'ci_upper': the published ci_upper 'abc' is not a number"),
        ("Other 2024,all,5,,-0.5,-0.1,40,x", "column 'estimate': the published estimate is empty"),
        ("Other 2024,all,2.5,-0.3,-0.5,-0.1,40,x", "column 'k': the published k '2.5' is not a number of studies"),
        ("Other 2024,all,5,-0.3,-0.5,-0.1,140,x", "column 'i2': the published i2 '140' is not a percentage between 0 and 100"),
    ])
    func aBadPublishedNumberIsALocatedError(_ row: String, _ message: String) throws {
        let p = try Project("demo")
        try Self.addComparison(p, row: row)
        let run = try p.metapipe("run")
        #expect(run.status == 65, "\(row): \(run.stderr)")
        #expect(run.stderr.contains("pipelines/demo/reported.csv:2: \(message)"), "\(row): \(run.stderr)")
        #expect(!p.exists("outputs"))
    }

    @Test func goodPublishedNumbersArePrinted() throws {
        let p = try Project("demo")
        try Self.addComparison(p, row: "Other 2024,all,5,-0.31,-0.52,-0.1,40,https://example.org/other")
        let run = try p.metapipe("run")
        #expect(run.status == 0, "\(run.stderr)")
        let readme = try p.read("outputs/demo/README.md")
        #expect(readme.contains("-0.31") && !readme.lowercased().contains("nan"))
    }
}

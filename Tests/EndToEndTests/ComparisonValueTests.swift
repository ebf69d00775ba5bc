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

    /// Our pool beside a published one on the display scale: a logit pool is shown as a proportion
    /// (metafor: predict(rma(measure = "PLO", xi, ni, data = dat.pritz1997, method = "REML"),
    /// transf = transf.ilogit) = 0.7574792989 [0.6605219641, 0.8337162079]).
    @Test func aLogitPoolIsComparedAsAProportion() throws {
        let p = try Project("demo")
        try FileManager.default.createDirectory(at: p.url("pipelines/pr"), withIntermediateDirectories: true)
        try p.write("pipelines/pr/pritz.csv", """
            study,authors,xi,ni
            1,Giannotta et al.,16,17
            2,Haraguchi and Ebina,10,12
            3,Swift and Solomon,2,4
            4,Kassell et al.,37,50
            5,Tanabe et al.,19,20
            6,Awad et al.,27,45
            7,Finn et al.,13,14
            8,Hadeishi et al.,24,25
            9,Otsubo et al.,26,48
            10,Muizelaar and Becker,4,5
            11,Rosenstein et al.,5,6
            12,Levy et al.,18,23
            13,Shimoda et al.,57,67
            14,Solomon et al.,6,10

            """)
        try p.write("pipelines/pr/reported.csv", "review,comparison,k,estimate,ci_lower,ci_upper,i2,source\nPritz 1997,all,14,0.76,0.66,0.83,,\n")
        try p.write("pipelines/pr.yaml", """
            pipeline: pr
            data: {t: pr/pritz.csv, reported: pr/reported.csv}
            analyses:
              success:
                data: t
                measure: PLO
                method: REML
                columns: {study: "{authors}", events: xi, total: ni}
            comparisons:
              published:
                title: Beside the published pool
                data: reported
                rows:
                  - {analysis: success, where: {review: Pritz 1997}}

            """)
        let run = try p.metapipe("run", "pipelines/pr.yaml")
        #expect(run.status == 0, "\(run.stderr)")
        let readme = try p.read("outputs/pr/README.md")
        #expect(readme.contains("| 14 | 0.76 [0.66, 0.83] |"), "\(readme)")
        #expect(!readme.contains("1.14 [0.66"), "the logit estimate is not shown as it is")
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

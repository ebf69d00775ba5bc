import Foundation
import MetaStats
import MetaTables
import MetaTestSupport
import Testing
@testable import MetaPipeline

@Suite struct ValidPipelineTests {
    static let folder = validFixture("full")

    func load() throws -> Pipeline { try loadPipeline(in: Self.folder) }

    @Test func resolvesEveryLevel() throws {
        let p = try load()
        #expect(p.name == "full")
        #expect(p.analyses.map(\.name) == ["burnout", "events", "web", "web-dl"])
        let burnout = p.analyses[0]
        // rows: arms (Cheng, Quan; Song excluded by flag, Lemogne by outcome) then stats (Huang, t statistic)
        #expect(burnout.studies.map(\.input.study) == ["Cheng 2019", "Quan 2017", "Huang L 2020"])
        #expect(burnout.studies[2].input.data == .tStatistic(n1: 18, n2: 18, t: -2.662))
        #expect(burnout.studies[0].groups == ["country": "China"])
        #expect(burnout.settings.measure == .smd && burnout.settings.smd == .hedges && burnout.settings.profile == .metafor)
        #expect(burnout.settings.pooling.method == .dl && burnout.settings.pooling.model == .random)
        #expect(burnout.settings.direction == .lower)
        #expect(burnout.labels.experimental == "Balint group" && burnout.labels.favoursControl == "Favours control")
        #expect(burnout.leaveOneOut && burnout.bias == [.egger])
        #expect(burnout.plots == [PlotSpec(kind: .forest), PlotSpec(kind: .funnel, formats: [.svg, .pdf], dpi: 300)])
    }

    @Test func scenarios() throws {
        let s = try load().analyses[0].scenarios
        #expect(s.map(\.name) == ["with doubtful SDs", "printed n", "REML + HK", "RevMan 5"])
        #expect(s[0].studies.map(\.input.study) == ["Cheng 2019", "Song 2022", "Quan 2017", "Huang L 2020"])
        // The entry as written, then what it did to the rows.
        #expect(s[0].changes == ["including flag = doubtful_sd", "adds Song 2022"])
        guard case .continuous(let arms) = s[1].studies[0].input.data else { Issue.record("Cheng is not continuous"); return }
        #expect(arms.n2 == 240)
        #expect(s[1].changes == ["n2 = 240 where study = Cheng 2019"])
        #expect(s[2].settings.pooling.method == .reml && s[2].settings.pooling.test == .knha)
        #expect(s[2].changes == ["method REML", "Hartung–Knapp test"])
        // profile revman5 with a fixed model: RevMan's SMD and no prediction interval
        #expect(s[3].settings.smd == .revman && s[3].settings.pooling.i2 == .q && !s[3].settings.pooling.predictionInterval)
        #expect(s[3].changes == ["profile revman5", "SMD convention revman", "fixed-effect model", "method IV", "I² Q-based",
                                 "convergence strict"])
    }

    @Test func profilesDecideDefaults() throws {
        let p = try load()
        let events = p.analyses[1], web = p.analyses[2]
        #expect(events.studies.map(\.input.study) == ["Aronson 1948", "Ferguson 1949", "Rosenthal 1960"])
        #expect(events.studies[0].input.data == .binary(BinaryCounts(events1: 4, total1: 123, events2: 11, total2: 139)))
        #expect(events.settings.pooling.method == .mh && events.settings.pooling.model == .fixed)
        #expect(events.settings.direction == .lower)
        #expect(web.settings.pooling.method == .reml && web.settings.pooling.test == .knha)
        #expect(web.settings.pooling.predictionInterval && web.settings.pooling.tau2ConfidenceInterval)
        #expect(web.settings.pooling.i2 == .tau2 && web.settings.pooling.convergence == .strict)
        // An explicit setting beats the profile's default.
        let webDL = p.analyses[3]
        #expect(webDL.settings.pooling.method == .dl && webDL.settings.pooling.test == .knha)
    }
}

@Suite struct TableTests {
    func parse(_ text: String) -> (LoadedTable?, [Diagnostic]) {
        CSVTables.parse(Data(text.utf8), name: "t", path: "t.csv")
    }

    @Test func lineNumbersCountBreaksInsideQuotes() throws {
        let (table, problems) = parse("study,note\nA,\"two\nlines\"\n\nB,plain\r\nC,\"x, y\"\n")
        #expect(problems.isEmpty)
        let rows = try #require(table).table.rows
        #expect(rows.map(\.line) == [2, 5, 6])
        #expect(rows.map { $0.cells[1] } == ["two\nlines", "plain", "x, y"])
    }

    @Test func byteOrderMarkAndMissingFinalNewline() throws {
        let (table, problems) = parse("\u{FEFF}study,a,b\nA,1,")
        #expect(problems.isEmpty)
        #expect(table?.table.header == ["study", "a", "b"])
        #expect(table?.table.rows.first?.cells == ["A", "1", ""])
    }

    /// Cells are compared as text: "2022" is not "2022.0", and outcome "1.1" is not "1.10".
    @Test func templatesAndTextEquality() throws {
        let table = Table(name: "t", path: "t.csv", header: ["author", "year", "outcome"],
                          rows: [TableRow(line: 2, cells: ["Song", "2022", "1.10"])])
        #expect(Selection.label("{author} {year}", table: table, row: table.rows[0]) == "Song 2022")
        #expect(Selection.templateColumns("{author} ({year})") == ["author", "year"])
        #expect(Selection.matches(table, table.rows[0], Condition(column: "year", values: [" 2022 "])))
        #expect(!Selection.matches(table, table.rows[0], Condition(column: "year", values: ["2022.0"])))
        #expect(!Selection.matches(table, table.rows[0], Condition(column: "outcome", values: ["1.1"])))
        #expect(Selection.matches(table, table.rows[0], Condition(column: "outcome", values: ["1.1", "1.10"])))
        // A study condition matches the label as shown (after the template) as well as the raw cell.
        let named = Table(name: "t", path: "t.csv", header: ["study", "year"], rows: [TableRow(line: 2, cells: ["ISIS-4", "1995"])])
        #expect(Selection.matches(named, named.rows[0], Condition(column: "study", values: ["ISIS-4 1995"]), label: "ISIS-4 1995"))
        #expect(Selection.matches(named, named.rows[0], Condition(column: "study", values: ["ISIS-4"]), label: "ISIS-4 1995"))
        #expect(!Selection.matches(named, named.rows[0], Condition(column: "study", values: ["ISIS-4 1995"])))
    }

    @Test func didYouMean() {
        #expect(suggestion(for: "subgroup", among: ["subgroups", "sensitivity"]) == "subgroups")
        #expect(suggestion(for: "xyz", among: ["subgroups", "sensitivity"]) == nil)
        #expect(suggestion(for: "t", among: ["z", "knha"]) == nil)
    }

    /// A CRLF file (as Excel and RevMan Web write them) gets the same located, quoted diagnostics.
    @Test func crlfFilesShowTheirSourceLines() throws {
        let (_, problems) = parse("study,a\r\nA,\"x\r\nB,2\r\n")
        let problem = try #require(problems.first)
        #expect(problem.description.hasPrefix("t.csv:2: error: this quote is never closed"), "\(problem)")
        #expect(problem.description.contains("\nA,\"x\n"), "\(problem)")
        #expect(sourceLines("a\r\nb\nc\rd") == ["a", "b", "c", "d"])
    }
}

/// Rows that share a study name: an error by default, kept and numbered with `repeated-studies: number`.
@Suite struct RepeatedStudyTests {
    static func load(_ yaml: String) throws -> Result<Pipeline, DiagnosticList> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("metapipe-repeated-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            study,arm,events1,total1,events2,total2
            Gotuzzo 1995,tetracycline,1,16,0,16
            Gotuzzo 1995,ciprofloxacin,0,102,1,100
            Khan 1996,doxycycline,35,135,4,125

            """.write(to: folder.appendingPathComponent("arms.csv"), atomically: true, encoding: .utf8)
        try yaml.write(to: folder.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        return PipelineLoader.load(folder.appendingPathComponent("p.yaml").path)
    }

    @Test func repeatedNamesAreAnErrorWithTheWayOut() throws {
        guard case .failure(let list) = try Self.load("pipeline: p\ndata: {arms: arms.csv}\nanalyses:\n  a: {data: arms, measure: RR}\n") else {
            Issue.record("a repeated study name was accepted")
            return
        }
        let text = list.diagnostics.map(\.message).joined(separator: "\n")
        #expect(text.contains("study 'Gotuzzo 1995' appears twice"))
        #expect(text.contains("repeated-studies: number"))
    }

    @Test func declaredRepeatsAreKeptAndNumbered() throws {
        let yaml = "pipeline: p\ndata: {arms: arms.csv}\nanalyses:\n  a: {data: arms, measure: RR, repeated-studies: number}\n"
        guard case .success(let p) = try Self.load(yaml) else {
            Issue.record("declared repeats were refused")
            return
        }
        #expect(p.analyses[0].studies.map(\.input.study) == ["Gotuzzo 1995 (1)", "Gotuzzo 1995 (2)", "Khan 1996"])
    }

    @Test func aTemplateTellsRowsApart() throws {
        let yaml = "pipeline: p\ndata: {arms: arms.csv}\nanalyses:\n  a: {data: arms, measure: RR, columns: {study: \"{study} {arm}\"}}\n"
        guard case .success(let p) = try Self.load(yaml) else {
            Issue.record("distinct labels were refused")
            return
        }
        #expect(p.analyses[0].studies.map(\.input.study) == ["Gotuzzo 1995 tetracycline", "Gotuzzo 1995 ciprofloxacin", "Khan 1996 doxycycline"])
    }
}

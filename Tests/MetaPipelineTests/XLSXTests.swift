import Foundation
import MetaStats
import Testing
import ZIPFoundation
@testable import MetaPipeline

/// Excel sheets: the LibreOffice-written fixtures in Fixtures/xlsx (see make-fixtures.sh), workbooks
/// other writers produce (inline strings, booleans, error values, the 1904 date system), and damaged files.
@Suite struct XLSXTests {
    static let fixtures = Bundle.module.url(forResource: "xlsx", withExtension: nil, subdirectory: "Fixtures")!
    static func fixture(_ name: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(name)) }

    static func read(_ data: Data, sheet: String?, path: String = "extraction.xlsx") -> (LoadedTable?, [String]) {
        let (table, diagnostics) = XLSXTables.parse(data, name: "t", path: path, sheet: sheet)
        return (table, diagnostics.map(\.description))
    }

    @Test func readsTheSheetLibreOfficeWrote() throws {
        let (loaded, problems) = Self.read(try Self.fixture("extraction.xlsx"), sheet: "Outcomes")
        #expect(problems.isEmpty, "\(problems)")
        let table = try #require(loaded).table
        #expect(table.path == "extraction.xlsx[Outcomes]")
        #expect(table.header == ["study", "year", "outcome", "n1", "mean1", "sd1", "n2", "mean2", "sd2", "searched", "blinded", "note"])
        #expect(table.rows.map(\.line) == [2, 3, 4, 5, 6])
        // Shared strings, numbers as stored, a date as ISO text, LibreOffice's boolean (stored as 1), empty cells.
        #expect(table.rows[0].cells == ["Lemogne", "2020", "empathy", "150", "109.4", "11.2", "149", "107.6", "12.3",
                                        "2021-03-15", "1", "Paris, 2 sites"])
        #expect(table.rows[1].cells[11] == "" && table.rows[3].cells[10] == "")
        #expect(table.rows[2].cells[5] == "0.474763098818769")
        #expect(table.rows[4].cells[8] == "NR" && table.rows[4].cells[9] == "2023-01-09")
    }

    @Test func readsAnotherSheetAndTheFirstByDefault() throws {
        let data = try Self.fixture("extraction.xlsx")
        let (notes, _) = Self.read(data, sheet: "Notes")
        #expect(notes?.table.header == ["source", "checked"] && notes?.table.rows.first?.cells == ["extraction v2", "1"])
        let (first, _) = Self.read(data, sheet: nil)
        #expect(first?.table.path == "extraction.xlsx[Outcomes]")
    }

    @Test func aMissingSheetSuggestsTheClosestName() throws {
        let (table, problems) = Self.read(try Self.fixture("extraction.xlsx"), sheet: "Outcome")
        #expect(table == nil)
        #expect(problems == ["extraction.xlsx: error: the workbook has no sheet 'Outcome'; did you mean 'Outcomes'? (its sheets are 'Outcomes' or 'Notes')"])
    }

    @Test func mergedHeaderCellsAreRefused() throws {
        let (_, problems) = Self.read(try Self.fixture("merged.xlsx"), sheet: "Outcomes", path: "merged.xlsx")
        #expect(problems.first == "merged.xlsx[Outcomes]!A1: error: header cells A1:B1 are merged, which leaves columns without a name; unmerge them and give every column its own header", "\(problems)")
    }

    @Test func aTruncatedWorkbookIsDamaged() throws {
        let data = try Self.fixture("extraction.xlsx")
        let (table, problems) = Self.read(data.prefix(data.count * 2 / 3), sheet: "Outcomes")
        #expect(table == nil)
        #expect(problems == ["extraction.xlsx: error: the workbook is damaged or truncated (its ZIP directory cannot be read); save it again from the spreadsheet program"])
    }

    /// Bytes changed inside every part the Outcomes sheet is read from (the ZIP directory intact): no crash, a damaged-file error.
    @Test func corruptedPartsAreDamaged() throws {
        let original = try Self.fixture("extraction.xlsx")
        let read: Set = ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml", "xl/styles.xml",
                         "xl/worksheets/sheet1.xml"]
        let entries = localEntries(original).filter { read.contains($0.name) }
        #expect(entries.count == 5)
        for entry in entries {
            var data = original
            let start = entry.dataStart + 8
            for i in start..<min(start + 24, data.count) { data[i] ^= 0x5A }
            let (table, problems) = Self.read(data, sheet: "Outcomes")
            #expect(table == nil || !problems.isEmpty, "\(entry.name)")
            #expect(problems.allSatisfy { $0.hasPrefix("extraction.xlsx") && $0.contains("damaged") }, "\(entry.name): \(problems)")
        }
    }

    @Test func aFileThatIsNotAZipIsNotAWorkbook() {
        let (table, problems) = Self.read(Data("study,yi,vi\nA,0.1,0.01\n".utf8), sheet: nil)
        #expect(table == nil)
        #expect(problems == ["extraction.xlsx: error: the file is not an .xlsx workbook (an .xlsx is a ZIP archive); it looks like text: if it is a CSV file, name it .csv or give kind: csv"])
    }

    @Test func aZipThatIsNotAWorkbook() throws {
        let data = try Self.zip(["hello.txt": "hi"])
        #expect(Self.read(data, sheet: nil).1 == ["extraction.xlsx: error: the file is a ZIP archive but not an Excel workbook (it has no xl/workbook.xml)"])
    }

    /// A workbook as Excel and other writers store it: inline strings, rich-text shared strings,
    /// booleans, an error value, a formula's string result, and the 1904 date system.
    @Test func otherWritersCellTypes() throws {
        let data = try Self.zip([
            "xl/workbook.xml": """
                <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
                <workbookPr date1904="1"/><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>
                """,
            "xl/_rels/workbook.xml.rels": """
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/data.xml"/></Relationships>
                """,
            "xl/sharedStrings.xml": """
                <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>study</t></si>
                <si><r><t>Ca</t></r><r><rPr><b/></rPr><t xml:space="preserve">o 2001</t></r><rPh><t>x</t></rPh></si></sst>
                """,
            "xl/styles.xml": """
                <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts><numFmt numFmtId="170" formatCode="[$-409]d\\-mmm\\-yy;@"/></numFmts>
                <cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="170"/><xf numFmtId="2"/></cellXfs></styleSheet>
                """,
            "xl/worksheets/data.xml": """
                <x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
                <x:row r="2"><x:c r="B2" t="s"><x:v>0</x:v></x:c><x:c r="C2" t="inlineStr"><x:is><x:t>blinded</x:t></x:is></x:c>
                <x:c r="D2" t="inlineStr"><x:is><x:t>ratio</x:t></x:is></x:c><x:c r="E2" t="inlineStr"><x:is><x:t>date</x:t></x:is></x:c>
                <x:c r="F2" t="inlineStr"><x:is><x:t>label</x:t></x:is></x:c><x:c r="G2" t="inlineStr"><x:is><x:t>fixed</x:t></x:is></x:c></x:row>
                <x:row r="3"><x:c r="B3" t="s"><x:v>1</x:v></x:c><x:c r="C3" t="b"><x:v>1</x:v></x:c><x:c r="D3" t="e"><x:v>#DIV/0!</x:v></x:c>
                <x:c r="E3" s="1"><x:v>0</x:v></x:c><x:c r="F3" t="str"><x:f>A1&amp;"x"</x:f><x:v>Cao x</x:v></x:c><x:c r="G3" s="3"><x:v>0.5</x:v></x:c></x:row>
                <x:row r="5"><x:c r="B5" t="inlineStr"><x:is><x:t>Diaz</x:t></x:is></x:c><x:c r="C5" t="b"><x:v>0</x:v></x:c>
                <x:c r="E5" s="2"><x:v>43465.75</x:v></x:c></x:row>
                </x:sheetData></x:worksheet>
                """,
        ])
        let (loaded, problems) = Self.read(data, sheet: "Data", path: "other.xlsx")
        #expect(problems.isEmpty, "\(problems)")
        let table = try #require(loaded).table
        // The header is the first row with a value (row 2), from column B on.
        #expect(table.header == ["study", "blinded", "ratio", "date", "label", "fixed"])
        #expect(table.rows.map(\.cells) == [["Cao 2001", "TRUE", "#DIV/0!", "1904-01-01", "Cao x", "0.5"],
                                             ["Diaz", "FALSE", "", "2023-01-01T18:00:00", "", ""]])
        #expect(table.rows.map(\.line) == [3, 5])
    }

    /// Excel's date serials (1900 system: 1 = 1900-01-01, 60 = Lotus' 1900-02-29, 43831 = 2020-01-01).
    @Test func dateSerials() {
        #expect(Workbook.isoDate(serial: 1, date1904: false) == "1900-01-01")
        #expect(Workbook.isoDate(serial: 59, date1904: false) == "1900-02-28")
        #expect(Workbook.isoDate(serial: 60, date1904: false) == "1900-02-29")
        #expect(Workbook.isoDate(serial: 61, date1904: false) == "1900-03-01")
        #expect(Workbook.isoDate(serial: 43831, date1904: false) == "2020-01-01")
        #expect(Workbook.isoDate(serial: 44270.5, date1904: false) == "2021-03-15T12:00:00")
        #expect(Workbook.isoDate(serial: 1461, date1904: true) == "1908-01-01")
        #expect(Workbook.isDateFormat("yyyy\\-mm\\-dd") && Workbook.isDateFormat("[h]:mm:ss") && !Workbook.isDateFormat("0.00\" days\""))
        #expect(!Workbook.isDateFormat("General") && !Workbook.isDateFormat("#,##0.00;[Red]-#,##0.00"))
    }

    @Test func cellErrorsAreLocatedAtTheCell() throws {
        let p = try ScratchPipeline(["pipeline.yaml": """
            pipeline: x
            data:
              outcomes: {path: extraction.xlsx, sheet: Outcomes}
            analyses:
              burnout: {data: outcomes, measure: MD, model: fixed, where: {outcome: burnout}}
              empathy: {data: outcomes, measure: MD, where: {outcome: empathy}, columns: {study: "{study} {year}"}}

            """])
        try p.copy(Self.fixtures.appendingPathComponent("extraction.xlsx"), as: "extraction.xlsx")
        let d = p.diagnostics()
        #expect(d == ["extraction.xlsx[Outcomes]!I6: column 'sd2': study 'Cheng' has no value for sd2 ('NR'); this input needs n1 mean1 sd1 n2 mean2 sd2: fill it in, or set missing: drop to leave out rows that lack a value"], "\(d)")
    }

    @Test func readsAWorkbookEndToEnd() throws {
        let p = try ScratchPipeline(["pipeline.yaml": """
            pipeline: x
            data:
              outcomes: {path: extraction.xlsx, sheet: Outcomes}
              notes: extraction.xlsx
            analyses:
              empathy: {data: outcomes, measure: MD, where: {outcome: empathy, searched: 2022-11-02}, columns: {study: "{study} {year}"}}

            """])
        try p.copy(Self.fixtures.appendingPathComponent("extraction.xlsx"), as: "extraction.xlsx")
        let pipeline = try p.pipeline()
        #expect(pipeline.sources.map(\.kind) == [.xlsx, .xlsx])
        #expect(pipeline.sources[0].sheet == "Outcomes" && pipeline.sources[1].sheet == nil)
        let a = pipeline.analyses[0]
        #expect(a.studies.map(\.input.study) == ["Song 2022", "Huang 2020"])
        #expect(a.studies[0].input.data == .continuous(ContinuousArms(n1: 28, mean1: 118.64, sd1: 0.474763098818769, n2: 28, mean2: 104.2, sd2: 3.9)))
    }

    @Test func sheetIsOnlyForWorkbooks() throws {
        let p = try ScratchPipeline(["a.csv": "study,yi,vi\nA,1,1\nB,2,1\n", "pipeline.yaml": """
            pipeline: x
            data:
              a: {path: a.csv, sheet: Outcomes}
            analyses:
              x: {data: a, measure: GEN}

            """])
        #expect(p.diagnostics().first?.hasPrefix("pipeline.yaml:3:27: error: 'sheet' is for Excel workbooks (.xlsx); data source 'a' is csv") == true, "\(p.diagnostics())")
    }

    @Test func otherSpreadsheetFormatsAreNamed() throws {
        let p = try ScratchPipeline(["pipeline.yaml": "pipeline: x\ndata:\n  a: old.xls\nanalyses:\n  x: {data: a}\n"])
        #expect(p.diagnostics().first?.hasPrefix("pipeline.yaml:3:6: error: metapipe reads Excel workbooks as .xlsx and tables as CSV, not .xls files; save 'old.xls' as .xlsx or CSV") == true, "\(p.diagnostics())")
    }

    /// A ZIP archive of the given text files, written by ZIPFoundation.
    static func zip(_ files: [String: String]) throws -> Data {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("metapipe-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: url) }
        let archive = try Archive(url: url, accessMode: .create)
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return try Data(contentsOf: url)
    }
}

/// The stored parts of a ZIP archive: each local header's file name and where its data starts.
func localEntries(_ archive: Data) -> [(name: String, dataStart: Int)] {
    let bytes = [UInt8](archive)
    var out: [(String, Int)] = []
    var i = 0
    while i + 30 <= bytes.count {
        if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x03, bytes[i + 3] == 0x04 {
            let nameLength = Int(bytes[i + 26]) | Int(bytes[i + 27]) << 8
            let extraLength = Int(bytes[i + 28]) | Int(bytes[i + 29]) << 8
            let name = String(decoding: bytes[(i + 30)..<min(bytes.count, i + 30 + nameLength)], as: UTF8.self)
            out.append((name, i + 30 + nameLength + extraLength))
            i += 30 + nameLength + extraLength
        } else {
            i += 1
        }
    }
    return out
}

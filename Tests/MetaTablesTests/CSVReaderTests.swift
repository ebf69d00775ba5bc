import Foundation
import SwiftCSV
import Testing
@testable import MetaTables

/// The CSV front end gives SwiftCSV's records, numbered by the line each starts on, on the edge
/// cases data files have: CR and CR LF line ends, quoted cells with line breaks, a byte-order mark,
/// blank lines, a trailing comma, a file without a final line break.
@Suite struct CSVReaderTests {
    /// SwiftCSV's records of `text` as CSVTables read them before the front end: the byte-order
    /// mark removed, a line break added at the end when missing, rows numbered by the line they
    /// start on, and rows of blank cells left out.
    static func reference(_ text: String) throws -> [CSVRecord] {
        var text = text
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        if !(text.last?.isNewline ?? true) { text.append("\n") }
        var fields: [[String]] = []
        let csv = try CSV<Enumerated>(string: text, delimiter: .comma, loadColumns: false, rowLimit: 1)
        try csv.enumerateAsArray(startAt: 0, rowLimit: nil) { (cells: [String]) in fields.append(cells) }
        var records: [CSVRecord] = []
        var line = 1
        for (i, cells) in fields.enumerated() {
            let start = line
            line += 1 + cells.reduce(0) { $0 + $1.filter(\.isNewline).count }
            if i > 0 && cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            records.append(CSVRecord(line: start, cells: cells))
        }
        return records
    }

    static let cases = [
        "study,yi\rA,1\rB,2\r",
        "study,yi\r\nA,1\r\nB,2\r\n",
        "study,yi\nA,1\nB,2",
        "study,note\n\"A\",\"two\nlines\"\nB,x\n",
        "study,note\r\n\"A\",\"two\r\nlines\"\r\nB,x\r\n",
        "study,note\r\"A\",\"two\rlines\"\rB,x\r",
        "\"study\nname\",yi\nA,1\n",
        "\u{FEFF}study,yi\nA,1\n",
        "\u{FEFF}\"study\",yi\r\nA,1\r\n",
        "study,yi\n\nA,1\n\n\nB,2\n\n",
        "study,yi\r\n\r\nA,1\r\n\r\n",
        "study,yi,\nA,1,\nB,2,\n",
        "study,yi\nA,\nB,",
        "study,yi\n , \nA,1\n\t,\t\nB,2\n",
        "study,yi\n\"Smith, J\",1\n\"say \"\"hi\"\"\",2\n",
        "study,yi\nMüller,1\nÅström,2\n",
        "study,yi\n  A,  1\nB ,2 \n",
        "study,yi\n\"\",\"\"\nA,1\n",
    ]

    @Test func recordsAreSwiftCSVsWithTheirLines() throws {
        for text in Self.cases {
            let ours = try CSVReader.read(Data(text.utf8)).records
            #expect(ours == (try Self.reference(text)), "\(text.debugDescription)")
        }
    }

    @Test func linesOfRecordsWithQuotedLineBreaks() throws {
        for end in ["\n", "\r\n", "\r"] {
            let text = ["study,note", "\"A\",\"two", "lines\"", "B,x", ""].joined(separator: end)
            let file = try CSVReader.read(text: text)
            #expect(file.records.map(\.line) == [1, 2, 4])
            #expect(file.records[1].cells == ["A", "two\(end)lines"])
            #expect(file.line(4) == "B,x")
        }
    }

    @Test func blankLinesCountButGiveNoRecord() throws {
        let file = try CSVReader.read(text: "\u{FEFF}study,yi\r\n\r\nA,1\r\n  ,\r\nB,2")
        #expect(file.header.cells == ["study", "yi"])
        #expect(file.rows.map(\.line) == [3, 5])
        #expect(file.rows.map(\.cells) == [["A", "1"], ["B", "2"]])
    }

    @Test func trailingCommaIsAnEmptyLastCell() throws {
        let file = try CSVReader.read(text: "a,b,\n1,2,\n3,4,")
        #expect(file.records.map(\.cells) == [["a", "b", ""], ["1", "2", ""], ["3", "4", ""]])
    }

    @Test func problemsAreNamed() {
        #expect(throws: CSVReadError.notUTF8) { try CSVReader.read(Data([0x61, 0xFF, 0x0A])) }
        #expect(throws: CSVReadError.blank) { try CSVReader.read(text: "\u{FEFF} \n\r\n") }
        #expect(throws: CSVReadError.quoting(line: 2, column: 3, sourceLine: "A,\"x",
                                             message: "this quote is never closed; the cell runs to the end of the file")) {
            try CSVReader.read(text: "a,b\nA,\"x\n")
        }
        #expect(throws: CSVReadError.quoting(line: 2, column: 4, sourceLine: "A,b\"c",
                                             message: "a quote inside an unquoted cell; put the whole cell in quotes and double inner quotes (\"\")")) {
            try CSVReader.read(text: "a,b\r\nA,b\"c\r\n")
        }
    }
}

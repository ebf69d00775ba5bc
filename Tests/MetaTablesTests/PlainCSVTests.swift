import Foundation
import SwiftCSV
import Testing
@testable import MetaTables

/// ASCII CSV without quotes is split in one pass over its bytes; the records must be SwiftCSV's.
@Suite struct PlainCSVTests {
    static func swiftCSV(_ text: String) throws -> [[String]] {
        var records: [[String]] = []
        let csv = try CSV<Enumerated>(string: text, delimiter: .comma, loadColumns: false, rowLimit: 1)
        try csv.enumerateAsArray(startAt: 0, rowLimit: nil) { (fields: [String]) in records.append(fields) }
        return records
    }

    @Test func recordsAreSwiftCSVs() throws {
        let pieces = ["a", "b c", " 1.5 ", "", ",", ",", "\n", "\n", "\r\n", "\r", "\u{0B}", "\u{0C}", "x,y", "\t", "NA", "-"]
        var rng = SystemRandomNumberGenerator()
        var cases = ["study,yi\nA,1\n", "study,yi\r\nA,1\r\n", "h\n\n\nA\n", "a,b,\n,,\n", "a\n", ",\n", "\n", "a,b\n1,2\n\n"]
        for _ in 0..<3_000 {
            var text = (0..<Int.random(in: 1...25, using: &rng)).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }.joined()
            // As parse() gives SwiftCSV: a file that does not end with a line break gets one.
            if !(text.last?.isNewline ?? true) { text.append("\n") }
            cases.append(text)
        }
        for text in cases {
            guard let ours = CSVReader.plainRecords(text) else {
                // Only text that does not end with LF or CR (it ends with a vertical tab or form feed) is refused.
                #expect(text.utf8.last != 0x0A && text.utf8.last != 0x0D, "\(text.debugDescription)")
                continue
            }
            #expect(ours == (try Self.swiftCSV(text)), "\(text.debugDescription)")
        }
    }

    @Test func quotesAndNonASCIIAreLeftToSwiftCSV() {
        #expect(CSVReader.plainRecords("a,\"b\"\n") == nil)
        #expect(CSVReader.plainRecords("Müller,1\n") == nil)
        #expect(CSVReader.plainRecords("a,\u{301}b\n") == nil)
        #expect(CSVReader.plainRecords("a,b\u{0C}") == nil)
    }
}

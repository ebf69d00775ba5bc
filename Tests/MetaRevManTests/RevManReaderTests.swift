import Foundation
import Testing
@testable import MetaRevMan

/// The two formats of the "Examples from Fleiss (1993)" review, and deliberately damaged copies.
@Suite struct RevManReaderTests {
    static let rm5 = Bundle.module.url(forResource: "Fixtures/Fleiss1993", withExtension: "rm5")!
    static let package = Bundle.module.url(forResource: "Fixtures/webpackage", withExtension: nil)!

    static func original() throws -> String { String(decoding: try Data(contentsOf: rm5), as: UTF8.self) }

    /// Reads a modified copy of the .rm5 file.
    static func read(_ edit: (String) -> String) throws(RevManNote) -> RevManReview {
        let text = edit((try? original()) ?? "")
        return try RevMan5Reader.read(Data(text.utf8), path: "damaged.rm5")
    }

    @Test func readsTheRevMan5File() throws {
        let review = try RevMan5Reader.read(try Data(contentsOf: Self.rm5), path: "Fleiss1993.rm5")
        #expect(review.title == "Examples from Fleiss 1993")
        #expect(review.outcomes.map(\.id) == ["1.1", "1.2"])
        let aspirin = review.outcomes[0]
        #expect(aspirin.name == "Aspirin for Preventing Death after Myocardial Infarction")
        #expect(aspirin.dataType == .dichotomous && aspirin.revmanMeasure == "OR" && aspirin.method == .mh && !aspirin.random)
        #expect(aspirin.groupLabels.experimental == "Aspirin" && aspirin.graphLabels.right == "Favours control")
        #expect(aspirin.rows.map(\.study) == ["MRC-1", "CDP", "MRC-2", "GASP", "PARIS", "AMIS", "ISIS-2"])
        #expect(aspirin.rows[6].studyID == "STD-ISIS-2" && aspirin.rows[6].year == "1988")
        #expect(aspirin.rows[0].values == ["events1": 49, "total1": 615, "events2": 67, "total2": 624])
        #expect(aspirin.rows[0].statistics["se"] == 0.1972198088133556)
        #expect(aspirin.statistics["chi2"] == 9.946055983220074 && aspirin.statistics["df"] == 6)
        #expect(aspirin.rows[0].line == 447)
        let smd = review.outcomes[1]
        #expect(!smd.calculated && smd.statistics == ["df": 4])
        #expect(smd.rows[0].values == ["mean1": 5.0, "sd1": 4.7, "n1": 13, "mean2": 6.5, "sd2": 3.8, "n2": 13])
        #expect(review.skipped.isEmpty)
    }

    @Test func readsTheWebPackage() throws {
        let review = try RevManWebReader.read(folder: Self.package.path)
        #expect(review.format == .revmanWeb && review.title == "Examples from Fleiss (1993)")
        #expect(review.outcomes.map(\.id) == ["1.1", "1.2"])
        let aspirin = review.outcomes[0]
        #expect(aspirin.revmanMeasure == "OR" && aspirin.method == .mh && aspirin.calculated)
        #expect(aspirin.rows.count == 7 && aspirin.rows[0].study == "AMIS" && aspirin.rows[0].line == 2)
        #expect(aspirin.statistics["estimate"] == 0.896866 && aspirin.statistics["i2"] == 39.67458 && aspirin.statistics["p_z"] == 0.00101)
        #expect(aspirin.rows[0].statistics["weight"] == 10.153491)
        #expect(!review.outcomes[1].calculated && review.outcomes[1].revmanMeasure == "SMD")
    }

    @Test func tables() throws {
        let review = try RevMan5Reader.read(try Data(contentsOf: Self.rm5), path: "Fleiss1993.rm5")
        let t = RevManTables(review, source: "Fleiss1993.rm5")
        #expect(t.data.count == 12 && t.outcomes.count == 2)
        #expect(t.data[0].cells == ["1.1", "", "MRC-1", "1974", "STD-MRC-1", "49", "615", "67", "624", "", "", "", "", "", "", "", "", ""])
        #expect(t.results.contains { $0.cells == ["1.1", "", "", "p_chi2", "0.1269422521561745"] })
        #expect(t.outcomes[1].cells[13] == "no" && t.outcomes[0].cells[14] == "double")
    }

    @Test func unescapesIds() {
        #expect(RevMan5Reader.unescape("STD-ISIS_x002d_2") == "STD-ISIS-2")
        #expect(RevMan5Reader.unescape("STD-O_x0027_Brien_x0020_2001") == "STD-O'Brien 2001")
        #expect(RevMan5Reader.unescape("STD-x_y_z") == "STD-x_y_z")
    }

    // MARK: Damaged copies

    @Test func truncatedFile() {
        #expect {
            try Self.read { String($0.prefix(15_000)) }
        } throws: { error in
            let note = error as! RevManNote
            return note.file == "damaged.rm5" && note.message.hasPrefix("not a readable RevMan 5 file: the file ends before its last element closes")
        }
    }

    @Test func wrongEncoding() throws {
        // Declared UTF-8 but holding an ISO-8859-1 byte (ü = 0xFC) in a study name on line 216.
        var bytes = Array(try Data(contentsOf: Self.rm5))
        let text = try Self.original()
        let declared = text.replacingOccurrences(of: "encoding=\"ISO-8859-1\"", with: "encoding=\"UTF-8\"")
            .replacingOccurrences(of: "NAME=\"ISIS-2\"", with: "NAME=\"ISIS-2 M\u{FC}ller\"")
        bytes = Array(declared.utf8)
        // Replace the UTF-8 encoding of ü (C3 BC) by its Latin-1 byte.
        if let i = bytes.indices.first(where: { bytes[$0] == 0xC3 && bytes[$0 + 1] == 0xBC }) { bytes.replaceSubrange(i...i + 1, with: [0xFC]) }
        #expect {
            try RevMan5Reader.read(Data(bytes), path: "damaged.rm5")
        } throws: { error in
            let note = error as! RevManNote
            return note.line == 216 && note.message.contains("encoding")
        }
    }

    @Test func footnotesInsideDataRowsAreKept() throws {
        let review = try Self.read {
            $0.replacingOccurrences(of: "TOTAL_2=\"624\" VAR=\"0.038895652988376536\" WEIGHT=\"3.176490004091248\"/>",
                                    with: "TOTAL_2=\"624\" VAR=\"0.038895652988376536\" WEIGHT=\"3.176490004091248\"><FOOTNOTE>Deaths at 1 year, from the 1974 report.</FOOTNOTE></DICH_DATA>")
        }
        #expect(review.outcomes[0].rows[0].footnote == "Deaths at 1 year, from the 1974 report.")
        #expect(review.outcomes[0].rows.count == 7)
    }

    @Test func unsupportedAnalysisTypesAreSkippedByName() throws {
        let review = try Self.read {
            $0.replacingOccurrences(of: "<CONT_OUTCOME ", with: "<OE_OUTCOME ").replacingOccurrences(of: "</CONT_OUTCOME>", with: "</OE_OUTCOME>")
                .replacingOccurrences(of: "<CONT_DATA ", with: "<OE_DATA ")
        }
        #expect(review.outcomes.map(\.id) == ["1.1"])
        #expect(review.skipped.map(\.message) == ["skipped analysis 1.2 (CMP-001.02): O−E and variance analyses are not supported"])
        #expect(review.skipped[0].line == 455)
        let measure = try Self.read { $0.replacingOccurrences(of: "EFFECT_MEASURE=\"SMD\"", with: "EFFECT_MEASURE=\"HR\"") }
        #expect(measure.skipped.map(\.message) == ["skipped analysis 1.2 'Mental Health Treatment versus Control': effect measure HR is not supported"])
    }

    @Test func missingOutcomes() {
        #expect(throws: RevManNote(file: "damaged.rm5", line: nil,
                                   message: "the review has no dichotomous, continuous or generic inverse-variance analysis to import")) {
            try Self.read { text in
                let start = text.range(of: "<COMPARISON ID")!.lowerBound, end = text.range(of: "</COMPARISON>")!.upperBound
                return text.replacingCharacters(in: start..<end, with: "")
            }
        }
    }

    @Test func badValuesAreLocated() {
        #expect(throws: RevManNote(file: "damaged.rm5", line: 447, message: "DICH_DATA attribute EVENTS_1=\"4x9\" is not a number")) {
            try Self.read { $0.replacingOccurrences(of: "EVENTS_1=\"49\"", with: "EVENTS_1=\"4x9\"") }
        }
        #expect(throws: RevManNote(file: "damaged.rm5", line: 447, message: "DICH_DATA refers to study STD-MRC_x002d_9, which the review's study list does not include")) {
            try Self.read { $0.replacingOccurrences(of: "STUDY_ID=\"STD-MRC_x002d_1\"", with: "STUDY_ID=\"STD-MRC_x002d_9\"") }
        }
        #expect(throws: RevManNote(file: "damaged.rm5", line: 448, message: "DICH_DATA for study CDP has no TOTAL_2")) {
            try Self.read { $0.replacingOccurrences(of: "TOTAL_2=\"771\" ", with: "") }
        }
        #expect(throws: RevManNote(file: "damaged.rm5", line: 1, message: "not a RevMan 5 review: no COCHRANE_REVIEW element")) {
            try RevMan5Reader.read(Data("<?xml version=\"1.0\"?>\n<OTHER/>".utf8), path: "damaged.rm5")
        }
    }

    @Test func damagedWebPackage() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("metapipe-web-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(at: Self.package, to: copy)
        let rows = copy.appendingPathComponent("921923100913455418-analysis-data/921923100913455418-data-rows.csv")
        let original = try String(contentsOf: rows, encoding: .utf8)
        try original.replacingOccurrences(of: "246,2267", with: "246,22x67").write(to: rows, atomically: true, encoding: .utf8)
        #expect {
            try RevManWebReader.read(folder: copy.path)
        } throws: { error in
            (error as! RevManNote).description == "\(copy.path)/921923100913455418-analysis-data/921923100913455418-data-rows.csv:2: column 'Experimental N': '22x67' is not a number (study AMIS)"
        }
        try original.replacingOccurrences(of: "SUBGROUP_AND_OVERALL,CDP,1976,", with: "SUBGROUP_AND_OVERALL,CDP,1976,0.0,0.0,0.0,")
            .write(to: rows, atomically: true, encoding: .utf8)
        #expect {
            try RevManWebReader.read(folder: copy.path)
        } throws: { error in
            (error as! RevManNote).message == "row has 27 cells but the header has 24 (a footnote with an unquoted comma?)"
        }
        try FileManager.default.removeItem(at: copy.appendingPathComponent("921923100913455418-analysis-data/921923100913455418-overall-estimates-and-settings.csv"))
        #expect(throws: RevManNote(file: copy.path, line: nil, message: "no *-overall-estimates-and-settings.csv in the package")) {
            try RevManWebReader.read(folder: copy.path)
        }
    }
}

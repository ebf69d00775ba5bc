import Foundation
import MetaFormat
import Testing

/// RevMan's conventions for printed numbers (checked against the figure RevMan drew for the
/// Fleiss 1993 aspirin analysis: "Chi² = 9.95, df = 6 (P = 0.13); I² = 40%", "Z = 3.29 (P = 0.001)").
@Suite struct FormatTests {
    @Test func pValues() {
        #expect(Format.p(0.1269422521561745) == "P = 0.13")
        #expect(Format.p(0.0010103343130005407) == "P = 0.001")
        #expect(Format.p(0.00042) == "P = 0.0004")
        #expect(Format.p(0.000012) == "P = 0.00001")
        #expect(Format.p(2e-26) == "P < 0.00001")
        #expect(Format.p(0.05) == "P = 0.05")
        #expect(Format.p(0.0099) == "P = 0.010")
        #expect(Format.p(1) == "P = 1.00")
    }

    @Test func fixedAndPercent() {
        #expect(Format.fixed(-0.0001, 2) == "0.00")
        #expect(Format.fixed(9.946055983220074, 2) == "9.95")
        #expect(Format.percent(39.67458045558399, 0) == "40%")
        #expect(Format.interval(0.8968655609130709, 0.8405144008917793, 0.9569947088336491) == "0.90 [0.84, 0.96]")
    }

    @Test func significantDigits() {
        #expect(Format.significant(0.3087602628623764) == "0.309")
        #expect(Format.significant(205.40937546791) == "205")
        #expect(Format.significant(1.87347499331202e-05) == "1.87e-5")
        #expect(Format.significant(0) == "0")
        #expect(Format.significant(12345678) == "1.23e7")
    }

    @Test func dataValues() {
        #expect(Format.data(12) == "12")
        #expect(Format.data(111.9) == "111.9")
        #expect(Format.data(-2.36) == "-2.36")
    }
}

import Foundation
import Testing
@testable import MetaRunner

/// The canonical encoder writes what `JSONEncoder` writes with sorted keys and unescaped slashes.
@Suite struct CanonicalEncoderTests {
    static func foundation<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    enum Kind: String, Codable { case forest, funnel }
    struct Inner: Codable { var x: Double; var label: String?; var kinds: [Kind] }
    struct Sample: Codable {
        var name: String
        var count: Int
        var small: Int8
        var big: UInt64
        var flag: Bool
        var ratio: Float
        var values: [Double]
        var optional: Double?
        var absent: String?
        var inner: Inner
        var nested: [[Int]]
        var byName: [String: Inner]
        var byNumber: [Int: String]
        var empty: [String]
        var emptyMap: [String: Int]
        var Zebra: String
        var naïve: String
    }

    static func sample(_ rng: inout SystemRandomNumberGenerator) -> Sample {
        func double() -> Double {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF) * (Bool.random(using: &rng) ? 1 : -1)
            case 1: return Double(Int.random(in: -100_000...100_000, using: &rng)) / 1000
            case 2: return Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &rng))
            default: return [0, -0.0, 1e16, 1e21, 1e22, 5e-324, 0.1, 1e-7][Int.random(in: 0..<8, using: &rng)]
            }
        }
        let text = ["plain", "a/b", "quote \" and \\ backslash", "line\nbreak\ttab\r", "\u{1}\u{1f}\u{7f}", "é ü 中 \u{2028}", ""]
        func string() -> String { text[Int.random(in: 0..<text.count, using: &rng)] }
        let inner = Inner(x: double(), label: Bool.random(using: &rng) ? string() : nil, kinds: [.forest, .funnel])
        return Sample(name: string(), count: Int.random(in: Int.min...Int.max, using: &rng), small: -128, big: UInt64.max,
                      flag: Bool.random(using: &rng), ratio: Float(Int.random(in: -1_000_000...1_000_000, using: &rng)) / 64, values: (0..<5).map { _ in double() },
                      optional: double(), absent: nil, inner: inner, nested: [[1, 2], [], [3]],
                      byName: ["b": inner, "a": inner, "B": inner, "ä": inner, "a b": inner], byNumber: [10: "ten", 2: "two"],
                      empty: [], emptyMap: [:], Zebra: string(), naïve: string())
    }

    @Test func writesWhatJSONEncoderWrites() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let value = Self.sample(&rng)
            guard let ours = CanonicalEncoder.encode(value, spellNonFinite: false) else {
                Issue.record("refused a finite sample")
                continue
            }
            let theirs = try Self.foundation(value)
            #expect(ours == theirs, "\(String(decoding: ours, as: UTF8.self))\n\(String(decoding: theirs, as: UTF8.self))")
        }
        #expect(CanonicalEncoder.encode("top", spellNonFinite: false) == (try Self.foundation("top")))
        #expect(CanonicalEncoder.encode([1.5, 2], spellNonFinite: false) == (try Self.foundation([1.5, 2])))
    }

    @Test func nonFiniteNumbersAreSpelledOrLeftToTheEncoder() throws {
        let values = [Double.infinity, -Double.infinity, Double.nan, 1]
        #expect(CanonicalEncoder.encode(values, spellNonFinite: false) == nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        #expect(CanonicalEncoder.encode(values, spellNonFinite: true) == (try encoder.encode(values)))
        #expect(canonicalJSON(values) == (try encoder.encode(values)))
    }

    @Test func datesDataAndURLsAreLeftToTheEncoder() {
        #expect(CanonicalEncoder.encode(["d": Date(timeIntervalSince1970: 0)], spellNonFinite: true) == nil)
        #expect(CanonicalEncoder.encode([Data([1, 2])], spellNonFinite: true) == nil)
        #expect(CanonicalEncoder.encode([URL(fileURLWithPath: "/a")], spellNonFinite: true) == nil)
    }
}

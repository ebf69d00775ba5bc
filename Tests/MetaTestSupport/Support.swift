import Foundation
import MetaTables
import Testing

/// Named tolerances for reference tests.
public enum Tolerance {
    /// metafor's numbers: estimates, SEs, CIs, τ², I², H², Q.
    public static let metafor = 1e-6
    /// p-values of iterative or rank-based tests.
    public static let iterativePValue = 1e-4
    /// RevMan's full-precision doubles in an .rm5 file.
    public static let revman = 1e-10
    /// R's distribution functions.
    public static let distribution = 1e-12
}

/// Expects `actual` within relative tolerance `rel` of `expected` (absolute `abs` near zero). A
/// missing value on either side is a failure: a reference number that is absent (a row or key the
/// fixture lacks) must never pass silently. Use `expectAbsent` where no value is the expectation.
public func expectClose(_ actual: Double?, _ expected: Double?, rel: Double, abs absTolerance: Double = 1e-300,
                        _ what: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let expected else {
        Issue.record("\(what()): the reference value is missing (got \(String(describing: actual)))", sourceLocation: sourceLocation)
        return
    }
    guard let actual else {
        Issue.record("\(what()): expected \(expected), got nothing", sourceLocation: sourceLocation)
        return
    }
    let difference = abs(actual - expected)
    let scale = abs(expected)
    let ok = difference <= rel * scale || difference <= absTolerance
    #expect(ok, "\(what()): got \(actual), expected \(expected) (relative difference \(scale > 0 ? difference / scale : difference))",
            sourceLocation: sourceLocation)
}

/// Expects that there is no value (a statistic that does not apply).
public func expectAbsent(_ actual: Double?, _ what: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual == nil, "\(what()): expected no value, got \(String(describing: actual))", sourceLocation: sourceLocation)
}

/// Reads a fixture file shipped with a test target.
public func fixtureURL(_ name: String, bundle: Bundle) -> URL {
    guard let url = bundle.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        fatalError("missing fixture \(name)")
    }
    return url
}

/// A JSON object from a fixture.
public func loadJSON(_ name: String, bundle: Bundle) throws -> [String: Any] {
    let data = try Data(contentsOf: fixtureURL(name, bundle: bundle))
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
}

/// A fixture CSV as rows keyed by header, read by the pipeline's CSV front end.
public func loadCSV(_ name: String, bundle: Bundle) throws -> [[String: String]] {
    try loadCSV(at: fixtureURL(name, bundle: bundle))
}

/// A CSV file as rows keyed by header (a short row's missing cells are ""), read by the pipeline's
/// CSV front end.
public func loadCSV(at url: URL) throws -> [[String: String]] {
    let file = try CSVReader.read(Data(contentsOf: url))
    let header = file.header.cells
    return file.rows.map { record in
        var row: [String: String] = [:]
        for (i, name) in header.enumerated() { row[name] = i < record.cells.count ? record.cells[i] : "" }
        return row
    }
}

extension Dictionary where Key == String, Value == Any {
    public func double(_ key: String) -> Double? { (self[key] as? NSNumber)?.doubleValue }
    public func doubles(_ key: String) -> [Double] { (self[key] as? [Any] ?? []).map { ($0 as! NSNumber).doubleValue } }
    public func object(_ key: String) -> [String: Any] { self[key] as! [String: Any] }
    public func string(_ key: String) -> String? { self[key] as? String }
}

/// A deterministic generator for property tests (SplitMix64).
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1) from the top 53 bits.
    public mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// A deterministic generator that does not depend on the platform (Knuth's 64-bit linear
/// congruential generator); `uniform()` gives values in [0, 1) from the top 53 bits.
public struct LinearCongruential64 {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
}

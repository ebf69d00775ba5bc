import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MetaPipeline
import MetaReport
import MetaRunner
import MetaStats

/// The program version: named in every report and part of every cache key.
public enum Metapipe {
    public static let version = "0.1.0"

    /// The version plus a fingerprint of this build of the executable (its size and modification
    /// time), so that a rebuilt program never trusts results cached by an earlier build. Only the
    /// cache key uses it; no output mentions it.
    public static let cacheVersion: String = {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return version }
        return "\(version) build \(info.st_size)-\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }()
}

/// `effects.json`: the studies' effect sizes — numbers only, so that edits to notes or sources do
/// not rerun the statistics.
struct EffectsArtifact: Codable, Sendable {
    var measure: EffectMeasure
    var effects: [EffectSize]
    /// Subgroup column → value, one entry per effect.
    var groups: [[String: String]]
    var dropped: [DroppedStudy]
    /// Subgroup labels of the dropped studies, one entry per dropped study (absent without subgroups
    /// or dropped studies): a subgroup whose studies are all dropped is reported as not estimable.
    var droppedGroups: [[String: String]]?
    /// Subgroup column → group names in the order of their first row (with `droppedGroups` only).
    var groupOrder: [String: [String]]?
    /// The data of each dropped study, for the "Not estimable" rows of the forest plot.
    var droppedRows: [DroppedRow]?
}

/// A study left out of the pooling: its data, subgroups, and how many pooled studies precede it.
struct DroppedRow: Codable, Sendable {
    var study: String
    var data: StudyData
    var groups: [String: String]
    var position: Int
}

/// `studies.json`: where each study's row is and what else it says.
struct StudiesArtifact: Codable, Sendable {
    struct Row: Codable, Sendable {
        var study: String
        var table: String
        var path: String
        var line: Int
        var metadata: [String: String]
    }
    var rows: [Row]
}

/// `bias.json`.
struct BiasArtifact: Codable, Sendable {
    var egger: EggerTest?
    var begg: BeggTest?
    var trimfill: TrimAndFill?
    var unavailable: [String: String]
}

/// `scenario.json`.
struct ScenarioArtifact: Codable, Sendable {
    var name: String
    var description: String?
    var changes: [String]
    var measure: EffectMeasure
    var analysis: MetaAnalysis
    var dropped: [DroppedStudy]
    /// The scenario's meta-regression, when it has moderators.
    var regression: ResultDocument.Regression?
}

/// `synthesis.json`.
struct SynthesisArtifact: Codable, Sendable {
    struct Theme: Codable, Sendable {
        var name: String
        var definition: String?
        var studies: [String]
        var reported: [String]
    }
    var themes: [Theme]
    var studies: [String]
}

/// Canonical JSON for internal artifacts (sorted keys, compact). A value that JSON cannot hold (a
/// non-finite number) fails the stage with the path of the value, never traps.
func canonical<T: Encodable>(_ value: T) throws(StageFailure) -> Data {
    // The fast encoder leaves a non-finite number to JSONEncoder, whose error names its path.
    if let data = CanonicalEncoder.encode(value, spellNonFinite: false) { return data }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do { return try encoder.encode(value) } catch { throw StageFailure(encodingFailure(error)) }
}

/// Canonical JSON for a stage's parameters, which only feed its cache key: a non-finite number is
/// spelled as a string ("inf") rather than refused, so building the stage graph cannot fail; the
/// stage itself then reports the value.
func parameters<T: Encodable>(_ value: T) -> Data { canonicalJSON(value) }

/// "pooled.estimate is inf, not a finite number" from an `EncodingError`.
func encodingFailure(_ error: Error) -> String {
    guard case let EncodingError.invalidValue(value, context) = error else { return "cannot store the result: \(error)" }
    let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    let place = path.hasPrefix(".") ? String(path.dropFirst()) : path
    return "a computed value is not a finite number (\(place.isEmpty ? "value" : place) = \(value)); the data give "
        + "numbers too large or too small to compute with — check the inputs of this analysis"
}

/// A file name for `name`, which may hold any text (a CSV column header): letters, digits, '-', '_'
/// and '.' stay, every other byte of its UTF-8 is written `~XX` (hex), so `x/../y` becomes
/// `x~2F..~2Fy` — one component, never a path. The encoding is one-to-one, needs no escaping in a
/// URL, and a name whose encoding is longer than 120 bytes is cut and given a hash of the whole name,
/// so that it stays under file-system limits.
public func safeFileName(_ name: String) -> String {
    var out = ""
    for byte in name.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            out += "~" + String(byte, radix: 16, uppercase: true).leftPadded(2)
        }
    }
    if out.hasPrefix(".") { out = "~2E" + out.dropFirst() }
    if out.utf8.count > 120 { out = String(out.prefix(100)) + "~" + String(sha256Hex(Data(name.utf8)).prefix(16)) }
    return out
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// `path` (relative to the working folder, as the loader joins it) relative to the pipeline file's
/// folder: "pipelines/bcg/bcg.csv" for "pipelines/bcg.yaml" → "bcg/bcg.csv". Whatever the
/// working folder, the report then names the same paths, and never the user's own folders.
func relativeToPipeline(_ path: String, pipelineFile: String) -> String {
    let directory = (pipelineFile as NSString).deletingLastPathComponent
    if directory.isEmpty || directory == "." { return path.hasPrefix("./") ? String(path.dropFirst(2)) : path }
    if path.hasPrefix(directory + "/") { return String(path.dropFirst(directory.count + 1)) }
    // Otherwise compare absolute forms, component by component.
    let base = URL(fileURLWithPath: directory).standardizedFileURL.pathComponents
    let target = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
    var common = 0
    while common < base.count, common < target.count, base[common] == target[common] { common += 1 }
    let up = Array(repeating: "..", count: base.count - common)
    return (up + target[common...]).joined(separator: "/")
}

func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
    try JSONDecoder().decode(T.self, from: data)
}

/// A stage's work failed for a reason worth showing as is.
struct StageFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

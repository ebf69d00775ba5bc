import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MetaPipeline
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

/// Canonical JSON for parameters and internal artifacts (sorted keys, compact).
func canonical<T: Encodable>(_ value: T) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do { return try encoder.encode(value) } catch { preconditionFailure("cannot encode \(T.self): \(error)") }
}

func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
    try JSONDecoder().decode(T.self, from: data)
}

/// A stage's work failed for a reason worth showing as is.
struct StageFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

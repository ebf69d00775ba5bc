import Foundation

/// A stage's name, unique within a run (e.g. `balint/pool:empathy`).
public struct StageID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: StageID, b: StageID) -> Bool { a.rawValue < b.rawValue }
}

/// One named output of a stage that another stage reads.
public struct ArtifactRef: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var stage: StageID
    public var name: String
    public init(_ stage: StageID, _ name: String) {
        self.stage = stage
        self.name = name
    }
    public var description: String { "\(stage.rawValue)#\(name)" }
    public static func < (a: ArtifactRef, b: ArtifactRef) -> Bool { a.description < b.description }
}

/// What a stage reads while it runs.
public struct StageContext: Sendable {
    public let parameters: Data
    let fileContents: [String: Data]
    let artifactContents: [ArtifactRef: Data]

    /// The bytes of a declared input file (the same bytes that were hashed for the cache key).
    public func file(_ path: String) throws -> Data {
        guard let data = fileContents[path] else { throw RunnerError.undeclaredInput(path) }
        return data
    }

    /// The bytes of a declared upstream artifact.
    public func artifact(_ ref: ArtifactRef) throws -> Data {
        guard let data = artifactContents[ref] else { throw RunnerError.undeclaredInput(ref.description) }
        return data
    }

    /// Decodes a declared upstream JSON artifact.
    public func decode<T: Decodable>(_ type: T.Type, from ref: ArtifactRef) throws -> T {
        try JSONDecoder().decode(T.self, from: artifact(ref))
    }
}

/// What a stage produces: artifacts for other stages, and files published under the output folder
/// (paths relative to it). A published file can also be read by later stages, by its path.
public struct StageOutput: Sendable {
    public var artifacts: [String: Data]
    public var published: [String: Data]
    public init(artifacts: [String: Data] = [:], published: [String: Data] = [:]) {
        self.artifacts = artifacts
        self.published = published
    }
}

/// A node of the stage graph. The runner knows nothing of what a stage does: only what it reads
/// (parameters, files, upstream artifacts) and what it writes.
public struct Stage: Sendable {
    public var id: StageID
    /// The kind of work ("pool", "plot", …), part of the cache key.
    public var kind: String
    /// The stage's resolved parameters in canonical form (e.g. JSON with sorted keys).
    public var parameters: Data
    /// Input files, by path.
    public var files: [String]
    /// Upstream artifacts.
    public var inputs: [ArtifactRef]
    /// Where the stage comes from in the pipeline file ("pipelines/balint.yaml:12:3"), for messages.
    public var origin: String?
    public var run: @Sendable (StageContext) throws -> StageOutput

    public init(id: StageID, kind: String, parameters: Data, files: [String] = [], inputs: [ArtifactRef] = [],
                origin: String? = nil, run: @escaping @Sendable (StageContext) throws -> StageOutput) {
        self.id = id
        self.kind = kind
        self.parameters = parameters
        self.files = files
        self.inputs = inputs
        self.origin = origin
        self.run = run
    }

    /// The stages this one waits for.
    public var dependencies: Set<StageID> { Set(inputs.map(\.stage)) }
}

/// Errors of the runner itself (not of a stage's work).
public enum RunnerError: Error, Equatable, CustomStringConvertible {
    case duplicateStage(StageID)
    case unknownDependency(StageID, needs: StageID)
    case cycle([StageID])
    case undeclaredInput(String)
    case missingArtifact(ArtifactRef)
    case unreadableFile(String, String)
    case cacheLocked(String)
    /// A cache folder metapipe did not make (path, why).
    case notACache(String, String)
    /// An output or cache location that would put the user's files at risk.
    case unsafeLocation(String)
    /// A published path that would leave the output folder, or overwrite a file metapipe did not write.
    case unsafeOutput(String)
    case io(String)

    /// Errors of the command line (exit 64) rather than of a run.
    public var isUsage: Bool {
        switch self {
        case .notACache, .unsafeLocation: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .duplicateStage(let id): return "two stages are named '\(id)'"
        case let .unknownDependency(id, needs): return "stage '\(id)' reads from '\(needs)', which does not exist"
        case .cycle(let ids): return "the stages \(ids.map(\.rawValue).joined(separator: " → ")) depend on each other"
        case .undeclaredInput(let name): return "a stage read '\(name)' without declaring it as an input"
        case .missingArtifact(let ref): return "stage '\(ref.stage)' did not produce '\(ref.name)'"
        case let .unreadableFile(path, why): return "cannot read \(path): \(why)"
        case .cacheLocked(let path): return "another metapipe run is using the cache \(path); wait for it to finish"
        case let .notACache(path, why):
            return "\(path) is not a metapipe cache (\(why)); nothing was written or removed. Name an empty or new folder with --cache"
        case .unsafeLocation(let message): return message
        case .unsafeOutput(let message): return message
        case .io(let message): return message
        }
    }
}

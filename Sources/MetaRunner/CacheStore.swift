import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SHA-256 of bytes, as lowercase hex.
public func sha256Hex(_ data: Data) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var hex: [UInt8] = []
    hex.reserveCapacity(64)
    for byte in SHA256.hash(data: data) {
        hex.append(digits[Int(byte >> 4)])
        hex.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: hex, as: UTF8.self)
}

/// The content-addressed cache under `--cache` (default `.metapipe/`). One place builds every path:
///
/// ```
/// objects/ab/cdef…        artifact and output bytes, named by their SHA-256
/// stages/<key>.json       a complete entry: the artifacts a stage produced for that cache key
/// records/<id-hash>.json  the last inputs seen for a stage id (to say why it must rerun)
/// published.json          size/mtime stamps of published outputs (to notice edits cheaply)
/// tmp/                    files being written; renamed into place when complete
/// lock                    held by the running process
/// ```
///
/// Every file is written under tmp/ and renamed into place, and an entry is written only after all
/// of its objects, so an interrupted run leaves either a complete entry or none.
final class CacheStore: @unchecked Sendable {
    let root: URL
    private let fileManager = FileManager.default
    private var lockDescriptor: Int32 = -1
    private let counterLock = NSLock()
    private var counter = 0

    init(root: URL) {
        self.root = root
    }

    var objectsDirectory: URL { root.appendingPathComponent("objects") }
    var stagesDirectory: URL { root.appendingPathComponent("stages") }
    var recordsDirectory: URL { root.appendingPathComponent("records") }
    var tmpDirectory: URL { root.appendingPathComponent("tmp") }
    var stampsFile: URL { root.appendingPathComponent("published.json") }

    func objectURL(_ sha: String) -> URL {
        objectsDirectory.appendingPathComponent(String(sha.prefix(2))).appendingPathComponent(String(sha.dropFirst(2)))
    }
    func manifestURL(_ key: String) -> URL { stagesDirectory.appendingPathComponent("\(key).json") }
    func recordURL(_ id: StageID) -> URL {
        recordsDirectory.appendingPathComponent("\(sha256Hex(Data(id.rawValue.utf8)).prefix(32)).json")
    }

    /// Creates the folders, takes the lock and clears leftovers of an interrupted run.
    func open() throws(RunnerError) {
        for dir in [objectsDirectory, stagesDirectory, recordsDirectory, tmpDirectory] {
            do { try fileManager.createDirectory(at: dir, withIntermediateDirectories: true) }
            catch { throw .io("cannot create the cache folder \(dir.path): \(error.localizedDescription)") }
        }
        let lockPath = root.appendingPathComponent("lock").path
        let fd = Glibc.open(lockPath, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw .io("cannot open \(lockPath)") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            Glibc.close(fd)
            throw .cacheLocked(root.path)
        }
        lockDescriptor = fd
        if let leftovers = try? fileManager.contentsOfDirectory(at: tmpDirectory, includingPropertiesForKeys: nil) {
            for url in leftovers { try? fileManager.removeItem(at: url) }
        }
    }

    func close() {
        if lockDescriptor >= 0 {
            flock(lockDescriptor, LOCK_UN)
            Glibc.close(lockDescriptor)
            lockDescriptor = -1
        }
    }

    deinit { close() }

    /// A fresh temporary path under `directory`.
    func temporaryURL(in directory: URL, for name: String) -> URL {
        counterLock.lock()
        counter += 1
        let n = counter
        counterLock.unlock()
        return directory.appendingPathComponent(".\(name).tmp-\(getpid())-\(n)")
    }

    /// Writes `data` to `url` atomically: a temporary file in `tmpDir` renamed over the target.
    func writeAtomically(_ data: Data, to url: URL, tmpDir: URL) throws(RunnerError) {
        let temp = temporaryURL(in: tmpDir, for: url.lastPathComponent)
        do {
            try data.write(to: temp)
            if rename(temp.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? fileManager.removeItem(at: temp)
                throw RunnerError.io("cannot move \(temp.path) to \(url.path): \(reason)")
            }
        } catch let error as RunnerError {
            throw error
        } catch {
            try? fileManager.removeItem(at: temp)
            throw .io("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Stores bytes and returns their SHA-256.
    @discardableResult
    func put(_ data: Data) throws(RunnerError) -> String {
        let sha = sha256Hex(data)
        let url = objectURL(sha)
        if let size = fileSize(url), size == data.count { return sha }
        do { try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true) }
        catch { throw .io("cannot create \(url.deletingLastPathComponent().path)") }
        try writeAtomically(data, to: url, tmpDir: tmpDirectory)
        return sha
    }

    /// The bytes stored under `sha`, if present and intact. A damaged object is removed, so that
    /// the next run sees a cache miss and recomputes it instead of failing again.
    func get(_ sha: String) -> Data? {
        guard let data = try? Data(contentsOf: objectURL(sha)) else { return nil }
        guard sha256Hex(data) == sha else {
            try? fileManager.removeItem(at: objectURL(sha))
            return nil
        }
        return data
    }

    func hasObject(_ entry: Manifest.Entry) -> Bool { fileSize(objectURL(entry.sha)) == entry.size }

    func fileSize(_ url: URL) -> Int? {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    // MARK: Manifests and records

    func manifest(_ key: String) -> Manifest? {
        guard let data = try? Data(contentsOf: manifestURL(key)) else { return nil }
        return try? JSONDecoder().decode(Manifest.self, from: data)
    }

    func putManifest(_ manifest: Manifest) throws(RunnerError) {
        try writeAtomically(canonicalJSON(manifest), to: manifestURL(manifest.key), tmpDir: tmpDirectory)
    }

    func record(_ id: StageID) -> Record? {
        guard let data = try? Data(contentsOf: recordURL(id)) else { return nil }
        return try? JSONDecoder().decode(Record.self, from: data)
    }

    /// Writes the record unless the file already holds the same bytes (a warm run writes nothing).
    func putRecord(_ record: Record) throws(RunnerError) {
        try writeIfChanged(canonicalJSON(record), to: recordURL(StageID(record.id)))
    }

    private func writeIfChanged(_ data: Data, to url: URL) throws(RunnerError) {
        if let size = fileSize(url), size == data.count, (try? Data(contentsOf: url)) == data { return }
        try writeAtomically(data, to: url, tmpDir: tmpDirectory)
    }

    func loadStamps() -> [String: Stamp] {
        guard let data = try? Data(contentsOf: stampsFile) else { return [:] }
        return (try? JSONDecoder().decode([String: Stamp].self, from: data)) ?? [:]
    }

    func saveStamps(_ stamps: [String: Stamp]) throws(RunnerError) {
        try writeIfChanged(canonicalJSON(stamps), to: stampsFile)
    }
}

/// A complete cache entry.
struct Manifest: Codable, Sendable {
    struct Entry: Codable, Sendable, Hashable {
        var sha: String
        var size: Int
    }
    var id: String
    var kind: String
    var key: String
    var artifacts: [String: Entry]
    var published: [String: Entry]
}

/// The inputs a stage id last ran (or was found cached) with.
struct Record: Codable, Sendable {
    var id: String
    var key: String
    var parameters: String
    var files: [String: String]
    var inputs: [String: String]
}

/// What a published file looked like when metapipe last wrote or checked it.
struct Stamp: Codable, Sendable, Hashable {
    var sha: String
    var size: Int
    var mtime: Int64
}

/// JSON with sorted keys: the canonical form of every cache file.
func canonicalJSON<T: Encodable>(_ value: T) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(value)) ?? Data()
}

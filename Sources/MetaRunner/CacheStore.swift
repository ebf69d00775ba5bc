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
/// objects.json            size/mtime stamps of objects whose bytes were checked (trusted while unchanged)
/// runs/<command>.json     the summary of the last run of a command in which every stage succeeded
/// tmp/                    files being written; renamed into place when complete
/// lock                    held by the running process (and by `metapipe clean`)
/// CACHEDIR.TAG            the marker: metapipe uses, empties or deletes only a folder holding it
/// ```
///
/// Every file is written under tmp/ and renamed into place, and an entry is written only after all
/// of its objects, so an interrupted run leaves either a complete entry or none.
public final class CacheStore: @unchecked Sendable {
    /// `metapipe clean`: removes what metapipe put in the cache folder `root`, under the run lock
    /// (refused while a run holds it; a folder metapipe did not make is refused). Returns the
    /// entries left in place because metapipe did not put them there, and whether there was a cache.
    public static func clean(_ root: URL) throws(RunnerError) -> (existed: Bool, kept: [String]) {
        let store = CacheStore(root: root)
        guard FileManager.default.fileExists(atPath: root.path) else { return (false, []) }
        return (true, try store.clean())
    }

    let root: URL
    private let fileManager = FileManager.default
    private var lockDescriptor: Int32 = -1
    private let counterLock = NSLock()
    private var counter = 0

    /// `root` as a path, for building the paths of objects, entries and records as text (URL's
    /// path operations were a tenth of a warm run).
    let rootPath: String

    init(root: URL) {
        self.root = root
        var path = root.path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        self.rootPath = path
    }

    var objectsDirectory: URL { root.appendingPathComponent("objects") }
    var stagesDirectory: URL { root.appendingPathComponent("stages") }
    var recordsDirectory: URL { root.appendingPathComponent("records") }
    var tmpDirectory: URL { root.appendingPathComponent("tmp") }
    var stampsFile: URL { root.appendingPathComponent("published.json") }
    var objectStampsFile: URL { root.appendingPathComponent("objects.json") }

    func objectPath(_ sha: String) -> String { "\(rootPath)/objects/\(sha.prefix(2))/\(sha.dropFirst(2))" }
    func objectURL(_ sha: String) -> URL { URL(fileURLWithPath: objectPath(sha)) }
    func manifestURL(_ key: String) -> URL { URL(fileURLWithPath: "\(rootPath)/stages/\(key).json") }
    func recordURL(_ id: StageID) -> URL {
        URL(fileURLWithPath: "\(rootPath)/records/\(sha256Hex(Data(id.rawValue.utf8)).prefix(32)).json")
    }

    /// The file that marks a folder as a metapipe cache (a standard cache directory tag, so backup
    /// tools skip it too). metapipe writes into, empties or removes only a folder that holds it.
    static let markerName = "CACHEDIR.TAG"
    static let markerText = """
        Signature: 8a477f597d28d172789f06886806bc55
        # This folder is a metapipe cache: metapipe may empty or delete it ('metapipe clean').
        # For information about cache directory tags, see https://bford.info/cachedir/

        """
    /// What a cache made before the marker existed holds; such a folder is adopted (marked).
    static let legacyEntries: Set<String> = ["objects", "stages", "records", "tmp", "lock", "published.json"]
    /// Everything metapipe itself puts in a cache folder.
    static let ownEntries: Set<String> = legacyEntries.union([markerName, "objects.json", "runs"])

    var markerURL: URL { root.appendingPathComponent(Self.markerName) }

    /// Whether `root` is a cache metapipe made: it holds the marker, or only what an older metapipe
    /// cache held. Throws when the folder exists and is anything else (never a user's folder).
    func claim(create: Bool) throws(RunnerError) -> Bool {
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            guard create else { return false }
            // The folder appears with its marker already inside (made beside it, then renamed), so a
            // run killed at any moment never leaves a cache folder that a later run would refuse.
            let parent = root.deletingLastPathComponent()
            let staging = parent.appendingPathComponent(".\(root.lastPathComponent).new-\(UUID().uuidString)")
            do {
                try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
                try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
                try Data(Self.markerText.utf8).write(to: staging.appendingPathComponent(Self.markerName))
                try fileManager.moveItem(at: staging, to: root)
            } catch {
                try? fileManager.removeItem(at: staging)
                // Another run may have made it meanwhile; otherwise say why it cannot be made.
                if fileManager.fileExists(atPath: root.path) { return try claim(create: create) }
                throw .io("cannot create the cache folder \(root.path): \(error.localizedDescription)")
            }
            return true
        }
        guard isDirectory.boolValue else { throw .notACache(root.path, "it is a file") }
        if let marker = try? String(contentsOf: markerURL, encoding: .utf8), marker.contains("metapipe") { return true }
        let contents = Set((try? fileManager.contentsOfDirectory(atPath: root.path)) ?? [])
        // An older cache without the marker, or one whose marker was damaged: only metapipe's entries.
        if contents.isEmpty || (contents.contains("stages") && contents.isSubset(of: Self.ownEntries)) {
            if create { try writeMarker() }
            return true
        }
        throw .notACache(root.path, "it holds files metapipe did not put there and no \(Self.markerName) marker")
    }

    private func writeMarker() throws(RunnerError) {
        // Written in place, not through a temporary file: a kill mid-write leaves a partial marker,
        // which the next run recognises as its own entry and rewrites, never a stray file it refuses.
        do { try Data(Self.markerText.utf8).write(to: markerURL) }
        catch { throw .io("cannot write \(markerURL.path): \(error.localizedDescription)") }
    }

    /// Takes the lock without waiting.
    func lock() throws(RunnerError) {
        let lockPath = root.appendingPathComponent("lock").path
        let fd = Glibc.open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            Glibc.close(fd)
            throw .cacheLocked(root.path)
        }
        lockDescriptor = fd
    }

    /// Checks that the folder is a metapipe cache (creating and marking it when absent or empty),
    /// creates the sub-folders, takes the lock and clears leftovers of an interrupted run.
    func open() throws(RunnerError) {
        _ = try claim(create: true)
        try lock()
        for dir in [objectsDirectory, stagesDirectory, recordsDirectory, tmpDirectory] {
            do { try fileManager.createDirectory(at: dir, withIntermediateDirectories: true) }
            catch { close(); throw .io("cannot create the cache folder \(dir.path): \(error.localizedDescription)") }
        }
        if let leftovers = try? fileManager.contentsOfDirectory(at: tmpDirectory, includingPropertiesForKeys: nil) {
            for url in leftovers { try? fileManager.removeItem(at: url) }
        }
    }

    /// `metapipe clean`: removes what metapipe put in the cache folder, under the lock (refused
    /// while a run holds it), and the folder itself when nothing else is left in it. Returns the
    /// entries left because metapipe did not make them.
    func clean() throws(RunnerError) -> [String] {
        guard try claim(create: false) else { return [] }
        try lock()
        defer { close() }
        let contents = ((try? fileManager.contentsOfDirectory(atPath: root.path)) ?? []).sorted()
        // The marker goes last but one, so that a clean stopped half-way leaves a marked cache.
        for name in contents where Self.ownEntries.contains(name) && name != Self.markerName && name != "lock" {
            do { try fileManager.removeItem(at: root.appendingPathComponent(name)) }
            catch { throw .io("cannot remove \(root.appendingPathComponent(name).path): \(error.localizedDescription)") }
        }
        let foreign = contents.filter { !Self.ownEntries.contains($0) }
        if foreign.isEmpty {
            try? fileManager.removeItem(at: markerURL)
            try? fileManager.removeItem(at: root.appendingPathComponent("lock"))
            try? fileManager.removeItem(at: root)
        }
        return foreign
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

    /// Writes `data` to `url` atomically: a temporary file in `tmpDir` renamed over the target. The
    /// file is not flushed to disk here (a flush per file was most of a cold run's waiting): a run that
    /// wrote anything ends with `flushToDisk`, and every file the cache trusts is checked by its digest,
    /// size and time, so a file a power cut left empty or short is not trusted.
    func writeAtomically(_ data: Data, to url: URL, tmpDir: URL) throws(RunnerError) {
        let temp = temporaryURL(in: tmpDir, for: url.lastPathComponent)
        let fd = Glibc.open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw .io("cannot write \(url.path): \(String(cString: strerror(errno)))") }
        markWritten()
        var failure = data.withUnsafeBytes { Self.writeAll(fd, $0) }
        if Glibc.close(fd) != 0, failure == 0 { failure = errno }
        if failure == 0, rename(temp.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temp.path)
            throw .io("cannot move \(temp.path) to \(url.path): \(reason)")
        }
        if failure != 0 {
            unlink(temp.path)
            throw .io("cannot write \(url.path): \(String(cString: strerror(failure)))")
        }
    }

    /// Writes all of `bytes` to `fd`; 0, or the `errno` of the write that failed.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return n < 0 ? errno : EIO }
            offset += n
        }
        return 0
    }

    /// Whether this store wrote a file since it was opened (or last flushed).
    private(set) var wroteFiles = false

    private func markWritten() {
        counterLock.lock()
        wroteFiles = true
        counterLock.unlock()
    }

    /// Flushes what this run wrote to disk — once, at its end, for each file system that holds the
    /// cache or one of `folders` (`syncfs`): a run that finished leaves its cache and outputs on disk
    /// as a power cut finds them. A run that wrote nothing flushes nothing.
    func flushToDisk(alsoUnder folders: [String]) {
        counterLock.lock()
        let wrote = wroteFiles
        wroteFiles = false
        counterLock.unlock()
        guard wrote, let flush = Self.syncfs else { return }
        var devices: Set<UInt64> = []
        for path in [rootPath] + folders {
            let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            var info = stat()
            if fstat(fd, &info) == 0, devices.insert(UInt64(info.st_dev)).inserted { _ = flush(fd) }
            Glibc.close(fd)
        }
    }

    /// glibc's `syncfs`, which its Swift module does not import.
    private static let syncfs = cLibraryFunction("syncfs", as: (@convention(c) (Int32) -> Int32).self)

    /// Objects whose bytes were hashed (or written) in this run: trusted without reading them again.
    private var verified: Set<String> = []

    private func isVerified(_ sha: String) -> Bool {
        counterLock.lock()
        defer { counterLock.unlock() }
        return verified.contains(sha)
    }

    private func markVerified(_ sha: String) {
        counterLock.lock()
        verified.insert(sha)
        counterLock.unlock()
    }

    /// Stores bytes and returns their SHA-256. An object already present is kept only when its bytes
    /// hash right; with `rewrite` (`--force`) it is always written again.
    @discardableResult
    func put(_ data: Data, rewrite: Bool = false) throws(RunnerError) -> String {
        let sha = sha256Hex(data)
        let url = objectURL(sha)
        if !rewrite, isVerified(sha) || (fileSize(url) == data.count && (try? Data(contentsOf: url)) == data) {
            markVerified(sha)
            return sha
        }
        do { try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true) }
        catch { throw .io("cannot create \(url.deletingLastPathComponent().path)") }
        try writeAtomically(data, to: url, tmpDir: tmpDirectory)
        markVerified(sha)
        if let seen = objectStat(url.path), seen.size == data.count {
            counterLock.lock()
            written[sha] = seen
            counterLock.unlock()
        }
        return sha
    }

    /// The bytes stored under `sha`, if present and intact. A damaged object is removed, so that
    /// the stage that made it is not trusted and runs again.
    func get(_ sha: String) -> Data? {
        guard let data = try? Data(contentsOf: objectURL(sha)) else { return nil }
        guard sha256Hex(data) == sha else {
            try? fileManager.removeItem(at: objectURL(sha))
            return nil
        }
        markVerified(sha)
        return data
    }

    /// Whether the entry's object is present with the right size and bytes: it is hashed before a
    /// stage is trusted as complete, so a damaged object makes its stage run again (and is removed,
    /// unless `remove` is false, as for `plan`). An object whose size and modification time are
    /// those recorded when its bytes were last hashed is trusted without reading it (as make and
    /// ninja trust a file's time): writing to the file changes its time.
    func hasObject(_ entry: Manifest.Entry, remove: Bool = true) -> Bool {
        if isVerified(entry.sha) { return true }
        let path = objectPath(entry.sha)
        let seen = objectStat(path)
        if let seen, seen.size == entry.size, objectStamp(entry.sha) == seen {
            markVerified(entry.sha)
            return true
        }
        guard let seen, seen.size == entry.size, let data = fileManager.contents(atPath: path), sha256Hex(data) == entry.sha,
              objectStat(path) == seen else {
            if remove, fileSize(path) != nil { try? fileManager.removeItem(atPath: path) }
            return false
        }
        markVerified(entry.sha)
        recordObjectStamp(entry.sha, seen)
        return true
    }

    /// An object file's size and modification time (nanoseconds).
    struct ObjectStat: Codable, Hashable, Sendable {
        var size: Int
        var mtime: Int64
    }

    func objectStat(_ path: String) -> ObjectStat? { Self.fileStat(path) }

    /// A regular file's size and modification time (nanoseconds); nil for anything else. How the
    /// cache's objects and the published outputs are stamped and checked.
    static func fileStat(_ path: String) -> ObjectStat? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return ObjectStat(size: Int(info.st_size), mtime: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    /// Stamps of objects whose bytes were hashed or written, by SHA; loaded on first use.
    private var objectStamps: [String: ObjectStat]?
    private var objectStampsChanged = false

    private func objectStamp(_ sha: String) -> ObjectStat? {
        counterLock.lock()
        defer { counterLock.unlock() }
        if objectStamps == nil { objectStamps = loadObjectStamps() }
        return objectStamps?[sha]
    }

    /// Records a stamp, unless the file's time is too recent to tell a later write in the same clock
    /// tick from this one (then the object is hashed again next time).
    private func recordObjectStamp(_ sha: String, _ seen: ObjectStat) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanoseconds = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        guard nanoseconds - seen.mtime > 100_000_000 else { return }
        counterLock.lock()
        if objectStamps == nil { objectStamps = loadObjectStamps() }
        if objectStamps?[sha] != seen {
            objectStamps?[sha] = seen
            objectStampsChanged = true
        }
        counterLock.unlock()
    }

    private func loadObjectStamps() -> [String: ObjectStat] {
        guard let data = try? Data(contentsOf: objectStampsFile) else { return [:] }
        return decodeCacheFile([String: ObjectStat].self, data) { $0.objectStats() } ?? [:]
    }

    /// Objects written in this run, with their stamps right after writing: recorded at the end of the
    /// run when still unchanged.
    private var written: [String: ObjectStat] = [:]

    /// Saves the stamps of objects checked or written in this run.
    func saveObjectStamps() throws(RunnerError) {
        counterLock.lock()
        let fresh = written
        written = [:]
        counterLock.unlock()
        for (sha, stamp) in fresh.sorted(by: { $0.key < $1.key }) where objectStat(objectPath(sha)) == stamp {
            recordObjectStamp(sha, stamp)
        }
        counterLock.lock()
        let changed = objectStampsChanged
        var stamps = objectStamps ?? [:]
        counterLock.unlock()
        guard changed else { return }
        // Objects no longer in the cache (removed by `clean` or as damaged) are dropped.
        stamps = stamps.filter { objectStat(objectPath($0.key)) == $0.value }
        try writeAtomically(canonicalJSON(stamps), to: objectStampsFile, tmpDir: tmpDirectory)
        counterLock.lock()
        objectStampsChanged = false
        counterLock.unlock()
    }

    func fileSize(_ url: URL) -> Int? { fileSize(url.path) }

    func fileSize(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    // MARK: Manifests and records

    /// The complete entry for `key`, when its file is intact (its digest matches) and names its key.
    func manifest(_ key: String) -> Manifest? {
        guard let data = try? Data(contentsOf: manifestURL(key)),
              let manifest = decodeCacheFile(Manifest.self, data, fast: Manifest.init(json:)),
              manifest.key == key, manifest.digest == manifest.computedDigest() else { return nil }
        return manifest
    }

    func putManifest(_ manifest: Manifest) throws(RunnerError) {
        var sealed = manifest
        sealed.digest = manifest.computedDigest()
        try writeAtomically(canonicalJSON(sealed), to: manifestURL(manifest.key), tmpDir: tmpDirectory)
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
        return decodeCacheFile([String: Stamp].self, data) { $0.stamps() } ?? [:]
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
    /// SHA-256 of the entry's canonical JSON without this field: a damaged entry is not trusted.
    var digest: String?

    func computedDigest() -> String {
        var bare = self
        bare.digest = nil
        return sha256Hex(canonicalJSON(bare))
    }
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

extension Stamp: DirectJSON {
    func writeJSON(_ out: inout JSONBytes) -> Bool {
        out.object(["mtime", "sha", "size"]) { field, out in
            switch field {
            case "mtime": out.raw(String(mtime)); return true
            case "sha": return out.string(sha)
            default: out.raw(String(size)); return true
            }
        }
    }
}

extension CacheStore.ObjectStat: DirectJSON {
    func writeJSON(_ out: inout JSONBytes) -> Bool {
        out.object(["mtime", "size"]) { field, out in
            out.raw(String(field == "mtime" ? mtime : Int64(size)))
            return true
        }
    }
}

/// A value that writes its own canonical JSON, byte for byte what `JSONEncoder` writes with sorted
/// keys and unescaped slashes, when every string in it is printable ASCII without `"` or `\`
/// (nil otherwise, and the encoder is used): the cache's keys, records and entries are encoded for
/// every stage of every run.
protocol DirectJSON {
    func writeJSON(_ out: inout JSONBytes) -> Bool
}

struct JSONBytes {
    var bytes: [UInt8] = []

    static func plain(_ s: String) -> Bool {
        s.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }
    }

    mutating func string(_ s: String) -> Bool {
        guard Self.plain(s) else { return false }
        bytes.append(0x22)
        bytes += s.utf8
        bytes.append(0x22)
        return true
    }

    mutating func raw(_ s: String) { bytes += s.utf8 }

    /// `{"a":…,"b":…}` with the keys in byte order, as the encoder sorts them.
    mutating func object(_ keys: [String], _ value: (String, inout JSONBytes) -> Bool) -> Bool {
        bytes.append(0x7B)
        for (i, key) in keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if i > 0 { bytes.append(0x2C) }
            guard string(key) else { return false }
            bytes.append(0x3A)
            guard value(key, &self) else { return false }
        }
        bytes.append(0x7D)
        return true
    }

    mutating func strings(_ map: [String: String]) -> Bool {
        object(Array(map.keys)) { key, out in out.string(map[key]!) }
    }
}

/// JSON with sorted keys: the canonical form of every cache file and of every stage's parameters.
public func canonicalJSON<T: Encodable>(_ value: T) -> Data {
    var out = JSONBytes()
    if let direct = value as? DirectJSON {
        if direct.writeJSON(&out) { return Data(out.bytes) }
    } else if let map = value as? [String: String] {
        if out.strings(map) { return Data(out.bytes) }
    } else if let stamps = value as? [String: Stamp] {
        if out.object(Array(stamps.keys), { path, out in stamps[path]!.writeJSON(&out) }) { return Data(out.bytes) }
    } else if let stats = value as? [String: CacheStore.ObjectStat] {
        if out.object(Array(stats.keys), { sha, out in stats[sha]!.writeJSON(&out) }) { return Data(out.bytes) }
    }
    if let data = CanonicalEncoder.encode(value, spellNonFinite: true) { return data }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // A value JSON cannot hold still gets bytes of its own, never the empty bytes every such value
    // would share (and so one cache key).
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    do { return try encoder.encode(value) } catch {
        return Data("unencodable \(T.self): \(String(reflecting: value))".utf8)
    }
}

extension Manifest: DirectJSON {
    func writeJSON(_ out: inout JSONBytes) -> Bool {
        func entries(_ map: [String: Entry], _ out: inout JSONBytes) -> Bool {
            out.object(Array(map.keys)) { name, out in
                let entry = map[name]!
                return out.object(["sha", "size"]) { field, out in
                    if field == "sha" { return out.string(entry.sha) }
                    out.raw(String(entry.size))
                    return true
                }
            }
        }
        var keys = ["artifacts", "id", "key", "kind", "published"]
        if digest != nil { keys.append("digest") }
        return out.object(keys) { field, out in
            switch field {
            case "artifacts": return entries(artifacts, &out)
            case "published": return entries(published, &out)
            case "digest": return out.string(digest!)
            case "id": return out.string(id)
            case "key": return out.string(key)
            default: return out.string(kind)
            }
        }
    }
}

extension Record: DirectJSON {
    func writeJSON(_ out: inout JSONBytes) -> Bool {
        out.object(["files", "id", "inputs", "key", "parameters"]) { field, out in
            switch field {
            case "files": return out.strings(files)
            case "inputs": return out.strings(inputs)
            case "id": return out.string(id)
            case "key": return out.string(key)
            default: return out.string(parameters)
            }
        }
    }
}

/// A function of the C library that its Swift module does not import, found by name; nil where the
/// C library has no such function (or is not glibc).
func cLibraryFunction<Function>(_ name: String, as type: Function.Type) -> Function? {
    #if canImport(Glibc)
    guard let symbol = dlsym(nil, name) else { return nil }
    return unsafeBitCast(symbol, to: type)
    #else
    return nil
    #endif
}

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the caller knows of a run beyond its stages: the files its stage graph was built from (the
/// pipeline files and every data file the loader read, by SHA-256) and the notes it printed while
/// building it. With these the runner keeps a summary of a run in which every stage succeeded, so
/// that the next run of the same command, when none of those files changed and every output and cache
/// entry is as that run left it, is answered from the summary without loading the pipelines or
/// building the graph again (the configuration cache of build tools).
public struct GraphInputs: Sendable, Equatable {
    /// Names the command: the working folder, the pipeline files, the output and cache folders (see
    /// `GraphInputs.key`). The summary of a command is replaced by its next run, whichever build of
    /// metapipe made it (the summary names the build, and only the same build replays it).
    public var key: String
    /// Path → SHA-256 of the bytes read. A path ending in "/" names a folder whose file list was read;
    /// its value is the SHA-256 of that list (see `listingDigest`).
    public var files: [String: String]
    /// Lines printed while loading (warnings), printed again by a run answered from the summary.
    public var notes: [String]

    public init(key: String, files: [String: String], notes: [String]) {
        self.key = key
        self.files = files
        self.notes = notes
    }

    /// The key of one command: everything besides the files' contents that decides which graph
    /// the command builds and where its results go.
    public static func key(directory: String, pipelines: [String], output: String, cache: String) -> String {
        var text = "metapipe run summary 1\n\(directory)\n\(output)\n\(cache)\n"
        for path in pipelines { text += "\(path)\n" }
        return sha256Hex(Data(text.utf8))
    }

    /// The digest of a folder's file list (one path per line, in the order given).
    public static func listingDigest(_ files: [String]) -> String {
        sha256Hex(Data(files.map { "\($0)\n" }.joined().utf8))
    }
}

/// The summary of a run in which every stage succeeded: what it found or left in the cache and in the
/// output folders. Kept in the cache as `runs/<key>.json`; removed when a run of the same command starts.
struct RunSummary: Codable, Sendable, Equatable {
    var key: String
    var tool: String
    var files: [String: String]
    var notes: [String]
    /// Every stage in the run's order: id, kind and the cache key of its complete entry.
    var stages: [[String]]
    /// Every object the entries name: SHA-256 → size.
    var objects: [String: Int]
    /// Every published file (path under the output folder) with its stamp as the run left it.
    var published: [String: Stamp]
    /// Each owned output folder's ledger: the SHA-256 of its bytes ("missing" when there is none).
    var ledgers: [String: String]

    init?(json: JSONValue) {
        guard let fields = json.fields, fields.count == 8,
              let key = fields["key"]?.string, let tool = fields["tool"]?.string,
              let files = fields["files"]?.strings, let ledgers = fields["ledgers"]?.strings,
              let notes = fields["notes"]?.elements, let stages = fields["stages"]?.elements,
              let objects = fields["objects"]?.fields, let published = fields["published"]?.stamps() else { return nil }
        var noteTexts: [String] = []
        for note in notes {
            guard let text = note.string else { return nil }
            noteTexts.append(text)
        }
        var stageRows: [[String]] = []
        stageRows.reserveCapacity(stages.count)
        for stage in stages {
            guard let parts = stage.elements, parts.count == 3 else { return nil }
            var row: [String] = []
            for part in parts {
                guard let text = part.string else { return nil }
                row.append(text)
            }
            stageRows.append(row)
        }
        var sizes: [String: Int] = [:]
        sizes.reserveCapacity(objects.count)
        for (sha, size) in objects {
            guard let n = size.integer else { return nil }
            sizes[sha] = Int(n)
        }
        self.init(key: key, tool: tool, files: files, notes: noteTexts, stages: stageRows, objects: sizes,
                  published: published, ledgers: ledgers)
    }

    init(key: String, tool: String, files: [String: String], notes: [String], stages: [[String]], objects: [String: Int],
         published: [String: Stamp], ledgers: [String: String]) {
        self.key = key
        self.tool = tool
        self.files = files
        self.notes = notes
        self.stages = stages
        self.objects = objects
        self.published = published
        self.ledgers = ledgers
    }
}

extension CacheStore {
    var runsDirectory: URL { root.appendingPathComponent("runs") }
    func summaryURL(_ key: String) -> URL { URL(fileURLWithPath: "\(rootPath)/runs/\(key).json") }

    func summary(_ key: String) -> RunSummary? {
        guard let data = try? Data(contentsOf: summaryURL(key)),
              let summary = decodeCacheFile(RunSummary.self, data, fast: RunSummary.init(json:)),
              summary.key == key else { return nil }
        return summary
    }

    func putSummary(_ summary: RunSummary) throws(RunnerError) {
        do { try FileManager.default.createDirectory(at: runsDirectory, withIntermediateDirectories: true) }
        catch { throw .io("cannot create the cache folder \(runsDirectory.path): \(error.localizedDescription)") }
        try writeAtomically(canonicalJSON(summary), to: summaryURL(summary.key), tmpDir: tmpDirectory)
    }

    /// Removes the summary of a command before a run of it writes anything, so that a run stopped
    /// halfway leaves none behind.
    func removeSummary(_ key: String) throws(RunnerError) {
        let path = summaryURL(key).path
        if unlink(path) != 0 && errno != ENOENT {
            throw .io("cannot remove \(path): \(String(cString: strerror(errno)))")
        }
    }
}

extension Runner {
    /// Answers a run of a command from the summary of its last run, without its stages: when the
    /// summary exists, names this tool, lists the same file digests as `currentDigests` gives now,
    /// and every cache entry, object, published file (by its size and modification time, as a
    /// cached stage checks it) and output ledger is as that run left it. Returns the report of a run
    /// in which every stage was cached, and the notes to print; nil when any of that does not hold
    /// (then the caller loads the pipelines and runs them: nothing here has changed anything).
    public static func replay(key: String, options: RunOptions,
                              currentDigests: ([String: String]) -> Bool) -> (report: RunReport, notes: [String])? {
        guard !options.force else { return nil }
        let started = DispatchTime.now()
        let store = CacheStore(root: options.cacheRoot)
        guard (try? store.claim(create: false)) == true, (try? store.lock()) != nil else { return nil }
        defer { store.close() }
        guard let summary = store.summary(key), summary.tool == options.toolVersion, currentDigests(summary.files) else { return nil }
        let inputs = summary.files.keys.filter { !$0.hasSuffix("/") }
        guard (try? checkLocations(inputs: inputs, options: options)) != nil else { return nil }
        for row in summary.stages where store.fileSize(store.manifestURL(row[2])) == nil { return nil }
        for (sha, size) in summary.objects where !store.hasObject(Manifest.Entry(sha: sha, size: size), remove: false) { return nil }
        var root = options.outputRoot.path
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        for (path, stamp) in summary.published {
            guard let seen = CacheStore.fileStat("\(root)/\(path)"), seen.size == stamp.size, seen.mtime == stamp.mtime else { return nil }
        }
        for (folder, digest) in summary.ledgers {
            let data = try? Data(contentsOf: URL(fileURLWithPath: "\(root)/\(folder)/\(ledgerName)"))
            guard (data.map(sha256Hex) ?? "missing") == digest else { return nil }
            // A journal means a run that was stopped: the next run folds it into the ledger.
            var info = stat()
            guard lstat("\(root)/\(folder)/\(journalName)", &info) != 0 else { return nil }
        }
        // Objects whose bytes were hashed just now keep their stamps for the next run.
        try? store.saveObjectStamps()
        let reports = summary.stages.map {
            StageReport(id: StageID($0[0]), kind: $0[1], origin: nil, status: .cached(restored: []), duration: 0)
        }
        return (RunReport(stages: reports, duration: seconds(since: started)), summary.notes)
    }

    /// Writes the summary of a run in which every stage succeeded (see `GraphInputs`).
    func saveSummary(_ inputs: GraphInputs, state: RunState) throws(RunnerError) {
        var stages: [[String]] = []
        stages.reserveCapacity(order.count)
        for id in order {
            guard let key = state.keys[id] else { return }
            stages.append([id.rawValue, byID[id]!.kind, key])
        }
        var published: [String: Stamp] = [:]
        for (path, sha) in state.publishedPaths {
            guard let stamp = state.stamps[path], stamp.sha == sha else { return }
            published[path] = stamp
        }
        let summary = RunSummary(key: inputs.key, tool: options.toolVersion, files: inputs.files, notes: inputs.notes,
                                 stages: stages, objects: state.objects, published: published, ledgers: state.ledgerDigests)
        try store.putSummary(summary)
    }
}

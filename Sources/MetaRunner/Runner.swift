import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a run is carried out.
public struct RunOptions: Sendable {
    /// Stages run at once.
    public var jobs: Int
    /// Run every stage even when its cache entry is complete.
    public var force: Bool
    /// Published files are written under this folder.
    public var outputRoot: URL
    /// The cache folder.
    public var cacheRoot: URL
    /// Part of every cache key: the program version (a new version reruns everything).
    public var toolVersion: String
    /// Output sub-folders this run writes into (one per pipeline). Every published path must lie in
    /// one of them. Each records what metapipe published in it (`.metapipe-outputs.json`); after a
    /// run in which every stage succeeded, files an earlier run published and this one did not are
    /// removed — only those, and only while they still hold the bytes metapipe wrote.
    public var ownedOutputFolders: [String]
    /// Files besides the stages' inputs that the output and cache folders must not hold (the
    /// pipeline files).
    public var protectedFiles: [String]
    /// What the stage graph was built from; when given, a run in which every stage succeeded leaves a
    /// summary with which `Runner.replay` answers the next run of the same command.
    public var graphInputs: GraphInputs?

    public init(jobs: Int, force: Bool = false, outputRoot: URL, cacheRoot: URL, toolVersion: String,
                ownedOutputFolders: [String] = [], protectedFiles: [String] = [], graphInputs: GraphInputs? = nil) {
        self.jobs = max(1, jobs)
        self.force = force
        self.outputRoot = outputRoot
        self.cacheRoot = cacheRoot
        self.toolVersion = toolVersion
        self.ownedOutputFolders = ownedOutputFolders
        self.protectedFiles = protectedFiles
        self.graphInputs = graphInputs
    }
}

/// What happened to a stage.
public enum StageStatus: Sendable, Equatable {
    /// Ran its work.
    case ran
    /// Its cache entry was complete; nothing ran. `restored` lists outputs copied back from the cache.
    case cached(restored: [String])
    /// Its work threw; the message says why.
    case failed(String)
    /// Not run because an upstream stage failed.
    case skipped(upstream: StageID)
}

public struct StageReport: Sendable {
    public var id: StageID
    public var kind: String
    public var origin: String?
    public var status: StageStatus
    /// Seconds spent on the stage (work, or cache check and restore).
    public var duration: Double
}

public struct RunReport: Sendable {
    public var stages: [StageReport]
    public var duration: Double
    public var succeeded: Bool { !stages.contains { if case .ran = $0.status { return false }; if case .cached = $0.status { return false }; return true } }
    public var ranCount: Int { stages.filter { $0.status == .ran }.count }
    public var cachedCount: Int { stages.filter { if case .cached = $0.status { return true }; return false }.count }
    public var failures: [StageReport] { stages.filter { if case .failed = $0.status { return true }; return false } }
    public var skipped: [StageReport] { stages.filter { if case .skipped = $0.status { return true }; return false } }
}

/// A stage's place in `metapipe plan`.
public struct PlanEntry: Sendable {
    public var id: StageID
    public var kind: String
    public var cached: Bool
    /// Why the stage must run (empty when cached), or which outputs a cached stage would restore.
    public var reasons: [String]
}

/// Progress events, delivered one at a time in completion order (indexes 1, 2, 3, …). The handler
/// must not call back into the runner.
public enum RunEvent: Sendable {
    case finished(StageReport, index: Int, total: Int)
}

/// Executes a stage graph on Dispatch with content-hash caching.
///
/// A stage's cache key is the SHA-256 of its kind, its parameters, the hashes of the files and
/// upstream artifacts it reads, and the tool version. A stage whose key has a complete cache entry is
/// not run; its published outputs are restored when missing or edited. Stages start as soon as
/// their inputs are ready, at most `jobs` at a time; a failed stage does not stop independent
/// stages. All shared state sits behind one lock, and stages are pure functions of their inputs,
/// so outputs are byte-identical whatever `jobs` is.
public final class Runner: @unchecked Sendable {
    public let stages: [Stage]
    public let options: RunOptions
    let byID: [StageID: Stage]
    let order: [StageID]
    let store: CacheStore
    private let outputRootPath: String

    public init(stages: [Stage], options: RunOptions) throws(RunnerError) {
        var map: [StageID: Stage] = [:]
        for stage in stages {
            if map[stage.id] != nil { throw .duplicateStage(stage.id) }
            map[stage.id] = stage
        }
        for stage in stages {
            for dependency in stage.dependencies where map[dependency] == nil {
                throw .unknownDependency(stage.id, needs: dependency)
            }
        }
        self.stages = stages
        self.options = options
        self.byID = map
        self.order = try Runner.topologicalOrder(stages, map)
        self.store = CacheStore(root: options.cacheRoot)
        var root = options.outputRoot.path
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.outputRootPath = root
    }

    /// Kahn's algorithm, ties broken by stage id so the order is deterministic: the ready stages are
    /// kept sorted, largest first, and the smallest is taken from the end.
    static func topologicalOrder(_ stages: [Stage], _ map: [StageID: Stage]) throws(RunnerError) -> [StageID] {
        var remaining = Dictionary(uniqueKeysWithValues: stages.map { ($0.id, $0.dependencies.count) })
        var dependents: [StageID: [StageID]] = [:]
        for s in stages { for d in s.dependencies { dependents[d, default: []].append(s.id) } }
        var ready = remaining.filter { $0.value == 0 }.map(\.key).sorted(by: >)
        var result: [StageID] = []
        result.reserveCapacity(stages.count)
        while let id = ready.popLast() {
            result.append(id)
            for next in dependents[id] ?? [] {
                remaining[next]! -= 1
                if remaining[next] == 0 {
                    // First index whose id is smaller than `next` (the array descends).
                    var low = 0, high = ready.count
                    while low < high {
                        let mid = (low + high) / 2
                        if ready[mid] > next { low = mid + 1 } else { high = mid }
                    }
                    ready.insert(next, at: low)
                }
            }
        }
        if result.count < stages.count {
            throw .cycle(stages.map(\.id).filter { !result.contains($0) }.sorted())
        }
        return result
    }

    // MARK: Keys

    struct KeyMaterial: Encodable, DirectJSON {
        var id: String
        var kind: String
        var parameters: String
        var files: [String: String]
        var inputs: [String: String]
        var tool: String

        func writeJSON(_ out: inout JSONBytes) -> Bool {
            out.object(["files", "id", "inputs", "kind", "parameters", "tool"]) { field, out in
                switch field {
                case "files": return out.strings(files)
                case "inputs": return out.strings(inputs)
                case "id": return out.string(id)
                case "kind": return out.string(kind)
                case "parameters": return out.string(parameters)
                default: return out.string(tool)
                }
            }
        }
    }

    func key(for stage: Stage, fileHashes: [String: String], inputHashes: [ArtifactRef: String]) -> (String, Record) {
        let parameters = sha256Hex(stage.parameters)
        var files: [String: String] = [:]
        for path in stage.files { files[path] = fileHashes[path] ?? "missing" }
        var inputs: [String: String] = [:]
        for ref in stage.inputs { inputs[ref.description] = inputHashes[ref] ?? "missing" }
        let material = KeyMaterial(id: stage.id.rawValue, kind: stage.kind, parameters: parameters, files: files, inputs: inputs,
                                   tool: options.toolVersion)
        let key = sha256Hex(canonicalJSON(material))
        return (key, Record(id: stage.id.rawValue, key: key, parameters: parameters, files: files, inputs: inputs))
    }

    /// Reads every input file once; the same bytes are hashed and handed to the stages.
    func readFiles() throws(RunnerError) -> [String: Data] {
        var contents: [String: Data] = [:]
        for path in Set(stages.flatMap(\.files)).sorted() {
            do { contents[path] = try Data(contentsOf: URL(fileURLWithPath: path)) }
            catch { throw .unreadableFile(path, error.localizedDescription) }
        }
        return contents
    }

    // MARK: Run

    let lock = NSLock()
    /// Guards the journals and the writing of ledgers.
    private let ledgerWriteLock = NSLock()
    /// Open journals, by owned folder.
    private var journals: [String: Int32] = [:]

    /// Runs the graph. Throws only for failures of the runner itself (cache unusable, input file
    /// unreadable); a stage's failure is reported in the returned report.
    public func run(progress: @escaping @Sendable (RunEvent) -> Void = { _ in }) throws(RunnerError) -> RunReport {
        let started = DispatchTime.now()
        try checkLocations()
        try store.open()
        defer { store.close() }
        if let inputs = options.graphInputs { try store.removeSummary(inputs.key) }
        let files = try readFiles()
        let fileHashes = files.mapValues { sha256Hex($0) }
        let state = RunState(stamps: store.loadStamps())
        loadLedgers(state)

        let scheduler = Scheduler(runner: self, files: files, fileHashes: fileHashes, state: state, progress: progress)
        scheduler.start(order.filter { scheduler.waiting[$0] == 0 })
        scheduler.finish()

        let reports = order.map { state.reports[$0]! }
        let report = RunReport(stages: reports, duration: seconds(since: started))
        try finishLedgers(state, prune: report.succeeded)
        try store.saveStamps(state.stamps)
        try store.saveObjectStamps()
        if report.succeeded, let inputs = options.graphInputs { try saveSummary(inputs, state: state) }
        store.flushToDisk(alsoUnder: [outputRootPath])
        return report
    }

    /// Starts stages as their inputs settle, at most `jobs` at a time: a stage whose inputs are
    /// settled waits in `ready` (no thread is parked for it) until a slot is free. Its counters and
    /// the run state are guarded by `Runner.lock`; progress events are handed, in the order of their
    /// indexes, to a serial queue that delivers them outside the lock. (The force unwraps here and in
    /// `topologicalOrder`, `run` and `plan` look up maps built from the same stage list in `init`;
    /// they depend on the graph, never on data.)
    final class Scheduler: @unchecked Sendable {
        let runner: Runner
        let files: [String: Data]
        let fileHashes: [String: String]
        let state: RunState
        let progress: @Sendable (RunEvent) -> Void
        let group = DispatchGroup()
        let queue = DispatchQueue(label: "metapipe.stages", attributes: .concurrent)
        let events = DispatchQueue(label: "metapipe.progress")
        var dependents: [StageID: [StageID]] = [:]
        var waiting: [StageID: Int] = [:]
        /// Stages whose inputs are settled, not yet started (first in, first out).
        var ready: [StageID] = []
        var next = 0
        var running = 0

        init(runner: Runner, files: [String: Data], fileHashes: [String: String], state: RunState,
             progress: @escaping @Sendable (RunEvent) -> Void) {
            self.runner = runner
            self.files = files
            self.fileHashes = fileHashes
            self.state = state
            self.progress = progress
            for stage in runner.stages {
                waiting[stage.id] = stage.dependencies.count
                for d in stage.dependencies { dependents[d, default: []].append(stage.id) }
            }
        }

        /// Queues the roots and starts as many as there are slots.
        func start(_ roots: [StageID]) {
            runner.lock.lock()
            ready += roots
            launch()
            runner.lock.unlock()
        }

        /// Waits for every stage and for the delivery of every progress event.
        func finish() {
            group.wait()
            events.sync {}
        }

        /// Starts ready stages while slots are free. Called holding `Runner.lock`.
        private func launch() {
            while running < runner.options.jobs && next < ready.count {
                let id = ready[next]
                next += 1
                running += 1
                group.enter()
                queue.async { self.work(id) }
            }
            if next > 1024 && next * 2 > ready.count {
                ready.removeFirst(next)
                next = 0
            }
        }

        private func work(_ id: StageID) {
            let stage = runner.byID[id]!
            let report = runner.execute(stage, files: files, fileHashes: fileHashes, state: state)
            let total = runner.stages.count
            var delivered: [RunEvent] = []
            runner.lock.lock()
            state.reports[id] = report
            let index = state.reports.count
            delivered.append(.finished(report, index: index, total: total))
            // Settle dependents: ready ones are queued; a failure skips everything downstream.
            var frontier = [id]
            var nowReady: [StageID] = []
            while let current = frontier.popLast() {
                for next in dependents[current] ?? [] where state.reports[next] == nil {
                    let upstream = state.reports[current]!
                    switch upstream.status {
                    case .ran, .cached:
                        waiting[next]! -= 1
                        if waiting[next] == 0 { nowReady.append(next) }
                    case .failed, .skipped:
                        var cause = current
                        if case .skipped(let u) = upstream.status { cause = u }
                        let nextStage = runner.byID[next]!
                        let skip = StageReport(id: next, kind: nextStage.kind, origin: nextStage.origin,
                                               status: .skipped(upstream: cause), duration: 0)
                        state.reports[next] = skip
                        delivered.append(.finished(skip, index: index + delivered.count, total: total))
                        frontier.append(next)
                    }
                }
            }
            // Enqueued under the lock, so that the events arrive in the order of their indexes.
            let handler = progress, batch = delivered
            events.async { for event in batch { handler(event) } }
            // Bytes no stage still waits for leave memory (a later reader gets them from the cache), so
            // that a run holds the outputs of the stages in flight, not of every stage so far.
            for producer in stage.dependencies + [id] where (dependents[producer] ?? []).allSatisfy({ state.reports[$0] != nil }) {
                for sha in state.produced.removeValue(forKey: producer) ?? [] { state.memory[sha] = nil }
            }
            running -= 1
            ready += nowReady.sorted()
            launch()
            runner.lock.unlock()
            if case .ran = report.status { runner.returnFreeMemory() }
            group.leave()
        }
    }

    /// Hands the heap's free pages back to the system after a stage that ran, once the resident size
    /// has grown by `trimAfterGrowth` since the last time. The C allocator keeps what a stage freed
    /// (in each thread's arena) for later use, so without this the resident size of a long run is the
    /// sum of its stages' peaks rather than the largest of them; trimming after every stage instead
    /// cost a cold run of the 200-analysis review half a second in page releases and faults.
    func returnFreeMemory() {
        guard let trim = Self.mallocTrim, let resident = Self.residentBytes() else { return }
        trimLock.lock()
        defer { trimLock.unlock() }
        guard resident > residentAfterTrim + Self.trimAfterGrowth else { return }
        _ = trim(0)
        residentAfterTrim = Self.residentBytes() ?? resident
    }

    static let trimAfterGrowth = 64 << 20
    private let trimLock = NSLock()
    private var residentAfterTrim = 0

    /// The process's resident size (the second field of /proc/self/statm, in pages); nil where there
    /// is no such file.
    static func residentBytes() -> Int? {
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        guard n > 0, let text = String(bytes: buffer[..<n], encoding: .ascii) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// glibc's `malloc_trim`, which its Swift module does not import.
    private static let mallocTrim = cLibraryFunction("malloc_trim", as: (@convention(c) (Int) -> Int32).self)

    /// Shared mutable state of a run; every access holds `Runner.lock`.
    final class RunState: @unchecked Sendable {
        var reports: [StageID: StageReport] = [:]
        var artifactHashes: [ArtifactRef: String] = [:]
        var memory: [String: Data] = [:]          // bytes produced in this run, by SHA
        /// Per stage: the SHAs of what it produced in this run (kept in `memory` until its dependents finish).
        var produced: [StageID: [String]] = [:]
        var stamps: [String: Stamp]
        /// Paths (relative to the output root) this run published or found intact, with their SHA.
        var publishedPaths: [String: String] = [:]
        /// Per owned folder: what earlier runs published in it (paths relative to the folder).
        var ledgers: [String: [String: String]] = [:]
        /// Owned folders of a report written before ledgers existed (no ledger, but a report).
        var legacyFolders: Set<String> = []
        /// Per stage that ran or was cached: the cache key of its complete entry.
        var keys: [StageID: String] = [:]
        /// The objects those entries name (SHA-256 → size).
        var objects: [String: Int] = [:]
        /// Per owned folder: the SHA-256 of the ledger this run left ("missing" for none).
        var ledgerDigests: [String: String] = [:]
        init(stamps: [String: Stamp]) { self.stamps = stamps }
    }

    func execute(_ stage: Stage, files: [String: Data], fileHashes: [String: String], state: RunState) -> StageReport {
        let started = DispatchTime.now()
        lock.lock()
        var inputHashes: [ArtifactRef: String] = [:]
        for ref in stage.inputs { inputHashes[ref] = state.artifactHashes[ref] }
        lock.unlock()
        let (key, record) = key(for: stage, fileHashes: fileHashes, inputHashes: inputHashes)
        func report(_ status: StageStatus) -> StageReport {
            StageReport(id: stage.id, kind: stage.kind, origin: stage.origin, status: status, duration: seconds(since: started))
        }
        do {
            if !options.force, let manifest = store.manifest(key),
               manifest.published.keys.allSatisfy(isOwnedPath),
               manifest.artifacts.values.allSatisfy({ store.hasObject($0) }), manifest.published.values.allSatisfy({ store.hasObject($0) })
            {
                let restored = try checkPublished(manifest, state: state)
                registerOutputs(stage, key: key, manifest: manifest, state: state)
                try store.putRecord(record)
                return report(.cached(restored: restored))
            }
            // Gather inputs: from this run's memory, or from the cache for cached upstream stages.
            var artifacts: [ArtifactRef: Data] = [:]
            for ref in stage.inputs {
                guard let sha = inputHashes[ref] else { throw RunnerError.missingArtifact(ref) }
                lock.lock()
                let inMemory = state.memory[sha]
                lock.unlock()
                guard let data = inMemory ?? store.get(sha) else {
                    throw RunnerError.io("the cache object for \(ref) was missing or damaged and has been removed; run again")
                }
                artifacts[ref] = data
            }
            var stageFiles: [String: Data] = [:]
            for path in stage.files { stageFiles[path] = files[path] }
            let output = try stage.run(StageContext(parameters: stage.parameters, fileContents: stageFiles,
                                                    artifactContents: artifacts))
            for path in output.published.keys.sorted() where !isOwnedPath(path) {
                throw RunnerError.unsafeOutput("stage \(stage.id) would write '\(path)', outside its output folder "
                    + "(\(options.ownedOutputFolders.map { "\($0)/" }.joined(separator: ", "))); nothing of it was written")
            }
            var manifest = Manifest(id: stage.id.rawValue, kind: stage.kind, key: key, artifacts: [:], published: [:])
            for (name, data) in output.artifacts.sorted(by: { $0.key < $1.key }) {
                manifest.artifacts[name] = Manifest.Entry(sha: try store.put(data, rewrite: options.force), size: data.count)
                remember(data, sha: manifest.artifacts[name]!.sha, stage: stage.id, state: state)
            }
            for (path, data) in output.published.sorted(by: { $0.key < $1.key }) {
                manifest.published[path] = Manifest.Entry(sha: try store.put(data, rewrite: options.force), size: data.count)
                remember(data, sha: manifest.published[path]!.sha, stage: stage.id, state: state)
                try publish(data, to: path, sha: manifest.published[path]!.sha, state: state)   // set just above
            }
            try store.putManifest(manifest)
            try store.putRecord(record)
            registerOutputs(stage, key: key, manifest: manifest, state: state)
            return report(.ran)
        } catch let error as RunnerError {
            return report(.failed(error.description))
        } catch {
            return report(.failed(String(describing: error)))
        }
    }

    private func remember(_ data: Data, sha: String, stage: StageID, state: RunState) {
        lock.lock()
        state.memory[sha] = data
        state.produced[stage, default: []].append(sha)
        lock.unlock()
    }

    private func registerOutputs(_ stage: Stage, key: String, manifest: Manifest, state: RunState) {
        lock.lock()
        state.keys[stage.id] = key
        for (name, entry) in manifest.artifacts {
            state.artifactHashes[ArtifactRef(stage.id, name)] = entry.sha
            state.objects[entry.sha] = entry.size
        }
        for (path, entry) in manifest.published {
            state.artifactHashes[ArtifactRef(stage.id, path)] = entry.sha
            state.publishedPaths[path] = entry.sha
            state.objects[entry.sha] = entry.size
        }
        lock.unlock()
    }

    // MARK: Published outputs

    func outputURL(_ path: String) -> URL { options.outputRoot.appendingPathComponent(path) }

    /// `outputURL(path).path`, built as text (checked for every published file of a warm run).
    func outputPath(_ path: String) -> String { "\(outputRootPath)/\(path)" }

    /// Writes a published file atomically (temporary name in the same folder, then rename).
    /// A file that metapipe did not write is never replaced: the stage fails instead and says so.
    private func publish(_ data: Data, to path: String, sha: String, state: RunState) throws(RunnerError) {
        let url = outputURL(path)
        let directory = url.deletingLastPathComponent()
        var info = stat()
        if lstat(url.path, &info) == 0, !isOurs(path, state: state) {
            let same = (info.st_mode & S_IFMT) == S_IFREG && (try? Data(contentsOf: url)) == data
            if !same {
                throw .unsafeOutput("refusing to overwrite \(url.path): metapipe did not write it. "
                    + "Move it out of the output folder (or delete it) and run again, or choose another --output")
            }
        }
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        catch { throw .io("cannot create \(directory.path): \(error.localizedDescription)") }
        // The folder's journal claims the path before the file is written, so that a run killed in
        // between still knows the file as metapipe's.
        if let (folder, relative) = split(path) {
            lock.lock()
            let known = state.ledgers[folder]?[relative] == sha
            state.ledgers[folder, default: [:]][relative] = sha
            lock.unlock()
            if !known { try appendJournal(folder, canonicalJSON([sha, relative]) + [0x0A]) }
        }
        try store.writeAtomically(data, to: url, tmpDir: directory)
        stamp(path, sha: sha, state: state)
    }

    /// Whether metapipe published `path` in an earlier run (the folder's own ledger says so; the cache's
    /// stamps are not asked, as the cache may have served another output folder), or the folder is a
    /// report of an older metapipe that kept no ledger.
    private func isOurs(_ path: String, state: RunState) -> Bool {
        guard let (folder, relative) = split(path) else { return false }
        lock.lock()
        defer { lock.unlock() }
        return state.ledgers[folder]?[relative] != nil || state.legacyFolders.contains(folder)
    }

    private func stamp(_ path: String, sha: String, state: RunState) {
        guard let seen = CacheStore.fileStat(outputPath(path)) else { return }
        lock.lock()
        state.stamps[path] = Stamp(sha: sha, size: seen.size, mtime: seen.mtime)
        lock.unlock()
    }

    /// Checks a cached stage's published files and restores any that are missing or edited.
    private func checkPublished(_ manifest: Manifest, state: RunState) throws(RunnerError) -> [String] {
        var restored: [String] = []
        for (path, entry) in manifest.published.sorted(by: { $0.key < $1.key }) {
            if isIntact(path, entry: entry, state: state) { continue }
            guard let data = store.get(entry.sha) else {
                throw .io("the cached copy of \(path) was missing or damaged and has been removed; run again")
            }
            try publish(data, to: path, sha: entry.sha, state: state)
            restored.append(path)
        }
        return restored
    }

    /// Whether the published file still holds the entry's bytes: its stamp (size and mtime) is
    /// trusted when unchanged, otherwise the file is hashed.
    private func isIntact(_ path: String, entry: Manifest.Entry, state: RunState) -> Bool {
        guard let seen = CacheStore.fileStat(outputPath(path)) else { return false }
        lock.lock()
        let known = state.stamps[path]
        lock.unlock()
        if let known, known.sha == entry.sha, known.size == seen.size, known.mtime == seen.mtime { return true }
        guard seen.size == entry.size, let data = try? Data(contentsOf: outputURL(path)),
              sha256Hex(data) == entry.sha else { return false }
        stamp(path, sha: entry.sha, state: state)
        return true
    }

    // MARK: Ledgers of published files

    /// The file in each owned output folder that lists what metapipe published there (path → SHA-256).
    public static let ledgerName = ".metapipe-outputs.json"

    /// Whether `path` is a plain relative path inside an owned output folder: no empty, `.` or `..`
    /// component, no NUL, not absolute, not the ledger or its journal.
    func isOwnedPath(_ path: String) -> Bool {
        guard let (_, relative) = split(path) else { return false }
        return relative != Self.ledgerName && relative != Self.journalName
    }

    /// "bcg/rr/forest.png" → ("bcg", "rr/forest.png"), for an owned folder and a safe path.
    func split(_ path: String) -> (String, String)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, !path.contains("\0"), parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else { return nil }
        let folder = String(parts[0])
        guard options.ownedOutputFolders.isEmpty || options.ownedOutputFolders.contains(folder) else { return nil }
        return (folder, parts.dropFirst().joined(separator: "/"))
    }

    private func ledgerURL(_ folder: String) -> URL { outputURL(folder).appendingPathComponent(Self.ledgerName) }
    private func journalPath(_ folder: String) -> String { outputPath("\(folder)/\(Self.journalName)") }

    /// The file beside the ledger to which a run appends a line per file before it publishes it
    /// (`["<sha-256>","<path in the folder>"]`, JSON, so that any path fits on one line); the run's
    /// end folds it into the ledger and removes it. A
    /// ledger rewritten after every stage cost a large run a tenth of its time.
    public static let journalName = ".metapipe-outputs.journal"

    private func appendJournal(_ folder: String, _ line: Data) throws(RunnerError) {
        ledgerWriteLock.lock()
        defer { ledgerWriteLock.unlock() }
        var fd = journals[folder] ?? -1
        if fd < 0 {
            do { try FileManager.default.createDirectory(at: outputURL(folder), withIntermediateDirectories: true) }
            catch { throw .io("cannot create \(outputURL(folder).path): \(error.localizedDescription)") }
            fd = Glibc.open(journalPath(folder), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .io("cannot open \(journalPath(folder)): \(String(cString: strerror(errno)))") }
            journals[folder] = fd
        }
        let failure = line.withUnsafeBytes { CacheStore.writeAll(fd, $0) }
        guard failure == 0 else { throw .io("cannot write \(journalPath(folder)): \(String(cString: strerror(failure)))") }
    }

    /// Closes the journal and removes it, once the ledger holds all it said.
    private func removeJournal(_ folder: String) throws(RunnerError) {
        ledgerWriteLock.lock()
        defer { ledgerWriteLock.unlock() }
        if let fd = journals.removeValue(forKey: folder) { Glibc.close(fd) }
        if unlink(journalPath(folder)) != 0 && errno != ENOENT {
            throw .io("cannot remove \(journalPath(folder)): \(String(cString: strerror(errno)))")
        }
    }

    /// The complete lines of a folder's journal (a line cut short by a kill is left out).
    func journalEntries(_ folder: String) -> [(String, String)] {
        guard let data = FileManager.default.contents(atPath: journalPath(folder)) else { return [] }
        var out: [(String, String)] = []
        let hex = Set("0123456789abcdef".utf8)
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            guard let pair = decodeCacheFile([String].self, Data(line), fast: { $0.elements?.compactMap(\.string) }),
                  pair.count == 2, pair[0].utf8.count == 64, pair[0].utf8.allSatisfy(hex.contains) else { continue }
            out.append((pair[0], pair[1]))
        }
        return out
    }

    private func loadLedgers(_ state: RunState) {
        for folder in options.ownedOutputFolders {
            let journal = journalEntries(folder).filter { split("\(folder)/\($0.1)") != nil && $0.1 != Self.journalName }
            if let data = try? Data(contentsOf: ledgerURL(folder)),
               let ledger = decodeCacheFile([String: String].self, data, fast: { $0.strings }) {
                state.ledgers[folder] = ledger.filter { split("\(folder)/\($0.key)") != nil }
                for (sha, relative) in journal { state.ledgers[folder]![relative] = sha }
            } else if !journal.isEmpty {
                // A first run killed before it wrote the ledger.
                for (sha, relative) in journal { state.ledgers[folder, default: [:]][relative] = sha }
            } else if let results = try? Data(contentsOf: outputURL("\(folder)/results.json")),
                      results.range(of: Data("\"metapipe_version\"".utf8)) != nil {
                // A report an older metapipe wrote (its results.json says so), before ledgers existed.
                state.legacyFolders.insert(folder)
            }
        }
    }

    /// Writes a folder's ledger unless it already holds these bytes; returns the SHA-256 of the
    /// ledger the folder now holds ("missing" for none).
    @discardableResult
    private func writeLedger(_ folder: String, _ ledger: [String: String]) throws(RunnerError) -> String {
        let url = ledgerURL(folder)
        let data = canonicalJSON(ledger)
        if (try? Data(contentsOf: url)) == data { return sha256Hex(data) }
        if ledger.isEmpty, !FileManager.default.fileExists(atPath: outputURL(folder).path) { return "missing" }
        do { try FileManager.default.createDirectory(at: outputURL(folder), withIntermediateDirectories: true) }
        catch { throw .io("cannot create \(outputURL(folder).path): \(error.localizedDescription)") }
        try store.writeAtomically(data, to: url, tmpDir: outputURL(folder))
        return sha256Hex(data)
    }

    /// After the run: when every stage succeeded, removes what earlier runs published and this one
    /// did not (when it still holds metapipe's bytes; an edited file is the user's and stays), and
    /// leftovers of interrupted writes; then records what the folder now holds.
    private func finishLedgers(_ state: RunState, prune: Bool) throws(RunnerError) {
        let fm = FileManager.default
        for folder in options.ownedOutputFolders {
            var published: [String: String] = [:]
            for (path, sha) in state.publishedPaths { if let (f, relative) = split(path), f == folder { published[relative] = sha } }
            let earlier = state.ledgers[folder] ?? [:]
            guard prune else {
                try writeLedger(folder, earlier.merging(published) { _, new in new })
                try removeJournal(folder)
                continue
            }
            var emptied: Set<String> = []
            for (relative, sha) in earlier.sorted(by: { $0.key < $1.key }) where published[relative] == nil {
                let path = "\(folder)/\(relative)"
                let url = outputURL(path)
                state.stamps[path] = nil
                var info = stat()
                guard lstat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
                      let data = try? Data(contentsOf: url), sha256Hex(data) == sha else { continue }
                do { try fm.removeItem(at: url) } catch { throw .io("cannot remove stale output \(url.path): \(error.localizedDescription)") }
                emptied.insert((relative as NSString).deletingLastPathComponent)
            }
            // Temporary files of writes a kill interrupted: ".<name>.tmp-<pid>-<n>", as writeAtomically names them.
            if let walker = fm.enumerator(atPath: outputURL(folder).path) {
                for case let relative as String in walker {
                    let name = (relative as NSString).lastPathComponent
                    guard name.hasPrefix("."), name.range(of: #"\.tmp-[0-9]+-[0-9]+$"#, options: .regularExpression) != nil else { continue }
                    try? fm.removeItem(at: outputURL("\(folder)/\(relative)"))
                    emptied.insert((relative as NSString).deletingLastPathComponent)
                }
            }
            // Folders left empty by these removals (never the owned folder itself).
            for var dir in emptied.sorted(by: { $0.count > $1.count }) {
                while !dir.isEmpty {
                    let url = outputURL("\(folder)/\(dir)")
                    guard (try? fm.contentsOfDirectory(atPath: url.path))?.isEmpty == true else { break }
                    try? fm.removeItem(at: url)
                    dir = (dir as NSString).deletingLastPathComponent
                }
            }
            state.ledgerDigests[folder] = try writeLedger(folder, published)
            try removeJournal(folder)
        }
    }

    // MARK: Locations

    /// Refuses an output folder that holds an input of the run (a data file, a pipeline file): the
    /// project root, the pipelines folder or a data folder named by mistake.
    func checkLocations() throws(RunnerError) {
        try Self.checkLocations(inputs: stages.flatMap(\.files), options: options)
    }

    static func checkLocations(inputs: [String], options: RunOptions) throws(RunnerError) {
        let output = PathResolution.resolved(options.outputRoot)
        let cache = PathResolution.resolved(options.cacheRoot)
        let inputs = Set(inputs + options.protectedFiles).sorted()
        for input in inputs {
            let resolved = PathResolution.resolved(URL(fileURLWithPath: input))
            if PathResolution.isInside(resolved, output) {
                throw .unsafeLocation("the output folder '\(options.outputRoot.relativePath)' holds the input \(input); metapipe writes "
                    + "and removes files there, so it must be a folder of its own. Choose one with --output (default: outputs)")
            }
            if PathResolution.isInside(resolved, cache) {
                throw .unsafeLocation("the cache folder '\(options.cacheRoot.relativePath)' holds the input \(input); "
                    + "choose a folder of its own with --cache (default: .metapipe)")
            }
        }
        for (option, url) in [("--output", options.outputRoot), ("--cache", options.cacheRoot)] {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw .unsafeLocation("\(option) '\(url.relativePath)' is a file, not a folder; name a folder (it is created if missing)")
            }
        }
        if PathResolution.isInside(output, cache) && output != cache {
            throw .unsafeLocation("the output folder '\(options.outputRoot.relativePath)' is inside the cache folder "
                + "'\(options.cacheRoot.relativePath)', which 'metapipe clean' deletes; choose folders apart")
        }
    }

    // MARK: Plan

    /// Every stage and whether it is cached, or why it must run — without running anything.
    public func plan() throws(RunnerError) -> [PlanEntry] {
        let files = try readFiles()
        let fileHashes = files.mapValues { sha256Hex($0) }
        let stamps = store.loadStamps()
        var hashes: [ArtifactRef: String] = [:]
        var known: Set<StageID> = []
        var entries: [PlanEntry] = []
        for id in order {
            let stage = byID[id]!
            let staleUpstream = stage.dependencies.filter { !known.contains($0) }.sorted()
            if !staleUpstream.isEmpty {
                entries.append(PlanEntry(id: id, kind: stage.kind, cached: false,
                                         reasons: staleUpstream.map { "waits on \($0), which must run" }))
                continue
            }
            var inputHashes: [ArtifactRef: String] = [:]
            for ref in stage.inputs { inputHashes[ref] = hashes[ref] }
            let (key, record) = key(for: stage, fileHashes: fileHashes, inputHashes: inputHashes)
            if options.force {
                entries.append(PlanEntry(id: id, kind: stage.kind, cached: false, reasons: ["forced"]))
                continue
            }
            if let manifest = store.manifest(key), manifest.artifacts.values.allSatisfy({ store.hasObject($0, remove: false) }),
               manifest.published.values.allSatisfy({ store.hasObject($0, remove: false) })
            {
                known.insert(id)
                for (name, entry) in manifest.artifacts { hashes[ArtifactRef(id, name)] = entry.sha }
                var restores: [String] = []
                for (path, entry) in manifest.published.sorted(by: { $0.key < $1.key }) {
                    hashes[ArtifactRef(id, path)] = entry.sha
                    if !planIntact(path, entry: entry, stamps: stamps) { restores.append("restores \(path)") }
                }
                entries.append(PlanEntry(id: id, kind: stage.kind, cached: true, reasons: restores))
                continue
            }
            entries.append(PlanEntry(id: id, kind: stage.kind, cached: false, reasons: reasons(stage, current: record)))
        }
        return entries
    }

    private func planIntact(_ path: String, entry: Manifest.Entry, stamps: [String: Stamp]) -> Bool {
        guard let seen = CacheStore.fileStat(outputPath(path)) else { return false }
        if let s = stamps[path], s.sha == entry.sha, s.size == seen.size, s.mtime == seen.mtime { return true }
        guard let data = try? Data(contentsOf: outputURL(path)) else { return false }
        return sha256Hex(data) == entry.sha
    }

    /// Why a stage without a complete cache entry must run, from its last record.
    private func reasons(_ stage: Stage, current: Record) -> [String] {
        guard let last = store.record(stage.id) else { return ["no record of an earlier run"] }
        var reasons: [String] = []
        if last.parameters != current.parameters { reasons.append("parameters changed") }
        for (path, sha) in current.files.sorted(by: { $0.key < $1.key }) where last.files[path] != sha {
            reasons.append(last.files[path] == nil ? "new input \(path)" : "input \(path) changed")
        }
        for (ref, sha) in current.inputs.sorted(by: { $0.key < $1.key }) where last.inputs[ref] != sha {
            reasons.append("upstream \(ref) changed")
        }
        if reasons.isEmpty {
            reasons.append(last.key == current.key ? "cache entry missing" : "metapipe was upgraded or rebuilt")
        }
        return reasons
    }
}

/// Absolute paths with symbolic links resolved, for comparing locations.
enum PathResolution {
    /// The absolute form of `url`: its longest existing prefix with links resolved, plus the rest.
    static func resolved(_ url: URL) -> String {
        var current = url.standardizedFileURL.path
        var rest: [String] = []
        while true {
            if let real = realpath(current, nil) {
                defer { free(real) }
                let base = String(cString: real)
                return rest.reversed().reduce(base) { $0 == "/" ? "/" + $1 : $0 + "/" + $1 }
            }
            let parent = (current as NSString).deletingLastPathComponent
            if parent == current || parent.isEmpty { return url.standardizedFileURL.path }
            rest.append((current as NSString).lastPathComponent)
            current = parent
        }
    }

    /// Whether `path` is `folder` or lies under it.
    static func isInside(_ path: String, _ folder: String) -> Bool {
        path == folder || path.hasPrefix(folder == "/" ? "/" : folder + "/")
    }
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

import Foundation
import Testing
@testable import MetaRunner

/// The runner on small synthetic graphs: caching, failure isolation, restoring outputs, determinism.
@Suite struct RunnerTests {
    /// A scratch folder with an input file, an output root and a cache.
    final class Scratch: @unchecked Sendable {
        let root: URL
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("metapipe-runner-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: root) }
        var input: String { root.appendingPathComponent("input.txt").path }
        var output: URL { root.appendingPathComponent("out") }
        var cache: URL { root.appendingPathComponent("cache") }
        func write(_ text: String) throws { try text.write(toFile: input, atomically: true, encoding: .utf8) }
        func options(jobs: Int = 2, force: Bool = false) -> RunOptions {
            RunOptions(jobs: jobs, force: force, outputRoot: output, cacheRoot: cache, toolVersion: "test", ownedOutputFolders: ["p"])
        }
        func published(_ path: String) -> String? { try? String(contentsOf: output.appendingPathComponent(path), encoding: .utf8) }
    }

    /// input.txt → upper (uppercases) → count (publishes the length) ; input.txt → words (publishes words)
    static func graph(_ scratch: Scratch, failCount: Bool = false) -> [Stage] {
        let input = scratch.input
        let upper = Stage(id: StageID("p/upper"), kind: "upper", parameters: Data("{}".utf8), files: [input]) { c in
            StageOutput(artifacts: ["text": Data(String(decoding: try c.file(input), as: UTF8.self).uppercased().utf8)])
        }
        let count = Stage(id: StageID("p/count"), kind: "count", parameters: Data("{\"unit\":\"chars\"}".utf8),
                          inputs: [ArtifactRef(StageID("p/upper"), "text")], origin: "pipeline.yaml:3:1") { c in
            if failCount { throw RunnerError.io("count failed on purpose") }
            let text = try c.artifact(ArtifactRef(StageID("p/upper"), "text"))
            return StageOutput(published: ["p/count.txt": Data("\(text.count)\n".utf8)])
        }
        let report = Stage(id: StageID("p/report"), kind: "report", parameters: Data(),
                           inputs: [ArtifactRef(StageID("p/count"), "p/count.txt")]) { c in
            StageOutput(published: ["p/report.txt": Data("count: ".utf8) + (try c.artifact(ArtifactRef(StageID("p/count"), "p/count.txt")))])
        }
        let words = Stage(id: StageID("p/words"), kind: "words", parameters: Data(), files: [input]) { c in
            let n = String(decoding: try c.file(input), as: UTF8.self).split(separator: " ").count
            return StageOutput(published: ["p/words.txt": Data("\(n)\n".utf8)])
        }
        return [report, words, count, upper]
    }

    func statuses(_ report: RunReport) -> [String: String] {
        var out: [String: String] = [:]
        for s in report.stages {
            switch s.status {
            case .ran: out[s.id.rawValue] = "ran"
            case .cached(let restored): out[s.id.rawValue] = restored.isEmpty ? "cached" : "restored " + restored.joined(separator: ",")
            case .failed: out[s.id.rawValue] = "failed"
            case .skipped(let u): out[s.id.rawValue] = "skipped (\(u))"
            }
        }
        return out
    }

    @Test func secondRunRunsNothing() throws {
        let s = try Scratch()
        try s.write("alpha beta gamma")
        let first = try Runner(stages: Self.graph(s), options: s.options()).run()
        #expect(first.ranCount == 4 && first.succeeded)
        #expect(s.published("p/count.txt") == "16\n" && s.published("p/report.txt") == "count: 16\n")
        let second = try Runner(stages: Self.graph(s), options: s.options()).run()
        #expect(second.ranCount == 0 && second.cachedCount == 4)
        let plan = try Runner(stages: Self.graph(s), options: s.options()).plan()
        #expect(plan.allSatisfy { $0.cached })
    }

    /// Nothing changed, nothing written: a warm run leaves every cache and output file as it was.
    @Test func warmRunWritesNothing() throws {
        let s = try Scratch()
        try s.write("alpha beta gamma")
        _ = try Runner(stages: Self.graph(s), options: s.options()).run()
        // Objects written less than 0.1 s before their stamps are taken are not stamped (a later write in
        // the same clock tick could not be told apart), so the first warm run may still stamp them; once
        // it has, a warm run writes nothing.
        Thread.sleep(forTimeInterval: 0.15)
        _ = try Runner(stages: Self.graph(s), options: s.options()).run()
        func snapshot() throws -> [String: Date] {
            var files: [String: Date] = [:]
            for root in [s.cache, s.output] {
                let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.contentModificationDateKey])!
                for case let url as URL in walker where url.lastPathComponent != "lock" {
                    files[url.path] = try url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate
                }
            }
            return files
        }
        let before = try snapshot()
        Thread.sleep(forTimeInterval: 0.02)
        let warm = try Runner(stages: Self.graph(s), options: s.options()).run()
        #expect(warm.cachedCount == 4)
        #expect(try snapshot() == before)
    }

    @Test func sha256HexMatchesTheStandardVector() {
        // FIPS 180-2, appendix B.1: SHA-256("abc").
        #expect(sha256Hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha256Hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func anEditRerunsOnlyWhatDependsOnIt() throws {
        let s = try Scratch()
        try s.write("alpha beta gamma")
        _ = try Runner(stages: Self.graph(s), options: s.options()).run()
        // Same length, different words: upper and words rerun; count's input changes too.
        try s.write("alpha beta delta")
        let plan = try Runner(stages: Self.graph(s), options: s.options()).plan()
        let reasons = Dictionary(uniqueKeysWithValues: plan.map { ($0.id.rawValue, $0.reasons) })
        #expect(reasons["p/upper"] == ["input \(s.input) changed"])
        #expect(reasons["p/count"] == ["waits on p/upper, which must run"])
        let report = try Runner(stages: Self.graph(s), options: s.options()).run()
        // count reran (its input text changed) but produced the same bytes, so report is cached.
        #expect(statuses(report) == ["p/upper": "ran", "p/words": "ran", "p/count": "ran", "p/report": "cached"])
    }

    @Test func failuresStopOnlyDependents() throws {
        let s = try Scratch()
        try s.write("one two")
        let report = try Runner(stages: Self.graph(s, failCount: true), options: s.options()).run()
        #expect(!report.succeeded)
        #expect(statuses(report) == ["p/upper": "ran", "p/words": "ran", "p/count": "failed", "p/report": "skipped (p/count)"])
        #expect(report.failures.first?.origin == "pipeline.yaml:3:1")
        #expect(s.published("p/words.txt") == "2\n")
        // The failed stage left nothing cached: the fixed graph runs it.
        let fixed = try Runner(stages: Self.graph(s), options: s.options()).run()
        #expect(statuses(fixed) == ["p/upper": "cached", "p/words": "cached", "p/count": "ran", "p/report": "ran"])
    }

    @Test func deletedAndEditedOutputsAreRestored() throws {
        let s = try Scratch()
        try s.write("alpha beta gamma")
        _ = try Runner(stages: Self.graph(s), options: s.options()).run()
        try FileManager.default.removeItem(at: s.output.appendingPathComponent("p/count.txt"))
        try "tampered\n".write(to: s.output.appendingPathComponent("p/words.txt"), atomically: true, encoding: .utf8)
        let report = try Runner(stages: Self.graph(s), options: s.options()).run()
        #expect(report.ranCount == 0)
        #expect(statuses(report)["p/count"] == "restored p/count.txt")
        #expect(statuses(report)["p/words"] == "restored p/words.txt")
        #expect(s.published("p/count.txt") == "16\n" && s.published("p/words.txt") == "3\n")
    }

    @Test func staleOutputsAreRemovedAndOnlyThose() throws {
        let s = try Scratch()
        try s.write("a b")
        let input = s.input
        let old = Stage(id: StageID("p/old"), kind: "old", parameters: Data(), files: [input]) { _ in
            StageOutput(published: ["p/old/result.json": Data("x".utf8), "p/old/edited.json": Data("y".utf8)])
        }
        _ = try Runner(stages: Self.graph(s) + [old], options: s.options()).run()
        #expect(s.published("p/old/result.json") == "x")
        // The user's own files, and an output the user edited since, are not metapipe's to remove.
        try "my notes".write(to: s.output.appendingPathComponent("p/notes.txt"), atomically: true, encoding: .utf8)
        try "mine now".write(to: s.output.appendingPathComponent("p/old/edited.json"), atomically: true, encoding: .utf8)
        _ = try Runner(stages: Self.graph(s), options: s.options()).run()
        #expect(s.published("p/old/result.json") == nil)
        #expect(s.published("p/old/edited.json") == "mine now")
        #expect(s.published("p/notes.txt") == "my notes")
        #expect(s.published("p/report.txt") != nil)
        // The ledger lists exactly what the run published.
        let ledger = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: s.output.appendingPathComponent("p/.metapipe-outputs.json")))
        #expect(ledger == ["count.txt": sha256Hex(Data("3\n".utf8)), "report.txt": sha256Hex(Data("count: 3\n".utf8)),
                           "words.txt": sha256Hex(Data("2\n".utf8))])
        // Even with the cache gone, the ledger in the output folder says what may be removed.
        try FileManager.default.removeItem(at: s.cache)
        _ = try Runner(stages: Self.graph(s), options: s.options()).run()
        #expect(s.published("p/notes.txt") == "my notes" && s.published("p/old/edited.json") == "mine now")
    }

    /// A file metapipe did not write is never overwritten: the stage that would publish it fails.
    @Test func aFileMetapipeDidNotWriteIsNotOverwritten() throws {
        let s = try Scratch()
        try s.write("a b")
        try FileManager.default.createDirectory(at: s.output.appendingPathComponent("p"), withIntermediateDirectories: true)
        try "the user's".write(to: s.output.appendingPathComponent("p/words.txt"), atomically: true, encoding: .utf8)
        let report = try Runner(stages: Self.graph(s), options: s.options()).run()
        #expect(statuses(report)["p/words"] == "failed" && statuses(report)["p/report"] == "ran")
        let message = report.failures.first.map { if case .failed(let m) = $0.status { return m }; return "" } ?? ""
        #expect(message.contains("refusing to overwrite") && message.contains("p/words.txt"))
        #expect(s.published("p/words.txt") == "the user's")
        // Moved away, the next run writes it.
        try FileManager.default.removeItem(at: s.output.appendingPathComponent("p/words.txt"))
        #expect(try Runner(stages: Self.graph(s), options: s.options()).run().succeeded)
        #expect(s.published("p/words.txt") == "2\n")
    }

    /// The cache's record of what it published elsewhere does not make a file in another output folder metapipe's.
    @Test func anotherOutputFolderKeepsItsOwnFiles() throws {
        let s = try Scratch()
        try s.write("a b")
        _ = try Runner(stages: Self.graph(s), options: s.options()).run()
        let other = s.root.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other.appendingPathComponent("p"), withIntermediateDirectories: true)
        try "the user's".write(to: other.appendingPathComponent("p/words.txt"), atomically: true, encoding: .utf8)
        let options = RunOptions(jobs: 1, outputRoot: other, cacheRoot: s.cache, toolVersion: "test", ownedOutputFolders: ["p"])
        let report = try Runner(stages: Self.graph(s), options: options).run()
        #expect(statuses(report)["p/words"] == "failed")
        #expect(try String(contentsOf: other.appendingPathComponent("p/words.txt"), encoding: .utf8) == "the user's")
        #expect(try String(contentsOf: other.appendingPathComponent("p/count.txt"), encoding: .utf8) == "3\n")
    }

    /// A published path that would leave its output folder fails its stage and writes nothing.
    @Test func publishedPathsStayInTheOutputFolder() throws {
        let s = try Scratch()
        for path in ["p/../escaped.txt", "../escaped.txt", "/tmp/metapipe-escaped.txt", "q/elsewhere.txt", "p//x.txt", "p/./x.txt",
                     "p/.metapipe-outputs.json", "p/.metapipe-outputs.journal", "p"] {
            let stage = Stage(id: StageID("p/bad"), kind: "bad", parameters: Data(path.utf8)) { _ in
                StageOutput(published: [path: Data("x".utf8)])
            }
            let report = try Runner(stages: [stage], options: s.options()).run()
            #expect(statuses(report)["p/bad"] == "failed", "\(path)")
        }
        #expect(!FileManager.default.fileExists(atPath: s.root.appendingPathComponent("escaped.txt").path))
        #expect(!FileManager.default.fileExists(atPath: s.output.appendingPathComponent("escaped.txt").path))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/metapipe-escaped.txt"))
        #expect(!FileManager.default.fileExists(atPath: s.output.appendingPathComponent("q").path))
    }

    /// An output or cache folder that holds the run's inputs is refused before anything is written.
    @Test func anOutputFolderHoldingTheInputsIsRefused() throws {
        let s = try Scratch()
        try s.write("a b")
        for root in [s.root, s.root.appendingPathComponent("."), s.root.appendingPathComponent("sub/..")] {
            let options = RunOptions(jobs: 1, outputRoot: root, cacheRoot: s.cache, toolVersion: "test", ownedOutputFolders: ["p"])
            #expect(throws: RunnerError.self) { try Runner(stages: Self.graph(s), options: options).run() }
        }
        let protected = RunOptions(jobs: 1, outputRoot: s.output, cacheRoot: s.cache, toolVersion: "test", ownedOutputFolders: ["p"],
                                   protectedFiles: [s.output.appendingPathComponent("p/pipeline.yaml").path])
        do {
            _ = try Runner(stages: Self.graph(s), options: protected).run()
            Issue.record("an output folder holding the pipeline file was accepted")
        } catch {
            #expect(error.isUsage && error.description.contains("holds the input"))
        }
        #expect(!FileManager.default.fileExists(atPath: s.output.path) && !FileManager.default.fileExists(atPath: s.cache.path))
    }

    /// metapipe uses only a cache folder it made: a folder of the user's is refused, its tmp/ untouched.
    @Test func aFolderThatIsNotACacheIsRefused() throws {
        let s = try Scratch()
        try s.write("a b")
        let folder = s.root.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("tmp"), withIntermediateDirectories: true)
        try "draft".write(to: folder.appendingPathComponent("tmp/draft.txt"), atomically: true, encoding: .utf8)
        let options = RunOptions(jobs: 1, outputRoot: s.output, cacheRoot: folder, toolVersion: "test", ownedOutputFolders: ["p"])
        #expect(throws: RunnerError.notACache(folder.path, "it holds files metapipe did not put there and no CACHEDIR.TAG marker")) {
            try Runner(stages: Self.graph(s), options: options).run()
        }
        #expect(throws: RunnerError.self) { try CacheStore.clean(folder) }
        #expect(try String(contentsOf: folder.appendingPathComponent("tmp/draft.txt"), encoding: .utf8) == "draft")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["tmp"])
        // A new or empty folder becomes a cache, marked as such.
        _ = try Runner(stages: Self.graph(s), options: s.options()).run()
        #expect(try String(contentsOf: s.cache.appendingPathComponent("CACHEDIR.TAG"), encoding: .utf8).hasPrefix("Signature: 8a477f597d28d172789f06886806bc55"))
    }

    /// `clean` takes the run lock, and removes only what metapipe put in the cache.
    @Test func cleanTakesTheLockAndRemovesOnlyWhatItOwns() throws {
        let s = try Scratch()
        try s.write("a b")
        _ = try Runner(stages: Self.graph(s), options: s.options()).run()
        let store = CacheStore(root: s.cache)
        try store.open()
        #expect(throws: RunnerError.cacheLocked(s.cache.path)) { try CacheStore.clean(s.cache) }
        #expect(FileManager.default.fileExists(atPath: s.cache.appendingPathComponent("stages").path))
        store.close()
        try "keep".write(to: s.cache.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let outcome = try CacheStore.clean(s.cache)
        #expect(outcome.existed && outcome.kept == ["notes.txt"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.cache.path).sorted() == ["CACHEDIR.TAG", "lock", "notes.txt"])
        try FileManager.default.removeItem(at: s.cache.appendingPathComponent("notes.txt"))
        #expect(try CacheStore.clean(s.cache).kept.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: s.cache.path))
        #expect(try CacheStore.clean(s.cache).existed == false)
        #expect(s.published("p/report.txt") == "count: 3\n")
    }

    @Test func interruptedWritesLeaveATrustworthyCache() throws {
        let s = try Scratch()
        try s.write("alpha beta gamma")
        _ = try Runner(stages: Self.graph(s), options: s.options()).run()
        // What a kill can leave: temporary files, and objects without an entry pointing at them.
        try Data("partial".utf8).write(to: s.cache.appendingPathComponent("tmp/.object.tmp-1-1"))
        try Data("partial".utf8).write(to: s.output.appendingPathComponent("p/.count.txt.tmp-1-2"))
        // An entry whose object vanished is not trusted: the stage reruns.
        let objects = s.cache.appendingPathComponent("objects")
        let store = CacheStore(root: s.cache)
        let countObject = store.objectURL(sha256Hex(Data("16\n".utf8)))
        try FileManager.default.removeItem(at: countObject)
        let report = try Runner(stages: Self.graph(s), options: s.options()).run()
        #expect(statuses(report)["p/count"] == "ran")
        #expect(s.published("p/count.txt") == "16\n")
        #expect(!FileManager.default.fileExists(atPath: s.output.appendingPathComponent("p/.count.txt.tmp-1-2").path))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: s.cache.appendingPathComponent("tmp").path))?.isEmpty == true)
        #expect(FileManager.default.fileExists(atPath: objects.path))
    }

    /// Two stages that differ only by name (same kind, parameters and inputs) keep their own cache
    /// entries: a second run runs neither.
    @Test func stagesThatDifferOnlyByNameAreBothCached() throws {
        let s = try Scratch()
        try s.write("a b")
        let input = s.input
        func stage(_ id: String) -> Stage {
            Stage(id: StageID(id), kind: "copy", parameters: Data("{}".utf8), files: [input]) { c in
                StageOutput(published: ["\(id).txt": try c.file(input)])
            }
        }
        let stages = [stage("p/one"), stage("p/two")]
        _ = try Runner(stages: stages, options: s.options()).run()
        let warm = try Runner(stages: stages, options: s.options()).run()
        #expect(statuses(warm) == ["p/one": "cached", "p/two": "cached"])
    }

    /// A cache object with the right size but the wrong bytes is found before it is trusted: the
    /// stage that made it runs again in the same run, and the object is rewritten.
    @Test func aDamagedObjectHealsInOneRun() throws {
        let s = try Scratch()
        func graph(_ version: String) -> [Stage] {
            [Stage(id: StageID("p/a"), kind: "a", parameters: Data()) { _ in StageOutput(artifacts: ["out": Data("hello".utf8)]) },
             Stage(id: StageID("p/b"), kind: "b", parameters: Data(version.utf8), inputs: [ArtifactRef(StageID("p/a"), "out")]) { c in
                 StageOutput(published: ["p/b.txt": try c.artifact(ArtifactRef(StageID("p/a"), "out")) + Data(version.utf8)])
             }]
        }
        _ = try Runner(stages: graph("1"), options: s.options()).run()
        let object = CacheStore(root: s.cache).objectURL(sha256Hex(Data("hello".utf8)))
        try Data("jello".utf8).write(to: object)
        let plan = try Runner(stages: graph("2"), options: s.options()).plan()
        #expect(plan.map(\.cached) == [false, false])
        #expect(FileManager.default.fileExists(atPath: object.path), "plan removes nothing")
        let healed = try Runner(stages: graph("2"), options: s.options()).run()
        #expect(statuses(healed) == ["p/a": "ran", "p/b": "ran"])
        #expect(try Data(contentsOf: object) == Data("hello".utf8))
        #expect(s.published("p/b.txt") == "hello2")
        #expect(try Runner(stages: graph("2"), options: s.options()).run().ranCount == 0)
    }

    /// Every cache file damaged at once (objects and entries, bits flipped): one run heals it all.
    @Test func aBitFlippedCacheHealsInOneRun() throws {
        let s = try Scratch()
        try s.write("alpha beta gamma")
        _ = try Runner(stages: Self.graph(s), options: s.options()).run()
        let expected = try FileManager.default.subpathsOfDirectory(atPath: s.output.path).sorted()
        for folder in ["objects", "stages"] {
            let base = s.cache.appendingPathComponent(folder)
            for relative in try FileManager.default.subpathsOfDirectory(atPath: base.path) {
                let url = base.appendingPathComponent(relative)
                guard var bytes = try? Data(contentsOf: url), !bytes.isEmpty else { continue }
                bytes[bytes.count / 2] ^= 0x04
                try bytes.write(to: url)
            }
        }
        let healed = try Runner(stages: Self.graph(s), options: s.options()).run()
        #expect(healed.succeeded && healed.ranCount == 4)
        #expect(s.published("p/count.txt") == "16\n" && s.published("p/report.txt") == "count: 16\n")
        #expect(try FileManager.default.subpathsOfDirectory(atPath: s.output.path).sorted() == expected)
        #expect(try Runner(stages: Self.graph(s), options: s.options()).run().cachedCount == 4)
    }

    /// `--force` rewrites every object it produces, even one whose size looks right.
    @Test func forceRewritesEveryObject() throws {
        let s = try Scratch()
        try s.write("a b")
        _ = try Runner(stages: Self.graph(s), options: s.options()).run()
        let object = CacheStore(root: s.cache).objectURL(sha256Hex(Data("2\n".utf8)))
        try Data("9\n".utf8).write(to: object)
        #expect(try Runner(stages: Self.graph(s), options: s.options(force: true)).run().ranCount == 4)
        #expect(try Data(contentsOf: object) == Data("2\n".utf8))
    }

    @Test func forceRunsEverything() throws {
        let s = try Scratch()
        try s.write("x y")
        _ = try Runner(stages: Self.graph(s), options: s.options()).run()
        let report = try Runner(stages: Self.graph(s), options: s.options(force: true)).run()
        #expect(report.ranCount == 4)
    }

    @Test func jobsDoNotChangeBytes() throws {
        var outputs: [[String: String]] = []
        for jobs in [1, 4] {
            let s = try Scratch()
            try s.write("the same words in the same order")
            _ = try Runner(stages: Self.graph(s), options: s.options(jobs: jobs)).run()
            outputs.append(["count": s.published("p/count.txt") ?? "", "report": s.published("p/report.txt") ?? "",
                            "words": s.published("p/words.txt") ?? ""])
        }
        #expect(outputs[0] == outputs[1])
    }

    /// Counts a stage's executions across threads.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() { lock.lock(); value += 1; lock.unlock() }
        var count: Int { lock.lock(); defer { lock.unlock() }; return value }
    }

    /// A stage that becomes ready while the first stages are still being submitted runs once, and a
    /// stage with two inputs waits for both. The graph: `a` → `zb`; `d` and `zb` → `zc`; and many
    /// independent stages between them in submission order, so that `a` (instant when cached) is done
    /// before the runner has looked at `zb`. Cold and warm runs; each stage must be reported once.
    @Test func aStageThatBecomesReadyDuringSubmissionRunsOnce() throws {
        let s = try Scratch()
        let runs = Counter()
        func stage(_ id: String, inputs: [String] = [], work: @escaping @Sendable () -> Void = {}) -> Stage {
            Stage(id: StageID(id), kind: "t", parameters: Data(id.utf8), inputs: inputs.map { ArtifactRef(StageID($0), "out") }) { c in
                work()
                var bytes = Data(id.utf8)
                for ref in inputs { bytes += try c.artifact(ArtifactRef(StageID(ref), "out")) }
                return StageOutput(artifacts: ["out": bytes])
            }
        }
        var stages = [stage("a"), stage("d", work: { Thread.sleep(forTimeInterval: 0.05) }),
                      stage("zb", inputs: ["a"], work: { runs.increment() }), stage("zc", inputs: ["zb", "d"])]
        for i in 0..<400 { stages.append(stage("m" + String(i).leftPadded(4))) }
        for round in 0..<8 {
            let events = Counter()
            let seen = NSLock()
            nonisolated(unsafe) var reported: [String: Int] = [:]
            nonisolated(unsafe) var indexes: [Int] = []
            let report = try Runner(stages: stages, options: s.options(jobs: 2)).run { event in
                guard case .finished(let r, let index, _) = event else { return }
                events.increment()
                seen.lock(); reported[r.id.rawValue, default: 0] += 1; indexes.append(index); seen.unlock()
            }
            #expect(indexes == Array(1...stages.count), "round \(round): progress out of order")
            #expect(report.failures.map { "\($0.id): \($0.status)" } == [], "round \(round)")
            #expect(events.count == stages.count, "round \(round)")
            #expect(reported.filter { $0.value != 1 }.isEmpty, "round \(round): \(reported.filter { $0.value != 1 })")
            #expect(round == 0 ? report.ranCount == stages.count : report.cachedCount == stages.count, "round \(round)")
        }
        #expect(runs.count == 1)
    }

    @Test func graphErrors() throws {
        let s = try Scratch()
        let a = Stage(id: StageID("a"), kind: "k", parameters: Data(), inputs: [ArtifactRef(StageID("b"), "x")]) { _ in StageOutput() }
        let b = Stage(id: StageID("b"), kind: "k", parameters: Data(), inputs: [ArtifactRef(StageID("a"), "x")]) { _ in StageOutput() }
        #expect(throws: RunnerError.cycle([StageID("a"), StageID("b")])) { try Runner(stages: [a, b], options: s.options()) }
        #expect(throws: RunnerError.duplicateStage(StageID("a"))) { try Runner(stages: [a, a], options: s.options()) }
        let lone = Stage(id: StageID("c"), kind: "k", parameters: Data(), inputs: [ArtifactRef(StageID("zz"), "x")]) { _ in StageOutput() }
        #expect(throws: RunnerError.unknownDependency(StageID("c"), needs: StageID("zz"))) { try Runner(stages: [lone], options: s.options()) }
    }

    @Test func oneRunAtATimePerCache() throws {
        let s = try Scratch()
        let store = CacheStore(root: s.cache)
        try store.open()
        defer { store.close() }
        try s.write("a")
        #expect(throws: RunnerError.cacheLocked(s.cache.path)) { try Runner(stages: Self.graph(s), options: s.options()).run() }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// The cache's keys, records and entries write their own JSON: the same bytes as the encoder.
@Suite struct DirectJSONTests {
    static func encoded<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static let texts = ["", "a", "bcg/pool:rr", "review/plot:a1:forest", "x y", "é", "tab\there", "quote\"", "back\\slash",
                        "line\nbreak", "Zeta", "alpha", "a/b", "~!@#$%^&*()_+{}|:<>?", "10", "9"]

    @Test func keysRecordsAndEntriesMatchTheEncoder() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            func text() -> String { Self.texts.randomElement(using: &rng)! }
            func map() -> [String: String] {
                var m: [String: String] = [:]
                for _ in 0..<Int.random(in: 0...4, using: &rng) { m[text()] = text() }
                return m
            }
            func entries() -> [String: Manifest.Entry] {
                var m: [String: Manifest.Entry] = [:]
                for _ in 0..<Int.random(in: 0...3, using: &rng) { m[text()] = Manifest.Entry(sha: text(), size: Int.random(in: 0...1_000_000, using: &rng)) }
                return m
            }
            let material = Runner.KeyMaterial(id: text(), kind: text(), parameters: text(), files: map(), inputs: map(), tool: text())
            #expect(canonicalJSON(material) == (try Self.encoded(material)))
            let record = Record(id: text(), key: text(), parameters: text(), files: map(), inputs: map())
            #expect(canonicalJSON(record) == (try Self.encoded(record)))
            var manifest = Manifest(id: text(), kind: text(), key: text(), artifacts: entries(), published: entries())
            #expect(canonicalJSON(manifest) == (try Self.encoded(manifest)))
            manifest.digest = text()
            #expect(canonicalJSON(manifest) == (try Self.encoded(manifest)))
        }
    }
}

/// Canonical JSON never gives two different values the same bytes: a value the encoder refuses is
/// spelled out rather than encoded as nothing.
@Suite struct CanonicalJSONTests {
    struct Refused: Encodable {
        var name: String
        func encode(to encoder: any Encoder) throws { throw EncodingError.invalidValue(name, .init(codingPath: [], debugDescription: "refused")) }
    }

    @Test func refusedValuesKeepDistinctBytes() {
        let a = canonicalJSON(Refused(name: "a")), b = canonicalJSON(Refused(name: "b"))
        #expect(!a.isEmpty && !b.isEmpty && a != b)
        #expect(canonicalJSON([1.5, Double.infinity]) != canonicalJSON([1.5, -Double.infinity]))
        #expect(String(decoding: canonicalJSON(["b": 1, "a": 2]), as: UTF8.self) == #"{"a":2,"b":1}"#)
    }
}

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

    @Test func staleOutputsAreRemoved() throws {
        let s = try Scratch()
        try s.write("a b")
        try FileManager.default.createDirectory(at: s.output.appendingPathComponent("p/old"), withIntermediateDirectories: true)
        try "x".write(to: s.output.appendingPathComponent("p/old/result.json"), atomically: true, encoding: .utf8)
        _ = try Runner(stages: Self.graph(s), options: s.options()).run()
        #expect(!FileManager.default.fileExists(atPath: s.output.appendingPathComponent("p/old").path))
        #expect(s.published("p/report.txt") != nil)
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

import Foundation
import Testing
@testable import MetaRunner

/// A run answered from the summary of the last run of the same command: only while every file the
/// graph was built from, every output, every cache entry and every ledger is as that run left it.
@Suite struct RunSummaryTests {
    typealias Scratch = RunnerTests.Scratch

    /// The input file's digest as the caller (the engine) would record it.
    static func inputs(_ scratch: Scratch, notes: [String] = ["p.yaml:1:1: warning: a note"]) -> GraphInputs {
        let data = FileManager.default.contents(atPath: scratch.input) ?? Data()
        return GraphInputs(key: "command", files: [scratch.input: sha256Hex(data)], notes: notes)
    }

    static func options(_ scratch: Scratch, force: Bool = false) -> RunOptions {
        var options = scratch.options(force: force)
        options.graphInputs = inputs(scratch)
        return options
    }

    /// The replay, checking the current digest of every file the summary names.
    static func replay(_ scratch: Scratch, force: Bool = false) -> (report: RunReport, notes: [String])? {
        Runner.replay(key: "command", options: options(scratch, force: force)) { digests in
            digests.allSatisfy { path, digest in
                FileManager.default.contents(atPath: path).map(sha256Hex) == digest
            }
        }
    }

    static func run(_ scratch: Scratch, failCount: Bool = false) throws -> RunReport {
        try Runner(stages: RunnerTests.graph(scratch, failCount: failCount), options: options(scratch)).run()
    }

    @Test func aRunAfterAnUnchangedRunIsAnsweredFromItsSummary() throws {
        let scratch = try Scratch()
        try scratch.write("a b c")
        #expect(Self.replay(scratch) == nil, "no run yet")
        let first = try Self.run(scratch)
        #expect(first.ranCount == 4)
        let replayed = try #require(Self.replay(scratch))
        #expect(replayed.notes == ["p.yaml:1:1: warning: a note"])
        // The same stages in the same order as the run itself reports them, every one cached.
        #expect(replayed.report.stages.map(\.id) == first.stages.map(\.id))
        #expect(replayed.report.stages.map(\.kind) == first.stages.map(\.kind))
        #expect(replayed.report.cachedCount == 4 && replayed.report.succeeded)
        // Answering from the summary changes nothing: it can answer again.
        #expect(Self.replay(scratch) != nil)
        #expect(Self.replay(scratch, force: true) == nil, "--force always runs")
        // Another build of metapipe (whose stages may compute otherwise) does not replay it.
        var other = Self.options(scratch)
        other.toolVersion = "another build"
        #expect(Runner.replay(key: "command", options: other) { _ in true } == nil)
    }

    @Test func anEditedInputIsNotAnsweredFromTheSummary() throws {
        let scratch = try Scratch()
        try scratch.write("a b c")
        _ = try Self.run(scratch)
        try scratch.write("a b c d")
        #expect(Self.replay(scratch) == nil)
        let second = try Self.run(scratch)
        #expect(second.ranCount > 0)
        #expect(scratch.published("p/words.txt") == "4\n")
        #expect(Self.replay(scratch) != nil)
    }

    @Test func aMissingOrEditedOutputIsRestoredByARealRun() throws {
        let scratch = try Scratch()
        try scratch.write("a b c")
        _ = try Self.run(scratch)
        let words = scratch.output.appendingPathComponent("p/words.txt")
        try FileManager.default.removeItem(at: words)
        #expect(Self.replay(scratch) == nil)
        _ = try Self.run(scratch)
        #expect(scratch.published("p/words.txt") == "3\n")
        #expect(Self.replay(scratch) != nil)
        try "7\n".write(to: words, atomically: true, encoding: .utf8)
        #expect(Self.replay(scratch) == nil, "an edited output (another size or time) is not trusted")
        _ = try Self.run(scratch)
        #expect(scratch.published("p/words.txt") == "3\n")
    }

    @Test func aDamagedCacheOrLedgerIsNotTrusted() throws {
        let scratch = try Scratch()
        try scratch.write("a b c")
        _ = try Self.run(scratch)
        // An object removed from the cache.
        let objects = scratch.cache.appendingPathComponent("objects")
        let shard = try #require(try FileManager.default.contentsOfDirectory(atPath: objects.path).sorted().first)
        try FileManager.default.removeItem(at: objects.appendingPathComponent(shard))
        #expect(Self.replay(scratch) == nil)
        _ = try Self.run(scratch)
        #expect(Self.replay(scratch) != nil)
        // A cache entry removed.
        let stages = scratch.cache.appendingPathComponent("stages")
        let entry = try #require(try FileManager.default.contentsOfDirectory(atPath: stages.path).sorted().first)
        try FileManager.default.removeItem(at: stages.appendingPathComponent(entry))
        #expect(Self.replay(scratch) == nil)
        _ = try Self.run(scratch)
        // The output folder's ledger edited.
        let ledger = scratch.output.appendingPathComponent("p/\(Runner.ledgerName)")
        try Data("{}".utf8).write(to: ledger)
        #expect(Self.replay(scratch) == nil)
        _ = try Self.run(scratch)
        #expect(Self.replay(scratch) != nil)
        // A journal left by a stopped run (of another command using this output folder).
        try Data().write(to: scratch.output.appendingPathComponent("p/\(Runner.journalName)"))
        #expect(Self.replay(scratch) == nil)
    }

    @Test func aFailedRunLeavesNoSummary() throws {
        let scratch = try Scratch()
        try scratch.write("a b c")
        _ = try Self.run(scratch)
        #expect(Self.replay(scratch) != nil)
        // A run of the same command removes the summary before it writes anything, and a run with a
        // failed stage writes none.
        try scratch.write("a b c d")
        let failed = try Self.run(scratch, failCount: true)
        #expect(!failed.succeeded)
        #expect(Self.replay(scratch) == nil)
        #expect(!FileManager.default.fileExists(atPath: CacheStore(root: scratch.cache).summaryURL("command").path))
    }

    @Test func aSummaryIsRemovedBeforeTheRunWritesAnything() throws {
        let scratch = try Scratch()
        try scratch.write("a b c")
        _ = try Self.run(scratch)
        let summary = CacheStore(root: scratch.cache).summaryURL("command").path
        #expect(FileManager.default.fileExists(atPath: summary))
        // A stage sees no summary while the run is under way (a run killed now leaves none).
        let probe = Stage(id: StageID("p/probe"), kind: "probe", parameters: Data("\(UUID())".utf8)) { _ in
            StageOutput(artifacts: ["seen": Data("\(FileManager.default.fileExists(atPath: summary))".utf8)])
        }
        var options = Self.options(scratch)
        options.graphInputs?.key = "command"
        let runner = try Runner(stages: RunnerTests.graph(scratch) + [probe], options: options)
        _ = try runner.run()
        let store = CacheStore(root: scratch.cache)
        let written = try #require(store.summary("command"))
        let probeKey = try #require(written.stages.first { $0[0] == "p/probe" }?[2])
        let manifest = try #require(store.manifest(probeKey))
        let seen = try #require(manifest.artifacts["seen"])
        #expect(store.get(seen.sha) == Data("false".utf8))
    }

    @Test func theSummaryReadsTheSameWithTheFastReaderAndJSONDecoder() throws {
        let summary = RunSummary(key: "k", tool: "t", files: ["data/a.csv": "ab", "pkg/": "cd"],
                                 notes: ["p.yaml:2:3: warning: 'x' is odd", "second"],
                                 stages: [["p/load:a", "load", "k1"], ["p/report", "report", "k2"]],
                                 objects: ["ab12": 3, "cd34": 0], published: ["p/a.txt": Stamp(sha: "ab12", size: 3, mtime: 1_700_000_000_123_456_789)],
                                 ledgers: ["p": "ef", "q": "missing"])
        let data = canonicalJSON(summary)
        let fast = try #require(JSONValue.parse(data).flatMap(RunSummary.init(json:)))
        #expect(fast == summary)
        #expect(try JSONDecoder().decode(RunSummary.self, from: data) == summary)
        // A note with a quote is escaped: the fast reader leaves the file to JSONDecoder, same result.
        var quoted = summary
        quoted.notes = ["say \"this\""]
        let escaped = canonicalJSON(quoted)
        #expect(JSONValue.parse(escaped) == nil)
        let store = CacheStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("metapipe-summary-\(UUID())"))
        defer { try? FileManager.default.removeItem(at: store.root) }
        try store.open()
        defer { store.close() }
        try store.putSummary(RunSummary(key: "k", tool: quoted.tool, files: quoted.files, notes: quoted.notes, stages: quoted.stages,
                                        objects: quoted.objects, published: quoted.published, ledgers: quoted.ledgers))
        #expect(store.summary("k") == quoted)
        #expect(store.summary("other") == nil)
    }

    @Test func arraysReadAsJSONDecoderReadsThem() throws {
        #expect(JSONValue.parse(Data("[]".utf8)) == .array([]))
        #expect(JSONValue.parse(Data(#"[ "a" , [1,-2], {"k":[]} ]"#.utf8))
                == .array([.string("a"), .array([.integer(1), .integer(-2)]), .object(["k": .array([])])]))
        for bad in ["[", "[1,]", "[,1]", "[1 2]", "[1]]", String(repeating: "[", count: 70) + String(repeating: "]", count: 70)] {
            #expect(JSONValue.parse(Data(bad.utf8)) == nil, "\(bad)")
        }
    }
}

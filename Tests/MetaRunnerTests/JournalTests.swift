import Foundation
import Testing
@testable import MetaRunner

/// The journal beside each output folder's ledger: a run appends a line per file before it writes
/// it, and folds the journal into the ledger at its end. A run killed in between leaves the journal,
/// and the next run knows those files as metapipe's.
@Suite struct JournalTests {
    typealias Scratch = RunnerTests.Scratch

    func journal(_ s: Scratch) -> URL { s.output.appendingPathComponent("p/\(Runner.journalName)") }

    @Test func aFinishedRunLeavesTheLedgerAndNoJournal() throws {
        let s = try Scratch()
        try s.write("a b")
        let runner = try Runner(stages: RunnerTests.graph(s), options: s.options())
        #expect(try runner.run().succeeded)
        #expect(!FileManager.default.fileExists(atPath: journal(s).path))
        let ledger = try JSONDecoder().decode([String: String].self,
                                              from: Data(contentsOf: s.output.appendingPathComponent("p/\(Runner.ledgerName)")))
        #expect(ledger["words.txt"] == sha256Hex(Data("2\n".utf8)))
    }

    @Test func filesTheJournalOfAStoppedRunNamesAreMetapipes() throws {
        let s = try Scratch()
        try s.write("a b")
        let folder = s.output.appendingPathComponent("p")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // As a run killed after claiming words.txt and writing it leaves them (no ledger yet); its
        // last line, for count.txt, was cut short.
        try "9\n".write(to: folder.appendingPathComponent("words.txt"), atomically: true, encoding: .utf8)
        try "7\n".write(to: folder.appendingPathComponent("count.txt"), atomically: true, encoding: .utf8)
        try "9\n".write(to: folder.appendingPathComponent("stale.txt"), atomically: true, encoding: .utf8)
        let sha9 = sha256Hex(Data("9\n".utf8)), sha7 = sha256Hex(Data("7\n".utf8))
        try Data("[\"\(sha9)\",\"words.txt\"]\nnot a line\n[\"\(sha9)\",\"stale.txt\"]\n[\"\(sha7)\",\"count.t".utf8).write(to: journal(s))
        let report = try Runner(stages: RunnerTests.graph(s), options: s.options()).run()
        let statuses = RunnerTests().statuses(report)
        // words.txt is metapipe's (the journal says so): overwritten. count.txt is not (its line was
        // cut short): refused. stale.txt was metapipe's, and no stage publishes it any more; it stays
        // only because a stage failed (nothing is pruned then).
        #expect(statuses["p/words"] == "ran")
        #expect(s.published("p/words.txt") == "2\n")
        #expect(statuses["p/count"] == "failed")
        #expect(s.published("p/count.txt") == "7\n")
        #expect(s.published("p/stale.txt") == "9\n")
        #expect(!FileManager.default.fileExists(atPath: journal(s).path), "folded into the ledger")
        let ledger = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: folder.appendingPathComponent(Runner.ledgerName)))
        #expect(ledger["stale.txt"] == sha9 && ledger["count.txt"] == nil)
        // With count.txt moved away, the run succeeds and removes stale.txt, which it knows from the ledger.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("count.txt"))
        #expect(try Runner(stages: RunnerTests.graph(s), options: s.options()).run().succeeded)
        #expect(s.published("p/stale.txt") == nil)
        #expect(s.published("p/count.txt") == "3\n")
    }

    @Test func aRunWhileAJournalIsOpenAppendsAPerFileLine() throws {
        let s = try Scratch()
        try s.write("a b")
        // A stage that reads the journal while the run is under way sees the lines of the files
        // published before it.
        let path = journal(s).path
        let first = Stage(id: StageID("p/first"), kind: "first", parameters: Data()) { _ in
            StageOutput(published: ["p/one.txt": Data("1".utf8), "p/sub/two.txt": Data("2".utf8)])
        }
        let probe = Stage(id: StageID("p/probe"), kind: "probe", parameters: Data("\(UUID())".utf8),
                          inputs: [ArtifactRef(StageID("p/first"), "p/one.txt")]) { _ in
            StageOutput(artifacts: ["journal": FileManager.default.contents(atPath: path) ?? Data()])
        }
        let runner = try Runner(stages: [first, probe], options: s.options(jobs: 1))
        #expect(try runner.run().succeeded)
        let store = CacheStore(root: s.cache)
        let record = try #require(store.record(StageID("p/probe")))
        let manifest = try #require(store.manifest(record.key))
        let entry = try #require(manifest.artifacts["journal"])
        let seen = try #require(store.get(entry.sha))
        #expect(String(decoding: seen, as: UTF8.self)
                == "[\"\(sha256Hex(Data("1".utf8)))\",\"one.txt\"]\n[\"\(sha256Hex(Data("2".utf8)))\",\"sub/two.txt\"]\n")
    }

    @Test func aPathWithALineBreakOrAQuoteFitsOnOneJournalLine() throws {
        let s = try Scratch()
        try s.write("a b")
        let odd = "p/odd\nname \"x\" \\ é.txt"
        let stage = Stage(id: StageID("p/odd"), kind: "odd", parameters: Data()) { _ in
            StageOutput(published: [odd: Data("1".utf8)])
        }
        let runner = try Runner(stages: [stage], options: s.options(jobs: 1))
        // As a stopped run leaves it: one line for the odd path, then one cut short.
        try FileManager.default.createDirectory(at: s.output.appendingPathComponent("p"), withIntermediateDirectories: true)
        let sha = sha256Hex(Data("1".utf8))
        try (canonicalJSON([sha, String(odd.dropFirst(2))]) + Data("\n[\"\(sha)\",\"cut".utf8)).write(to: journal(s))
        let entries = runner.journalEntries("p")
        #expect(entries.count == 1 && entries.first?.0 == sha && entries.first?.1 == String(odd.dropFirst(2)))
        #expect(try runner.run().succeeded)
        #expect(s.published(odd) == "1")
        let ledger = try JSONDecoder().decode([String: String].self,
                                              from: Data(contentsOf: s.output.appendingPathComponent("p/\(Runner.ledgerName)")))
        #expect(ledger[String(odd.dropFirst(2))] == sha)
    }
}

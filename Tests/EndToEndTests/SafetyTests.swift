import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What metapipe writes and deletes: never a file it did not write, never outside --output and --cache.
@Suite(.serialized) struct SafetyTests {
    /// `--output` naming the pipelines folder, the project root or nothing is refused (exit 64) and no
    /// input file is lost or changed.
    @Test func anOutputFolderHoldingTheInputsIsRefused() throws {
        let p = try Project("demo")
        let inputs = p.tree("pipelines")
        for output in ["pipelines", ".", "", "pipelines/demo", "./pipelines/", ".."] {
            let run = try p.metapipe("run", "pipelines/demo.yaml", "--output", output)
            #expect(run.status == 64, "--output '\(output)': \(run.stderr)")
            #expect(run.stderr.contains(output.isEmpty ? "--output is empty" : "holds the input"), "--output '\(output)': \(run.stderr)")
            #expect(run.stderr.contains("--output"))
            #expect(p.tree("pipelines") == inputs, "--output '\(output)' changed the inputs")
        }
        #expect(!p.exists("demo") && !p.exists("pipelines/demo/index.html"))
        let ok = try p.metapipe("run", "pipelines/demo.yaml", "--output", "reports")
        #expect(ok.status == 0 && p.exists("reports/demo/index.html"))
        #expect(p.tree("pipelines") == inputs)
    }

    /// A user's notes in the report folder survive runs, and a stale output of an earlier run goes.
    @Test func aUsersFilesInTheReportFolderSurvive() throws {
        let p = try Project("demo")
        #expect(try p.metapipe("run").status == 0)
        try p.write("outputs/demo/notes.txt", "my notes")
        try p.write("outputs/demo/pain/annotations.md", "more notes")
        try p.write("outputs/demo/function/mine.txt", "kept")
        // Dropping an analysis makes its outputs stale: they go, the notes stay.
        #expect(p.exists("outputs/demo/function/result.json"))
        try p.edit("pipelines/demo.yaml", "  function:\n    title: Function score\n    data: arms\n    measure: MD\n    where: {outcome: function}\n", "")
        let run = try p.metapipe("run")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try p.read("outputs/demo/notes.txt") == "my notes")
        #expect(try p.read("outputs/demo/pain/annotations.md") == "more notes")
        #expect(!p.exists("outputs/demo/function/result.json") && !p.exists("outputs/demo/function/studies.csv"))
        #expect(try p.read("outputs/demo/function/mine.txt") == "kept")
        #expect(try p.metapipe("clean").status == 0)
        #expect(try p.metapipe("run").status == 0)
        #expect(try p.read("outputs/demo/notes.txt") == "my notes")
    }

    /// `--cache` on a folder of the user's is refused and nothing in it is touched, `tmp/` included.
    @Test func aCacheFolderMetapipeDidNotMakeIsRefused() throws {
        let p = try Project("demo")
        try FileManager.default.createDirectory(at: p.url("tmp"), withIntermediateDirectories: true)
        try p.write("tmp/draft.txt", "draft")
        for cache in [".", "tmp", "pipelines"] {
            let run = try p.metapipe("run", "--cache", cache)
            #expect(run.status == 64, "--cache \(cache): \(run.stderr)")
            #expect(run.stderr.contains("is not a metapipe cache") || run.stderr.contains("holds the input"), "\(run.stderr)")
            let clean = try p.metapipe("clean", "--cache", cache)
            #expect(clean.status == 64, "clean --cache \(cache): \(clean.stderr)")
        }
        #expect(try p.read("tmp/draft.txt") == "draft")
        #expect(!p.exists("objects") && !p.exists("stages") && !p.exists("outputs"))
    }

    /// `clean` while a run holds the lock is refused, and removes nothing.
    @Test func cleanDuringARunIsRefused() throws {
        let p = try Project("demo")
        #expect(try p.metapipe("run").status == 0)
        let fd = open(p.url(".metapipe/lock").path, O_RDWR)
        #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        let refused = try p.metapipe("clean")
        flock(fd, LOCK_UN)
        close(fd)
        #expect(refused.status == 64 && refused.stderr.contains("a metapipe run is using the cache .metapipe; nothing was removed"))
        #expect(p.exists(".metapipe/stages") && p.exists(".metapipe/objects"))
        let clean = try p.metapipe("clean")
        #expect(clean.status == 0 && clean.stdout == "metapipe: removed .metapipe\n" && !p.exists(".metapipe"))
    }
}

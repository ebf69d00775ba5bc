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

/// Names from a pipeline or a sheet never choose where files go.
@Suite(.serialized) struct PathNameTests {
    /// Every file under the project, outside the output and cache folders.
    static func inputs(_ p: Project) -> [String: Data] {
        p.tree("").filter { !$0.key.hasPrefix("outputs/") && !$0.key.hasPrefix(".metapipe/") }
    }

    @Test func aSubgroupColumnHeaderWithSlashesMakesASafeFileName() throws {
        let p = try Project("demo")
        let header = "x/../../../../escsub"
        try p.edit("pipelines/demo/arms.csv", "study,outcome,setting,", "study,outcome,\(header),")
        try p.edit("pipelines/demo.yaml", "    subgroups: [setting]\n", "    subgroups: [\"\(header)\"]\n    plots: [forest]\n")
        let before = Self.inputs(p)
        let run = try p.metapipe("run")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(p.exists("outputs/demo/pain/forest-x~2F..~2F..~2F..~2F..~2Fescsub.png"))
        #expect(p.exists("outputs/demo/pain/forest-x~2F..~2F..~2F..~2F..~2Fescsub.svg"))
        #expect(try p.read("outputs/demo/index.html").contains("forest-x~2F..~2F..~2F..~2F..~2Fescsub.png"))
        #expect(Self.inputs(p) == before, "a file outside outputs/ and .metapipe/ was written")
        let parent = p.root.deletingLastPathComponent()
        for name in ["escsub.png", "escsub.svg", "x"] {
            #expect(!FileManager.default.fileExists(atPath: parent.appendingPathComponent(name).path))
        }
    }

    @Test func namesThatWouldLeaveTheOutputFolderAreErrors() throws {
        let cases: [(old: String, new: String, message: String)] = [
            ("analyses:\n", "syntheses:\n  \"../../escaped\": {themes: arms, mapping: arms}\nanalyses:\n",
             "pipelines/demo.yaml:11:3: error: synthesis name '../../escaped' names an output folder, so it may use only letters, digits, '-', '_' and '.', starting with a letter or digit"),
            ("  pain:\n", "  \"../pain\":\n", "error: analysis name '../pain' names an output folder"),
            ("  pain:\n", "  index.html:\n", "error: analysis name 'index.html' names an output folder, so it must differ from the report's own files"),
            ("pipeline: demo\n", "pipeline: \"..\"\n", "error: pipeline name '..' names the output folder"),
            ("pipeline: demo\n", "pipeline: \"a/b\"\n", "error: pipeline name 'a/b' names the output folder"),
            ("  pain:\n", "  \(String(repeating: "a", count: 300)):\n", "it may have at most 100 characters (it has 300)"),
            ("analyses:\n", "syntheses:\n  pain: {themes: arms, mapping: arms}\nanalyses:\n", "synthesis name 'pain' is also an analysis name"),
            ("  pain:\n", "  \"p\\e[31mred\":\n", "analysis name 'p\\u{1B}[31mred' names an output folder"),
        ]
        for c in cases {
            let p = try Project("demo")
            try p.edit("pipelines/demo.yaml", c.old, c.new)
            let run = try p.metapipe("run")
            #expect(run.status == 65, "\(c.new): \(run.stderr)")
            #expect(run.stderr.contains(c.message), "\(c.new): \(run.stderr)")
            #expect(!run.stderr.contains("\u{1B}"))
            #expect(!p.exists("outputs") && !p.exists(".metapipe"))
        }
    }

    @Test func importRefusesANameThatIsNotAFileName() throws {
        let p = try Project("revman")
        for name in ["../escaped", "a/b", ".hidden", ""] {
            let run = try p.metapipe("import", "source/Fleiss1993.rm5", "--name", name)
            #expect(run.status == 64, "--name \(name): \(run.stderr)")
        }
        #expect(!p.exists("escaped.yaml") && !p.exists("pipelines/a"))
    }
}

/// A damaged cache heals in one run, whatever was damaged; `--force` rewrites every object.
@Suite(.serialized) struct CacheHealingTests {
    enum Damage: CaseIterable { case flipEveryObject, flipEveryEntry, truncateObjects, emptyObjects, flipEverything }

    static func damage(_ p: Project, _ damage: Damage) throws {
        let fm = FileManager.default
        let folders: [String]
        switch damage {
        case .flipEveryObject, .truncateObjects, .emptyObjects: folders = ["objects"]
        case .flipEveryEntry: folders = ["stages"]
        case .flipEverything: folders = ["objects", "stages", "records"]
        }
        for folder in folders {
            let base = p.url(".metapipe/\(folder)")
            for relative in try fm.subpathsOfDirectory(atPath: base.path) {
                let url = base.appendingPathComponent(relative)
                guard var bytes = try? Data(contentsOf: url), !bytes.isEmpty else { continue }
                switch damage {
                case .truncateObjects: bytes = bytes.prefix(bytes.count / 2)
                case .emptyObjects: bytes = Data()
                default: bytes[bytes.count / 3] ^= 0x10
                }
                try bytes.write(to: url)
            }
        }
    }

    /// Every object's bytes hash to its name.
    static func objectsAreIntact(_ p: Project) throws -> Bool {
        let base = p.url(".metapipe/objects")
        for relative in try FileManager.default.subpathsOfDirectory(atPath: base.path) where relative.contains("/") {
            let data = try Data(contentsOf: base.appendingPathComponent(relative))
            if sha256(data) != relative.replacingOccurrences(of: "/", with: "") { return false }
        }
        return true
    }

    static func sha256(_ data: Data) -> String {
        let pipe = Pipe(), input = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.standardInput = input
        process.standardOutput = pipe
        try? process.run()
        input.fileHandleForWriting.write(data)
        try? input.fileHandleForWriting.close()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: out, as: UTF8.self).prefix(64))
    }

    @Test(arguments: Damage.allCases) func aDamagedCacheHealsInOneRun(_ damage: Damage) throws {
        let reference = try Project("demo")
        #expect(try reference.metapipe("run").status == 0)
        let expected = reference.tree("outputs")
        let p = try Project("demo")
        #expect(try p.metapipe("run").status == 0)
        try Self.damage(p, damage)
        let healed = try p.metapipe("run")
        #expect(healed.status == 0, "\(damage): \(healed.stderr)")
        #expect(!healed.stderr.contains("run again"))
        let got = p.tree("outputs")
        #expect(got.keys.sorted() == expected.keys.sorted(), "\(damage)")
        for key in expected.keys { #expect(got[key] == expected[key], "\(key) after \(damage)") }
        #expect(try Self.objectsAreIntact(p), "\(damage)")
        let warm = try p.metapipe("run")
        #expect(warm.status == 0 && warm.stages("ran").isEmpty, "\(damage): \(warm.stdout)")
    }

    @Test func forceRewritesEveryDamagedObject() throws {
        let p = try Project("demo")
        #expect(try p.metapipe("run").status == 0)
        try Self.damage(p, .flipEveryObject)
        #expect(try !Self.objectsAreIntact(p))
        let forced = try p.metapipe("run", "--force")
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try Self.objectsAreIntact(p))
    }

    /// A run killed at a random moment, then its cache damaged: the next run is correct.
    @Test func aKilledRunWithADamagedCacheHealsInOneRun() throws {
        let expected = try PipelineRunTests.largeDemoOutputs()
        for (delay, damage) in [(0.1, Damage.flipEveryObject), (0.3, .flipEverything)] {
            let p = try PipelineRunTests.largeDemo()
            try PipelineRunTests.killRun(p, after: delay)
            if FileManager.default.fileExists(atPath: p.url(".metapipe/objects").path) { try Self.damage(p, damage) }
            try PipelineRunTests.expectRerunHeals(p, expected, "after a kill at \(delay) s and \(damage)")
        }
    }
}

/// The report names paths relative to the pipeline file: the same bytes from any working folder.
@Suite(.serialized) struct ReportPathTests {
    @Test func theReportIsTheSameFromAnyWorkingFolder() throws {
        let home = try Project("demo")
        #expect(try home.metapipe("run").status == 0)
        let expected = home.tree("outputs")
        let readme = try home.read("outputs/demo/README.md")
        #expect(readme.contains(" from demo.yaml.\n"))
        #expect(readme.contains("demo/arms.csv") && !readme.contains("pipelines/demo/arms.csv"))
        let elsewhere = try Project("demo")
        try FileManager.default.createDirectory(at: elsewhere.url("sub/dir"), withIntermediateDirectories: true)
        for args in [["run", "../../pipelines/demo.yaml", "--output", "../../outputs", "--cache", "../../.metapipe"],
                     ["run", elsewhere.url("pipelines/demo.yaml").path, "--output", elsewhere.url("outputs").path,
                      "--cache", elsewhere.url(".metapipe").path, "--force"]] {
            let run = try CLI.run(args, in: elsewhere.url("sub/dir"))
            #expect(run.status == 0, "\(args): \(run.stderr)")
            let got = elsewhere.tree("outputs")
            #expect(got.keys.sorted() == expected.keys.sorted())
            for key in expected.keys { #expect(got[key] == expected[key], "\(key) from another folder, \(args)") }
            #expect(!(try elsewhere.read("outputs/demo/index.html")).contains(elsewhere.root.path))
        }
    }
}

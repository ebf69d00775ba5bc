import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Hostile and careless input, case by case: the exit status, what the messages say, and which files
/// exist afterwards. Inputs are never lost; nothing is written outside the output and cache folders.
@Suite(.serialized) struct CorpusTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var args: [String] = ["run"]
        var setup: @Sendable (Project) throws -> Void
        var status: Int32
        var stderr: [String] = []
        var present: [String] = []
        var absent: [String] = []
        /// Text an output file must (or must not) contain.
        var contains: [(file: String, text: String)] = []
        var lacks: [(file: String, text: String)] = []
        var description: String { name }
    }

    static func yaml(_ p: Project, _ old: String, _ new: String) throws { try p.edit("pipelines/demo.yaml", old, new) }
    static func arms(_ p: Project, _ old: String, _ new: String) throws { try p.edit("pipelines/demo/arms.csv", old, new) }

    static let cases: [Case] = [
        // YAML
        Case(name: "YAML syntax error", setup: { try yaml($0, "analyses:\n", "analyses: [\n") }, status: 65,
             stderr: ["pipelines/demo.yaml:"], absent: ["outputs", ".metapipe"]),
        Case(name: "unknown key", setup: { try yaml($0, "    measure: MD\n", "    measure: MD\n    mesure: MD\n") }, status: 65,
             stderr: ["unknown key 'mesure'"], absent: ["outputs"]),
        Case(name: "alias bomb", setup: { p in
            var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
            for i in 1..<12 { bomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
            try p.write("pipelines/demo.yaml", try p.read("pipelines/demo.yaml") + bomb)
        }, status: 65, stderr: ["pipelines/demo.yaml:"], absent: ["outputs"]),
        Case(name: "deep nesting", setup: { p in
            try p.write("pipelines/demo.yaml", try p.read("pipelines/demo.yaml") + "deep: " + String(repeating: "[", count: 20000) + String(repeating: "]", count: 20000) + "\n")
        }, status: 65, stderr: ["pipelines/demo.yaml:"], absent: ["outputs"]),
        Case(name: "empty pipeline file", setup: { try $0.write("pipelines/demo.yaml", "") }, status: 65, absent: ["outputs"]),
        Case(name: "a command in a value is only text", setup: { p in
            try yaml(p, "title: A small pipeline for the end-to-end tests", "title: \"$(touch pwned) `touch pwned2`\"")
        }, status: 0, present: ["outputs/demo/index.html"], absent: ["pwned", "pwned2", "pipelines/pwned"],
             contains: [("outputs/demo/README.md", "$(touch pwned)")]),
        // Paths
        Case(name: "missing data file", setup: { try yaml($0, "demo/counts.csv", "demo/nowhere.csv") }, status: 65,
             stderr: ["'pipelines/demo/nowhere.csv' does not exist"], absent: ["outputs"]),
        Case(name: "data path is a folder", setup: { try yaml($0, "demo/counts.csv", "demo") }, status: 65,
             stderr: ["is a folder"], absent: ["outputs"]),
        Case(name: "--output names a data file", args: ["run", "--output", "pipelines/demo/arms.csv"], setup: { _ in }, status: 64,
             stderr: ["--output"], present: ["pipelines/demo/arms.csv"], absent: ["outputs"]),
        Case(name: "--cache names the data folder", args: ["run", "--cache", "pipelines/demo"], setup: { _ in }, status: 64,
             present: ["pipelines/demo/arms.csv", "pipelines/demo/counts.csv"], absent: ["outputs", "pipelines/demo/objects"]),
        Case(name: "--output is a file", args: ["run", "--output", "notes.txt"], setup: { try $0.write("notes.txt", "mine") }, status: 64,
             stderr: ["is a file, not a folder"], present: ["notes.txt"], absent: ["outputs"]),
        // CSV
        Case(name: "ragged row", setup: { try arms($0, "Diaz 2018,pain,clinic,35,3.0,1.0,36,3.1,1.1,", "Diaz 2018,pain,clinic,35,3.0,1.0,36,") },
             status: 65, stderr: ["pipelines/demo/arms.csv:5"], absent: ["outputs"]),
        Case(name: "duplicate header", setup: { try arms($0, "study,outcome,setting,", "study,outcome,study,") }, status: 65,
             stderr: ["pipelines/demo/arms.csv:1"], absent: ["outputs"]),
        Case(name: "non-numeric cell", setup: { try arms($0, "Diaz 2018,pain,clinic,35,3.0,1.0", "Diaz 2018,pain,clinic,35,3.0,abc") },
             status: 65, stderr: ["pipelines/demo/arms.csv:5: column 'sd1'"], absent: ["outputs"]),
        Case(name: "NaN cell", setup: { try arms($0, "Diaz 2018,pain,clinic,35,3.0,1.0", "Diaz 2018,pain,clinic,35,NaN,1.0") },
             status: 65, stderr: ["pipelines/demo/arms.csv:5: column 'mean1'"], absent: ["outputs"]),
        Case(name: "byte-order mark and CRLF", setup: { p in
            let text = try p.read("pipelines/demo/counts.csv")
            try Data([0xEF, 0xBB, 0xBF] + Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)).write(to: p.url("pipelines/demo/counts.csv"))
        }, status: 0, present: ["outputs/demo/events/studies.csv"]),
        Case(name: "header only", setup: { try $0.write("pipelines/demo/counts.csv", "study,events1,total1,events2,total2\n") },
             status: 65, absent: ["outputs"]),
        // Injection
        Case(name: "markup in a study name", setup: { try arms($0, "Adams 2010,pain", "<script>alert(1)</script> Adams 2010,pain") },
             status: 0, present: ["outputs/demo/index.html"],
             lacks: [("outputs/demo/index.html", "<script>alert(1)"), ("outputs/demo/README.md", "<script>alert(1)")]),
        Case(name: "a formula as a study name", setup: { try arms($0, "Adams 2010,pain", "\"=HYPERLINK(\"\"http://x\"\";\"\"y\"\")\",pain") },
             status: 0, contains: [("outputs/demo/pain/studies.csv", "\"'=HYPERLINK(")]),
        Case(name: "a terminal escape in a study name", setup: { p in
            try p.edit("pipelines/demo/counts.csv", "Frank 2021", "\u{1B}[2JFrank 2021")
        }, status: 0, stderr: ["study '\\u{1B}[2JFrank 2021' has a zero cell"]),
        Case(name: "a script URL as a source", setup: { try arms($0, "https://example.org/adams", "javascript:alert(1)") },
             status: 0, lacks: [("outputs/demo/index.html", "href=\"javascript:"), ("outputs/demo/README.md", "](javascript:")]),
        Case(name: "markup in the title", setup: { try yaml($0, "title: A small pipeline for the end-to-end tests", "title: \"# <img src=x onerror=alert(1)>\"") },
             status: 0, contains: [("outputs/demo/README.md", "# \\# \\<img src=x onerror=alert(1)\\>\n")],
             lacks: [("outputs/demo/index.html", "<img src=x")]),
    ]

    @Test(arguments: cases) func corpusCase(_ c: Case) throws {
        let p = try Project("demo")
        try c.setup(p)
        let inputs = p.tree("pipelines")
        let started = Date()
        let run = try CLI.run(c.args, in: p.root)
        #expect(Date().timeIntervalSince(started) < 30, "\(c) took too long")
        #expect(run.status == c.status, "\(c): \(run.stderr)")
        for text in c.stderr { #expect(run.stderr.contains(text), "\(c): \(run.stderr)") }
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("\u{1B}"), "\(c)")
        for path in c.present { #expect(p.exists(path), "\(c): \(path) is missing") }
        for path in c.absent { #expect(!p.exists(path), "\(c): \(path) exists") }
        for (file, text) in c.contains { #expect((try? p.read(file))?.contains(text) == true, "\(c): \(file) lacks \(text)") }
        for (file, text) in c.lacks { #expect((try? p.read(file))?.contains(text) == false, "\(c): \(file) has \(text)") }
        #expect(p.tree("pipelines") == inputs, "\(c): the inputs changed")
        let outside = p.tree("").keys.filter { !$0.hasPrefix("outputs/") && !$0.hasPrefix(".metapipe/") && !$0.hasPrefix("pipelines/") }
        #expect(outside.allSatisfy { $0 == "notes.txt" }, "\(c): wrote \(outside)")
    }

    /// A second run on a cache in use is refused and changes nothing.
    @Test func aRunOnALockedCacheIsRefused() throws {
        let p = try Project("demo")
        #expect(try p.metapipe("run").status == 0)
        let before = p.tree("outputs")
        let fd = open(p.url(".metapipe/lock").path, O_RDWR)
        #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        let run = try p.metapipe("run", "--force")
        flock(fd, LOCK_UN)
        close(fd)
        #expect(run.status == 1 && run.stderr.contains("another metapipe run is using the cache"))
        #expect(p.tree("outputs") == before)
    }
}

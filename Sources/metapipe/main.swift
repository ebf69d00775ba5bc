import ArgumentParser
import Foundation
import MetaEngine
import MetaPipeline
import MetaRunner

/// Exit statuses (sysexits.h): 0 success, 1 a stage failed, 64 bad command line, 65 invalid
/// pipeline or data.
enum Status {
    static let stageFailed: Int32 = 1
    static let invalidInput: Int32 = 65
    static let usage: Int32 = 64
}

struct Metapipe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metapipe",
        abstract: "Run systematic-review meta-analyses as reproducible, cached pipelines.",
        discussion: """
        A pipeline is a YAML file naming CSV extraction sheets, the effect sizes to compute, what to pool, \
        the subgroup and sensitivity analyses to run and the figures to draw. 'metapipe run' executes its \
        stages in parallel, skips every stage whose inputs have not changed, and writes a report folder \
        (outputs/<pipeline>/index.html, README.md, results.json, one folder per analysis).

        Without PIPELINE arguments every pipelines/*.yaml is used.

        Exit status: 0 success; 1 a stage failed (independent stages still finish); 64 bad command line; \
        65 invalid pipeline or data (nothing is run or written).
        """,
        version: MetaEngine.Metapipe.version,
        subcommands: [Run.self, Validate.self, Plan.self, Clean.self, Import.self],
        defaultSubcommand: nil
    )
}

/// Options shared by the commands that read pipelines.
struct PipelineArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("Pipeline files (default: every pipelines/*.yaml).", valueName: "PIPELINE.yaml"))
    var pipelines: [String] = []

    func paths() throws -> [String] {
        let paths = pipelines.isEmpty ? Engine.defaultPipelines() : pipelines
        if paths.isEmpty {
            throw ValidationError("no pipelines given and none found in pipelines/*.yaml")
        }
        for path in paths where !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("pipeline file '\(path)' does not exist")
        }
        return paths
    }
}

struct Locations: ParsableArguments {
    @Option(help: ArgumentHelp("Folder the reports are written to (one folder per pipeline in it). It must not hold the pipelines or their data.", valueName: "DIR"))
    var output = "outputs"

    @Option(help: ArgumentHelp("Cache folder: a new or empty folder, or one metapipe made (it holds CACHEDIR.TAG).", valueName: "DIR"))
    var cache = ".metapipe"

    func validate() throws {
        if output.isEmpty { throw ValidationError("--output is empty; name a folder of its own for the reports (default: outputs)") }
        if cache.isEmpty { throw ValidationError("--cache is empty; name a folder for the cache (default: .metapipe)") }
    }
}

/// Prints a runner error and exits: 64 for a refused location, 1 otherwise.
func fail(_ error: Error) -> ExitCode {
    printError("metapipe: \(error)")
    if let error = error as? RunnerError, error.isUsage { return ExitCode(Status.usage) }
    return ExitCode(Status.stageFailed)
}

/// Validates pipelines; prints diagnostics; exits 65 when any is invalid.
func validated(_ paths: [String]) throws -> [Pipeline] {
    try validatedWithNotes(paths).pipelines
}

/// `validated`, also returning the lines it printed (the warnings).
func validatedWithNotes(_ paths: [String]) throws -> (pipelines: [Pipeline], notes: [String]) {
    let (pipelines, diagnostics) = Engine.validate(paths)
    for d in diagnostics { printError(d.description) }
    let errors = diagnostics.filter { $0.severity == .error }
    if !errors.isEmpty {
        printError("metapipe: \(errors.count) error\(errors.count == 1 ? "" : "s"); nothing was run")
        throw ExitCode(Status.invalidInput)
    }
    return (pipelines, diagnostics.map(\.description))
}

/// Prints to standard error. Control characters (from names in a pipeline or a sheet) are shown
/// escaped, never sent to the terminal.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((escapedForMessage(text, keepLines: true) + "\n").utf8))
}

/// Prints one line to standard output and flushes it (progress must appear as it happens).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((escapedForMessage(text, keepLines: true) + "\n").utf8))
}

extension Metapipe {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run pipelines: every stage whose inputs changed, restoring outputs from the cache.",
            discussion: """
            Prints a line per stage (ran, cached, failed or skipped, with its time) and a summary. \
            Outputs are byte-identical for the same inputs whatever --jobs is.
            """)

        @OptionGroup var arguments: PipelineArguments
        @OptionGroup var locations: Locations

        @Option(name: .shortAndLong, help: ArgumentHelp("Stages to run at once (default: number of cores).", valueName: "N"))
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        @Flag(help: "Run every stage, ignoring the cache.")
        var force = false

        @Flag(help: "Show what would run, as 'plan' does, without running anything.")
        var dryRun = false

        @Flag(name: .shortAndLong, help: "Print nothing but errors.")
        var quiet = false

        func validate() throws {
            if jobs < 1 { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
        }

        func run() throws {
            let paths = try arguments.paths()
            let quiet = self.quiet
            // Nothing changed since the last run of this command: answered from its summary.
            if !force, !dryRun, let (report, notes) = Engine.replay(paths, output: locations.output, cache: locations.cache) {
                for note in notes { printError(note) }
                if !quiet {
                    for (i, r) in report.stages.enumerated() { say(progressLine(r, index: i + 1, total: report.stages.count)) }
                    say(summaryLine(report))
                }
                return
            }
            let (pipelines, notes) = try validatedWithNotes(paths)
            let runner: Runner
            do {
                runner = try Engine.runner(pipelines, output: locations.output, cache: locations.cache, jobs: jobs, force: force,
                                           command: (paths, notes))
            } catch {
                throw fail(error)
            }
            if dryRun {
                try printPlan(runner)
                return
            }
            let report: RunReport
            do {
                report = try runner.run { event in
                    guard !quiet, case let .finished(r, index, total) = event else { return }
                    say(progressLine(r, index: index, total: total))
                }
            } catch {
                throw fail(error)
            }
            for failure in report.failures {
                if case .failed(let message) = failure.status {
                    let place = failure.origin.map { "\($0): " } ?? ""
                    printError("\(place)error: stage \(failure.id) failed: \(message)")
                }
            }
            if !quiet { say(summaryLine(report)) }
            if !report.succeeded { throw ExitCode(Status.stageFailed) }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check pipelines and their data without running anything.",
            discussion: "Reports every problem as path:line:column: error: … (CSV cells as path:line: column 'name': …). Exit 65 when any pipeline is invalid.")

        @OptionGroup var arguments: PipelineArguments

        func run() throws {
            let paths = try arguments.paths()
            let pipelines = try validated(paths)
            for p in pipelines {
                let scenarios = p.analyses.reduce(0) { $0 + $1.scenarios.count }
                say("\(p.file): ok (\(p.analyses.count) analys\(p.analyses.count == 1 ? "is" : "es"), \(scenarios) scenario\(scenarios == 1 ? "" : "s"), \(p.tables.count) table\(p.tables.count == 1 ? "" : "s"))")
            }
        }
    }

    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every stage and whether it is cached or why it must run.")

        @OptionGroup var arguments: PipelineArguments
        @OptionGroup var locations: Locations

        func run() throws {
            let pipelines = try validated(try arguments.paths())
            do {
                try printPlan(try Engine.runner(pipelines, output: locations.output, cache: locations.cache, jobs: 1, force: false))
            } catch let error as ExitCode {
                throw error
            } catch {
                printError("metapipe: \(error)")
                throw ExitCode(Status.stageFailed)
            }
        }
    }

    struct Clean: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete the cache (outputs stay; the next run recomputes every stage).")

        @Option(help: ArgumentHelp("Cache folder.", valueName: "DIR"))
        var cache = ".metapipe"

        func run() throws {
            if cache.isEmpty { throw ValidationError("--cache is empty; name the cache folder (default: .metapipe)") }
            let outcome: (existed: Bool, kept: [String])
            do {
                // Only a folder a run made (it holds CACHEDIR.TAG), under the run lock.
                outcome = try CacheStore.clean(URL(fileURLWithPath: cache))
            } catch {
                if case .cacheLocked = error {
                    printError("metapipe: a metapipe run is using the cache \(cache); nothing was removed. Wait for it to finish (or stop it), then clean")
                    throw ExitCode(Status.usage)
                }
                throw fail(error)
            }
            guard outcome.existed else {
                say("metapipe: no cache at \(cache)")
                return
            }
            if outcome.kept.isEmpty {
                say("metapipe: removed \(cache)")
            } else {
                say("metapipe: emptied the cache \(cache); kept what metapipe did not put there: \(outcome.kept.joined(separator: ", "))")
            }
        }
    }
}

extension Metapipe {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn a RevMan 5 file (.rm5) or RevMan Web data package (folder) into a pipeline.",
            discussion: """
            Writes <into>/<name>.yaml with one analysis per RevMan analysis (measure, method, model, CI level, \
            group and graph labels as RevMan set them) and <into>/<name>/{studies,outcomes,results}.csv. Each \
            analysis' 'verify' compares metapipe's numbers with every statistic RevMan stored; run the pipeline \
            to see the check in its report and in <analysis>/verify.csv.
            """)

        @Argument(help: ArgumentHelp("The .rm5 file or the data package folder.", valueName: "FILE"))
        var source: String

        @Option(help: ArgumentHelp("Pipeline name (default: from the file name).", valueName: "NAME"))
        var name: String?

        @Option(help: ArgumentHelp("Folder the pipeline is written to.", valueName: "DIR"))
        var into = "pipelines"

        @Flag(help: "Replace an existing pipeline of the same name.")
        var force = false

        func validate() throws {
            if let name, name.range(of: "^[A-Za-z0-9][A-Za-z0-9_.-]*$", options: .regularExpression) == nil || name.count > 100 {
                throw ValidationError("--name '\(escapedForMessage(name))' names a file and a folder, so it may use only letters, digits, '-', '_' and '.' (at most 100, starting with a letter or digit)")
            }
        }

        func run() throws {
            do {
                let result = try RevManImport.run(source: source, name: name, directory: into, force: force)
                for note in result.notes { printError("\(note.file)\(note.line.map { ":\($0)" } ?? ""): warning: \(note.message)") }
                say("metapipe: imported \(result.analyses) analys\(result.analyses == 1 ? "is" : "es") into \(result.pipeline)")
                for file in result.files.dropFirst() { say("  \(file)") }
            } catch {
                printError("metapipe: \(error)")
                throw ExitCode(Status.invalidInput)
            }
        }
    }
}

func printPlan(_ runner: Runner) throws {
    let entries = try runner.plan()
    let width = entries.map(\.id.rawValue.count).max() ?? 0
    for e in entries {
        let name = e.id.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
        let status = e.cached ? "cached" : "stale "
        let why = e.reasons.isEmpty ? "" : "  " + e.reasons.joined(separator: "; ")
        say("\(status)  \(name)\(why)")
    }
    let stale = entries.filter { !$0.cached }.count
    say("metapipe: \(entries.count) stages: \(entries.count - stale) cached, \(stale) to run")
}

/// "12 ms" under a second, "1.23 s" from a second on.
func durationText(_ seconds: Double) -> String {
    seconds >= 1 ? String(format: "%.2f s", seconds) : String(format: "%.0f ms", seconds * 1000)
}

/// "metapipe: 12 stages: 2 ran, 10 cached, 0 failed, 0 skipped (1.23 s)".
func summaryLine(_ report: RunReport) -> String {
    "metapipe: \(report.stages.count) stages: \(report.ranCount) ran, \(report.cachedCount) cached, "
        + "\(report.failures.count) failed, \(report.skipped.count) skipped (\(durationText(report.duration)))"
}

func progressLine(_ r: StageReport, index: Int, total: Int) -> String {
    let counter = "[\(String(index).leftPadded(to: String(total).count))/\(total)]"
    let time = durationText(r.duration)
    switch r.status {
    case .ran: return "\(counter) ran     \(r.id) (\(time))"
    case .cached(let restored):
        return restored.isEmpty ? "\(counter) cached  \(r.id)" : "\(counter) cached  \(r.id) (restored \(restored.joined(separator: ", ")))"
    case .failed: return "\(counter) FAILED  \(r.id)"
    case .skipped(let upstream): return "\(counter) skipped \(r.id) (\(upstream) failed)"
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

Metapipe.main()

import Foundation
import MetaPipeline
import MetaRunner

/// The entry points the CLI uses: find, validate, plan and run pipelines.
public enum Engine {
    /// `pipelines/*.yaml` (and `.yml`) in name order.
    public static func defaultPipelines(in directory: String = "pipelines") -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "\(directory)/\($0)" }
    }

    /// Validates every pipeline; returns those that are valid and every diagnostic (errors and warnings).
    public static func validate(_ paths: [String]) -> (pipelines: [Pipeline], diagnostics: [Diagnostic]) {
        var pipelines: [Pipeline] = []
        var diagnostics: [Diagnostic] = []
        for path in paths {
            switch PipelineLoader.load(path) {
            case .success(let p):
                if let other = pipelines.first(where: { $0.name == p.name }) {
                    diagnostics.append(Diagnostic(at: SourceLocation(file: path, line: 1, column: 1),
                                                  "pipeline name '\(p.name)' is also used by \(other.file); each pipeline writes to outputs/<name>/, so names must differ"))
                } else {
                    pipelines.append(p)
                    diagnostics += p.warnings
                }
            case .failure(let list):
                diagnostics += list.diagnostics
            }
        }
        return (pipelines, diagnostics)
    }

    /// The stage graph of the pipelines.
    public static func stages(_ pipelines: [Pipeline]) -> [Stage] {
        pipelines.flatMap { PipelineStages.build($0) }
    }

    /// A runner for the pipelines. Given the pipeline files as named on the command line and the
    /// notes printed while loading them, a run in which every stage succeeds leaves a summary with
    /// which `replay` answers the next run of the same command.
    public static func runner(_ pipelines: [Pipeline], output: String, cache: String, jobs: Int, force: Bool,
                              command: (paths: [String], notes: [String])? = nil) throws(RunnerError) -> Runner {
        var options = options(output: output, cache: cache, jobs: jobs, force: force)
        options.ownedOutputFolders = pipelines.map(\.name)
        options.protectedFiles = pipelines.map(\.file)
        if let command {
            var files: [String: String] = [:]
            for p in pipelines {
                for (path, data) in p.inputFiles { files[path] = sha256Hex(data) }
                for (folder, listing) in p.inputListings { files[listingPath(folder)] = GraphInputs.listingDigest(listing) }
            }
            options.graphInputs = GraphInputs(key: summaryKey(command.paths, output: output, cache: cache), files: files,
                                              notes: command.notes)
        }
        return try Runner(stages: stages(pipelines), options: options)
    }

    /// Answers `metapipe run` from the summary of the last run of the same command when none of the
    /// files its pipelines were built from changed and every output and cache entry is as that run
    /// left it (see `Runner.replay`); nil when the pipelines must be loaded and run.
    public static func replay(_ paths: [String], output: String, cache: String) -> (report: RunReport, notes: [String])? {
        let options = options(output: output, cache: cache, jobs: 1, force: false)
        return Runner.replay(key: summaryKey(paths, output: output, cache: cache), options: options) { digests in
            digests.allSatisfy { path, digest in
                if path.hasSuffix("/") {
                    let folder = String(path.dropLast())
                    let source = DataSource(name: "", path: folder, kind: .revmanWeb)
                    return GraphInputs.listingDigest(DataSources.files(source)) == digest
                }
                guard let data = FileManager.default.contents(atPath: path) else { return false }
                return sha256Hex(data) == digest
            }
        }
    }

    static func options(output: String, cache: String, jobs: Int, force: Bool) -> RunOptions {
        RunOptions(jobs: jobs, force: force, outputRoot: URL(fileURLWithPath: output),
                   cacheRoot: URL(fileURLWithPath: cache), toolVersion: Metapipe.cacheVersion)
    }

    /// A folder whose file list was read, as `GraphInputs` names it.
    static func listingPath(_ folder: String) -> String { folder.hasSuffix("/") ? folder : folder + "/" }

    static func summaryKey(_ paths: [String], output: String, cache: String) -> String {
        let directory = FileManager.default.currentDirectoryPath
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        return GraphInputs.key(directory: directory, pipelines: paths.map(absolute),
                               output: absolute(output), cache: absolute(cache))
    }
}

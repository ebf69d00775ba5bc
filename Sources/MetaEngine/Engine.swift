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

    /// A runner for the pipelines.
    public static func runner(_ pipelines: [Pipeline], output: String, cache: String, jobs: Int, force: Bool) throws(RunnerError) -> Runner {
        let options = RunOptions(jobs: jobs, force: force, outputRoot: URL(fileURLWithPath: output),
                                 cacheRoot: URL(fileURLWithPath: cache), toolVersion: Metapipe.cacheVersion,
                                 ownedOutputFolders: pipelines.map(\.name), protectedFiles: pipelines.map(\.file))
        return try Runner(stages: stages(pipelines), options: options)
    }
}

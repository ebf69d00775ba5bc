import Foundation
@testable import MetaPipeline

/// A pipeline folder under Fixtures/valid ("full", "risk-of-bias").
func validFixture(_ name: String) -> URL {
    Bundle.module.url(forResource: "valid/\(name)", withExtension: nil, subdirectory: "Fixtures")!
}

/// The pipeline.yaml in `folder`, loaded; its diagnostics are thrown when it does not load.
func loadPipeline(in folder: URL) throws -> Pipeline {
    try PipelineLoader.load(folder.appendingPathComponent("pipeline.yaml").path).get()
}

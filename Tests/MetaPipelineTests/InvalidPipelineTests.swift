import Foundation
import MetaTestSupport
import Testing
@testable import MetaPipeline

/// The corpus of bad pipelines and bad CSVs in Fixtures/invalid: each case's every diagnostic,
/// exactly as `metapipe validate` prints it (paths relative to the corpus folder).
@Suite struct InvalidPipelineTests {
    static let corpus = Bundle.module.url(forResource: "invalid", withExtension: nil, subdirectory: "Fixtures")!
    static let cases: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).sorted()

    @Test func corpusIsComplete() {
        #expect(Self.cases.count >= 18)
    }

    @Test(arguments: cases)
    func reportsExactly(_ name: String) throws {
        let folder = Self.corpus.appendingPathComponent(name)
        let expected = try String(contentsOf: folder.appendingPathComponent("expected.txt"), encoding: .utf8)
        switch PipelineLoader.load(folder.appendingPathComponent("pipeline.yaml").path) {
        case .success:
            Issue.record("\(name): the pipeline was accepted")
        case .failure(let list):
            #expect(!list.errors.isEmpty)
            let text = list.diagnostics.map(\.description).joined(separator: "\n")
                .replacingOccurrences(of: Self.corpus.path + "/", with: "")
            #expect(text == expected.trimmingCharacters(in: .newlines), "\(name)")
        }
    }
}

import Testing
@testable import MetaPipeline

/// The keys of an analysis come from its registered features (and the settings): each key has one
/// feature, the one that reads it.
@Suite struct AnalysisFeatureTests {
    @Test func everyKeyHasOneFeature() {
        let keys = PipelineLoader.analysisKeys
        let repeated = Dictionary(grouping: keys, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        #expect(repeated.isEmpty, "keys claimed twice: \(repeated)")
        for feature in PipelineLoader.analysisFeatures {
            #expect(!feature.keys.isEmpty, "\(feature) reads no key of an analysis")
        }
    }
}

import Foundation
import MetaTestSupport
import Testing

/// pipelines/curtis1998.yaml, the published large example (102 observations, ratio of means), run by
/// the binary against metafor 3.8-1's fit of the same data.
@Suite(.serialized) struct CurtisPipelineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func largeReviewAgreesWithMetafor() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("metapipe-curtis-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let pipelines = root.appendingPathComponent("pipelines")
        try FileManager.default.createDirectory(at: pipelines, withIntermediateDirectories: true)
        for item in ["curtis1998.yaml", "curtis1998"] {
            try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("pipelines/\(item)"), to: pipelines.appendingPathComponent(item))
        }
        let run = try CLI.run(["run", "--quiet"], in: root)
        #expect(run.status == 0, "\(run.stderr)")
        let data = try Data(contentsOf: root.appendingPathComponent("outputs/curtis1998/biomass/result.json"))
        let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let pooled = try #require(result["pooled"] as? [String: Any])
        let h = try #require(result["heterogeneity"] as? [String: Any])
        let back = try #require(pooled["back_transformed"] as? [String: Any])
        #expect(result["k"] as? Int == 102)
        // metafor: rma(yi, vi, method = "REML") on escalc("ROM", data = dat.curtis1998)
        // (Tests/MetaStatsTests/Fixtures/measures.R, curtis_ROM).
        expectClose(pooled["estimate"] as? Double, 0.255297774420815, rel: Tolerance.metafor, "estimate")
        expectClose(pooled["se"] as? Double, 0.0198060999046162, rel: Tolerance.metafor, "se")
        expectClose(h["tau2"] as? Double, 0.026205683919663, rel: Tolerance.metafor, "tau2")
        expectClose(h["q"] as? Double, 769.018517008404, rel: Tolerance.metafor, "Q")
        expectClose(h["i2"] as? Double, 88.8973500052648, rel: Tolerance.metafor, "I2")
        // predict(fit, transf = exp)
        expectClose(back["estimate"] as? Double, 1.29084594455267, rel: Tolerance.metafor, "ratio of means")
        expectClose(back["ci_lower"] as? Double, 1.24169642824628, rel: Tolerance.metafor, "ci_lower")
        expectClose(back["ci_upper"] as? Double, 1.34194092425752, rel: Tolerance.metafor, "ci_upper")
        expectClose(back["pi_lower"] as? Double, 0.937676330548222, rel: Tolerance.metafor, "pi_lower")
        expectClose(back["pi_upper"] as? Double, 1.77703456756114, rel: Tolerance.metafor, "pi_upper")
    }
}

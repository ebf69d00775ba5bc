import Foundation
import MetaTestSupport
import Testing
@testable import MetaPlot
@testable import MetaStats

/// Baujat and GOSH plots: clean layouts (no overlapping text, nothing off the canvas), the marks
/// they promise, and PNG and SVG output.
@Suite struct InfluenceGoshPlotTests {
    static func baujatInput(_ k: Int, seed: UInt64 = 3) -> BaujatPlotInput {
        var rng = SplitMix64(seed: seed)
        let names = (0..<k).map { i in i % 4 == 0 ? "Frimodt-Møller and colleagues \(1950 + i)" : "Study \(i + 1) \(1970 + i)" }
        let x = (0..<k).map { _ in pow(rng.uniform(), 2) * 3 }
        let y = x.map { $0 * (0.5 + rng.uniform()) * 0.1 }
        return BaujatPlotInput(studies: names, contribution: x, influence: y, influential: (0..<k).map { $0 % 5 == 2 }, fixedEffect: false)
    }

    @Test(arguments: [2, 5, 13, 40, 120])
    func baujatIsClean(_ k: Int) throws {
        let layout = try Plots.baujat(Self.baujatInput(k))
        LayoutChecks.expectClean(layout, "Baujat k = \(k)")
        #expect(LayoutChecks.shapes(layout, .studyPoint).count + LayoutChecks.shapes(layout, .influentialPoint).count == k)
        #expect(LayoutChecks.shapes(layout, .influentialPoint).count == (0..<k).filter { $0 % 5 == 2 }.count)
        // Every study is labelled, numbered in the key, or listed as not labelled.
        let texts = LayoutChecks.texts(layout).joined(separator: " ")
        for name in Self.baujatInput(k).studies.prefix(30) where !texts.contains(name) {
            #expect(texts.contains(name.prefix(20)) || texts.contains("…"), "\(name) missing")
        }
        let png = try Plots.render(layout, as: .png, dpi: 150)
        #expect(LayoutChecks.pngSize(png) != nil)
        #expect(LayoutChecks.parseSVG(try Plots.render(layout, as: .svg)) != nil)
    }

    static func goshInput(_ k: Int, measure: EffectMeasure = .generic) throws -> GoshPlotInput {
        var rng = SplitMix64(seed: 9)
        let effects = (0..<k).map { i in
            EffectSize(study: "S\(i)", yi: 0.3 + (rng.uniform() - 0.5) * (i % 4 == 0 ? 2 : 0.5), vi: 0.01 + 0.1 * rng.uniform(), input: .variance)
        }
        let g = try Gosh.analyze(effects, options: PoolingOptions(method: .dl))
        var points: [Float] = []
        for row in 0..<g.count { points += [Float(g.estimate[row]), Float(g.i2[row])] }
        let full = try Pooling.analyze(effects, measure: .generic, options: PoolingOptions(method: .dl))
        return GoshPlotInput(measure: measure, points: points, fullEstimate: full.pooled.estimate, fullI2: full.heterogeneity!.i2,
                             k: k, exhaustive: g.exhaustive)
    }

    @Test(arguments: [3, 9, 14])
    func goshIsClean(_ k: Int) throws {
        let input = try Self.goshInput(k, measure: k == 9 ? .rr : .generic)
        let layout = try Plots.gosh(input)
        LayoutChecks.expectClean(layout, "GOSH k = \(k)")
        #expect(LayoutChecks.shapes(layout, .fullSetPoint).count == 2)
        let n = (1 << k) - 1
        if n <= Plots.goshPointLimit {
            #expect(LayoutChecks.shapes(layout, .studyPoint).count == n)
            #expect(LayoutChecks.shapes(layout, .density).isEmpty)
        } else {
            #expect(LayoutChecks.shapes(layout, .studyPoint).isEmpty)
            #expect(LayoutChecks.shapes(layout, .density).count == 1)
        }
        let svg = try Plots.render(layout, as: .svg)
        let parsed = try #require(LayoutChecks.parseSVG(svg))
        #expect(parsed.elements.contains("image") == (n > Plots.goshPointLimit))
        #expect(LayoutChecks.pngSize(try Plots.render(layout, as: .png, dpi: 150)) != nil)
        #expect(try Plots.render(layout, as: .pdf).starts(with: Array("%PDF".utf8)))
    }

    /// A million subsets draw as one image: the layout stays small and quick to write.
    @Test func aMillionSubsets() throws {
        let input = try Self.goshInput(20)
        #expect(input.points.count == 2 * ((1 << 20) - 1))
        let start = Date()
        let layout = try Plots.gosh(input)
        let png = try Plots.render(layout, as: .png, dpi: 150)
        let svg = try Plots.render(layout, as: .svg)
        #expect(Date().timeIntervalSince(start) < 20)
        LayoutChecks.expectClean(layout, "GOSH 2^20")
        #expect(layout.elements.count < 200)
        #expect(svg.count < 200_000 && png.count < 400_000)
    }

    @Test func genericLogScaleHasARatioAxis() throws {
        var input = try Self.goshInput(8)
        input.logScale = true
        let layout = try Plots.gosh(input)
        LayoutChecks.expectClean(layout, "GOSH, scale: log")
        #expect(LayoutChecks.texts(layout).contains("Pooled ratio (log scale)"))
    }

    @Test func densityShades() {
        #expect(Plots.densityColor(0, max: 10) == 0xffffff)
        #expect(Plots.densityColor(10, max: 10) == 0x08306b)
        #expect(Plots.densityColor(1, max: 10) == 0xc6dbef)
    }

    /// Figures without an image keep their bytes: the SVG root declares no new namespace.
    @Test func svgWithoutImagesIsUnchanged() throws {
        let layout = try Plots.baujat(Self.baujatInput(5))
        let svg = String(decoding: try Plots.render(layout, as: .svg), as: UTF8.self)
        #expect(!svg.contains("xlink"))
    }
}

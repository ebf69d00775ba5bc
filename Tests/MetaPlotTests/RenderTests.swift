import Foundation
@testable import MetaPlot
import MetaStats
import Testing

/// One layout of each kind, with the texts its SVG must contain.
enum PlotKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case forest, forestSubgroups, funnel, leaveOneOut

    var testDescription: String { rawValue }

    func layout() throws -> (layout: PlotLayout, texts: [String]) {
        switch self {
        case .forest:
            let input = try ForestScenario.bcgRiskRatio.input()
            return (try Plots.forest(input), input.effects.map(\.study) + [
                "Total (95% CI)", "191064", "166283", "Total events:", "1065", "1510",
                "Heterogeneity: Tau² = 0.31; Chi² = 152.23, df = 12 (P < 0.00001); I² = 92%",
            ])
        case .forestSubgroups:
            let input = try ForestScenario.subgroups.input()
            return (try Plots.forest(input), input.effects.map(\.study) + ["alloc = random", "alloc = alternate", "alloc = systematic", "Subtotal (95% CI)"])
        case .funnel:
            let input = try FunnelScenario.hackshawTrimAndFillContours.input()
            return (try Plots.funnel(input), ["Odds ratio (log scale)", "Standard error", "Studies"])
        case .leaveOneOut:
            let input = try LeaveOneOutScenario.bcgRiskRatio.input()
            return (try Plots.leaveOneOut(input), input.rows.map { "Omitting \($0.study)" } + ["Tau²", "I²"])
        }
    }
}

@Suite("Rendering")
struct RenderTests {
    @Test(arguments: PlotKind.allCases)
    func pngHasTheSizeOfItsResolution(_ kind: PlotKind) throws {
        let layout = try kind.layout().layout
        for dpi in [72.0, 150, 300] {
            let bytes = dpi == 150 ? try Plots.render(layout, as: .png) : try Plots.render(layout, as: .png, dpi: dpi)
            let size = try #require(LayoutChecks.pngSize(bytes), "\(kind): PNG signature and IHDR")
            #expect(size.width == Int((layout.width * dpi / 72).rounded(.up)), "\(kind) at \(dpi) dpi")
            #expect(size.height == Int((layout.height * dpi / 72).rounded(.up)), "\(kind) at \(dpi) dpi")
        }
    }

    @Test(arguments: PlotKind.allCases)
    func svgIsXMLWithTextAsText(_ kind: PlotKind) throws {
        let (layout, expected) = try kind.layout()
        let bytes = try Plots.render(layout, as: .svg)
        let svg = try #require(LayoutChecks.parseSVG(bytes), "\(kind): SVG is well-formed XML")
        let texts = svg.texts.map(\.text)
        for text in expected { #expect(texts.contains(text), "\(kind): SVG lacks '\(text)'") }
        #expect(texts == layout.textRuns.map(\.text), "every text run is one <text> element")
        #expect(svg.root["viewBox"] == "0 0 \(SVGWriter.number(layout.width)) \(SVGWriter.number(layout.height))")
        #expect(svg.root["width"] == "\(SVGWriter.number(layout.width))pt")
        #expect(svg.root["height"] == "\(SVGWriter.number(layout.height))pt")
        #expect(svg.root["font-family"] == "DejaVu Sans")
        #expect(!svg.elements.contains("path") && !svg.elements.contains("use"), "no glyph outlines")
        // Numbers with fixed decimals.
        let text = String(decoding: bytes, as: UTF8.self)
        let numbers = text.matches(of: /(?:x|y|x1|y1|x2|y2|cx|cy|r|width|height)="(-?[0-9.]+)"/).map { String($0.output.1) }
        #expect(!numbers.isEmpty && numbers.allSatisfy { $0.split(separator: ".").count == 2 && $0.split(separator: ".").last?.count == 2 })
    }

    @Test(arguments: PlotKind.allCases)
    func pdfKeepsTextAsText(_ kind: PlotKind) throws {
        let layout = try kind.layout().layout
        let bytes = try Plots.render(layout, as: .pdf)
        #expect(bytes.starts(with: Array("%PDF-".utf8)))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("DejaVuSans"), "embedded DejaVu Sans")
        #expect(text.contains("/ToUnicode"), "text can be searched and copied")
        #expect(text.contains("%%EOF"))
        #expect(!text.contains("/CreationDate") && !text.contains("/ModDate"), "no timestamps")
    }

    @Test func sameInputSameBytes() throws {
        let first = try PlotKind.forest.layout().layout
        let second = try PlotKind.forest.layout().layout
        #expect(first == second, "layout is deterministic")
        let png = try Plots.render(first, as: .png), svg = try Plots.render(first, as: .svg)
        let pdf = try Plots.render(first, as: .pdf)
        // Cairo would otherwise stamp the PDF with the current second.
        Thread.sleep(forTimeInterval: 1.1)
        #expect(try Plots.render(second, as: .png) == png)
        #expect(try Plots.render(second, as: .svg) == svg)
        #expect(try Plots.render(second, as: .pdf) == pdf)
        for kind in [PlotKind.funnel, .leaveOneOut] {
            let layout = try kind.layout().layout
            for format in PlotFormat.allCases {
                #expect(try Plots.render(layout, as: format) == Plots.render(kind.layout().layout, as: format), "\(kind) \(format)")
            }
        }
    }

    @Test func hugeFiguresAreCappedAt32000Pixels() throws {
        let line = PlotElement.line(LineElement(from: PlotPoint(x: 10, y: 10), to: PlotPoint(x: 90, y: 19_990),
                                                stroke: StrokeStyle(), role: .axis))
        let tall = PlotLayout(width: 100, height: 20_000, elements: [line])
        let size = try #require(LayoutChecks.pngSize(try Plots.render(tall, as: .png, dpi: 150)))
        #expect(size.height == 32_000, "41,667 pixels at 150 dpi, capped")
        #expect(size.width == Int((100 * 32_000 / 20_000.0).rounded(.up)), "the scale, not the aspect ratio, gives way")
        let small = try #require(LayoutChecks.pngSize(try Plots.render(tall, as: .png, dpi: 72)))
        #expect(small.width == 100 && small.height == 20_000)
        // PDF pages larger than 200 inches are scaled down to fit.
        let pdf = String(decoding: try Plots.render(tall, as: .pdf), as: UTF8.self)
        #expect(pdf.contains("/MediaBox [ 0 0 72 14400 ]"), "\(pdf.firstMatch(of: /MediaBox[^\]]*\]/)?.output ?? "no MediaBox")")
    }

    @Test func specialCharactersAreEscaped() throws {
        let name = #"Smith & <Jones> "quoted" 'single' 2003"#
        var input = try ForestScenario.k3.input()
        input.effects[0].study = name
        input.labels = PlotLabels(experimental: "A&B <arm>", control: "C \"ctl\"")
        let layout = try Plots.forest(input)
        let svg = try #require(LayoutChecks.parseSVG(try Plots.render(layout, as: .svg)))
        #expect(svg.texts.map(\.text).contains(name))
        #expect(svg.texts.map(\.text).contains("Favours A&B <arm>"))
        // Control characters never reach the layout or the XML.
        input.effects[1].study = "Tab\tand\nnewline\u{0}"
        let cleaned = try Plots.forest(input)
        #expect(LayoutChecks.texts(cleaned).contains("Tab and newline"))
        #expect(LayoutChecks.parseSVG(try Plots.render(cleaned, as: .svg)) != nil)
    }

    @Test func badRenderOptionsAreErrors() throws {
        let layout = try PlotKind.funnel.layout().layout
        for dpi in [0.0, -72, .nan, .infinity] {
            #expect { try Plots.render(layout, as: .png, dpi: dpi) } throws: { error in
                guard case PlotError.invalidOption(name: "dpi", _, _) = error else { return false }
                return true
            }
        }
        let empty = PlotLayout(width: 0, height: 10, elements: [])
        #expect(throws: PlotError.self) { try Plots.render(empty, as: .svg) }
    }

    /// The drawing interprets the layout exactly: every text box has ink in it, and nothing is
    /// painted outside the boxes and shapes of the layout.
    @Test(arguments: [PlotKind.forest, .funnel])
    func pixelsStayInsideTheLayout(_ kind: PlotKind) throws {
        let layout = try kind.layout().layout
        let dpi = 144.0
        let raster = try Plots.raster(layout, dpi: dpi)
        let scale = dpi / 72
        var allowed = [Bool](repeating: false, count: raster.width * raster.height)
        func pixels(_ rect: PlotRect, pad: Double) -> (xs: Range<Int>, ys: Range<Int>) {
            let x0 = max(0, Int(((rect.minX - pad) * scale).rounded(.down)))
            let x1 = min(raster.width, Int(((rect.maxX + pad) * scale).rounded(.up)))
            let y0 = max(0, Int(((rect.minY - pad) * scale).rounded(.down)))
            let y1 = min(raster.height, Int(((rect.maxY + pad) * scale).rounded(.up)))
            return (x0..<max(x0, x1), y0..<max(y0, y1))
        }
        for element in layout.elements {
            let area = pixels(element.bounds, pad: 0.75)
            for y in area.ys { for x in area.xs { allowed[y * raster.width + x] = true } }
        }
        var stray = 0
        for y in 0..<raster.height {
            for x in 0..<raster.width where raster.pixel(x: x, y: y) != 0xffffff && !allowed[y * raster.width + x] {
                stray += 1
            }
        }
        #expect(stray == 0, "\(kind): \(stray) pixels painted outside every element")
        for box in layout.textBoxes {
            let area = pixels(box.rect, pad: 0)
            let inked = area.ys.contains { y in area.xs.contains { x in raster.pixel(x: x, y: y) != 0xffffff } }
            #expect(inked, "\(kind): no ink in the box of '\(box.text)'")
        }
    }
}

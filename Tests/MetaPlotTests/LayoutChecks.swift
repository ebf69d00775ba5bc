import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MetaPlot
import Testing

/// Geometry checks every layout must pass.
enum LayoutChecks {
    /// Every pair of text boxes that share interior area (sweep over boxes sorted by top edge).
    static func overlappingTextBoxes(_ layout: PlotLayout) -> [(TextBox, TextBox)] {
        let boxes = layout.textBoxes.sorted { $0.rect.minY < $1.rect.minY }
        var overlaps: [(TextBox, TextBox)] = []
        for i in boxes.indices {
            var j = i + 1
            while j < boxes.count, boxes[j].rect.minY < boxes[i].rect.maxY {
                if boxes[i].rect.intersects(boxes[j].rect) { overlaps.append((boxes[i], boxes[j])) }
                j += 1
            }
        }
        return overlaps
    }

    /// Descriptions of every element that is not entirely on the canvas.
    static func outsideCanvas(_ layout: PlotLayout) -> [String] {
        let canvas = PlotRect(x: 0, y: 0, width: layout.width, height: layout.height)
        return layout.elements.compactMap { element in
            let bounds = element.bounds
            guard !canvas.contains(bounds) else { return nil }
            if case .text(let run) = element { return "text '\(run.text)' at \(bounds)" }
            return "\(element.role?.rawValue ?? "element") at \(bounds)"
        }
    }

    /// Records an issue for every overlap and every element off the canvas.
    static func expectClean(_ layout: PlotLayout, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(layout.width > 0 && layout.height > 0, "\(name): empty canvas", sourceLocation: sourceLocation)
        #expect(!layout.textBoxes.isEmpty, "\(name): no text", sourceLocation: sourceLocation)
        let overlaps = overlappingTextBoxes(layout)
        #expect(overlaps.count == 0, "\(name): \(overlaps.count) overlapping text boxes, e.g. \(overlaps.prefix(3).map { "'\($0.0.text)' \($0.0.rect) × '\($0.1.text)' \($0.1.rect)" })",
                sourceLocation: sourceLocation)
        let outside = outsideCanvas(layout)
        #expect(outside.count == 0, "\(name): \(outside.count) elements leave the \(layout.width) × \(layout.height) canvas, e.g. \(outside.prefix(3))",
                sourceLocation: sourceLocation)
        for box in layout.textBoxes {
            #expect(box.rect.width > 0 && box.rect.height > 0, "\(name): empty box for '\(box.text)'", sourceLocation: sourceLocation)
        }
    }

    /// The text of every run.
    static func texts(_ layout: PlotLayout) -> [String] { layout.textRuns.map(\.text) }

    /// The first text box with exactly this text.
    static func box(_ layout: PlotLayout, _ text: String) -> TextBox? {
        layout.textBoxes.first { $0.text == text }
    }

    static func shapes(_ layout: PlotLayout, _ role: ElementRole) -> [PlotElement] {
        layout.elements.filter { $0.role == role }
    }

    /// x of the vertical line of no effect.
    static func nullX(_ layout: PlotLayout) -> Double? {
        for case .line(let line) in layout.elements where line.role == .nullLine { return line.from.x }
        return nil
    }

    /// Width and height from a PNG's IHDR chunk, after checking the signature.
    static func pngSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count > 24, Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            return nil
        }
        func be32(_ offset: Int) -> Int { bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    /// The character data of every `<text>` element, read with `XMLParser`; nil if the document is
    /// not well-formed XML. Also returns the root element's attributes.
    static func parseSVG(_ bytes: [UInt8]) -> SVGContent? {
        let delegate = SVGCollector()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = delegate
        guard parser.parse() else { return nil }
        return SVGContent(root: delegate.root, texts: delegate.texts, elements: delegate.elements)
    }
}

/// What an SVG document holds, as read back by `XMLParser`.
struct SVGContent {
    struct Text {
        var text: String
        var x: Double
        var y: Double
    }
    /// Attributes of the root element.
    var root: [String: String]
    var texts: [Text]
    /// Names of all elements in document order.
    var elements: [String]

    /// The texts grouped into lines (same y), each line left to right, lines top to bottom.
    var lines: [(y: Double, texts: [String])] {
        Dictionary(grouping: texts) { ($0.y * 10).rounded() / 10 }
            .map { (y: $0.key, texts: $0.value.sorted { $0.x < $1.x }.map(\.text)) }
            .sorted { $0.y < $1.y }
    }
}

private final class SVGCollector: NSObject, XMLParserDelegate {
    var root: [String: String] = [:]
    var texts: [SVGContent.Text] = []
    var elements: [String] = []
    private var current: SVGContent.Text?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        if elements.isEmpty { root = attributes }
        elements.append(elementName)
        if elementName == "text" {
            current = SVGContent.Text(text: "", x: Double(attributes["x"] ?? "") ?? .nan, y: Double(attributes["y"] ?? "") ?? .nan)
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        current?.text += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if elementName == "text", let text = current {
            texts.append(text)
            current = nil
        }
    }
}

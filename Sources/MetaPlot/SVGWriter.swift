import Foundation
import MetaFormat

/// Writes a `PlotLayout` as SVG 1.1, text kept as `<text>` elements in DejaVu Sans (Cairo's own SVG
/// surface would turn text into glyph outlines). Coordinates are in points with two decimals, the
/// document's width and height are in points and its viewBox matches, so the figure prints at the
/// size it was laid out for. The output depends only on the layout.
enum SVGWriter {
    static func document(_ layout: PlotLayout) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
        let width = number(layout.width), height = number(layout.height)
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(width)pt\" height=\"\(height)pt\" "
        out += "viewBox=\"0 0 \(width) \(height)\" font-family=\"\(TextStyle.family)\">\n"
        out += "<rect x=\"0.00\" y=\"0.00\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
        for element in layout.elements {
            out += self.element(element)
            out += "\n"
        }
        out += "</svg>\n"
        return out
    }

    static func element(_ element: PlotElement) -> String {
        switch element {
        case .line(let line):
            return "<line x1=\"\(number(line.from.x))\" y1=\"\(number(line.from.y))\" x2=\"\(number(line.to.x))\" y2=\"\(number(line.to.y))\"\(stroke(line.stroke))/>"
        case .rect(let rect):
            let r = rect.rect
            return "<rect x=\"\(number(r.x))\" y=\"\(number(r.y))\" width=\"\(number(r.width))\" height=\"\(number(r.height))\"\(paint(rect.fill, rect.stroke))/>"
        case .polygon(let polygon):
            let points = polygon.points.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " ")
            return "<polygon points=\"\(points)\"\(paint(polygon.fill, polygon.stroke))/>"
        case .circle(let circle):
            return "<circle cx=\"\(number(circle.centre.x))\" cy=\"\(number(circle.centre.y))\" r=\"\(number(circle.radius))\"\(paint(circle.fill, circle.stroke))/>"
        case .image(let image):
            // The pixels as an embedded PNG, stretched without smoothing; the namespace of the
            // link is declared on the element, so documents without images keep their bytes.
            let png = (try? CairoRenderer.png(image)) ?? []
            let r = image.rect
            return "<image xmlns:xlink=\"http://www.w3.org/1999/xlink\" x=\"\(number(r.x))\" y=\"\(number(r.y))\" width=\"\(number(r.width))\" height=\"\(number(r.height))\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" xlink:href=\"data:image/png;base64,\(Data(png).base64EncodedString())\"/>"
        case .text(let run):
            let x = number(run.anchor.x), y = number(run.anchor.y)
            var attributes = "x=\"\(x)\" y=\"\(y)\" font-size=\"\(number(run.style.size))\""
            if run.style.weight == .bold { attributes += " font-weight=\"bold\"" }
            if run.alignment != .start { attributes += " text-anchor=\"\(run.alignment.rawValue)\"" }
            if run.style.color != .black { attributes += " fill=\"\(run.style.color.hex)\"" }
            if run.rotated { attributes += " transform=\"rotate(-90 \(x) \(y))\"" }
            return "<text \(attributes)>\(escape(run.text))</text>"
        }
    }

    /// Fixed two decimals, never "-0.00".
    static func number(_ value: Double) -> String { Format.fixed(value, 2) }

    static func stroke(_ style: StrokeStyle) -> String {
        var text = " stroke=\"\(style.color.hex)\" stroke-width=\"\(number(style.width))\""
        if !style.dash.isEmpty { text += " stroke-dasharray=\"\(style.dash.map(number).joined(separator: " "))\"" }
        return text
    }

    static func paint(_ fill: PlotColor?, _ style: StrokeStyle?) -> String {
        var text = " fill=\"\(fill?.hex ?? "none")\""
        if let style { text += stroke(style) }
        return text
    }

    /// Escapes the five XML special characters and drops characters XML 1.0 cannot hold.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                let v = scalar.value
                let allowed = v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v <= 0xD7FF)
                    || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000
                if allowed { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}

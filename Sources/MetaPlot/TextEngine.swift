import CCairo
import Foundation

/// The logical extent of one line of text as Pango lays it out, in points.
struct TextMetrics: Sendable, Hashable {
    /// Advance width of the line.
    var width: Double
    /// Height of the line (ascent + descent + line gap of the font).
    var height: Double
    /// Distance from the top of the line to its baseline.
    var baseline: Double
    /// Offset of the logical rectangle from the layout origin (0 for a plain left-aligned line).
    var offsetX: Double
    var offsetY: Double
}

/// Measures and draws single lines of text in DejaVu Sans through Pango.
///
/// Metrics come from a private Cairo font map with hinting switched off and glyph positions not
/// rounded, so a string measures the same at any output resolution: the layout computed once in
/// points is exact for a 72-dpi PNG, a 300-dpi PNG and a PDF alike.
final class TextEngine {
    private let fontMap: GObjectReference<UnsafeMutablePointer<PangoFontMap>>
    private let context: GObjectReference<OpaquePointer>
    private let layout: GObjectReference<OpaquePointer>
    private var fonts: [FontKey: PangoFont] = [:]
    private var cache: [MeasureKey: TextMetrics] = [:]

    private struct FontKey: Hashable {
        var size: Double
        var weight: FontWeight
    }

    private struct MeasureKey: Hashable {
        var text: String
        var font: FontKey
    }

    init() throws(PlotError) {
        fontMap = try GObjectReference(taking: pango_cairo_font_map_new(), raw: { UnsafeMutableRawPointer($0) },
                                       "creating a font map")
        context = try GObjectReference(taking: pango_font_map_create_context(fontMap.pointer),
                                       raw: { UnsafeMutableRawPointer($0) }, "creating a Pango context")
        let options = try CairoFontOptions()
        pango_cairo_context_set_font_options(context.pointer, options.pointer)
        pango_context_set_round_glyph_positions(context.pointer, 0)
        layout = try GObjectReference(taking: pango_layout_new(context.pointer), raw: { UnsafeMutableRawPointer($0) },
                                      "creating a Pango layout")
    }

    private func font(_ style: TextStyle) throws(PlotError) -> PangoFont {
        let key = FontKey(size: style.size, weight: style.weight)
        if let font = fonts[key] { return font }
        let font = try PangoFont(style: style)
        fonts[key] = font
        return font
    }

    /// Sets the layout to `text` in `style` and returns its logical extent.
    private func setUp(_ text: String, _ style: TextStyle) throws(PlotError) -> TextMetrics {
        pango_layout_set_font_description(layout.pointer, try font(style).pointer)
        pango_layout_set_text(layout.pointer, text, -1)
        var logical = PangoRectangle()
        pango_layout_get_extents(layout.pointer, nil, &logical)
        let scale = Double(PANGO_SCALE)
        return TextMetrics(width: Double(logical.width) / scale, height: Double(logical.height) / scale,
                           baseline: Double(pango_layout_get_baseline(layout.pointer)) / scale - Double(logical.y) / scale,
                           offsetX: Double(logical.x) / scale, offsetY: Double(logical.y) / scale)
    }

    /// The logical extent of `text` set in `style` (cached).
    func measure(_ text: String, _ style: TextStyle) throws(PlotError) -> TextMetrics {
        let key = MeasureKey(text: text, font: FontKey(size: style.size, weight: style.weight))
        if let metrics = cache[key] { return metrics }
        if cache.count >= Self.maxCachedMeasures { cache.removeAll(keepingCapacity: true) }
        let metrics = try setUp(text, style)
        cache[key] = metrics
        return metrics
    }

    /// Draws a run on `cairo`: the run's anchor and alignment place the line, measured again under
    /// the context's current transformation so that end- and centre-aligned text stays exact.
    func draw(_ run: TextRun, on cairo: CairoContext) throws(PlotError) {
        let cr = cairo.pointer
        cairo_save(cr)
        cairo_translate(cr, run.anchor.x, run.anchor.y)
        if run.rotated { cairo_rotate(cr, -Double.pi / 2) }
        pango_cairo_update_context(cr, context.pointer)
        pango_layout_context_changed(layout.pointer)
        let metrics = try setUp(run.text, run.style)
        let shift: Double
        switch run.alignment {
        case .start: shift = 0
        case .middle: shift = metrics.width / 2
        case .end: shift = metrics.width
        }
        let color = run.style.color
        cairo_set_source_rgb(cr, Double(color.red) / 255, Double(color.green) / 255, Double(color.blue) / 255)
        cairo_move_to(cr, -shift - metrics.offsetX, -metrics.baseline - metrics.offsetY)
        pango_cairo_show_layout(cr, layout.pointer)
        cairo_restore(cr)
        try cairo.checkStatus("drawing the text '\(run.text)'")
    }
}

extension TextEngine {
    /// What a thread's engine is used for. Layouts only measure (under the identity transformation);
    /// renderers draw, which sets the context to each drawing's transformation and surface. Keeping
    /// the two apart means a measurement never sees a drawing's state.
    enum Role: String {
        case layout, drawing
    }

    /// The most measurements an engine keeps before starting its cache afresh.
    static let maxCachedMeasures = 50_000

    /// This thread's engine for `role`, created on first use and then reused for every figure the
    /// thread lays out or draws: creating a font map, its fontsets and the fonts' glyph caches costs
    /// far more than laying out a small figure. Pango font maps and contexts are not shared between
    /// threads (one per thread, as Pango asks of threaded programs), so figures on different threads
    /// proceed in parallel. Creation takes `renderLock`, so fontconfig is first loaded by one thread.
    static func reused(_ role: Role) throws(PlotError) -> TextEngine {
        let key = "metapipe.TextEngine.\(role.rawValue)"
        let dictionary = Thread.current.threadDictionary
        if let engine = dictionary[key] as? TextEngine { return engine }
        let engine = try withRenderLock { () throws(PlotError) -> TextEngine in
            let engine = try TextEngine()
            // Loads the font (and fontconfig's configuration) while holding the lock.
            _ = try engine.measure("0", TextStyle(size: 10))
            return engine
        }
        dictionary[key] = engine
        return engine
    }
}

import CCairo
import Foundation

// Every Cairo and Pango object MetaPlot creates is owned by one of the final classes below, which
// destroys it in `deinit`. Constructors check the object's status and throw instead of handing out
// an object in an error state; no C pointer is force-unwrapped.

/// Serialises the creation of text engines (font maps and the first font load through fontconfig).
/// Laying out and drawing need no lock: each thread uses its own engines (`TextEngine.reused`) and
/// its own Cairo surfaces, so figures on different threads run in parallel.
let renderLock = NSLock()

/// Runs `body` while holding `renderLock`.
func withRenderLock<T>(_ body: () throws(PlotError) -> T) throws(PlotError) -> T {
    renderLock.lock()
    defer { renderLock.unlock() }
    return try body()
}

/// Turns a Cairo status into an error naming the step that failed.
func checkCairo(_ status: cairo_status_t, _ step: String) throws(PlotError) {
    guard status == CAIRO_STATUS_SUCCESS else {
        let reason = cairo_status_to_string(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
        throw .renderFailed(detail: "\(step): \(reason)")
    }
}

/// Checks a newly created Cairo object: throws if Cairo returned none, and (after destroying it)
/// if it is in an error state; otherwise hands it back, to be owned by the caller.
func checkCreated(_ pointer: OpaquePointer?, _ what: String, none: String = "none",
                  status: (OpaquePointer) -> cairo_status_t,
                  destroy: (OpaquePointer) -> Void) throws(PlotError) -> OpaquePointer {
    guard let pointer else { throw .renderFailed(detail: "\(what): Cairo returned \(none)") }
    let status = status(pointer)
    guard status == CAIRO_STATUS_SUCCESS else {
        destroy(pointer)
        try checkCairo(status, what)
        throw .renderFailed(detail: what)
    }
    return pointer
}

/// Owns a `cairo_surface_t`.
final class CairoSurface {
    let pointer: OpaquePointer

    /// Takes ownership of a newly created surface; throws (after destroying it) if it is in an error state.
    init(taking pointer: OpaquePointer?, _ what: String) throws(PlotError) {
        self.pointer = try checkCreated(pointer, what, none: "no surface", status: cairo_surface_status,
                                        destroy: cairo_surface_destroy)
    }

    deinit { cairo_surface_destroy(pointer) }

    func checkStatus(_ step: String) throws(PlotError) {
        try checkCairo(cairo_surface_status(pointer), step)
    }

    /// Flushes and finishes the surface (a PDF is written out at this point).
    func finish() throws(PlotError) {
        cairo_surface_flush(pointer)
        try checkStatus("flushing the surface")
        cairo_surface_finish(pointer)
        try checkStatus("finishing the surface")
    }
}

/// Owns a `cairo_t` drawing on a `CairoSurface` (which it keeps alive).
final class CairoContext {
    let pointer: OpaquePointer
    let surface: CairoSurface

    init(surface: CairoSurface) throws(PlotError) {
        self.pointer = try checkCreated(cairo_create(surface.pointer), "creating a drawing context",
                                        status: cairo_status, destroy: cairo_destroy)
        self.surface = surface
    }

    deinit { cairo_destroy(pointer) }

    func checkStatus(_ step: String) throws(PlotError) {
        try checkCairo(cairo_status(pointer), step)
    }
}

/// Owns a `cairo_font_options_t`.
final class CairoFontOptions {
    let pointer: OpaquePointer

    /// Options that make text metrics independent of the output resolution: no hinting of outlines
    /// or metrics, greyscale antialiasing (no colour fringes, identical bytes on every machine).
    init() throws(PlotError) {
        let pointer = try checkCreated(cairo_font_options_create(), "creating font options",
                                       status: cairo_font_options_status, destroy: cairo_font_options_destroy)
        cairo_font_options_set_hint_style(pointer, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_hint_metrics(pointer, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_antialias(pointer, CAIRO_ANTIALIAS_GRAY)
        self.pointer = pointer
    }

    deinit { cairo_font_options_destroy(pointer) }
}

/// Collects the bytes Cairo writes through a `cairo_write_func_t`.
final class ByteSink {
    var bytes: [UInt8] = []

    /// The C callback: `closure` is an unretained `ByteSink`.
    static let write: cairo_write_func_t = { closure, data, length in
        guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
        let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
        guard length > 0 else { return CAIRO_STATUS_SUCCESS }
        guard let data else { return CAIRO_STATUS_WRITE_ERROR }
        sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
        return CAIRO_STATUS_SUCCESS
    }

    /// The closure pointer to hand to Cairo; valid while `self` is alive.
    var closure: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }
}

/// Owns a `PangoFontDescription`.
final class PangoFont {
    let pointer: OpaquePointer

    init(style: TextStyle) throws(PlotError) {
        guard let pointer = pango_font_description_new() else {
            throw .renderFailed(detail: "creating a font description: Pango returned none")
        }
        pango_font_description_set_family(pointer, TextStyle.family)
        pango_font_description_set_weight(pointer, style.weight == .bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
        pango_font_description_set_style(pointer, PANGO_STYLE_NORMAL)
        // Absolute size: in user-space units (points), whatever the context's resolution.
        pango_font_description_set_absolute_size(pointer, style.size * Double(PANGO_SCALE))
        self.pointer = pointer
    }

    deinit { pango_font_description_free(pointer) }
}

/// Owns a GObject reference (Pango font maps, contexts and layouts).
final class GObjectReference<Pointer> {
    let pointer: Pointer
    private let raw: UnsafeMutableRawPointer

    init(taking pointer: Pointer?, raw: (Pointer) -> UnsafeMutableRawPointer, _ what: String) throws(PlotError) {
        guard let pointer else { throw .renderFailed(detail: "\(what): Pango returned none") }
        self.pointer = pointer
        self.raw = raw(pointer)
    }

    deinit { g_object_unref(raw) }
}

import CCairo

/// Draws a `PlotLayout` through Cairo: a dumb interpreter that paints the elements in order.
/// Each thread draws with its own text engine, so figures render in parallel.
enum CairoRenderer {
    /// An RGB image of the layout at `dpi`.
    static func image(_ layout: PlotLayout, dpi: Double) throws(PlotError) -> CairoSurface {
        let size = Plots.pixelSize(layout, dpi: dpi)
        let surface = try CairoSurface(
            taking: cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(size.width), Int32(size.height)),
            "creating a \(size.width) × \(size.height) pixel image")
        let cairo = try CairoContext(surface: surface)
        cairo_scale(cairo.pointer, size.scale, size.scale)
        try draw(layout, on: cairo)
        cairo_surface_flush(surface.pointer)
        try surface.checkStatus("drawing the image")
        return surface
    }

    /// PNG bytes at `dpi` (see `PNGWriter`).
    static func png(_ layout: PlotLayout, dpi: Double) throws(PlotError) -> [UInt8] {
        try PNGWriter.encode(try image(layout, dpi: dpi))
    }

    /// The pixels of the layout at `dpi`, as 0x00RRGGBB values row by row (for checking what was
    /// drawn where).
    static func raster(_ layout: PlotLayout, dpi: Double) throws(PlotError) -> Raster {
        let surface = try image(layout, dpi: dpi)
        let width = Int(cairo_image_surface_get_width(surface.pointer))
        let height = Int(cairo_image_surface_get_height(surface.pointer))
        let stride = Int(cairo_image_surface_get_stride(surface.pointer))
        guard let data = cairo_image_surface_get_data(surface.pointer) else {
            throw .renderFailed(detail: "reading the image: Cairo gave no pixel data")
        }
        var pixels: [UInt32] = []
        pixels.reserveCapacity(width * height)
        for row in 0..<height {
            let start = UnsafeRawPointer(data + row * stride)
            for column in 0..<width {
                pixels.append(start.loadUnaligned(fromByteOffset: column * 4, as: UInt32.self) & 0x00ff_ffff)
            }
        }
        return Raster(width: width, height: height, pixels: pixels)
    }

    /// PDF bytes, one page of the layout's size in points (scaled down to `Plots.maxPDFPageSide`
    /// if larger), text embedded as text. Cairo's default creation date (the current time) is
    /// removed so that the same layout gives the same bytes.
    static func pdf(_ layout: PlotLayout) throws(PlotError) -> [UInt8] {
        let sink = ByteSink()
        let scale = min(1, Plots.maxPDFPageSide / max(layout.width, layout.height))
        try withExtendedLifetime(sink) { () throws(PlotError) in
            let surface = try CairoSurface(
                taking: cairo_pdf_surface_create_for_stream(ByteSink.write, sink.closure,
                                                            layout.width * scale, layout.height * scale),
                "creating a PDF")
            cairo_pdf_surface_set_metadata(surface.pointer, CAIRO_PDF_METADATA_CREATE_DATE, nil)
            cairo_pdf_surface_set_metadata(surface.pointer, CAIRO_PDF_METADATA_MOD_DATE, nil)
            cairo_pdf_surface_set_metadata(surface.pointer, CAIRO_PDF_METADATA_CREATOR, "metapipe")
            try surface.checkStatus("setting the PDF metadata")
            do {
                let cairo = try CairoContext(surface: surface)
                cairo_scale(cairo.pointer, scale, scale)
                try draw(layout, on: cairo)
                cairo_show_page(cairo.pointer)
                try cairo.checkStatus("finishing the PDF page")
            }
            try surface.finish()
        }
        guard sink.bytes.starts(with: Array("%PDF".utf8)) else {
            throw .renderFailed(detail: "writing the PDF: Cairo wrote no document")
        }
        return sink.bytes
    }

    /// Paints a white page, then every element in order.
    static func draw(_ layout: PlotLayout, on cairo: CairoContext) throws(PlotError) {
        let cr = cairo.pointer
        let engine = try TextEngine.reused(.drawing)
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
        for element in layout.elements {
            switch element {
            case .line(let line):
                cairo_move_to(cr, line.from.x, line.from.y)
                cairo_line_to(cr, line.to.x, line.to.y)
                stroke(line.stroke, cr)
            case .rect(let rect):
                cairo_rectangle(cr, rect.rect.x, rect.rect.y, rect.rect.width, rect.rect.height)
                paint(fill: rect.fill, stroke: rect.stroke, cr)
            case .polygon(let polygon):
                guard let first = polygon.points.first else { continue }
                cairo_move_to(cr, first.x, first.y)
                for point in polygon.points.dropFirst() { cairo_line_to(cr, point.x, point.y) }
                cairo_close_path(cr)
                paint(fill: polygon.fill, stroke: polygon.stroke, cr)
            case .circle(let circle):
                cairo_new_sub_path(cr)
                cairo_arc(cr, circle.centre.x, circle.centre.y, circle.radius, 0, 2 * Double.pi)
                cairo_close_path(cr)
                paint(fill: circle.fill, stroke: circle.stroke, cr)
            case .image(let image):
                let surface = try imageSurface(image)
                cairo_save(cr)
                cairo_rectangle(cr, image.rect.x, image.rect.y, image.rect.width, image.rect.height)
                cairo_clip(cr)
                cairo_translate(cr, image.rect.x, image.rect.y)
                cairo_scale(cr, image.rect.width / Double(image.columns), image.rect.height / Double(image.rows))
                cairo_set_source_surface(cr, surface.pointer, 0, 0)
                cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
                cairo_paint(cr)
                cairo_restore(cr)
            case .text(let run):
                try engine.draw(run, on: cairo)
            }
            try cairo.checkStatus("drawing the plot")
        }
    }

    /// The pixels of an image element as a Cairo image surface.
    static func imageSurface(_ image: ImageElement) throws(PlotError) -> CairoSurface {
        guard image.columns > 0, image.rows > 0, image.pixels.count == image.columns * image.rows else {
            throw .pixelCount(columns: image.columns, rows: image.rows, pixels: image.pixels.count)
        }
        let surface = try CairoSurface(
            taking: cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(image.columns), Int32(image.rows)),
            "creating a \(image.columns) × \(image.rows) pixel image")
        cairo_surface_flush(surface.pointer)
        let stride = Int(cairo_image_surface_get_stride(surface.pointer))
        guard let data = cairo_image_surface_get_data(surface.pointer) else {
            throw .renderFailed(detail: "filling an image: Cairo gave no pixel data")
        }
        for row in 0..<image.rows {
            let start = UnsafeMutableRawPointer(data + row * stride)
            for column in 0..<image.columns {
                start.storeBytes(of: image.pixels[row * image.columns + column] | 0xff00_0000, toByteOffset: column * 4, as: UInt32.self)
            }
        }
        cairo_surface_mark_dirty(surface.pointer)
        return surface
    }

    /// An image element's pixels as PNG bytes (for the SVG writer, which embeds them).
    static func png(_ image: ImageElement) throws(PlotError) -> [UInt8] {
        let surface = try imageSurface(image)
        let sink = ByteSink()
        let status = withExtendedLifetime(sink) {
            cairo_surface_write_to_png_stream(surface.pointer, ByteSink.write, sink.closure)
        }
        try checkCairo(status, "writing an embedded PNG")
        return sink.bytes
    }

    private static func setColor(_ color: PlotColor, _ cr: OpaquePointer) {
        cairo_set_source_rgb(cr, Double(color.red) / 255, Double(color.green) / 255, Double(color.blue) / 255)
    }

    private static func stroke(_ style: StrokeStyle, _ cr: OpaquePointer) {
        setColor(style.color, cr)
        cairo_set_line_width(cr, style.width)
        if style.dash.isEmpty {
            cairo_set_dash(cr, nil, 0, 0)
        } else {
            style.dash.withUnsafeBufferPointer { dashes in
                cairo_set_dash(cr, dashes.baseAddress, Int32(dashes.count), 0)
            }
        }
        cairo_stroke(cr)
    }

    private static func paint(fill: PlotColor?, stroke style: StrokeStyle?, _ cr: OpaquePointer) {
        if let fill {
            setColor(fill, cr)
            if style != nil { cairo_fill_preserve(cr) } else { cairo_fill(cr) }
        }
        if let style {
            stroke(style, cr)
        } else if fill == nil {
            cairo_new_path(cr)
        }
    }
}

/// Rendered pixels, row by row, each 0x00RRGGBB.
struct Raster: Sendable {
    var width: Int
    var height: Int
    var pixels: [UInt32]

    func pixel(x: Int, y: Int) -> UInt32 { pixels[y * width + x] }
}

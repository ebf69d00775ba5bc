import CCairo

/// PNG files from Cairo's RGB24 image surfaces, written here rather than with
/// `cairo_surface_write_to_png_stream`: libpng's adaptive filter choice and zlib's default level
/// took most of a figure's time. Figures are mostly flat colour, so rows are stored unfiltered and
/// compressed with zlib at a fast level; an image of at most 256 colours (most figures) is stored
/// with a palette, a third of the bytes to compress. The same pixels always give the same bytes
/// (the palette lists colours in the order they first appear, row by row).
enum PNGWriter {
    /// zlib's level: 1–3 are its fast strategy, and 3 compresses these images nearly as well as the default.
    static let level: Int32 = 3

    static func encode(_ surface: CairoSurface) throws(PlotError) -> [UInt8] {
        let width = Int(cairo_image_surface_get_width(surface.pointer))
        let height = Int(cairo_image_surface_get_height(surface.pointer))
        let stride = Int(cairo_image_surface_get_stride(surface.pointer))
        guard width > 0, height > 0, let data = cairo_image_surface_get_data(surface.pointer) else {
            throw .renderFailed(detail: "writing the PNG: Cairo gave no pixel data")
        }
        let base = UnsafeRawPointer(data)
        let palette = Self.palette(base, width: width, height: height, stride: stride)
        let bytesPerPixel = palette == nil ? 3 : 1
        let rowBytes = 1 + width * bytesPerPixel
        var raw = [UInt8](repeating: 0, count: rowBytes * height)
        raw.withUnsafeMutableBufferPointer { out in
            var o = 0
            for y in 0..<height {
                out[o] = 0   // filter: none
                o += 1
                let row = base + y * stride
                if let palette {
                    for x in 0..<width {
                        let colour = row.loadUnaligned(fromByteOffset: x * 4, as: UInt32.self) & 0x00ff_ffff
                        out[o] = palette.index(colour)
                        o += 1
                    }
                } else {
                    for x in 0..<width {
                        let colour = row.loadUnaligned(fromByteOffset: x * 4, as: UInt32.self)
                        out[o] = UInt8(truncatingIfNeeded: colour >> 16)
                        out[o + 1] = UInt8(truncatingIfNeeded: colour >> 8)
                        out[o + 2] = UInt8(truncatingIfNeeded: colour)
                        o += 3
                    }
                }
            }
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        // Bit depth 8; colour type 3 (palette) or 2 (RGB); deflate; filter method 0; no interlace.
        header += [8, palette == nil ? 2 : 3, 0, 0, 0]
        chunk("IHDR", header, into: &png)
        if let palette {
            var plte: [UInt8] = []
            for colour in palette.colours {
                plte += [UInt8(truncatingIfNeeded: colour >> 16), UInt8(truncatingIfNeeded: colour >> 8), UInt8(truncatingIfNeeded: colour)]
            }
            chunk("PLTE", plte, into: &png)
        }
        chunk("IDAT", try deflate(raw), into: &png)
        chunk("IEND", [], into: &png)
        return png
    }

    /// The image's colours when there are at most 256 of them.
    static func palette(_ base: UnsafeRawPointer, width: Int, height: Int, stride: Int) -> Palette? {
        var palette = Palette()
        var last: UInt32 = 0xffff_ffff
        for y in 0..<height {
            let row = base + y * stride
            for x in 0..<width {
                let colour = row.loadUnaligned(fromByteOffset: x * 4, as: UInt32.self) & 0x00ff_ffff
                if colour == last { continue }
                last = colour
                if !palette.insert(colour) { return nil }
            }
        }
        return palette
    }

    /// Up to 256 colours in the order of their first appearance, with an open-addressing table to
    /// find a colour's index.
    struct Palette {
        var colours: [UInt32] = []
        /// 1024 slots: colour + 1 << 32 marks a used slot, the index in the low byte of `indexes`.
        var keys = [UInt64](repeating: 0, count: 1024)
        var indexes = [UInt8](repeating: 0, count: 1024)

        static func slot(_ colour: UInt32) -> Int { Int((colour &* 2_654_435_761) >> 22) }

        /// Adds a colour; false when the palette is full.
        mutating func insert(_ colour: UInt32) -> Bool {
            let key = UInt64(colour) | (1 << 32)
            var s = Self.slot(colour)
            while keys[s] != 0 {
                if keys[s] == key { return true }
                s = (s + 1) & 1023
            }
            guard colours.count < 256 else { return false }
            keys[s] = key
            indexes[s] = UInt8(colours.count)
            colours.append(colour)
            return true
        }

        func index(_ colour: UInt32) -> UInt8 {
            let key = UInt64(colour) | (1 << 32)
            var s = Self.slot(colour)
            while keys[s] != key { s = (s + 1) & 1023 }
            return indexes[s]
        }
    }

    static func deflate(_ raw: [UInt8]) throws(PlotError) -> [UInt8] {
        var size = compressBound(uLong(raw.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { o in
            raw.withUnsafeBufferPointer { r in compress2(o.baseAddress, &size, r.baseAddress, uLong(r.count), level) }
        }
        guard status == Z_OK else { throw .renderFailed(detail: "writing the PNG: zlib failed (\(status))") }
        out.removeSubrange(Int(size)...)
        return out
    }

    static func chunk(_ type: String, _ body: [UInt8], into png: inout [UInt8]) {
        png.appendBigEndian(UInt32(body.count))
        let typed = Array(type.utf8) + body
        png += typed
        let crc = typed.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        png.appendBigEndian(UInt32(truncatingIfNeeded: crc))
    }
}

private extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }
}

import CCairo

/// The renderer's identity, part of every plot stage's cache key.
public enum MetaPlotVersion {
    public static var cairo: String { String(cString: cairo_version_string()) }
    public static var pango: String { String(cString: pango_version_string()) }
}

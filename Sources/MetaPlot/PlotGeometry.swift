/// Clipping of shapes to a rectangle (the plot area of a funnel plot).
enum PlotGeometry {
    /// The part of a convex or concave polygon inside `rect` (Sutherland–Hodgman); empty if none.
    static func clip(_ polygon: [PlotPoint], to rect: PlotRect) -> [PlotPoint] {
        typealias Edge = (inside: (PlotPoint) -> Bool, cross: (PlotPoint, PlotPoint) -> PlotPoint)
        func atX(_ x: Double) -> (PlotPoint, PlotPoint) -> PlotPoint {
            { a, b in PlotPoint(x: x, y: a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x)) }
        }
        func atY(_ y: Double) -> (PlotPoint, PlotPoint) -> PlotPoint {
            { a, b in PlotPoint(x: a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y), y: y) }
        }
        let edges: [Edge] = [
            ({ $0.x >= rect.minX }, atX(rect.minX)),
            ({ $0.x <= rect.maxX }, atX(rect.maxX)),
            ({ $0.y >= rect.minY }, atY(rect.minY)),
            ({ $0.y <= rect.maxY }, atY(rect.maxY)),
        ]
        var output = polygon
        for edge in edges {
            guard let last = output.last else { return [] }
            let input = output
            output = []
            var previous = last
            for point in input {
                if edge.inside(point) {
                    if !edge.inside(previous) { output.append(edge.cross(previous, point)) }
                    output.append(point)
                } else if edge.inside(previous) {
                    output.append(edge.cross(previous, point))
                }
                previous = point
            }
        }
        return output
    }

    /// The part of the segment from `a` to `b` inside `rect` (Liang–Barsky); nil if none.
    static func clip(_ a: PlotPoint, _ b: PlotPoint, to rect: PlotRect) -> (PlotPoint, PlotPoint)? {
        var t0 = 0.0, t1 = 1.0
        let dx = b.x - a.x, dy = b.y - a.y
        let checks = [(-dx, a.x - rect.minX), (dx, rect.maxX - a.x), (-dy, a.y - rect.minY), (dy, rect.maxY - a.y)]
        for (p, q) in checks {
            if p == 0 {
                if q < 0 { return nil }
                continue
            }
            let t = q / p
            if p < 0 { t0 = max(t0, t) } else { t1 = min(t1, t) }
            if t0 > t1 { return nil }
        }
        return (PlotPoint(x: a.x + t0 * dx, y: a.y + t0 * dy), PlotPoint(x: a.x + t1 * dx, y: a.y + t1 * dy))
    }
}

import Foundation

/// The shapes of the procedural world, as unit-size outlines and signed distances. Chosen to
/// have distinct silhouettes at 24x24 (no pentagon beside a hexagon beside a circle).
public enum ShapeKind: Int, CaseIterable, Sendable {
    case circle, triangle, square, diamond, ring, bar, star, cross

    public var baseName: String {
        ["circle", "triangle", "square", "diamond", "ring", "bar", "star", "cross"][rawValue]
    }

    /// Vertices of the outline, radius about 1, centred at the origin (nil for the circle).
    var polygon: [(Double, Double)]? {
        func regular(_ n: Int, _ phase: Double, _ r: Double = 1) -> [(Double, Double)] {
            (0..<n).map { k in
                let a = phase + 2 * Double.pi * Double(k) / Double(n)
                return (r * cos(a), r * sin(a))
            }
        }
        switch self {
        case .circle, .ring: return nil
        case .triangle: return regular(3, -Double.pi / 2)
        case .square: return regular(4, Double.pi / 4, 1.1)
        case .diamond: return [(0, -1.1), (0.7, 0), (0, 1.1), (-0.7, 0)]
        case .bar: return [(-1.1, -0.4), (1.1, -0.4), (1.1, 0.4), (-1.1, 0.4)]
        case .star:
            return (0..<10).map { k in
                let a = -Double.pi / 2 + Double.pi * Double(k) / 5
                let r = k % 2 == 0 ? 1.15 : 0.48
                return (r * cos(a), r * sin(a))
            }
        case .cross:
            let w = 0.36, l = 1.0
            return [(-w, -l), (w, -l), (w, -w), (l, -w), (l, w), (w, w), (w, l), (-w, l), (-w, w), (-l, w), (-l, -w), (-w, -w)]
        }
    }
}

/// Signed distance from a point to a shape of unit size: negative inside.
struct ShapeSDF {
    let kind: ShapeKind
    private let xs: [Double]
    private let ys: [Double]

    init(_ kind: ShapeKind) {
        self.kind = kind
        let p = kind.polygon ?? []
        xs = p.map(\.0)
        ys = p.map(\.1)
    }

    @inline(__always)
    func distance(_ px: Double, _ py: Double) -> Double {
        if kind == .circle { return (px * px + py * py).squareRoot() - 1 }
        if kind == .ring { return abs((px * px + py * py).squareRoot() - 0.72) - 0.3 }
        // Distance to the nearest edge; the sign flips each time a ray crosses an edge
        // (winding by crossing count, valid for any simple polygon, convex or not).
        let n = xs.count
        var best = Double.infinity
        var inside = false
        var j = n - 1
        for i in 0..<n {
            let ex = xs[j] - xs[i], ey = ys[j] - ys[i]
            let wx = px - xs[i], wy = py - ys[i]
            let t = max(0, min(1, (wx * ex + wy * ey) / (ex * ex + ey * ey)))
            let bx = wx - ex * t, by = wy - ey * t
            best = min(best, bx * bx + by * by)
            let c1 = py >= ys[i], c2 = py < ys[j], c3 = ex * wy > ey * wx
            if (c1 && c2 && c3) || (!c1 && !c2 && !c3) { inside.toggle() }
            j = i
        }
        let d = best.squareRoot()
        return inside ? -d : d
    }
}

import Analysis
import Foundation

extension Charts {
    /// Order cost against an outcome, one dot per order; the guided (cheapest) order, the best
    /// and the worst orders drawn larger and named in the legend below the axes.
    static func orderingScatter(_ parent: Element, label: String, yLabel: String, analysis a: OrderingValidation.Analysis) {
        var f = Frame()
        f.bottom = 92
        f.height = 308
        let pts = a.orders.map { ($0.cost, $0.outcome.estimate) }
        let (xlo, xhi) = range(pts.map(\.0)), (ylo, yhi) = range(pts.map(\.1))
        let svg = parent.addSVG(width: f.width, height: f.height, label: label)
        let y = yAxis(svg, f, lo: ylo, hi: yhi, label: yLabel)
        let x = { (v: Double) in f.left + f.plotWidth * (v - xlo) / max(xhi - xlo, 1e-12) }
        let base = f.top + f.plotHeight
        svg.add("line", ["class": "axis", "x1": fmt(f.left), "x2": fmt(f.width - f.right), "y1": fmt(base), "y2": fmt(base)])
        for k in 0...4 {
            let v = xlo + (xhi - xlo) * Double(k) / 4
            svg.add("text", ["x": fmt(x(v)), "y": fmt(base + 14), "text-anchor": "middle"], text: fmt(v, 3))
        }
        svg.add("text", ["x": fmt(f.left + f.plotWidth / 2), "y": fmt(base + 30), "text-anchor": "middle"], text: "order cost C(π) at the pretrained model")
        for p in pts { svg.add("circle", ["cx": fmt(x(p.0)), "cy": fmt(y(p.1)), "r": "2.5", "fill": palette[0], "fill-opacity": "0.45"]) }
        let marks: [(String, OrderingValidation.PerOrder, String)] = [("guided", a.guided, palette[1]), ("best", a.best, palette[2]), ("worst", a.worst, palette[3])]
        for (k, m) in marks.enumerated() {
            let (name, o, colour) = m
            svg.add("circle", ["cx": fmt(x(o.cost)), "cy": fmt(y(o.outcome.estimate)), "r": "\(6 - k)", "fill": "none", "stroke": colour, "stroke-width": "2"])
            let ly = base + 46 + Double(k) * 15
            svg.add("circle", ["cx": fmt(f.left + 6), "cy": fmt(ly - 4), "r": "4", "fill": "none", "stroke": colour, "stroke-width": "2"])
            svg.add("text", ["x": fmt(f.left + 16), "y": fmt(ly)],
                    text: "\(name): \(o.order.joined(separator: " > ")) (cost \(fmt(o.cost, 3)), \(fmt(o.outcome.estimate, 3)))")
        }
    }
}
